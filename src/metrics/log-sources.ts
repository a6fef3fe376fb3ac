// Pipeline metrics shared by every collector that follows a log file (mail logs
// and firewall logs), so one dashboard row shows the health of all sources.
// `source` is the configured path (or "stdin"): bounded by the config.
import { Counter, Gauge, type Registry } from 'prom-client';

export type LineResult = 'parsed' | 'ignored' | 'malformed';

export class LogSourceMetrics {
  readonly lines: Counter<'source' | 'result'>;
  readonly bytesRead: Counter<'source'>;
  readonly up: Gauge<'source'>;
  readonly lastEvent: Gauge<'source'>;
  readonly rotations: Counter<'source'>;
  readonly truncatedLines: Counter<'source'>;

  private static perRegistry = new WeakMap<Registry, LogSourceMetrics>();

  /** One instance per registry: the mail and egress collectors share it. */
  static for(registry: Registry): LogSourceMetrics {
    let m = LogSourceMetrics.perRegistry.get(registry);
    if (!m) {
      m = new LogSourceMetrics(registry);
      LogSourceMetrics.perRegistry.set(registry, m);
    }
    return m;
  }

  private constructor(registry: Registry) {
    this.lines = new Counter({
      name: 'mailrep_log_lines_total',
      help: 'Log lines read, by source and by what the parser made of them (parsed, ignored = understood but irrelevant, malformed = looked like the format but could not be read).',
      labelNames: ['source', 'result'],
      registers: [registry],
    });
    this.bytesRead = new Counter({
      name: 'mailrep_log_bytes_read_total',
      help: 'Bytes read from the log source.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.up = new Gauge({
      name: 'mailrep_log_source_up',
      help: 'Whether the log source is open and readable (1) or missing/unreadable (0).',
      labelNames: ['source'],
      registers: [registry],
    });
    this.lastEvent = new Gauge({
      name: 'mailrep_log_last_event_timestamp_seconds',
      help: 'Log timestamp of the last line from this source that produced an event.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.rotations = new Counter({
      name: 'mailrep_log_rotations_total',
      help: 'Rotations detected on the log source (rename-and-create, copytruncate, deletion and re-creation).',
      labelNames: ['source'],
      registers: [registry],
    });
    this.truncatedLines = new Counter({
      name: 'mailrep_log_truncated_lines_total',
      help: 'Lines longer than the maximum line length (64 KiB), cut to that length before parsing.',
      labelNames: ['source'],
      registers: [registry],
    });
  }

  /** Creates every series of a source at zero, so rate() works from the first scrape. */
  initSource(source: string): void {
    for (const result of ['parsed', 'ignored', 'malformed'] as const) this.lines.inc({ source, result }, 0);
    this.bytesRead.inc({ source }, 0);
    this.rotations.inc({ source }, 0);
    this.truncatedLines.inc({ source }, 0);
  }

  /** A source removed by a reload: its series go too. */
  removeSource(source: string): void {
    for (const result of ['parsed', 'ignored', 'malformed'] as const) this.lines.remove({ source, result });
    this.bytesRead.remove({ source });
    this.up.remove({ source });
    this.lastEvent.remove({ source });
    this.rotations.remove({ source });
    this.truncatedLines.remove({ source });
  }
}
