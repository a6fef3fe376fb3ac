// The egress collector: one follower per egress.sources entry, each line
// through its format's parser, each attempt through the filter (ports, mail
// servers), reported ones into the bounded series. Reloads keep the followers
// of sources whose file, format and state file did not change (no line lost or
// read twice) and all counters; the filter and action words are swapped in
// place, so they apply from the next line on.
import type { Collector, CollectorContext, CollectorFactory } from '../collector';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { Follower } from '../logs/follower';
import { LogClock } from '../logs/syslog';
import { LogSourceMetrics } from '../metrics/log-sources';
import type { ActionWords, FirewallParseResult } from './attempt';
import type { EgressConfig, EgressFormat, EgressSourceConfig } from './config';
import { EgressFilter } from './filter';
import { parseFilterlogLine } from './filterlog';
import { parseIptablesLine } from './iptables';
import { parseMikrotikLine } from './mikrotik';
import { EgressSeries } from './series';

/** How often source health (up, bytes, rotations) is refreshed between batches. */
const MAINTENANCE_INTERVAL_MS = 5_000;
const DEFAULT_MAX_SOURCES = 1000;

/** What a reload may change without restarting a follower. */
interface Settings {
  filter: EgressFilter;
  words: ActionWords;
}

export type LineParser = (line: string) => FirewallParseResult;

/** The parser of one format; `words` is read per line so a reload applies to running sources. */
export function lineParser(format: EgressFormat, clock: LogClock, words: () => ActionWords): LineParser {
  switch (format) {
    case 'iptables': return (line) => parseIptablesLine(line, clock, words());
    case 'filterlog': return (line) => parseFilterlogLine(line, clock);
    case 'mikrotik': return (line) => parseMikrotikLine(line, clock, words());
  }
}

function sameSource(a: EgressSourceConfig, b: EgressSourceConfig): boolean {
  return a.path === b.path && a.format === b.format && a.state_file === b.state_file;
}

export interface EgressCollectorOptions {
  /** Follower poll interval; 0 = no timers, the caller polls (tests). Default: the follower's. */
  pollIntervalMs?: number;
  /** Wall clock for year-less syslog timestamps; default Date.now. */
  now?: () => number;
}

class EgressSourceRunner {
  readonly label: string;
  readonly follower: Follower;
  private readonly parse: LineParser;
  private lastEvent = 0;
  private lastBytes = 0;
  private lastRotations = 0;
  private lastTruncated = 0;

  constructor(
    readonly cfg: EgressSourceConfig,
    private readonly metrics: LogSourceMetrics,
    private readonly settings: () => Settings,
    private readonly series: EgressSeries,
    private readonly onBatch: (seconds: number) => void,
    logger: Logger,
    opts: EgressCollectorOptions,
  ) {
    this.label = cfg.path;
    this.parse = lineParser(cfg.format, new LogClock(opts.now), () => this.settings().words);
    this.follower = new Follower({
      path: cfg.path,
      startAt: cfg.start_at,
      stateFile: cfg.state_file,
      pollIntervalMs: opts.pollIntervalMs,
      logger: logger.child({ source: this.label }),
      onLines: (lines) => this.onLines(lines),
    });
    metrics.initSource(this.label);
  }

  get up(): boolean { return this.follower.stats.up; }

  async start(): Promise<void> {
    await this.follower.start();
    this.refresh();
  }

  stop(): Promise<void> { return this.follower.stop(); }

  private onLines(lines: string[]): void {
    const started = performance.now();
    const { filter } = this.settings();
    let parsed = 0, ignored = 0, malformed = 0, newest = 0;
    for (const line of lines) {
      if (line.length === 0) { ignored++; continue; }
      let r: FirewallParseResult;
      try {
        r = this.parse(line);
      } catch {
        // A parser bug must cost one line, not the process.
        malformed++;
        continue;
      }
      if (r.result === 'parsed') {
        if (filter.verdict(r.attempt) === 'report') {
          this.series.record(r.attempt);
          parsed++;
          if (r.attempt.time > newest) newest = r.attempt.time;
        } else {
          ignored++; // understood, but not SMTP from a host that should not send it
        }
      } else if (r.result === 'ignored') {
        ignored++;
      } else {
        malformed++;
      }
    }
    const m = this.metrics;
    const source = this.label;
    if (parsed) m.lines.inc({ source, result: 'parsed' }, parsed);
    if (ignored) m.lines.inc({ source, result: 'ignored' }, ignored);
    if (malformed) m.lines.inc({ source, result: 'malformed' }, malformed);
    if (newest > this.lastEvent) {
      this.lastEvent = newest;
      m.lastEvent.set({ source }, newest / 1000);
    }
    this.refresh();
    this.onBatch((performance.now() - started) / 1000);
  }

