// The DnsLookup used by the DNSBL checker and target discovery: our own stub
// resolver talking to the configured recursive resolvers over UDP (TCP when an
// answer is truncated). Deliberately not node:dns: the system resolver (or
// resolv.conf's forwarder) is exactly what Spamhaus & co. refuse, and c-ares
// hides rcodes, so SERVFAIL/REFUSED/timeout could not be told apart.
//
// Per lookup: cache → in-flight deduplication → FIFO concurrency limit → for
// each server in order: UDP attempt, repeated `retries` times after a timeout,
// TCP on truncation; SERVFAIL, REFUSED, a socket error or an undecodable reply
// move on to the next server at once. NOERROR and NXDOMAIN are definitive.

import { isIP, type Socket as TcpSocket } from 'node:net';
import { silentLogger, type Logger } from '../log';
import { TtlCache } from './dns-cache';
import type { DnsFailureReason, DnsLookup, DnsRecord, LookupResult, RecordType } from './dns';
import { Limiter } from './limiter';
import { serverLabel, tcpQuery, UdpChannel, type Attempt, type ServerAddress } from './resolver-transport';
import { extractAnswers, negativeTtl, normalizeName, QTYPE, RCODE, rcodeName, type WireMessage } from './resolver-wire';

export interface ResolverOptions {
  servers: { host: string; port: number }[];   // tried in order
  timeoutMs: number;                            // per attempt
  retries?: number;                             // extra attempts per server after a timeout (default 1)
  concurrency?: number;                         // lookups in flight at once (default 32); the rest queue
  cache?: { maxEntries?: number /* default 100_000 */; maxTtlSeconds?: number /* 3600 */; negativeTtlSeconds?: number /* used when no SOA: 60 */ } | false;
  now?: () => number;                           // ms clock, injectable for cache tests
  logger?: Logger;
}

export interface ResolverStats {
  /** Queries sent (UDP datagrams and TCP queries). */
  sent: number;
  /** UDP re-sends to the same server after a timeout. */
  retries: number;
  /** Truncated UDP answers repeated over TCP. */
  tcpFallbacks: number;
  cacheHits: number;
  /** Lookups that joined an identical lookup already in flight. */
  deduplicated: number;
  /** Most lookups that were ever resolving at once (bounded by `concurrency`). */
  maxInFlight: number;
  /** Replies dropped: unknown id (late or spoofed), wrong source, wrong question, QR unset. */
  ignored: number;
  /** Replies with our id that could not be decoded. */
  malformed: number;
}

/** The maximum of `concurrency`: every in-flight lookup needs a distinct 16-bit id on a server's socket. */
const MAX_CONCURRENCY = 8192;

/** A cached answer; its age is `lifetimeMs` minus what the cache says is left. */
interface CachedAnswer {
  readonly rcode: 'NOERROR' | 'NXDOMAIN';
  readonly records: readonly DnsRecord[];
  readonly lifetimeMs: number;
}

/**
 * Answers without records (NXDOMAIN, NODATA: nearly every DNSBL answer) are
 * shared per rcode and lifetime, so 30,000 cached "not listed" answers cost
 * 30,000 cache slots and no answer objects. Bounded: lifetimes come from the
 * server's SOA, so past this many distinct ones a fresh object is made.
 */
const MAX_SHARED_EMPTY_ANSWERS = 64;
const NO_RECORDS: readonly DnsRecord[] = Object.freeze([]);

/**
 * Why a server gave no definitive answer, most informative first, for when
 * servers disagree. An answer from a server says more than silence. REFUSED
 * ranks highest because it is the one an admin must act on (this host is not
 * allowed to query: an ACL, an unregistered resolver IP), then SERVFAIL (the
 * resolver could not get an answer for the name); among non-answers,
 * undecodable replies say more than socket errors, which say more than
 * timeouts. The detail lists what every server did.
 */
const REASON_RANK: Record<DnsFailureReason, number> = { refused: 4, servfail: 3, malformed: 2, network: 1, timeout: 0 };

