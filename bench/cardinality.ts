// The cardinality attack (bench/attack-log.ts) through the real mail collector:
// three sources (Postfix, Dovecot, Exim) followed from the beginning, parsed,
// correlated into one MailStats with the default caps of src/logs/config.ts,
// and rendered. The measurement runs in its own process so its peak RSS is its
// own; the logs are written beforehand by the calling process.
//   node dist/bench/cardinality.js DIR   (DIR holds the logs and plan.json) → one JSON line
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Counter } from 'prom-client';
import { validateConfig } from '../src/config/load';
import { silentLogger } from '../src/log';
import { MailCollector } from '../src/logs/collector';
import { UNKNOWN_USER } from '../src/logs/stats';
import { DEFAULT_USER_LABEL } from '../src/logs/thresholds';
import { MAX_SIGHTINGS } from '../src/logs/windows';
import { ExporterMetrics } from '../src/metrics/exporter';
import { createRegistry } from '../src/metrics/registry';
import { tuneHeap } from '../src/heap';
import { ATTACKER_MARKERS, writeAttackLogs, type AttackTotals } from './attack-log';
import { n, peakRssMiB, sleep } from './bench-helpers';

export interface ExpositionCheck {
  series: number;
  /** Label pairs whose value is none of those allowed (attacker strings would land here). */
  foreignLabelValues: string[];
  /** Attacker markers found anywhere in the text. */
  markersFound: string[];
}

/**
 * Counts the samples of an exposition and checks every label value: users
 * must be accounts that logged in (or _unknown/_default), lists and statuses
 * bounded names.
 */
export function checkExposition(text: string, accounts: ReadonlySet<string>, lists: ReadonlySet<string>): ExpositionCheck {
  let series = 0;
  const foreign = new Set<string>();
  const statuses = new Set(['sent', 'deferred', 'bounced']);
  const pair = /(\w+)="((?:[^"\\]|\\.)*)"/g;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    series++;
    const brace = line.indexOf('{');
    if (brace < 0) continue;
    for (const m of line.slice(brace, line.lastIndexOf('}') + 1).matchAll(pair)) {
      const [, name, value] = m;
      const ok = name === 'user' ? accounts.has(value) || value === UNKNOWN_USER || value === DEFAULT_USER_LABEL
        : name === 'status' ? statuses.has(value)
        : name === 'list' ? lists.has(value)
        : false;
      if (!ok) foreign.add(`${name}="${value}"`);
    }
  }
  return { series, foreignLabelValues: [...foreign].slice(0, 5), markersFound: ATTACKER_MARKERS.filter((m) => text.includes(m)) };
}

/** What the measuring process reports. */
interface Measured {
  lines: number;
  seconds: number;
  renderMs: number;
  series: number;
  bytes: number;
  users: number;
  maxUsers: number;
  evicted: number;
  unknownAuthFailures: number;
  authFailures: number;
  queueTracked: number;
  queueDropped: number;
  maxTrackedMessages: number;
  relayDenied: number;
  seriesPerUser: number;
  /** Sightings held by all users' distinct-value windows before the scrape (≤ MAX_SIGHTINGS + one per window). */
  sightings: number;
  foreignLabelValues: string[];
  markersFound: string[];
  peakRssMiB: number;
  /** Heap still in use after a full GC at the end: what the state itself holds. */
  heapAfterGcMiB?: number;
  rssAfterGcMiB?: number;
  /** V8 heap committed (used + free pages kept) and memory outside it (Buffers), after that GC. */
  heapCommittedAfterGcMiB?: number;
  externalAfterGcMiB?: number;
}

async function measure(dir: string): Promise<Measured> {
  // What the exporter's main() does first: measured as it runs.
  tuneHeap();
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { files: AttackTotals['files']; lines: number; accounts: string[] };
  // The defaults are the config schema's: nothing but the sources is set.
  const config = validateConfig({
    mail: {
      sources: [
        { path: plan.files.postfix, format: 'postfix', start_at: 'beginning' },
        { path: plan.files.dovecot, format: 'dovecot', start_at: 'beginning' },
        { path: plan.files.exim, format: 'exim', start_at: 'beginning' },
      ],
    },
  });
  const registry = createRegistry();
  const collector = new MailCollector({ registry, logger: silentLogger, exporterMetrics: new ExporterMetrics(registry), peers: new Map() });
  const linesCounter = registry.getSingleMetric('mailrep_log_lines_total') as Counter | undefined;
  const counted = async () => (linesCounter ? (await linesCounter.get()).values.reduce((a, v) => a + v.value, 0) : 0);
  const t0 = performance.now();
  await collector.configure(config);
  const deadline = Date.now() + 600_000;
  while ((await counted()) < plan.lines) {
    if (Date.now() > deadline) throw new Error(`only ${await counted()} of ${plan.lines} lines read within 600 s`);
    await sleep(10);
  }
  const seconds = (performance.now() - t0) / 1000;
  // Before the scrape: rendering prunes what left the 24-hour windows (here, all: the log is 3 days old).
  const sightings = collector.engine!.sightingsUsed;
  const r0 = performance.now();
  const text = collector.renderMetrics();
  const renderMs = performance.now() - r0;
  const stats = collector.engine!;
  const check = checkExposition(text, new Set(plan.accounts), new Set(['zen.spamhaus.org']));
  const perUser = stats.users.size > 0 ? [...stats.users.values()][0].rendered.split('\n').filter((l) => l !== '').length : 0;
  const result: Measured = {
    lines: await counted(),
    seconds,
    renderMs,
    series: check.series,
    bytes: text.length,
    users: stats.users.size,
    maxUsers: config.mail.max_users,
    evicted: stats.evicted,
    unknownAuthFailures: Number(/^mailrep_user_auth_failures_total\{user="_unknown"\} (\d+)$/m.exec(text)?.[1] ?? 0),
    authFailures: stats.authFailures,
    queueTracked: stats.openMessages,
    queueDropped: stats.messagesDropped,
    maxTrackedMessages: config.mail.max_tracked_messages,
    relayDenied: stats.relayDenied,
    seriesPerUser: perUser,
    sightings,
    foreignLabelValues: check.foreignLabelValues,
    markersFound: check.markersFound,
    peakRssMiB: Math.round((peakRssMiB() ?? 0) * 10) / 10,
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    const mem = process.memoryUsage();
    result.heapAfterGcMiB = Math.round((mem.heapUsed / 1048576) * 10) / 10;
    result.rssAfterGcMiB = Math.round((mem.rss / 1048576) * 10) / 10;
    result.heapCommittedAfterGcMiB = Math.round((mem.heapTotal / 1048576) * 10) / 10;
    result.externalAfterGcMiB = Math.round((mem.external / 1048576) * 10) / 10;
  }
  await collector.stop();
  return result;
}

