// Scrape load on the real exporter process (dist/src/main.js): while a writer
// process appends generated Postfix lines to the followed log at 100,000
// lines/s and DNSBL rounds (1,000 targets × 30 lists against a local rbldnsd:
// one at start, then a cron every minute) run, 50 concurrent scrapers, each
// with its own keep-alive HTTP agent, scrape /metrics back to back (each asks
// again as soon as it has its answer) for 60 s.
// Afterwards the exporter must have counted every line written.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePostfixLog } from './generate-postfix';
import { cpuSeconds, freePort, n, peakRssMiB, quantile, sleep, startBenchRbldnsd } from './bench-helpers';

const ROOT = join(__dirname, '..', '..');

export interface LoadOptions {
  seconds?: number;
  linesPerSecond?: number;
  scrapers?: number;
  scrapeIntervalMs?: number;
  targets?: number;
  lists?: number;
}


/** GET the URL on the agent's connection; resolves with the status and the body size once it has all arrived. */
function get(url: URL, agent: Agent, timeoutMs: number): Promise<{ status: number; bytes: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => { bytes += d.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The sum of all samples of a family in exposition text (e.g. every source × result of a counter). */
function familySum(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return res.text();
}


export async function benchLoad(opts: LoadOptions = {}): Promise<void> {
  const seconds = opts.seconds ?? 60;
  const rate = opts.linesPerSecond ?? 100_000;
  const scrapers = opts.scrapers ?? 50;
  // Closed loop by default (each scraper asks again as soon as it has its answer, as `hey -c 50` does):
  // 50 requests always in flight. An open loop faster than the server can render only measures the queue.
  const intervalMs = opts.scrapeIntervalMs ?? 0;
  const targetCount = opts.targets ?? 1000;
  const listCount = opts.lists ?? 30;

  const benchDir = join(ROOT, '.bench');
  mkdirSync(benchDir, { recursive: true });
  const source = join(benchDir, 'load-postfix-300000.log');
  if (!existsSync(source)) await generatePostfixLog(source, 300_000, 7);

  const dir = mkdtempSync(join(tmpdir(), 'mailrep-bench-load-'));
  chmodSync(dir, 0o755);
  const log = join(dir, 'mail.log');
  writeFileSync(log, '');
  const targets = Array.from({ length: targetCount }, (_, i) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  const dns = await startBenchRbldnsd(dir, targets, listCount);
  if (!dns) { console.log('\n[load] rbldnsd not installed: skipped'); return; }

  const config = {
    dnsbl: {
      // A round at start, then one every minute (a tick during a round is skipped).
      schedule: '* * * * *',
      resolvers: [`127.0.0.1:${dns.port}`],
      timeout: '2s',
      concurrency: 64,
      lists: Array.from({ length: listCount }, (_, l) => ({ zone: `bench${l}.test`, type: 'ip', canaries: true })),
      targets,
    },
    mail: { sources: [{ path: log, format: 'postfix', start_at: 'beginning' }] },
  };
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, JSON.stringify(config));
  const port = await freePort('tcp');
  const exporter = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js'), `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  exporter.stderr!.on('data', (d) => { stderr += d; });
  const base = `http://127.0.0.1:${port}`;
  const metricsUrl = new URL(`${base}/metrics`);
  let writer: ChildProcess | undefined;
  try {
    const readyBy = Date.now() + 30_000;
    for (;;) {
      try { if ((await fetch(`${base}/-/ready`)).status === 200) break; } catch { /* not listening yet */ }
      if (exporter.exitCode !== null || Date.now() > readyBy) throw new Error(`exporter did not become ready:\n${stderr}`);
      await sleep(50);
    }
    const pid = exporter.pid!;
    const cpu0 = cpuSeconds(pid) ?? 0;
    const roundsBefore = (stderr.match(/DNSBL round done/g) ?? []).length;
    const began = performance.now();

    writer = spawn(process.execPath, [join(__dirname, 'load-writer.js'), source, log, String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let writerOut = '';
    writer.stdout!.on('data', (d) => { writerOut += d; });
    const writerDone = new Promise<void>((resolve) => writer!.on('exit', () => resolve()));

    const latencies: number[] = [];
    const failures = new Map<string, number>();
    let bytes = 0;
    const endAt = began + seconds * 1000;
    const scraper = async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (performance.now() < endAt) {
          const t = performance.now();
          try {
            const r = await get(metricsUrl, agent, 10_000);
            if (r.status === 200) { latencies.push(performance.now() - t); bytes += r.bytes; }
            else failures.set(`HTTP ${r.status}`, (failures.get(`HTTP ${r.status}`) ?? 0) + 1);
          } catch (err) {
            const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
            failures.set(why, (failures.get(why) ?? 0) + 1);
          }
          const wait = intervalMs - (performance.now() - t);
          if (wait > 0) await sleep(Math.min(wait, endAt - performance.now()));
        }
      } finally {
        agent.destroy();
      }
    };
    await Promise.all(Array.from({ length: scrapers }, scraper));
    const windowSeconds = (performance.now() - began) / 1000;
    const cpuWindow = (cpuSeconds(pid) ?? cpu0) - cpu0;
    const rssWindow = peakRssMiB(pid);
    const roundsInWindow = (stderr.match(/DNSBL round done/g) ?? []).length - roundsBefore;
    await writerDone;
    const { written, seconds: writerSeconds } = JSON.parse(writerOut) as { written: number; seconds: number };

    // Catch-up: poll until the exporter counted every line written (or give up after 120 s).
    const catchBegan = performance.now();
    let counted = 0;
    for (;;) {
      counted = familySum(await fetchText(metricsUrl.href), 'mailrep_log_lines_total');
      if (counted >= written || performance.now() - catchBegan > 120_000) break;
      await sleep(100);
    }
    const catchUp = (performance.now() - catchBegan) / 1000;
    const cpuTotal = (cpuSeconds(pid) ?? cpu0) - cpu0;
    const rss = peakRssMiB(pid);
    const roundLines = stderr.split('\n').filter((l) => l.includes('DNSBL round done'));
    const rounds = roundLines.length - roundsBefore;
    const roundSeconds = roundLines.map((l) => /seconds=([\d.]+)/.exec(l)?.[1]).filter((s): s is string => s !== undefined).map(Number);
    const done = roundSeconds.slice(roundsBefore).map((s) => `${s.toFixed(1)} s`).join(', ');
    const skipped = (stderr.match(/previous DNSBL round still running/g) ?? []).length;
    const failed = [...failures.values()].reduce((a, b) => a + b, 0);
    latencies.sort((a, b) => a - b);

    console.log(`\n[load] real exporter: writer at ${n(rate)} lines/s, DNSBL rounds of ${n(targetCount)} targets × ${listCount} lists (start + every minute), ${scrapers} scrapers (own keep-alive agent each, ${intervalMs > 0 ? `every ${intervalMs} ms start to start` : `back to back: ${scrapers} requests always in flight`}) for ${seconds} s`);
    console.log(`  scrapes: ${n(latencies.length)} ok, ${n(failed)} failed${failed ? ` (${[...failures].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}, ${(latencies.length / windowSeconds).toFixed(0)}/s, ${(bytes / Math.max(1, latencies.length) / 1048576).toFixed(2)} MiB each; latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${latencies.length ? latencies[latencies.length - 1].toFixed(1) : '?'} ms`);
    console.log(`  lines: ${n(written)} written in ${writerSeconds.toFixed(1)} s (${n(Math.round(written / writerSeconds))} lines/s), ${n(counted)} counted by the exporter${counted === written ? '' : ` (${counted > written ? '+' : ''}${n(counted - written)})`}, caught up ${catchUp.toFixed(1)} s after the writer stopped`);
    console.log(`  DNSBL rounds completed: ${roundsInWindow} in the window, ${rounds} by the end (${done || 'none'}), ${roundsBefore} before the window; ${skipped} scheduled ticks skipped (a round still running)`);
    console.log(`  exporter: CPU ${cpuWindow.toFixed(1)} s in the ${windowSeconds.toFixed(0)} s window (${((cpuWindow / windowSeconds) * 100).toFixed(0)} % of one core), ${cpuTotal.toFixed(1)} s with the catch-up; peak RSS ${rssWindow?.toFixed(1) ?? '?'} MiB in the window, ${rss?.toFixed(1) ?? '?'} MiB at the end`);
    console.log(`  goal no failed scrape: ${failed === 0 ? 'met' : 'NOT met'}; p99 ${quantile(latencies, 0.99).toFixed(1)} ms; every line counted: ${counted === written ? 'yes' : 'NO'}; a DNSBL round in the window: ${roundsInWindow > 0 ? 'yes' : 'NO'}`);
  } finally {
    if (writer && writer.exitCode === null) writer.kill('SIGTERM');
    exporter.kill('SIGTERM');
    dns.proc.kill('SIGTERM');
    await new Promise<void>((resolve) => { if (exporter.exitCode !== null) resolve(); else exporter.on('exit', () => resolve()); });
    rmSync(dir, { recursive: true, force: true });
  }
}
