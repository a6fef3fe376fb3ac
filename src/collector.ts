// The collector contract. Each concern (dnsbl/, logs/, egress/) implements one.
//
// A collector does its work on its own schedule or stream and keeps a snapshot;
// a scrape only renders that snapshot. So /metrics never waits on DNS or disk,
// concurrent scrapes are safe, and a failing collector is visible through
// mailrep_collector_success instead of failing the scrape.
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import type { Config } from './config/schema';
import type { Logger } from './log';
import type { ExporterMetrics } from './metrics/exporter';

export interface CollectorContext {
  registry: Registry;
  logger: Logger;
  exporterMetrics: ExporterMetrics;
  /** Lets one collector reach another (the log pipeline asks the DNSBL checker for a re-check). */
  peers: Map<string, Collector>;
}

export interface Collector {
  readonly name: string;
  /**
   * Apply a validated configuration: first at start, then at every successful
   * reload. A collector keeps what survives the change (file positions,
   * counters, cached answers) and rebuilds the rest.
   */
  configure(config: Config): Promise<void>;
  /** Stop timers, watchers and sockets; the process is about to exit. */
  stop(): Promise<void>;
  /** Optional extra HTTP routes (status pages). */
  mountRoutes?(app: Express): void;
  /** Landing-page links to the routes it mounts (href relative to /). */
  readonly links?: readonly { href: string; text: string }[];
  /**
   * Optional hand-rendered exposition text appended to /metrics, for families
   * with many series (per-user metrics) where prom-client's generic formatting
   * is too slow. Must be complete families (# HELP, # TYPE, samples) whose
   * names no prom-client metric in the registry uses.
   */
  renderMetrics?(): string;
  /**
   * Optional: the same text already encoded as UTF-8, in pieces, used instead
   * of renderMetrics when present. The server writes them as they are, so a
   * scrape of a 7 MB family neither copies it into a new string nor encodes it.
   */
  renderMetricsChunks?(): readonly Buffer[];
}

/** Creates a collector and registers its metrics, once per process. */
export type CollectorFactory = (ctx: CollectorContext) => Collector;

/**
 * Implemented by the DNSBL collector (name "dnsbl"): other collectors ask for an
 * immediate re-check of one list, e.g. when a bounce cites it. Returns false when
 * no configured list matches the zone.
 */
export interface DnsblRecheck {
  requestRecheck(zone: string): boolean;
}