export interface CardinalityOptions { failedLogins?: number; messages?: number }

export async function benchCardinality(opts: CardinalityOptions = {}): Promise<void> {
  const failedLogins = opts.failedLogins ?? 1_000_000;
  const messages = opts.messages ?? 1_000_000;
  // The caps come from the config schema's defaults, as the measurement uses them.
  const defaults = validateConfig({}).mail;
  const dir = mkdtempSync(join(tmpdir(), 'mailrep-bench-cardinality-'));
  try {
    const t = performance.now();
    const totals = await writeAttackLogs(dir, {
      failedLogins, messages,
      compromised: 100,
      accounts: 2 * defaults.max_users,
      startMs: Date.now() - 3 * 86_400_000,
    });
    const lines = totals.lines.postfix + totals.lines.dovecot + totals.lines.exim;
    const mib = Object.values(totals.files).reduce((a, f) => a + statSync(f).size, 0) / 1048576;
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ files: totals.files, lines, accounts: [...totals.accountNames] }));
    const m = JSON.parse(execFileSync(process.execPath, ['--expose-gc', join(__dirname, 'cardinality.js'), dir], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Measured;
    const capsOk = m.users <= m.maxUsers && m.queueTracked <= m.maxTrackedMessages && m.foreignLabelValues.length === 0 && m.markersFound.length === 0;
    const rssOk = m.peakRssMiB < 200;
    const countsOk = m.unknownAuthFailures === totals.failedLogins && m.authFailures === totals.failedLogins && m.relayDenied === totals.relayAttempts;
    console.log(`\n[cardinality] attack through the real mail collector (Postfix + Dovecot + Exim sources → parsers → MailStats, default caps: mail.max_users ${n(defaults.max_users)}, mail.max_tracked_messages ${n(defaults.max_tracked_messages)})`);
    console.log(`  input: ${n(totals.failedLogins)} failed logins with distinct names (Postfix SASL, Dovecot login + auth-worker, Exim authenticator), ${n(totals.authenticatedMessages + totals.unauthenticatedMessages)} messages with distinct senders, client addresses, recipient domains, bounce texts (${n(totals.authenticatedMessages)} authenticated from ${n(totals.accountNames.size)} accounts, ${n(totals.unauthenticatedMessages)} unauthenticated with distinct PTR names and HELOs); generated in ${((performance.now() - t) / 1000).toFixed(1)} s, ${mib.toFixed(0)} MiB`);
    console.log(`  ${n(m.lines)} lines (expected ${n(lines)}) in ${m.seconds.toFixed(2)} s = ${n(Math.round(m.lines / m.seconds))} lines/s; render ${m.renderMs.toFixed(0)} ms, ${(m.bytes / 1048576).toFixed(1)} MiB`);
    console.log(`  series rendered by the mail collector: ${n(m.series)} (${n(m.users)} users tracked × ${m.seriesPerUser} + ${n(m.series - m.users * m.seriesPerUser)} others); users evicted ${n(m.evicted)}; distinct-value sightings held before the first scrape ${n(m.sightings)} (budget ${n(MAX_SIGHTINGS)})`);
    console.log(`  _unknown auth failures: ${n(m.unknownAuthFailures)} of ${n(m.authFailures)} counted (${n(totals.failedLogins)} written); relay attempts ${n(m.relayDenied)} of ${n(totals.relayAttempts)}; queue tracked ${n(m.queueTracked)}, dropped at the cap ${n(m.queueDropped)}: ${countsOk ? 'numbers match the generator' : 'numbers do NOT match the generator'}`);
    console.log(`  attacker strings in label values: ${m.foreignLabelValues.length === 0 ? 'none' : m.foreignLabelValues.join(', ')}; anywhere in the text: ${m.markersFound.length === 0 ? 'none' : m.markersFound.join(', ')}`);
    console.log(`  peak RSS ${m.peakRssMiB} MiB; after a full GC at the end: heap ${m.heapAfterGcMiB ?? '?'} MiB live of ${m.heapCommittedAfterGcMiB ?? '?'} MiB committed, ${m.externalAfterGcMiB ?? '?'} MiB outside the heap, RSS ${m.rssAfterGcMiB ?? '?'} MiB`);
    console.log(`  goal series within caps and RSS < 200 MiB: ${capsOk ? 'met' : 'NOT met'} / ${rssOk ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measure(process.argv[2]).then(
    (m) => process.stdout.write(JSON.stringify(m) + '\n'),
    (err) => { console.error(err); process.exit(1); },
  );
}
