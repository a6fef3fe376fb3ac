// The DNSBL collector: discovers targets, runs check rounds at start and on the
// node-cron schedule (never two at once), re-checks one list on request (a
// bounce cited it), and keeps the state a scrape renders.
import { createTask, type ScheduledTask } from 'node-cron';
import { Counter, Histogram } from 'prom-client';
import type { Express } from 'express';
import type { Collector, CollectorContext, CollectorFactory, DnsblRecheck } from '../collector';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import type { DnsblConfig } from './config';
import type { ListDefinition, Verdict } from './model';
import { Resolver } from './resolver';
import { runRound, type PairResult } from './round';
import { DnsblState } from './state';
import { resolveTargets, type ResolvedTarget } from './targets';
import { renderStatusHtml, statusJson } from './status';

/**
 * Resolves after `n` turns of the event loop. Work that is all microtasks
 * (start-up, a round's set-up) never lets I/O in by itself; one setImmediate
 * may still run before the poll phase, so a scrape that has just connected
 * needs a few turns to be accepted, read and answered.
 */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

export function verdictResult(v: Verdict): string {
  return v.state === 'unknown' ? v.reason : v.state;
}

function resolverKey(c: DnsblConfig): string {
  return JSON.stringify([c.resolvers, c.timeout, c.retries, c.concurrency]);
}

/** Seconds between the next two runs of a cron schedule. */
export function scheduleIntervalSeconds(task: ScheduledTask): number {
  const [a, b] = task.getNextRuns(2);
  return a && b ? (b.getTime() - a.getTime()) / 1000 : 0;
}

export class DnsblCollector implements Collector, DnsblRecheck {
  readonly name = 'dnsbl';
  readonly links = [{ href: 'status', text: 'DNSBL status' }, { href: 'api/v1/status', text: 'DNSBL status (JSON)' }];
  readonly state = new DnsblState();
  private readonly logger: Logger;
  private readonly queries: Counter<'list' | 'result'>;
  private readonly queryDuration: Histogram<'list'>;
  private readonly skippedRounds: Counter;
  private config?: DnsblConfig;
  private resolver?: Resolver;
  private resolverConfig = '';
  private task?: ScheduledTask;
  private running?: Promise<void>;
  private readonly pendingRechecks = new Set<string>();
  private readonly lastRecheck = new Map<string, number>();
  private stopped = false;

