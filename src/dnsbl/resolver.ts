// The DNS client the checker uses: its own wire handling over its own sockets,
// never the system resolver (whose servers, search domains and caching are
// not ours to vouch for). Per lookup: cache → in-flight de-duplication →
// concurrency limit → servers in order (retries on timeout; the next server on
// timeout, SERVFAIL, REFUSED or a network error) → TCP when the UDP answer is
// truncated. Every failure is a LookupResult with a reason; nothing throws.
import type { Socket as TcpSocket } from 'node:net';
import type { DnsFailureReason, DnsLookup, DnsRecord, LookupResult, RecordType } from './dns';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { TtlCache } from './dns-cache';
import { Limiter } from './limiter';
import { serverLabel, tcpQuery, UdpChannel, type Attempt, type ServerAddress, type TransportStats } from './resolver-transport';
import { extractAnswers, negativeTtl, normalizeName, QTYPE, RCODE, rcodeName } from './resolver-wire';

export interface ResolverOptions {
  servers: ServerAddress[];
  timeoutMs: number;
  /** Extra attempts per server after a timeout (default 1). */
  retries?: number;
  /** Lookups in flight at once (default 32); the rest wait in order. */
  concurrency?: number;
  cache?: { maxEntries?: number; maxTtlSeconds?: number; negativeTtlSeconds?: number } | false;
  now?: () => number;
  logger?: Logger;
}

type Definitive = Extract<LookupResult, { ok: true }>;

/**
 * How informative a failure is, when servers disagree: a SERVFAIL or REFUSED
 * from a server that answered says more than another server's silence.
 */
const FAILURE_RANK: Record<DnsFailureReason, number> = { timeout: 0, network: 1, malformed: 2, servfail: 3, refused: 4 };

export class Resolver implements DnsLookup {
  readonly stats = { sent: 0, retries: 0, tcpFallbacks: 0, cacheHits: 0, deduplicated: 0, maxInFlight: 0, ignored: 0, malformed: 0 };
  private readonly transport: TransportStats = { sent: 0, ignored: 0, malformed: 0 };
  private readonly channels: UdpChannel[];
  private readonly tcpOpen = new Set<TcpSocket>();
  private readonly limiter: Limiter;
  private readonly cache?: TtlCache<Definitive>;
  private readonly inFlight = new Map<string, Promise<LookupResult>>();
  private readonly retries: number;
  private readonly maxTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: ResolverOptions) {
    if (opts.servers.length === 0) throw new Error('at least one resolver is needed');
    const logger = opts.logger ?? silentLogger;
    this.channels = opts.servers.map((s) => new UdpChannel(s, this.transport, logger));
    this.limiter = new Limiter(opts.concurrency ?? 32);
    this.retries = opts.retries ?? 1;
    this.now = opts.now ?? Date.now;
    const cache = opts.cache === false ? undefined : opts.cache ?? {};
    if (cache) this.cache = new TtlCache<Definitive>(cache.maxEntries ?? 100_000);
    this.maxTtlMs = ((cache && cache.maxTtlSeconds) ?? 3600) * 1000;
    this.negativeTtlMs = ((cache && cache.negativeTtlSeconds) ?? 60) * 1000;
  }

  describe(): string {
    return this.opts.servers.map(serverLabel).join(', ');
  }

  lookup(rawName: string, type: RecordType): Promise<LookupResult> {
    const checked = normalizeName(rawName);
    if (!checked.ok) return Promise.resolve({ ok: false, reason: 'malformed', detail: checked.detail });
    if (this.closed) return Promise.resolve({ ok: false, reason: 'network', detail: 'resolver closed' });
    const name = checked.name;
    const key = `${type} ${name}`;
    const cached = this.cache?.get(key, this.now());
    if (cached) {
      this.stats.cacheHits++;
      return Promise.resolve({ ...cached.value, fromCache: true });
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.stats.deduplicated++;
      return pending;
    }
    const run = this.limiter.run(async () => {
      this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.limiter.running);
      return this.resolve(name, type);
    }).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private async resolve(name: string, type: RecordType): Promise<LookupResult> {
    const qtype = QTYPE[type];
    let worst: { reason: DnsFailureReason; detail: string } | undefined;
    const note = (reason: DnsFailureReason, detail: string) => {
      if (!worst || FAILURE_RANK[reason] >= FAILURE_RANK[worst.reason]) worst = { reason, detail };
    };
    for (let s = 0; s < this.channels.length; s++) {
      const server = this.opts.servers[s];
      const label = serverLabel(server);
      for (let attempt = 0; attempt <= this.retries; attempt++) {
        if (this.closed) return { ok: false, reason: 'network', detail: 'resolver closed' };
        if (attempt > 0) this.stats.retries++;
        let result: Attempt = await this.channels[s].query(name, qtype, this.opts.timeoutMs);
        if (result.kind === 'truncated') {
          this.stats.tcpFallbacks++;
          result = await tcpQuery(server, name, qtype, this.opts.timeoutMs, this.transport, this.tcpOpen);
        }
        this.syncStats();
        if (result.kind === 'timeout') { note('timeout', `${name} ${type}: no answer from ${label} within ${this.opts.timeoutMs} ms`); continue; }
        if (result.kind === 'network') { note('network', `${name} ${type}: ${label}: ${result.code}`); break; }
        if (result.kind === 'malformed') { note('malformed', `${name} ${type}: undecodable answer from ${label}: ${result.error}`); break; }
        if (result.kind === 'truncated') { note('malformed', `${name} ${type}: ${label} answered truncated over TCP`); break; }
        const { header } = result.message;
        if (header.rcode === RCODE.NOERROR || header.rcode === RCODE.NXDOMAIN) return this.definitive(name, type, qtype, result.message);
        if (header.rcode === RCODE.REFUSED) { note('refused', `${name} ${type}: ${label} answered REFUSED`); break; }
        note('servfail', `${name} ${type}: ${label} answered ${rcodeName(header.rcode)}`);
        break;
      }
    }
    return { ok: false, ...(worst ?? { reason: 'timeout', detail: `${name} ${type}: no answer` }) };
  }

  private definitive(name: string, type: RecordType, qtype: number, message: Extract<Attempt, { kind: 'answer' }>['message']): LookupResult {
    const nx = message.header.rcode === RCODE.NXDOMAIN;
    const extracted = nx ? { records: [], minTtl: undefined } : extractAnswers(message.answers, name, qtype);
    const records: DnsRecord[] = extracted.records.map((r) => (r.priority === undefined ? { type, data: r.data, ttl: r.ttl } : { type, data: r.data, ttl: r.ttl, priority: r.priority }));
    const result: Definitive = { ok: true, rcode: nx ? 'NXDOMAIN' : 'NOERROR', records, fromCache: false };
    if (this.cache) {
      const ttlMs = records.length > 0
        ? Math.min((extracted.minTtl ?? 0) * 1000, this.maxTtlMs)
        : Math.min((negativeTtl(message.authorities) ?? this.negativeTtlMs / 1000) * 1000, this.maxTtlMs);
      this.cache.set(`${type} ${name}`, result, ttlMs, this.now());
    }
    return result;
  }

  private syncStats(): void {
    this.stats.sent = this.transport.sent;
    this.stats.ignored = this.transport.ignored;
    this.stats.malformed = this.transport.malformed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.tcpOpen) s.destroy();
    this.tcpOpen.clear();
    await Promise.all(this.channels.map((c) => c.close()));
  }
}
