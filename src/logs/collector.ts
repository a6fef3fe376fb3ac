// The mail-log collector: one follower per mail.sources entry, each feeding its
// parser; every parser's events go into one MailStats, whose numbers a scrape
// renders. Reloads keep followers whose source did not change (no line is lost
// or read twice) and keep all counters.
import type { Collector, CollectorContext, CollectorFactory, DnsblRecheck } from '../collector';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { LogSourceMetrics } from '../metrics/log-sources';
import { CATALOGUE } from '../dnsbl/catalogue';
import { blocklistCitationClassifier } from './bounce';
import type { MailSourceConfig } from './config';
import { probeDefaultMailSources } from './default-sources';
import { createParser, detectFormat } from './detect';
import type { MailEvent, MailLogParser } from './events';
import { Follower } from './follower';
import { MailStats, type MailStatsOptions } from './stats';
import { LogClock } from './syslog';
import { renderThresholds } from './thresholds';
import { userLabeller } from './user-label';
import type { Thresholds } from './config';
import type { UserLabeller } from './user-label';

/** Lines kept while a `format: auto` source is still undetected. */
const DETECT_BUFFER_LINES = 200;
/** Lines needed before detection decides (fewer if the source has no more yet). */
const DETECT_MIN_LINES = 20;
/** How often idle users and expired messages are dropped and source health is refreshed. */
const MAINTENANCE_INTERVAL_MS = 5_000;

export function sourceLabel(path: string): string {
  return path === '-' ? 'stdin' : path;
}

function sameSource(a: MailSourceConfig, b: MailSourceConfig): boolean {
  return a.path === b.path && a.format === b.format && a.state_file === b.state_file;
}

/** Counts of one batch, flushed to the pipeline metrics in one go. */
interface BatchCounts { parsed: number; ignored: number; malformed: number; lastEvent: number }

/** Parses lines of one source and feeds the events to `emit`. Detects the format when asked to. */
export class SourceParser {
  private parser?: MailLogParser;
  private pending: string[] = [];

  constructor(
    readonly format: MailSourceConfig['format'],
    private readonly clock: LogClock,
    private readonly emit: (ev: MailEvent) => void,
    private readonly onDetected: (format: string) => void = () => {},
  ) {
    if (format !== 'auto') this.parser = createParser(format, clock);
  }

  get detectedFormat(): string | undefined { return this.parser?.format; }

  /** Parses a batch; lines of an undetected source are held back and counted once detected. */
  parseBatch(lines: readonly string[], counts: BatchCounts): void {
    if (!this.parser) {
      for (const l of lines) this.pending.push(l);
      const detected = this.pending.length >= DETECT_MIN_LINES || lines.length === 0 ? detectFormat(this.pending) : undefined;
      if (!detected) {
        // Keep only the newest lines; the dropped ones count as ignored so the
        // line counter still matches what was read.
        if (this.pending.length > DETECT_BUFFER_LINES) {
          counts.ignored += this.pending.length - DETECT_BUFFER_LINES;
          this.pending = this.pending.slice(-DETECT_BUFFER_LINES);
        }
        return;
      }
      this.parser = createParser(detected.format, this.clock);
      this.onDetected(detected.format);
      lines = this.pending;
      this.pending = [];
    }
    const parser = this.parser;
    for (const line of lines) {
      if (line.length === 0) { counts.ignored++; continue; }
      let r;
      try {
        r = parser.parse(line);
      } catch {
        // A parser bug must cost one line, not the process.
        counts.malformed++;
        continue;
      }
      if (r.result === 'parsed') {
        counts.parsed++;
        for (const ev of r.events) {
          this.emit(ev);
          if (ev.time > counts.lastEvent) counts.lastEvent = ev.time;
        }
      } else if (r.result === 'ignored') {
        counts.ignored++;
      } else {
        counts.malformed++;
      }
    }
  }

  /** Lines held back by detection (for an undetected source at shutdown). */
  get pendingLines(): number { return this.pending.length; }

  /** Tries detection on what is buffered even if fewer than the minimum arrived. */
  flushDetection(counts: BatchCounts): void {
    if (!this.parser && this.pending.length > 0) this.parseBatch([], counts);
  }
}

class MailSourceRunner {
  readonly label: string;
  private readonly follower: Follower;
  private readonly parser: SourceParser;
  private lastBytes = 0;
  private lastRotations = 0;
  private lastTruncated = 0;

  constructor(readonly cfg: MailSourceConfig, private readonly metrics: LogSourceMetrics, stats: () => MailStats, logger: Logger) {
    this.label = sourceLabel(cfg.path);
    const log = logger.child({ source: this.label });
    this.parser = new SourceParser(cfg.format, new LogClock(), (ev) => stats().apply(ev), (format) => log.info('log format detected', { format }));
    this.follower = new Follower({
      path: cfg.path,
      startAt: cfg.start_at,
      stateFile: cfg.state_file,
      logger: log,
      onLines: (lines) => this.onLines(lines),
    });
    metrics.initSource(this.label);
  }

  start(): Promise<void> { return this.follower.start(); }
  stop(): Promise<void> { return this.follower.stop(); }
  get up(): boolean { return this.follower.stats.up; }

  private onLines(lines: string[]): void {
    const counts: BatchCounts = { parsed: 0, ignored: 0, malformed: 0, lastEvent: 0 };
    this.parser.parseBatch(lines, counts);
    this.flush(counts);
  }