  constructor(private readonly ctx: CollectorContext) {
    this.logger = ctx.logger.child({ component: 'dnsbl' });
    this.queries = new Counter({
      name: 'mailrep_dnsbl_queries_total',
      help: 'DNSBL checks by list and result: listed, clean, or the reason the answer was unknown.',
      labelNames: ['list', 'result'],
      registers: [ctx.registry],
    });
    this.queryDuration = new Histogram({
      name: 'mailrep_dnsbl_query_duration_seconds',
      help: 'Time to check one target on one list (A query, plus TXT when listed), including retries.',
      labelNames: ['list'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [ctx.registry],
    });
    this.skippedRounds = new Counter({
      name: 'mailrep_dnsbl_rounds_skipped_total',
      help: 'Scheduled rounds skipped because the previous round was still running.',
      registers: [ctx.registry],
    });
  }

  get lists(): readonly ListDefinition[] { return this.config?.lists ?? []; }

  async configure(config: Config): Promise<void> {
    const c = config.dnsbl;
    this.config = c;
    if (!this.resolver || resolverKey(c) !== this.resolverConfig) {
      const old = this.resolver;
      this.resolver = new Resolver({
        servers: c.resolvers,
        timeoutMs: c.timeout,
        retries: c.retries,
        concurrency: c.concurrency,
        logger: this.logger,
      });
      this.resolverConfig = resolverKey(c);
      // Let a running round finish on the old resolver before closing it.
      if (old) void (this.running ?? Promise.resolve()).then(() => old.close());
      this.logger.info('DNSBL resolvers', { resolvers: this.resolver.describe(), timeout_ms: c.timeout, retries: c.retries, concurrency: c.concurrency });
    }
    this.state.lists = [...c.lists];
    this.logger.info('DNSBL lists', { lists: c.lists.map((l) => l.name).join(', ') });
    for (const l of c.lists) {
      for (const result of ['listed', 'clean']) this.queries.inc({ list: l.name, result }, 0);
    }

    // At start the HTTP server is already listening and a scrape may be
    // waiting: let it be answered before node-cron's first schedule
    // computation (~30 ms: it loads ICU's date formatting) and the round's start.
    await turns(3);
    if (this.stopped) return;
    await this.task?.destroy();
    this.task = createTask(c.schedule, () => { void this.round('scheduled'); }, { name: 'dnsbl', unref: true });
    this.state.intervalSeconds = scheduleIntervalSeconds(this.task);
    await this.task.start();
    this.state.refresh();
    // The first round (and one after every reload: lists or targets may have
    // changed) starts now, without holding up start-up or the reload answer.
    void this.round('start');
  }

  /** The targets of this round: configured ones (hostnames, SPF and MX re-resolved), or this host's public addresses. */
  private async discoverTargets(): Promise<ResolvedTarget[]> {
    const c = this.config!;
    const r = await resolveTargets(c.targets, this.resolver!, { cidrMax: c.cidr_max_addresses, spfCidrMax: c.spf_cidr_max_addresses, log: this.logger });
    for (const p of r.problems) this.logger.warn('target discovery problem', { problem: p });
    this.state.spf = r.spf;
    return r.targets;
  }

  /** Runs a full round unless one is running. Resolves when it (or the running one) ends. */
  round(reason: 'start' | 'scheduled'): Promise<void> {
    if (this.running) {
      if (reason === 'scheduled') {
        this.skippedRounds.inc();
        this.logger.warn('previous DNSBL round still running; skipping this scheduled round');
      }
      return this.running;
    }
    const run = this.fullRound().finally(() => {
      this.running = undefined;
      void this.runPendingRechecks();
    });
    this.running = run;
    return run;
  }

  private async fullRound(): Promise<void> {
    const startedAt = Date.now();
    let ok = true;
    try {
      await turns(3);
      const targets = await this.discoverTargets();
      this.state.targets = targets;
      await turns(1);
      const lists = this.config!.lists;
      const result = await this.check(lists, targets);
      this.state.retain(targets, lists);
      this.state.lastRound = { startedAt, finishedAt: Date.now(), queries: result };
      const unknown = this.state.unknownCount();
      this.logger.info('DNSBL round done', { targets: targets.length, lists: lists.length, queries: result, unknown, seconds: (Date.now() - startedAt) / 1000 });
    } catch (err) {
      ok = false;
      this.logger.error('DNSBL round failed', { err });
    } finally {
      await this.state.refreshAsync();
      this.ctx.exporterMetrics.recordRun(this.name, ok, (Date.now() - startedAt) / 1000);
    }
  }

  /** Checks `lists` for `targets`, recording into the state as results arrive. */
  private async check(lists: readonly ListDefinition[], targets: readonly ResolvedTarget[]): Promise<number> {
    if (this.stopped) return 0;
    const r = await runRound({
      lookup: this.resolver!,
      lists,
      targets,
      concurrency: this.config!.concurrency,
      onCanary: (c) => {
        this.state.health.set(c.list.name, { healthy: c.healthy, detail: c.detail, checkedAt: c.time });
        if (!c.healthy) this.logger.warn('DNSBL list failed its canary check; its results are unknown until it passes', { list: c.list.name, detail: c.detail });
      },
      onCheck: (res: PairResult, seconds) => {
        this.state.record(res.target, res.list.name, res.verdict, res.time);
        this.queries.inc({ list: res.list.name, result: verdictResult(res.verdict) });
        this.queryDuration.observe({ list: res.list.name }, seconds);
      },
    });
    for (const l of lists) if (!l.canaries) this.state.health.set(l.name, { healthy: true, detail: 'no test entries: not canary-checked', checkedAt: Date.now() });
    return r.queries;
  }

  /**
   * Asks for an immediate re-check of one list (by zone or name), e.g. because
   * a bounce cited it. Coalesced: at most one pending per list, and at most one
   * per list per `recheck_min_interval`, so a bounce storm costs one round.
   */
  requestRecheck(zoneOrName: string): boolean {
    const want = zoneOrName.toLowerCase();
    const list = this.lists.find((l) => l.name.toLowerCase() === want || l.zone.toLowerCase() === want);
    if (!list) return false;
    const last = this.lastRecheck.get(list.name) ?? 0;
    if (Date.now() - last < this.config!.recheck_min_interval) return true;
    this.pendingRechecks.add(list.name);
    if (!this.running) void this.runPendingRechecks();
    return true;
  }

  private async runPendingRechecks(): Promise<void> {
    if (this.running || this.pendingRechecks.size === 0 || this.stopped) return;
    const names = [...this.pendingRechecks];
    this.pendingRechecks.clear();
    const lists = this.lists.filter((l) => names.includes(l.name));
    for (const l of lists) this.lastRecheck.set(l.name, Date.now());
    this.logger.info('re-checking DNSBL lists on request', { lists: names.join(', ') });
    const run = this.check(lists, this.state.targets)
      .catch((err) => this.logger.error('DNSBL re-check failed', { err }))
      .then(() => undefined)
      .then(() => this.state.refreshAsync())
      .finally(() => {
        this.running = undefined;
        void this.runPendingRechecks();
      });
    this.running = run;
    await run;
  }

  /** Resolves when no round or re-check is running (tests, benchmark). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  mountRoutes(app: Express): void {
    app.get('/status', (_req, res) => { res.type('html').send(renderStatusHtml(this.state)); });
    app.get('/api/v1/status', (_req, res) => { res.json(statusJson(this.state)); });
  }

  renderMetrics(): string { return this.state.render(); }

  renderMetricsChunks(): readonly Buffer[] { return this.state.renderChunks(); }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.task?.destroy();
    this.task = undefined;
    // Closing the resolver ends pending lookups at once, so a running round finishes quickly.
    await this.resolver?.close();
    await this.running?.catch(() => undefined);
  }
}

export const dnsblCollectorFactory: CollectorFactory = (ctx) => new DnsblCollector(ctx);
