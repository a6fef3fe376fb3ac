// Whole DNSBL rounds in the real exporter process against resolvers that fail:
// nothing listening, garbage, SERVFAIL, REFUSED, answers only under another
// query ID, answers later than the timeout — and, for contrast, answers that
// are slow but in time, and failover from a faulty first resolver to a real
// rbldnsd. For each: every check is unknown with the exact reason (never
// clean, never listed), the canary list is marked unhealthy, the queries
// counter has the exact count, the stub saw the attempts the config
// allows, the round stays within the deadline the config implies, the process
// stays up and the next round runs the same way.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDnsStub, type Behaviour, type DnsStub } from '../helpers/dns-stub';
import { startExporter, waitFor, type RunningExporter } from '../helpers/exporter-process';
import { startRbldnsd, type RunningRbldnsd } from '../helpers/rbldnsd';
import { tempDir } from '../helpers/tmp';
import { closedUdpPort } from '../helpers/closed-port';
import { scrapeSamples, sumOf, type Sample } from './exposition';

const dir = tempDir('mailrep-dns-faults-');

const TIMEOUT_MS = 200;
const RETRIES = 1;
const CONCURRENCY = 4;
/** Process start, timer granularity and a loaded 2-core machine: what a round may take beyond the DNS waits. */
const SLACK_SECONDS = 0.5;

/** A list with RFC 5782 test entries (canary-checked) and one without. */
const CANARY = 'canary.fault.example';
const PLAIN = 'plain.fault.example';
const LISTS = [CANARY, PLAIN];
const TARGETS = ['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13'];
/** What the zones list (rbldnsd and the well-behaved stub serve the same data). */
const LISTED: Record<string, string[]> = { [CANARY]: ['127.0.0.2', '192.0.2.10'], [PLAIN]: ['192.0.2.11'] };
const TXT = 'Listed for the fault test';

const reversed = (ip: string) => ip.split('.').reverse().join('.');
const queryName = (target: string, list: string) => `${reversed(target)}.${list}`;

/** The zone data as a stub behaviour: 127.0.0.2 (+ TXT) for listed names, NXDOMAIN otherwise, after `delayMs`. */
function zoneBehaviour(delayMs: number): (name: string, type: string) => Behaviour {
  return (name, type) => {
    for (const list of LISTS) {
      if (!name.endsWith(`.${list}`)) continue;
      const ip = reversed(name.slice(0, -list.length - 1));
      if (!LISTED[list].includes(ip)) break;
      return type === 'TXT'
        ? { kind: 'answer', records: [{ type: 'TXT', strings: [TXT] }], delayMs }
        : { kind: 'answer', addresses: ['127.0.0.2'], delayMs };
    }
    return { kind: 'rcode', rcode: 3, delayMs };
  };
}

/** Queries a stub received for one name: at least `min` (what the fault costs), at most `max` (what the config allows). */
function expectAttempts(received: number | undefined, min: number, max: number): void {
  expect(received).toBeGreaterThanOrEqual(min);
  expect(received).toBeLessThanOrEqual(max);
}

type Expected =
  /**
   * Every check unknown with this reason; `attempts`: queries each name gets per round from the faulty
   * resolver. An answer that comes at once is one attempt — or, if the loaded machine delays it past
   * the timeout, a retry: never more than 1 + retries.
   */
  | { kind: 'unknown'; reason: string; attempts: number; detail: RegExp }
  /** Definitive results from the zone data; `firstAttempts`: queries each name gets from the faulty first resolver (as above). */
  | { kind: 'definitive'; firstAttempts?: number };

interface Case {
  name: string;
  /** Extra attempts per resolver after a timeout; default RETRIES. */
  retries?: number;
  /** Per-attempt timeout; default TIMEOUT_MS. */
  timeoutMs?: number;
  /** The resolvers, given the case's stub (if any) and rbldnsd. */
  resolvers(stub: DnsStub | undefined, rbl: RunningRbldnsd, closedPort: () => Promise<number>): string[] | Promise<string[]>;
  stub?: (name: string, type: string) => Behaviour;
  expected: Expected;
}

