// One measurement of the whole mail pipeline, in its own process so its peak
// RSS is its own: file → follower → Postfix parser → correlation → per-user
// stats → pipeline metrics. Prints one JSON line: the first pass (cold: the
// figure the goal is judged on, and the peak RSS), and the rate of a second
// pass in the same process (warm: compiled code, fresh state).
//   node dist/bench/pipeline.js FILE
import { readFileSync } from 'node:fs';
import { Follower } from '../src/logs/follower';
import { SourceParser } from '../src/logs/collector';
import { MailStats } from '../src/logs/stats';
import { LogClock } from '../src/logs/syslog';
import { blocklistCitationClassifier } from '../src/logs/bounce';
import { CATALOGUE } from '../src/dnsbl/catalogue';
import { createRegistry } from '../src/metrics/registry';
import { LogSourceMetrics } from '../src/metrics/log-sources';

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576;
}

interface Pass {
  lines: number;
  seconds: number;
  cpuSeconds: number;
  stats: MailStats;
  counts: { parsed: number; ignored: number; malformed: number; lastEvent: number };
}

/** One pass over the file with a fresh follower, parser and stats engine. */
async function pass(file: string): Promise<Pass> {
  const zones = new Set(CATALOGUE.map((l) => l.zone));
  const stats = new MailStats({
    maxUsers: 5000, userIdleTtlMs: 7 * 86_400_000, maxMessages: 200_000, messageTtlMs: 6 * 86_400_000,
    maxDistinctPerUser: 256, knownUsers: [], userLabel: (u) => u,
    classifyReply: blocklistCitationClassifier(zones),
  });
  const metrics = LogSourceMetrics.for(createRegistry());
  metrics.initSource(file);
  const counts = { parsed: 0, ignored: 0, malformed: 0, lastEvent: 0 };
  const parser = new SourceParser('postfix', new LogClock(), (ev) => stats.apply(ev));
  let lines = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const follower = new Follower({
    path: file, startAt: 'beginning', pollIntervalMs: 3_600_000,
    onLines: (batch) => {
      lines += batch.length;
      parser.parseBatch(batch, counts);
      metrics.lines.inc({ source: file, result: 'parsed' }, counts.parsed);
      counts.parsed = 0;
    },
  });
  await follower.start();
  await follower.poll();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await follower.stop();
  return { lines, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, stats, counts };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  // The measured pass: a fresh process reading its first million lines, so
  // the figure includes V8 compiling the hot code (as when the exporter starts
  // with start_at: beginning on a big log).
  const cold = await pass(file);
  const peak = peakRssMiB();
  // A second pass in the same process, all fresh state but compiled code:
  // the rate a running exporter sustains. Reported beside, not instead.
  const warm = await pass(file);
  const { stats, counts } = cold;
  const users = [...stats.users.values()];
  process.stdout.write(JSON.stringify({
    lines: cold.lines,
    seconds: cold.seconds,
    linesPerSecond: Math.round(cold.lines / cold.seconds),
    warmLinesPerSecond: Math.round(warm.lines / warm.seconds),
    cpuSeconds: cold.cpuSeconds,
    peakRssMiB: Math.round(peak * 10) / 10,
    users: users.length,
    messages: users.reduce((a, u) => a + u.messages, 0),
    recipients: users.reduce((a, u) => a + u.recipients, 0),
    deliveries: stats.deliveries,
    rejections: Object.fromEntries(stats.rejections),
    authFailures: stats.authFailures,
    ignored: counts.ignored,
    malformed: counts.malformed,
  }) + '\n');
}

main().catch((err) => { console.error(err); process.exit(1); });
