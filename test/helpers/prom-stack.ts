// The Prometheus side of the tests: promtool and amtool runs, a PromQL scanner
// for the lint checks, the rule-file shortener of the end-to-end test, and a
// real Prometheus + Alertmanager + webhook listener on free loopback ports.
//
//   const stack = await startPromStack({ dir, ruleFiles, scrapeTargets: [{ job, targets }] });
//   const alert = await stack.webhook.waitForAlert('firing', (a) => a.labels.alertname === 'X');
//   await stack.stop();
//
// Everything runs the Debian packages (prometheus, prometheus-alertmanager);
// nothing is mocked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports';
import { requireTool } from './tools';

export const REPO_ROOT = join(__dirname, '..', '..');
export const ALERTS_DIR = join(REPO_ROOT, 'alerts');
export const ALERT_TESTS_DIR = join(ALERTS_DIR, 'tests');

/** The shipped rule files (alerts/*.rules.yml) and their promtool unit tests. */
export function ruleFiles(): string[] {
  return readdirSync(ALERTS_DIR).filter((f) => f.endsWith('.rules.yml')).sort().map((f) => join(ALERTS_DIR, f));
}
export function ruleTestFiles(): string[] {
  return readdirSync(ALERT_TESTS_DIR).filter((f) => f.endsWith('.test.yml')).sort().map((f) => join(ALERT_TESTS_DIR, f));
}

// ---- promtool / amtool ------------------------------------------------------

export interface ToolResult { status: number | null; output: string }

export function runTool(name: string, args: string[], opts: { cwd?: string; input?: string } = {}): ToolResult {
  const res = spawnSync(requireTool(name), args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', timeout: 60_000 });
  if (res.error) throw res.error;
  return { status: res.status, output: `${res.stdout}${res.stderr}`.trim() };
}

export const promtool = (args: string[], opts: { cwd?: string } = {}) => runTool('promtool', args, opts);
export const amtool = (args: string[], opts: { cwd?: string } = {}) => runTool('amtool', args, opts);

// ---- PromQL scanning ----------------------------------------------------------
// Just enough of PromQL to find every vector selector with its matchers, its
// range and the function it is a direct argument of; `promtool check rules`
// decides whether an expression is valid at all.

export interface PromqlMatcher { name: string; op: '=' | '!=' | '=~' | '!~'; value: string }

export interface PromqlSelector {
  /** Metric name; undefined for a selector of matchers only (`{__name__=~"…"}`). */
  metric?: string;
  matchers: PromqlMatcher[];
  /** Text inside `[…]` when it is a range (matrix) selector or a subquery on it, e.g. "5m", "$__rate_interval", "7d:1h". */
  range?: string;
  /** The function or aggregation it is a direct argument of ('' at top level or in plain parentheses). */
  parentCall: string;
}

type TokenKind = 'ident' | 'string' | 'number' | 'var' | 'punct' | 'op';
interface Token { kind: TokenKind; text: string; value: string }

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'atan2', 'start', 'end', ...LABEL_LIST_KEYWORDS, ...AGGREGATIONS]);
const OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '<', '>', '=', '+', '-', '*', '/', '%', '^', '@', ':'];
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+(?:ms|[smhdwy]))+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const IDENT = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const VARIABLE = /^\$(?:\{[^}]+\}|\w+)/;

function unescapeString(raw: string): string {
  const quote = raw[0];
  const body = raw.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c);
}

export function tokenizePromql(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { while (i < expr.length && expr[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= expr.length) throw new Error(`unterminated string at ${i} in ${expr}`);
      const text = expr.slice(i, j + 1);
      tokens.push({ kind: 'string', text, value: unescapeString(text) });
      i = j + 1;
      continue;
    }
    const rest = expr.slice(i);
    let m = VARIABLE.exec(rest);
    if (m) { tokens.push({ kind: 'var', text: m[0], value: m[0] }); i += m[0].length; continue; }
    m = NUMBER.exec(rest);
    if (m) { tokens.push({ kind: 'number', text: m[0], value: m[0] }); i += m[0].length; continue; }
    m = IDENT.exec(rest);
    if (m) { tokens.push({ kind: 'ident', text: m[0], value: m[0] }); i += m[0].length; continue; }
    if ('(){}[],'.includes(c)) { tokens.push({ kind: 'punct', text: c, value: c }); i++; continue; }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) { tokens.push({ kind: 'op', text: op, value: op }); i += op.length; continue; }
    throw new Error(`unexpected character ${JSON.stringify(c)} at ${i} in ${expr}`);
  }
  return tokens;
}