function validateOptions(opts: ResolverOptions): void {
  if (!Array.isArray(opts.servers) || opts.servers.length === 0) throw new Error('resolver: at least one server is required');
  for (const s of opts.servers) {
    // Resolving a resolver's host name would need the system resolver, which we never use.
    if (isIP(s.host) === 0) throw new Error(`resolver: server "${s.host}" is not an IP address (host names would need the system resolver)`);
    if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new Error(`resolver: server ${s.host} has an invalid port ${s.port}`);
  }
  if (!(Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0)) throw new Error(`resolver: timeoutMs must be a positive number, got ${opts.timeoutMs}`);
  const retries = opts.retries ?? 1;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw new Error(`resolver: retries must be an integer 0..10, got ${retries}`);
  const concurrency = opts.concurrency ?? 32;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new Error(`resolver: concurrency must be an integer 1..${MAX_CONCURRENCY}, got ${concurrency}`);
  }
  if (opts.cache) {
    const { maxEntries, maxTtlSeconds, negativeTtlSeconds } = opts.cache;
    if (maxEntries !== undefined && (!Number.isInteger(maxEntries) || maxEntries < 1)) throw new Error(`resolver: cache.maxEntries must be a positive integer, got ${maxEntries}`);
    if (maxTtlSeconds !== undefined && !(maxTtlSeconds >= 0)) throw new Error(`resolver: cache.maxTtlSeconds must be ≥ 0, got ${maxTtlSeconds}`);
    if (negativeTtlSeconds !== undefined && !(negativeTtlSeconds >= 0)) throw new Error(`resolver: cache.negativeTtlSeconds must be ≥ 0, got ${negativeTtlSeconds}`);
  }
}

function closedResult(): LookupResult {
  return { ok: false, reason: 'network', detail: 'resolver closed' };
}

function copyResult(r: LookupResult): LookupResult {
  return r.ok ? { ...r, records: r.records.map((rec) => ({ ...rec })) } : { ...r };
}

export class Resolver implements DnsLookup {
  readonly stats: ResolverStats = { sent: 0, retries: 0, tcpFallbacks: 0, cacheHits: 0, deduplicated: 0, maxInFlight: 0, ignored: 0, malformed: 0 };

  private readonly servers: { address: ServerAddress; label: string; channel: UdpChannel }[];
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly limiter: Limiter;
  private readonly cache: TtlCache<CachedAnswer> | undefined;
  private readonly maxTtlSeconds: number;
  private readonly negativeTtlSeconds: number;
  private readonly now: () => number;
  private readonly inflight = new Map<string, Promise<LookupResult>>();
  private readonly emptyAnswers = new Map<string, CachedAnswer>();
  private readonly tcpSockets = new Set<TcpSocket>();
  private active = 0;
  private closed = false;

  constructor(opts: ResolverOptions) {
    validateOptions(opts);
    const logger = opts.logger ?? silentLogger;
    this.servers = opts.servers.map((s) => {
      const address = { host: s.host, port: s.port };
      return { address, label: serverLabel(address), channel: new UdpChannel(address, this.stats, logger) };
    });
    this.timeoutMs = opts.timeoutMs;
    this.retries = opts.retries ?? 1;
    this.limiter = new Limiter(opts.concurrency ?? 32);
    const cache = opts.cache || {};
    this.cache = opts.cache === false ? undefined : new TtlCache<CachedAnswer>(cache.maxEntries ?? 100_000);
    this.maxTtlSeconds = cache.maxTtlSeconds ?? 3600;
    this.negativeTtlSeconds = cache.negativeTtlSeconds ?? 60;
    this.now = opts.now ?? Date.now;
  }

  /** "127.0.0.1:53, [::1]:5353" — for the startup log line. */
  describe(): string {
    return this.servers.map((s) => s.label).join(', ');
  }

  lookup(name: string, type: RecordType): Promise<LookupResult> {
    if (this.closed) return Promise.resolve(closedResult());
    const qtype = QTYPE[type];
    if (qtype === undefined) return Promise.resolve({ ok: false, reason: 'malformed', detail: `unsupported record type ${JSON.stringify(String(type))}` });
    const checked = normalizeName(name);
    if (!checked.ok) return Promise.resolve({ ok: false, reason: 'malformed', detail: `invalid query name ${JSON.stringify(name)}: ${checked.detail}` });
    // join makes one flat string; a template literal would keep a tree of
    // pieces (and the query name it was cut from) alive as the cache key.
    const key = [type, checked.name].join(' ');

    const cached = this.cache?.get(key, this.now());
    if (cached) {
      this.stats.cacheHits++;
      return Promise.resolve(this.fromCache(cached.value, cached.remainingMs));
    }
    const running = this.inflight.get(key);
    if (running) {
      this.stats.deduplicated++;
      return running.then(copyResult);
    }
    const promise = this.limiter.run(() => this.resolveCounted(checked.name, type, qtype, key));
    this.inflight.set(key, promise);
    void promise.finally(() => this.inflight.delete(key));
    return promise.then(copyResult);
  }

  /** Closes sockets; pending lookups resolve as { ok:false, reason:'network' }. */
  async close(): Promise<void> {
    this.closed = true;
    for (const socket of this.tcpSockets) socket.destroy();
    await Promise.all(this.servers.map((s) => s.channel.close()));
    this.cache?.clear();
  }