const CASES: Case[] = [
  {
    // Without retries, so a query that missed the ICMP "port unreachable" cannot be rescued by a retry:
    // a closed port is definitive about the server, for every query waiting on it.
    name: 'down (port closed, no retries)',
    retries: 0,
    resolvers: async (_s, _r, closed) => [`127.0.0.1:${await closed()}`],
    expected: { kind: 'unknown', reason: 'network_error', attempts: 0, detail: /ECONNREFUSED/ },
  },
  {
    name: 'garbage',
    stub: () => ({ kind: 'garbage' }),
    resolvers: (s) => [`127.0.0.1:${s!.port}`],
    // An undecodable reply is not retried: the real answer might still come, until the timeout.
    expected: { kind: 'unknown', reason: 'malformed_answer', attempts: 1, detail: /undecodable reply/ },
  },
  {
    name: 'servfail',
    stub: () => ({ kind: 'rcode', rcode: 2 }),
    resolvers: (s) => [`127.0.0.1:${s!.port}`],
    expected: { kind: 'unknown', reason: 'servfail', attempts: 1, detail: /SERVFAIL/ },
  },
  {
    name: 'refused',
    stub: () => ({ kind: 'rcode', rcode: 5 }),
    resolvers: (s) => [`127.0.0.1:${s!.port}`],
    expected: { kind: 'unknown', reason: 'refused', attempts: 1, detail: /REFUSED/ },
  },
  {
    name: 'wrong query ID only',
    stub: () => ({ kind: 'wrong-id', addresses: ['127.0.0.2'] }),
    resolvers: (s) => [`127.0.0.1:${s!.port}`],
    expected: { kind: 'unknown', reason: 'timeout', attempts: 1 + RETRIES, detail: /timeout after 2 tries/ },
  },
  {
    name: 'slow beyond the timeout',
    stub: zoneBehaviour(3 * TIMEOUT_MS),
    resolvers: (s) => [`127.0.0.1:${s!.port}`],
    expected: { kind: 'unknown', reason: 'timeout', attempts: 1 + RETRIES, detail: /timeout after 2 tries/ },
  },
  {
    name: 'slow within the timeout',
    // A fifth of a longer timeout: late enough to be slow, early enough to stay in time on a loaded machine.
    timeoutMs: 2.5 * TIMEOUT_MS,
    stub: zoneBehaviour(TIMEOUT_MS / 2),
    resolvers: (s) => [`127.0.0.1:${s!.port}`],
    expected: { kind: 'definitive' },
  },
  {
    name: 'failover: silent first, rbldnsd second',
    stub: () => ({ kind: 'drop' }),
    resolvers: (s, r) => [`127.0.0.1:${s!.port}`, `${r.host}:${r.port}`],
    expected: { kind: 'definitive', firstAttempts: 1 + RETRIES },
  },
  {
    name: 'failover: garbage first, rbldnsd second',
    stub: () => ({ kind: 'garbage' }),
    resolvers: (s, r) => [`127.0.0.1:${s!.port}`, `${r.host}:${r.port}`],
    expected: { kind: 'definitive', firstAttempts: 1 },
  },
];

/**
 * The deadline of one round, from the config alone: every lookup may cost
 * timeout × attempts on every resolver; the canary phase (2 lookups per
 * canary list) and the pair phase (targets × lists checks, each an A lookup
 * and, when listed, a TXT lookup) run `concurrency` at a time.
 */
function roundBudgetSeconds(resolvers: number, retries: number, timeoutMs: number): number {
  const perLookup = (timeoutMs / 1000) * (1 + retries) * resolvers;
  const canaryWaves = Math.ceil((2 * 1) / CONCURRENCY);
  const pairWaves = Math.ceil((TARGETS.length * LISTS.length) / CONCURRENCY) * 2;
  return perLookup * (canaryWaves + pairWaves) + SLACK_SECONDS;
}

function configYaml(resolvers: string[], retries: number, timeoutMs: number): string {
  return [
    'dnsbl:',
    // Never on schedule during the test: the rounds are the one at start and the one after a reload.
    '  schedule: "0 0 1 1 *"',
    `  resolvers: [${resolvers.map((r) => `"${r}"`).join(', ')}]`,
    `  timeout: ${timeoutMs}ms`,
    `  retries: ${retries}`,
    `  concurrency: ${CONCURRENCY}`,
    '  lists:',
    `    - {zone: ${CANARY}, type: ip, canaries: true}`,
    `    - {zone: ${PLAIN}, type: ip}`,
    `  targets: [${TARGETS.join(', ')}]`,
    'mail:',
    '  sources: []',
    '',
  ].join('\n');
}

