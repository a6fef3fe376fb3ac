// Small pieces shared by the fault and load sections of the benchmark.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** xorshift32: fast and seeded, so a run can be repeated exactly. Returns [0, 1). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

/** Fisher–Yates with the given generator. */
export function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `ok` until it holds; false if the deadline passed first. */
export async function until(ok: () => boolean, timeoutMs: number, intervalMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/** Peak resident set size (VmHWM) of a process, in MiB; undefined once it is gone. */
export function peakRssMiB(pid: number | 'self' = 'self'): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used so far (from /proc/PID/stat); undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** The p-quantile (0–1) of ascending-sorted values. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** 1234567 → "1,234,567". */
export const n = (x: number) => x.toLocaleString('en');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (x: number) => (x < 10 ? `0${x}` : String(x));

/** A syslog timestamp ("Mar  1 00:00:07") of a UTC time. */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const day = d.getUTCDate();
  return `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A free loopback port (bound and released). */
export function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    } else {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
    }
  });
}

/**
 * rbldnsd on loopback serving `listCount` lists bench0.test … : each lists the
 * canary and every 20th target (5 % listed, a realistic worst case).
 */
export async function startBenchRbldnsd(dir: string, targets: string[], listCount: number): Promise<{ port: number; proc: ChildProcess } | undefined> {
  const rbldnsd = spawnSync('sh', ['-c', 'command -v rbldnsd'], { encoding: 'utf8' }).stdout.trim();
  if (!rbldnsd) return undefined;
  const zones: string[] = [];
  for (let l = 0; l < listCount; l++) {
    const listed = targets.filter((_, i) => (i + l) % 20 === 0);
    writeFileSync(join(dir, `list${l}.zone`), `$TTL 60\n:127.0.0.2:Listed on bench list ${l}: $\n127.0.0.2\n${listed.join('\n')}\n`);
    chmodSync(join(dir, `list${l}.zone`), 0o644);
    zones.push(`bench${l}.test:ip4set:list${l}.zone`);
  }
  const port = await freePort('udp');
  const asRoot = process.getuid?.() === 0 ? ['-u', spawnSync('id', ['-u', 'rbldns']).status === 0 ? 'rbldns' : '65534:65534'] : [];
  const proc = spawn(rbldnsd, ['-n', ...asRoot, '-b', `127.0.0.1/${port}`, '-w', dir, ...zones], { stdio: 'ignore' });
  await sleep(500);
  return { port, proc };
}