  private fromCache(entry: CachedAnswer, remainingMs: number): LookupResult {
    // Report the TTL that is left, as a caching resolver does.
    const elapsed = Math.floor((entry.lifetimeMs - remainingMs) / 1000);
    const records = entry.records.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - elapsed) }));
    return { ok: true, rcode: entry.rcode, records, fromCache: true };
  }

  private cachedAnswer(rcode: 'NOERROR' | 'NXDOMAIN', records: DnsRecord[], lifetimeMs: number): CachedAnswer {
    if (records.length > 0) return { rcode, records: records.map((r) => ({ ...r })), lifetimeMs };
    const shareKey = `${rcode} ${lifetimeMs}`;
    let shared = this.emptyAnswers.get(shareKey);
    if (shared === undefined) {
      shared = Object.freeze({ rcode, records: NO_RECORDS, lifetimeMs });
      if (this.emptyAnswers.size < MAX_SHARED_EMPTY_ANSWERS) this.emptyAnswers.set(shareKey, shared);
    }
    return shared;
  }

  private async resolveCounted(name: string, type: RecordType, qtype: number, key: string): Promise<LookupResult> {
    if (this.closed) return closedResult();
    this.active++;
    if (this.active > this.stats.maxInFlight) this.stats.maxInFlight = this.active;
    try {
      return await this.resolve(name, type, qtype, key);
    } catch (err) {
      // Nothing below is expected to throw; if it does, the contract still holds.
      return { ok: false, reason: 'network', detail: `${name} ${type}: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.active--;
    }
  }

  private async resolve(name: string, type: RecordType, qtype: number, key: string): Promise<LookupResult> {
    let reason: DnsFailureReason | undefined;
    const seen: string[] = [];
    for (const server of this.servers) {
      let attempt: Attempt = { kind: 'timeout' };
      let tries = 0;
      for (let i = 0; i <= this.retries; i++) {
        if (i > 0) this.stats.retries++;
        tries++;
        attempt = await server.channel.query(name, qtype, this.timeoutMs);
        if (attempt.kind === 'truncated') {
          this.stats.tcpFallbacks++;
          attempt = await tcpQuery(server.address, name, qtype, this.timeoutMs, this.stats, this.tcpSockets);
        }
        if (this.closed) return closedResult();
        if (attempt.kind !== 'timeout') break;
      }

      let failure: DnsFailureReason;
      let what: string;
      switch (attempt.kind) {
        case 'answer': {
          const rcode = attempt.message.header.rcode;
          if (rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN) return this.definitive(attempt.message, rcode, type, qtype, name, key);
          failure = rcode === RCODE.REFUSED ? 'refused' : 'servfail'; // FORMERR, NOTIMP, …: the server failed us
          what = rcodeName(rcode);
          break;
        }
        case 'timeout':
          failure = 'timeout';
          what = `timeout after ${tries} ${tries === 1 ? 'try' : 'tries'}`;
          break;
        case 'network':
          failure = 'network';
          what = attempt.code;
          break;
        case 'malformed':
          failure = 'malformed';
          what = `undecodable reply (${attempt.error})`;
          break;
        default:
          failure = 'malformed';
          what = 'truncated reply';
      }
      seen.push(`${server.label} ${what}`);
      if (reason === undefined || REASON_RANK[failure] > REASON_RANK[reason]) reason = failure;
    }
    return { ok: false, reason: reason ?? 'timeout', detail: `${name} ${type}: ${seen.join('; ')}` };
  }

  private definitive(message: WireMessage, rcode: number, type: RecordType, qtype: number, name: string, key: string): LookupResult {
    const rcodeText = rcode === RCODE.NXDOMAIN ? 'NXDOMAIN' : 'NOERROR';
    // NXDOMAIN has no records of the name by definition, whatever else the answer section holds.
    const extracted = rcodeText === 'NOERROR' ? extractAnswers(message.answers, name, qtype) : { records: [], minTtl: undefined };
    const records: DnsRecord[] = extracted.records.map((r) => (r.priority === undefined ? { type, data: r.data, ttl: r.ttl } : { type, data: r.data, ttl: r.ttl, priority: r.priority }));
    if (this.cache) {
      const ttl = records.length > 0 ? extracted.minTtl! : (negativeTtl(message.authorities) ?? this.negativeTtlSeconds);
      const lifetimeMs = Math.min(ttl, this.maxTtlSeconds) * 1000;
      if (lifetimeMs > 0) this.cache.set(key, this.cachedAnswer(rcodeText, records, lifetimeMs), lifetimeMs, this.now());
    }
    return { ok: true, rcode: rcodeText, records, fromCache: false };
  }
}
