// Starts Debian's rbldnsd (the daemon real DNSBLs run) on a free loopback UDP
// port, serving zone files from a directory, for tests and the benchmark.
//
//   const dns = await startRbldnsd(ZONES_DIR, ['bl.test:ip4set:ip.zone', ...]);
//   ... resolver pointed at { host: '127.0.0.1', port: dns.port } ...
//   await dns.stop();
//
// rbldnsd refuses to run as root, so as root it drops to the `rbldns` user the
// package creates (or nobody); the zone files must then be world-readable.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from './tools';

export interface RunningRbldnsd {
  host: string;
  port: number;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

function dropUser(): string[] {
  if (process.getuid?.() !== 0) return [];
  const res = spawnSync('id', ['-u', 'rbldns'], { encoding: 'utf8' });
  return ['-u', res.status === 0 ? 'rbldns' : '65534:65534'];
}

/** Makes the directory and its files readable by the unprivileged rbldnsd user. */
function makeWorldReadable(dir: string): void {
  chmodSync(dir, statSync(dir).mode | 0o755);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    chmodSync(p, st.mode | (st.isDirectory() ? 0o755 : 0o644));
  }
}

/**
 * Starts rbldnsd with `zones` (`zone:type:file[,file]`, relative to `dir`) and
 * resolves once it answers. `extraArgs` are passed before the zone specs
 * (e.g. ['-t', '60']); the default TTL is 60 s and data files are re-read every second.
 */
export async function startRbldnsd(dir: string, zones: string[], extraArgs: string[] = []): Promise<RunningRbldnsd> {
  const bin = requireTool('rbldnsd');
  makeWorldReadable(dir);
  const port = await freeUdpPort();
  const args = ['-n', ...dropUser(), '-b', `127.0.0.1/${port}`, '-w', dir, '-t', '60', '-c', '1', ...extraArgs, ...zones];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => { running.delete(proc); resolve(); }));

  // rbldnsd loads its zones before it binds; poll with a SOA-less probe query
  // until any DNS reply comes back.
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (proc.exitCode !== null) throw new Error(`rbldnsd exited with ${proc.exitCode}: ${out}`);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`rbldnsd did not answer on port ${port}: ${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Sends a minimal query for "probe.invalid A" and reports whether anything answered. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const query = Buffer.from([
      0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      5, ...Buffer.from('probe'), 7, ...Buffer.from('invalid'), 0, 0x00, 0x01, 0x00, 0x01,
    ]);
    const done = (ok: boolean) => { clearTimeout(timer); sock.close(); resolve(ok); };
    const timer = setTimeout(() => done(false), 200);
    sock.on('message', () => done(true));
    sock.on('error', () => done(false));
    sock.send(query, port, '127.0.0.1');
  });
}