/** Every vector selector of a PromQL expression (Grafana variables may appear where PromQL takes a duration or a string). */
export function extractSelectors(expr: string): PromqlSelector[] {
  const t = tokenizePromql(expr);
  const out: PromqlSelector[] = [];
  const frames: { kind: 'call' | 'group' | 'labels'; name: string }[] = [];
  let pendingAggregation: string | undefined;
  const is = (k: number, text: string) => t[k]?.kind !== 'string' && t[k]?.text === text;
  const parentCall = () => {
    const top = frames[frames.length - 1];
    return top?.kind === 'call' ? top.name : '';
  };
  /** Reads `{…}` starting at k; returns the index after `}`. */
  const readMatchers = (k: number, into: PromqlMatcher[]): number => {
    k++;
    while (!is(k, '}')) {
      if (k >= t.length) throw new Error(`unterminated matchers in ${expr}`);
      if (is(k, ',')) { k++; continue; }
      const name = t[k], op = t[k + 1], value = t[k + 2];
      if (name?.kind !== 'ident' || op?.kind !== 'op' || value?.kind !== 'string' || !['=', '!=', '=~', '!~'].includes(op.text)) {
        throw new Error(`bad label matcher near ${name?.text ?? 'end'} in ${expr}`);
      }
      into.push({ name: name.text, op: op.text as PromqlMatcher['op'], value: value.value });
      k += 3;
    }
    return k + 1;
  };
  /** Reads `[…]` starting at k; returns [text inside, index after `]`]. */
  const readRange = (k: number): [string, number] => {
    let j = k + 1;
    const parts: string[] = [];
    while (!is(j, ']')) {
      if (j >= t.length) throw new Error(`unterminated range in ${expr}`);
      parts.push(t[j].text);
      j++;
    }
    return [parts.join(''), j + 1];
  };
  const readSelector = (k: number, metric: string | undefined): number => {
    const sel: PromqlSelector = { metric, matchers: [], parentCall: parentCall() };
    if (metric !== undefined) k++;
    if (is(k, '{')) k = readMatchers(k, sel.matchers);
    if (is(k, '[')) [sel.range, k] = readRange(k);
    out.push(sel);
    return k;
  };

  let k = 0;
  while (k < t.length) {
    const tok = t[k];
    if (tok.kind === 'ident') {
      const lower = tok.text.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower) && is(k + 1, '(')) { frames.push({ kind: 'labels', name: lower }); k += 2; continue; }
      if (frames[frames.length - 1]?.kind === 'labels') { k++; continue; }
      if (is(k + 1, '(')) { frames.push({ kind: 'call', name: tok.text }); pendingAggregation = undefined; k += 2; continue; }
      if (AGGREGATIONS.has(lower)) { pendingAggregation = tok.text; k++; continue; }
      if (KEYWORDS.has(lower)) { k++; continue; }
      k = readSelector(k, tok.text);
      continue;
    }
    if (tok.kind === 'punct') {
      if (tok.text === '{') { k = readSelector(k, undefined); continue; }
      if (tok.text === '(') {
        frames.push(pendingAggregation ? { kind: 'call', name: pendingAggregation } : { kind: 'group', name: '' });
        pendingAggregation = undefined;
        k++;
        continue;
      }
      if (tok.text === ')') { frames.pop(); k++; continue; }
      // A subquery on an expression, `(…)[7d:1h]`: not a selector.
      if (tok.text === '[') { k = readRange(k)[1]; continue; }
    }
    k++;
  }
  return out;
}

/** The metric names an expression reads (selectors with a name). */
export function metricNames(expr: string): string[] {
  return [...new Set(extractSelectors(expr).flatMap((s) => (s.metric ? [s.metric] : [])))].sort();
}

// ---- Metric names the exporter defines ----------------------------------------

/** Metric families named by string literals under src/ ('mailrep_…', "mailrep_…", `mailrep_…`). */
export function exporterMetricNames(srcDir = join(REPO_ROOT, 'src')): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/['"`](mailrep_[a-z0-9_]+)/g)) names.add(m[1]);
      }
    }
  };
  walk(srcDir);
  return names;
}

/** A name as queried (`x_bucket` of histogram `x`) is defined when the family is. */
export function isDefinedMetric(name: string, defined: ReadonlySet<string>): boolean {
  if (defined.has(name)) return true;
  const family = name.replace(/_(bucket|sum|count)$/, '');
  return family !== name && defined.has(family);
}

// ---- Durations and the end-to-end shortener ---------------------------------------

const DURATION_PART = /(\d+)(ms|s|m|h|d|w|y)/g;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** A Prometheus duration ("1h30m", "7d") in seconds; undefined if malformed. */
export function durationSeconds(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(DURATION_PART)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
  return total;
}

/**
 * Shrinks every duration of a rule file by `factor` (at least 1 s each):
 * `for:`, `keep_firing_for:`, ranges and subquery steps in `[…]` and
 * `offset` — in the expressions and in the annotation templates' queries alike,
 * so the rules keep their shape at 1/factor of the time. Only for the
 * end-to-end test's temp copies; the shipped files are never touched.
 */