interface StatusEntry { target: string; list: string; state: string; reason?: string; detail?: string; txt?: string }
interface StatusList { name: string; healthy: boolean | null; health_detail: string | null }
interface Status { results: StatusEntry[]; lists: StatusList[] }

async function status(url: string): Promise<Status> {
  return (await fetch(`${url}/api/v1/status`)).json() as Promise<Status>;
}

/** Waits for a round that ended after `after` (seconds); returns the scrape that shows it. */
async function roundAfter(exp: RunningExporter, after: number): Promise<Map<string, Sample>> {
  return waitFor(`a DNSBL round ending after ${after}`, async () => {
    const s = await scrapeSamples(exp.url);
    const last = s.get('mailrep_dnsbl_last_round_timestamp_seconds')?.value;
    return last !== undefined && last > after ? s : undefined;
  }, 15_000, 25);
}

/** One line per case, printed in the table's order. */
const figures: string[] = [];
afterAll(() => {
  const lines = figures.filter((f) => f !== undefined); // a failed case has no line
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
});

// Started by the first case that needs it: concurrent tests may start before a beforeAll hook ends.
let rblStarted: Promise<RunningRbldnsd> | undefined;
function rbldnsd(): Promise<RunningRbldnsd> {
  rblStarted ??= startZones();
  return rblStarted;
}
async function startZones(): Promise<RunningRbldnsd> {
  // With a SOA, rbldnsd's NXDOMAIN answers carry a negative TTL (RFC 2308) and are cached like the listings.
  const head = '$SOA 60 ns.test.invalid. hostmaster.test.invalid. 0 1h 1h 2d 60\n$TTL 60\n';
  writeFileSync(join(dir, 'canary.zone'), `${head}:127.0.0.2:${TXT}\n${LISTED[CANARY].join('\n')}\n`);
  writeFileSync(join(dir, 'plain.zone'), `${head}:127.0.0.2:${TXT}\n${LISTED[PLAIN].join('\n')}\n`);
  return startRbldnsd(dir, [`${CANARY}:ip4set:canary.zone`, `${PLAIN}:ip4set:plain.zone`]);
}
afterAll(async () => { await (await rblStarted)?.stop(); });