  /** Follower figures (bytes, rotations, cut lines, up) into the shared pipeline metrics. */
  refresh(): void {
    const m = this.metrics;
    const source = this.label;
    const s = this.follower.stats;
    if (s.bytesRead > this.lastBytes) { m.bytesRead.inc({ source }, s.bytesRead - this.lastBytes); this.lastBytes = s.bytesRead; }
    if (s.rotations > this.lastRotations) { m.rotations.inc({ source }, s.rotations - this.lastRotations); this.lastRotations = s.rotations; }
    if (s.truncatedLines > this.lastTruncated) { m.truncatedLines.inc({ source }, s.truncatedLines - this.lastTruncated); this.lastTruncated = s.truncatedLines; }
    m.up.set({ source }, s.up ? 1 : 0);
  }
}

export class EgressCollector implements Collector {
  readonly name = 'egress';
  private readonly runners = new Map<string, EgressSourceRunner>();
  private readonly metrics: LogSourceMetrics;
  private readonly series: EgressSeries;
  private readonly logger: Logger;
  private settings?: Settings;
  private timer?: NodeJS.Timeout;
  private lastBatchSeconds = 0;
  private maxSources = DEFAULT_MAX_SOURCES;
  private overflowWarned = false;

  constructor(private readonly ctx: CollectorContext, private readonly opts: EgressCollectorOptions = {}) {
    this.metrics = LogSourceMetrics.for(ctx.registry);
    this.series = new EgressSeries(ctx.registry, DEFAULT_MAX_SOURCES);
    this.logger = ctx.logger.child({ component: 'egress' });
  }

  /** Source addresses with their own series (tests, status). */
  get trackedSources(): number { return this.series.trackedSources; }
  get sourcePaths(): string[] { return [...this.runners.keys()]; }

  async configure(config: Config): Promise<void> {
    const egress: EgressConfig = config.egress;
    const filter = new EgressFilter(egress);
    this.settings = {
      filter,
      words: { blockedWords: egress.iptables_actions.blocked, allowedWords: egress.iptables_actions.allowed },
    };
    this.series.reconfigure(egress.max_sources, (a) => filter.isMailServer(a), (p) => filter.hasPort(p));
    this.maxSources = egress.max_sources;

    const mailPaths = new Set((config.mail.sources ?? []).map((s) => s.path));
    const keep = new Set<string>();
    for (const cfg of egress.sources) {
      keep.add(cfg.path);
      if (mailPaths.has(cfg.path)) {
        this.logger.warn('file is both a mail and an egress source; its mailrep_log_* series mix both', { source: cfg.path });
      }
      const existing = this.runners.get(cfg.path);
      if (existing && sameSource(existing.cfg, cfg)) continue;
      if (existing) { await existing.stop(); this.runners.delete(cfg.path); }
      const runner = new EgressSourceRunner(cfg, this.metrics, () => this.settings!, this.series, (s) => this.batchDone(s), this.logger, this.opts);
      this.runners.set(cfg.path, runner);
      await runner.start();
      this.logger.info('following firewall log', { source: runner.label, format: cfg.format, start_at: cfg.start_at });
    }
    for (const [path, runner] of this.runners) {
      if (keep.has(path)) continue;
      await runner.stop();
      this.runners.delete(path);
      this.metrics.removeSource(runner.label);
      this.logger.info('stopped following firewall log', { source: runner.label });
    }

    if (!this.timer && this.opts.pollIntervalMs !== 0) {
      this.timer = setInterval(() => this.maintain(), MAINTENANCE_INTERVAL_MS);
      this.timer.unref();
    }
    this.maintain();
  }

  /** Reads everything the sources have now (tests; the followers also poll on their own). */
  async poll(): Promise<void> {
    for (const r of this.runners.values()) await r.follower.poll();
    this.maintain();
  }

  /** Refreshes source health and mailrep_collector_success (all sources up); also run by the timer. */
  maintain(): void {
    for (const r of this.runners.values()) r.refresh();
    this.record();
  }

  private batchDone(seconds: number): void {
    this.lastBatchSeconds = seconds;
    if (this.series.overflowing && !this.overflowWarned) {
      this.overflowWarned = true;
      this.logger.warn('egress.max_sources reached: further source addresses are counted as source_address="_overflow"', { max_sources: this.maxSources });
    }
    this.record();
  }

  private record(): void {
    let allUp = true;
    for (const r of this.runners.values()) if (!r.up) allUp = false;
    this.ctx.exporterMetrics.recordRun(this.name, allUp, this.lastBatchSeconds);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const r of this.runners.values()) await r.stop();
    this.runners.clear();
  }
}

export const egressCollectorFactory: CollectorFactory = (ctx) => new EgressCollector(ctx);