export function shortenRuleDurations(text: string, factor: number): string {
  const shrink = (d: string) => {
    const s = durationSeconds(d);
    if (s === undefined) throw new Error(`not a duration: ${d}`);
    return s === 0 ? '0s' : `${Math.max(1, Math.ceil(s / factor))}s`;
  };
  return text
    .replace(/^([ \t]*(?:for|keep_firing_for):[ \t]*)(\S+)[ \t]*$/gm, (_m, head: string, d: string) => head + shrink(d))
    .replace(/\[(\d+[a-z0-9]*)(?::(\d+[a-z0-9]*))?\]/g, (_m, range: string, step?: string) => `[${shrink(range)}${step ? `:${shrink(step)}` : ''}]`)
    .replace(/\boffset (\d+[a-z0-9]*)/g, (_m, d: string) => `offset ${shrink(d)}`);
}

// ---- A webhook listener for Alertmanager -------------------------------------------

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPayload {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: WebhookAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  version: string;
}

export class WebhookSink {
  readonly payloads: WebhookPayload[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        try {
          this.payloads.push(JSON.parse(body) as WebhookPayload);
          res.end('ok');
        } catch {
          res.statusCode = 400;
          res.end('not JSON');
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  get url(): string { return `http://127.0.0.1:${this.port}/hook`; }

  /** Every alert received so far, in arrival order. */
  alerts(): WebhookAlert[] { return this.payloads.flatMap((p) => p.alerts); }

  /** Polls the received notifications until an alert in `status` matches (or the deadline passes). */
  async waitForAlert(status: WebhookAlert['status'], match: (a: WebhookAlert) => boolean, timeoutMs = 60_000): Promise<WebhookAlert> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.alerts().find((a) => a.status === status && match(a));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.alerts().map((a) => `${a.status} ${JSON.stringify(a.labels)}`).join('\n  ');
        throw new Error(`no ${status} alert matched within ${timeoutMs} ms; received:\n  ${seen || '(nothing)'}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// ---- Prometheus + Alertmanager on loopback ----------------------------------------

export interface PromStackOptions {
  /** Working directory for configs and storage (a temp dir). */
  dir: string;
  /** Rule files Prometheus loads (shortened copies for the end-to-end test). */
  ruleFiles: string[];
  scrapeTargets: { job: string; targets: string[] }[];
  /** Scrape and rule evaluation interval. */
  interval?: string;
}

export interface PromStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  webhook: WebhookSink;
  /** Output of both processes so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

interface Daemon { proc: ChildProcess; output(): string; stop(): Promise<void> }

function startDaemon(tool: string, args: string[]): Daemon {
  const proc = spawn(requireTool(tool), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => { running.delete(proc); resolve(); }));
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function waitReady(url: string, daemon: Daemon, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.proc.exitCode !== null) throw new Error(`${what} exited with ${daemon.proc.exitCode}:\n${daemon.output()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms:\n${daemon.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Alertmanager config for tests: one notification per alert, at once, resolved ones too. */
export function testAlertmanagerConfig(webhookUrl: string): string {
  return stringify({
    route: { receiver: 'webhook', group_by: ['...'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'webhook', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  });
}

export async function startPromStack(opts: PromStackOptions): Promise<PromStack> {
  const interval = opts.interval ?? '1s';
  const webhook = new WebhookSink();
  await webhook.start();
  const [promPort, amPort] = [await freePort(), await freePort()];
  const amUrl = `http://127.0.0.1:${amPort}`;
  const promUrl = `http://127.0.0.1:${promPort}`;

  mkdirSync(join(opts.dir, 'am-data'), { recursive: true });
  mkdirSync(join(opts.dir, 'prom-data'), { recursive: true });
  writeFileSync(join(opts.dir, 'alertmanager.yml'), testAlertmanagerConfig(webhook.url));
  writeFileSync(join(opts.dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: opts.ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
    scrape_configs: opts.scrapeTargets.map((s) => ({ job_name: s.job, static_configs: [{ targets: s.targets }] })),
  }));

  const daemons: Daemon[] = [];
  const stop = async () => {
    for (const d of daemons.reverse()) await d.stop();
    await webhook.stop();
  };
  try {
    const am = startDaemon('prometheus-alertmanager', [
      `--config.file=${join(opts.dir, 'alertmanager.yml')}`, `--storage.path=${join(opts.dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`, `--web.external-url=${amUrl}/`,
      '--cluster.listen-address=', '--log.level=warn',
    ]);
    daemons.push(am);
    await waitReady(amUrl, am, 'alertmanager');
    const prom = startDaemon('prometheus', [
      `--config.file=${join(opts.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(opts.dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`, `--web.external-url=${promUrl}/`,
      '--rules.alert.resend-delay=1s', '--log.level=warn',
    ]);
    daemons.push(prom);
    await waitReady(promUrl, prom, 'prometheus');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    prometheusUrl: promUrl,
    alertmanagerUrl: amUrl,
    webhook,
    output: () => daemons.map((d) => d.output()).join('\n'),
    stop,
  };
}

/** An instant query against the stack's Prometheus: the result vector. */
export async function queryPrometheus(promUrl: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await res.json() as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
  return body.data!.result;
}