// The cases run side by side (each its own exporter, stub and ports): the file stays within seconds.
test.concurrent.each(CASES.map((c, i) => ({ ...c, index: i })))('resolver $name: every check has the right verdict, within the round budget, and the next round runs',
  async (c) => {
    const rbl = await rbldnsd();
    const stub = c.stub ? await startDnsStub(c.stub) : undefined;
    const resolvers = await c.resolvers(stub, rbl, closedUdpPort);
    const retries = c.retries ?? RETRIES;
    const timeoutMs = c.timeoutMs ?? TIMEOUT_MS;
    const budget = roundBudgetSeconds(resolvers.length, retries, timeoutMs);
    const configFile = join(dir, `${c.name.replace(/\W+/g, '-')}.yml`);
    writeFileSync(configFile, configYaml(resolvers, retries, timeoutMs));
    let exp: RunningExporter | undefined;
    try {
      exp = await startExporter([`--config.file=${configFile}`]);
      const checks = TARGETS.length * LISTS.length;
      const durations: number[] = [];
      let lastRound = 0;

      for (let round = 1; round <= 2; round++) {
        if (round === 2) {
          // A reload starts the next round at once (unchanged config: same resolvers, same lists).
          const res = await fetch(`${exp.url}/-/reload`, { method: 'POST' });
          expect(res.status).toBe(200);
        }
        const s = await roundAfter(exp, lastRound);
        lastRound = s.get('mailrep_dnsbl_last_round_timestamp_seconds')!.value;
        const seconds = s.get('mailrep_dnsbl_round_duration_seconds')!.value;
        durations.push(seconds);
        expect(seconds).toBeLessThanOrEqual(budget);
        expect(s.get('mailrep_collector_success{collector="dnsbl"}')?.value).toBe(1);
        const st = await status(exp.url);
        expect(st.results).toHaveLength(checks);

        if (c.expected.kind === 'unknown') {
          const { reason, attempts, detail } = c.expected;
          for (const t of TARGETS) {
            for (const l of LISTS) {
              const series = `{target="${t}",list="${l}"}`;
              // Never clean, never listed: no definitive answer was ever had.
              expect(s.has(`mailrep_dnsbl_listed${series}`)).toBe(false);
              expect(s.get(`mailrep_dnsbl_check_ok${series}`)?.value).toBe(0);
              const entry = st.results.find((r) => r.target === t && r.list === l)!;
              expect(entry).toMatchObject({ state: 'unknown', reason: l === CANARY ? 'list_unhealthy' : reason });
              expect(entry.detail).toMatch(detail);
            }
          }
          // The canary list failed its test entries (for the same reason) and is blind; the other is not canary-checked.
          expect(s.get(`mailrep_dnsbl_list_healthy{list="${CANARY}"}`)?.value).toBe(0);
          expect(s.get(`mailrep_dnsbl_list_healthy{list="${PLAIN}"}`)?.value).toBe(1);
          expect(st.lists.find((l) => l.name === CANARY)!.health_detail).toContain(`must be listed but is unknown (${reason}:`);
          // Exact counts, every round adding one result per target and list.
          expect(sumOf(s, 'mailrep_dnsbl_queries_total', { list: CANARY, result: 'list_unhealthy' })).toBe(TARGETS.length * round);
          expect(sumOf(s, 'mailrep_dnsbl_queries_total', { list: PLAIN, result: reason })).toBe(TARGETS.length * round);
          expect(sumOf(s, 'mailrep_dnsbl_queries_total', { list: CANARY })).toBe(TARGETS.length * round);
          expect(sumOf(s, 'mailrep_dnsbl_queries_total', { list: PLAIN })).toBe(TARGETS.length * round);
          // Failures are not cached: each round asks again, exactly as often as the config allows.
          if (stub) {
            for (const t of TARGETS) expectAttempts(stub.received.get(queryName(t, PLAIN)), attempts * round, (1 + retries) * round);
            expectAttempts(stub.received.get(queryName('127.0.0.2', CANARY)), attempts * round, (1 + retries) * round);
            // The blind list's targets are not queried at all.
            for (const t of TARGETS) expect(stub.received.has(queryName(t, CANARY))).toBe(false);
          }
        } else {
          for (const t of TARGETS) {
            for (const l of LISTS) {
              const series = `{target="${t}",list="${l}"}`;
              const listed = LISTED[l].includes(t);
              expect(s.get(`mailrep_dnsbl_listed${series}`)?.value).toBe(listed ? 1 : 0);
              expect(s.get(`mailrep_dnsbl_check_ok${series}`)?.value).toBe(1);
              const entry = st.results.find((r) => r.target === t && r.list === l)!;
              expect(entry.state).toBe(listed ? 'listed' : 'clean');
              if (listed) expect(entry.txt).toBe(TXT);
            }
          }
          for (const l of LISTS) {
            const listed = TARGETS.filter((t) => LISTED[l].includes(t)).length;
            expect(s.get(`mailrep_dnsbl_list_healthy{list="${l}"}`)?.value).toBe(1);
            expect(sumOf(s, 'mailrep_dnsbl_queries_total', { list: l, result: 'listed' })).toBe(listed * round);
            expect(sumOf(s, 'mailrep_dnsbl_queries_total', { list: l, result: 'clean' })).toBe((TARGETS.length - listed) * round);
            expect(sumOf(s, 'mailrep_dnsbl_queries_total', { list: l })).toBe(TARGETS.length * round);
          }
          const first = c.expected.firstAttempts;
          // The faulty first resolver was asked (as often as the config allows) before the second gave the answer,
          // for the A lookup and, when listed, the TXT lookup; the answers are cached, so the second round asks nobody.
          if (first !== undefined) {
            for (const t of TARGETS) {
              const lookups = LISTED[PLAIN].includes(t) ? 2 : 1;
              expectAttempts(stub!.received.get(queryName(t, PLAIN)), first * lookups, (1 + retries) * lookups);
            }
          }
        }
        expect(exp.proc.exitCode).toBeNull();
        expect((await fetch(`${exp.url}/-/healthy`)).status).toBe(200);
      }

      const verdict = c.expected.kind === 'unknown'
        ? `${checks} checks unknown (${TARGETS.length} ${c.expected.reason}, ${TARGETS.length} list_unhealthy)`
        : `${checks} checks definitive`;
      figures[c.index] = `dns fault ${c.name}: ${verdict}, rounds ${durations.map((d) => d.toFixed(2)).join(' s, ')} s, budget ${budget.toFixed(1)} s`;
    } finally {
      await exp?.stop();
      await stub?.stop();
    }
  });
