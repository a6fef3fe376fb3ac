// Starts the real built exporter (dist/src/main.js) as a child process on a
// free loopback port, the way a user runs it. `npm test` builds first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';

export const REPO_ROOT = join(__dirname, '..', '..');
export const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'main.js');

export interface RunningExporter {
  port: number;
  url: string;
  proc: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

export interface StartExporterOptions {
  cwd?: string;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** 'https' when the web config enables TLS; the returned url uses it. Default 'http'. */
  scheme?: 'http' | 'https';
  /**
   * Whether the exporter is ready, given its url. Default: GET /-/ready with
   * fetch answers 200. Needed when TLS or basic auth is on.
   */
  probeReady?: (url: string) => Promise<boolean>;
}

export async function startExporter(args: string[], opts: StartExporterOptions = {}): Promise<RunningExporter> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" (npm test does it)`);
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN_JS, `--web.listen-address=127.0.0.1:${port}`, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => { running.delete(proc); resolve(code); }));
  const url = `${opts.scheme ?? 'http'}://127.0.0.1:${port}`;
  const probeReady = opts.probeReady ?? (async (u: string) => (await fetch(`${u}/-/ready`)).status === 200);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`exporter exited with ${proc.exitCode}:\n${out}`);
    try {
      if (await probeReady(url)) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`exporter not ready within timeout:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url,
    proc,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs the exporter to completion (for --check-config, --version, bad flags). */
export function runExporter(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [MAIN_JS, ...args], { cwd: opts.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function scrape(url: string, path = '/metrics'): Promise<string> {
  const res = await fetch(url + path);
  if (res.status !== 200) throw new Error(`scrape ${path}: HTTP ${res.status}`);
  return res.text();
}

/** The value of one sample in exposition text, e.g. sampleValue(text, 'mailrep_x{a="b"}'). */
export function sampleValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1).split(' ')[0]);
  }
  return undefined;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) { last = err; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
