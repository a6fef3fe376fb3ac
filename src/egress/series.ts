// The egress metrics, with source_address bounded by max_sources.
//
// Bounding is deliberately simple: the first max_sources distinct addresses
// get their own series and keep them for the life of the process (an infected
// host must not disappear from the graphs because others showed up); every
// later address is counted under source_address="_overflow". There is no
// eviction, so a series never jumps between an address and "_overflow".
// Memory is at most max_sources entries of (last time, label combinations),
// each bounded by the configured ports × 3 actions.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SmtpAttempt } from './attempt';

export const OVERFLOW_SOURCE = '_overflow';

interface SourceSeries {
  /** Newest attempt time seen, seconds (the gauge's value). */
  last: number;
  /** "port|action" label combinations with a series, for removal. */
  combos: Set<string>;
}

export class EgressSeries {
  readonly attempts: Counter<'source_address' | 'port' | 'action'>;
  readonly lastAttempt: Gauge<'source_address'>;
  /** Addresses with their own series, in first-seen order. */
  private readonly sources = new Map<string, SourceSeries>();
  private overflow?: SourceSeries;

  constructor(registry: Registry, private maxSources: number) {
    this.attempts = new Counter({
      name: 'mailrep_egress_smtp_attempts_total',
      help: 'New outbound SMTP connections (TCP SYN to a configured port) from a host that is not a mail server, by internal source address, destination port and what the firewall did (blocked, allowed, or logged when the log does not say). Addresses beyond max_sources are counted as "_overflow".',
      labelNames: ['source_address', 'port', 'action'],
      registers: [registry],
    });
    this.lastAttempt = new Gauge({
      name: 'mailrep_egress_last_attempt_timestamp_seconds',
      help: 'Log time of the newest outbound SMTP attempt from this source address.',
      labelNames: ['source_address'],
      registers: [registry],
    });
  }

  /** Addresses with their own series (not counting "_overflow"). */
  get trackedSources(): number { return this.sources.size; }
  get overflowing(): boolean { return this.overflow !== undefined; }

  record(a: SmtpAttempt): void {
    let label = a.sourceAddress;
    let series = this.sources.get(label);
    if (!series) {
      if (this.sources.size < this.maxSources) {
        series = { last: 0, combos: new Set() };
        this.sources.set(label, series);
      } else {
        label = OVERFLOW_SOURCE;
        series = this.overflow ??= { last: 0, combos: new Set() };
      }
    }
    const port = String(a.destinationPort);
    series.combos.add(`${port}|${a.action}`);
    this.attempts.inc({ source_address: label, port, action: a.action });
    const seconds = a.time / 1000;
    if (seconds > series.last) {
      series.last = seconds;
      this.lastAttempt.set({ source_address: label }, seconds);
    }
  }

  /**
   * Applies a reloaded config: a lower max_sources drops the most recently
   * added addresses beyond it; addresses now listed as mail servers and ports
   * no longer configured lose their series.
   */
  reconfigure(maxSources: number, isMailServer: (address: string) => boolean, hasPort: (port: number) => boolean): void {
    this.maxSources = maxSources;
    const excess = this.sources.size - maxSources;
    if (excess > 0) {
      const newest = [...this.sources.keys()].slice(-excess);
      for (const address of newest) this.removeSource(address);
    }
    for (const address of [...this.sources.keys()]) if (isMailServer(address)) this.removeSource(address);
    for (const [label, series] of this.allSeries()) {
      for (const combo of [...series.combos]) {
        const [port, action] = combo.split('|');
        if (hasPort(Number(port))) continue;
        this.attempts.remove({ source_address: label, port, action });
        series.combos.delete(combo);
      }
    }
  }

  private *allSeries(): Iterable<[string, SourceSeries]> {
    yield* this.sources;
    if (this.overflow) yield [OVERFLOW_SOURCE, this.overflow];
  }

  private removeSource(address: string): void {
    const series = this.sources.get(address);
    if (!series) return;
    for (const combo of series.combos) {
      const [port, action] = combo.split('|');
      this.attempts.remove({ source_address: address, port, action });
    }
    this.lastAttempt.remove({ source_address: address });
    this.sources.delete(address);
  }
}