  /** Periodic: detection of slow sources, and follower figures into the metrics. */
  refresh(): void {
    const counts: BatchCounts = { parsed: 0, ignored: 0, malformed: 0, lastEvent: 0 };
    this.parser.flushDetection(counts);
    this.flush(counts);
  }

  private flush(c: BatchCounts): void {
    const m = this.metrics;
    const source = this.label;
    if (c.parsed) m.lines.inc({ source, result: 'parsed' }, c.parsed);
    if (c.ignored) m.lines.inc({ source, result: 'ignored' }, c.ignored);
    if (c.malformed) m.lines.inc({ source, result: 'malformed' }, c.malformed);
    if (c.lastEvent) m.lastEvent.set({ source }, c.lastEvent / 1000);
    const s = this.follower.stats;
    if (s.bytesRead > this.lastBytes) { m.bytesRead.inc({ source }, s.bytesRead - this.lastBytes); this.lastBytes = s.bytesRead; }
    if (s.rotations > this.lastRotations) { m.rotations.inc({ source }, s.rotations - this.lastRotations); this.lastRotations = s.rotations; }
    if (s.truncatedLines > this.lastTruncated) { m.truncatedLines.inc({ source }, s.truncatedLines - this.lastTruncated); this.lastTruncated = s.truncatedLines; }
    m.up.set({ source }, s.up ? 1 : 0);
  }
}

export class MailCollector implements Collector {
  readonly name = 'mail';
  private stats?: MailStats;
  private readonly runners = new Map<string, MailSourceRunner>();
  private readonly metrics: LogSourceMetrics;
  private readonly logger: Logger;
  private thresholds?: Thresholds;
  private labeller?: UserLabeller;
  private timer?: NodeJS.Timeout;

  constructor(private readonly ctx: CollectorContext) {
    this.metrics = LogSourceMetrics.for(ctx.registry);
    this.logger = ctx.logger.child({ component: 'mail' });
  }

  /** The statistics engine (tests and the benchmark read it directly). */
  get engine(): MailStats | undefined { return this.stats; }

  async configure(config: Config): Promise<void> {
    const mail = config.mail;
    const labeller = userLabeller(mail);
    const zones = new Set<string>();
    for (const l of CATALOGUE) zones.add(l.zone.toLowerCase());
    for (const l of config.dnsbl.lists) zones.add(l.zone.toLowerCase());
    for (const z of mail.blocklist_zones) zones.add(z.toLowerCase());
    const dnsbl = this.ctx.peers.get('dnsbl') as unknown as Partial<DnsblRecheck> | undefined;
    const opts: MailStatsOptions = {
      maxUsers: mail.max_users,
      userIdleTtlMs: mail.user_idle_ttl,
      maxMessages: mail.max_tracked_messages,
      messageTtlMs: mail.message_ttl,
      maxDistinctPerUser: mail.max_distinct_per_user,
      knownUsers: mail.known_users,
      userLabel: labeller,
      classifyReply: blocklistCitationClassifier(zones),
      onBlocklistCitation: dnsbl?.requestRecheck ? (list) => { dnsbl.requestRecheck!(list); } : undefined,
    };
    if (this.stats) this.stats.reconfigure(opts);
    else this.stats = new MailStats(opts);
    this.thresholds = mail.thresholds;
    this.labeller = labeller;

    let wanted = mail.sources;
    if (wanted === undefined) {
      wanted = probeDefaultMailSources();
      if (wanted.length === 0) this.logger.warn('no mail.sources configured and none of the usual mail logs exists; per-user metrics stay empty');
      else this.logger.info('no mail.sources configured; following the usual mail logs found', { sources: wanted.map((s) => `${s.path} (${s.format})`).join(', ') });
    }

    const keep = new Set<string>();
    for (const cfg of wanted) {
      const existing = this.runners.get(cfg.path);
      if (existing && sameSource(existing.cfg, cfg)) { keep.add(cfg.path); continue; }
      if (existing) { await existing.stop(); this.runners.delete(cfg.path); }
      const runner = new MailSourceRunner(cfg, this.metrics, () => this.stats!, this.logger);
      this.runners.set(cfg.path, runner);
      keep.add(cfg.path);
      await runner.start();
      this.logger.info('following mail log', { source: runner.label, format: cfg.format, start_at: cfg.start_at });
    }
    for (const [path, runner] of this.runners) {
      if (keep.has(path)) continue;
      await runner.stop();
      this.runners.delete(path);
      this.metrics.removeSource(runner.label);
    }

    if (!this.timer) {
      this.timer = setInterval(() => this.maintain(), MAINTENANCE_INTERVAL_MS);
      this.timer.unref();
    }
    this.maintain();
  }

  /** Drops idle state and refreshes source health; also run by the timer. */
  maintain(now = Date.now()): void {
    const started = performance.now();
    this.stats?.maintain(now);
    let allUp = true;
    for (const r of this.runners.values()) {
      r.refresh();
      if (!r.up) allUp = false;
    }
    this.ctx.exporterMetrics.recordRun(this.name, allUp, (performance.now() - started) / 1000);
  }

  renderMetrics(): string {
    return Buffer.concat(this.renderMetricsChunks()).toString('utf8');
  }

  renderMetricsChunks(): Buffer[] {
    if (!this.stats || !this.thresholds || !this.labeller) return [];
    return [...this.stats.renderChunks(), Buffer.from(renderThresholds(this.thresholds, this.labeller), 'utf8')];
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const r of this.runners.values()) await r.stop();
    this.runners.clear();
  }
}

export const mailCollectorFactory: CollectorFactory = (ctx) => new MailCollector(ctx);
