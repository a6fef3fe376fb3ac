// What the DNSBL checker knows between rounds, and its exposition.
//
// `listed` is the last *definitive* answer: an unknown result (timeout, a
// refusing list, an unhealthy list) never turns a listing into "clean" nor a
// clean target into "listed"; it only sets check_ok to 0. The text is rendered
// once per round (or re-check), so a scrape during a round of 30,000 queries
// costs writing the rendered chunks, not a walk over the state.
//
// Memory: 30,000 pairs are the bulk of the exporter's heap, so a pair is one
// fixed-shape object keyed by target, then list (no per-pair key string), a
// clean result shares the frozen CLEAN verdict and NO_CODES, and the rendered
// text is kept as ~100 UTF-8 chunks rather than one string tree of 100,000s
// of pieces (which every scrape flattened into a new 7 MB string, then
// encoded into a 7 MB Buffer).
import type { ResolvedTarget } from './targets';
import type { SpfResult } from './spf';
import { NO_CODES, type ListDefinition, type Verdict, type VerdictCode } from './model';
import { escapeLabelValue, familyHeader, formatValue } from '../metrics/exposition';

export interface PairState {
  readonly target: string;
  readonly list: string;
  /** Last definitive result; undefined until there is one. */
  listed?: boolean;
  /** Codes of the current listing (empty while clean). */
  codes: VerdictCode[];
  txt?: string;
  listedSince?: number;
  lastCheck: number;
  lastOk: boolean;
  last: Verdict;
}

export interface ListHealth { healthy: boolean; detail: string; checkedAt: number }

export interface RoundSummary { startedAt: number; finishedAt: number; queries: number }

/** Every field set in the constructor: one hidden class for all pairs, no out-of-object property store. */
class Pair implements PairState {
  listed: boolean | undefined = undefined;
  codes: VerdictCode[] = NO_CODES;
  txt: string | undefined = undefined;
  listedSince: number | undefined = undefined;
  lastOk = false;

  constructor(readonly target: string, readonly list: string, public lastCheck: number, public last: Verdict) {}
}

/**
 * The rendered text is kept as UTF-8 chunks of about this many characters:
 * the server writes them to the socket as they are, so a scrape neither
 * copies 7 MB of text into one string nor encodes it again. Below V8's
 * largest regular object (128 KiB), so the string of one chunk is short-lived
 * young-generation garbage; large enough that there are only ~100 of them.
 */
const CHUNK_CHARS = 64 * 1024;

/** Collects exposition text as UTF-8 chunks; `full()` says when a chunk was completed (a good moment to yield). */
class ChunkedText {
  private readonly parts: Buffer[] = [];
  private chunk = '';

  add(s: string): void { this.chunk += s; }

  full(): boolean {
    if (this.chunk.length < CHUNK_CHARS) return false;
    this.parts.push(Buffer.from(this.chunk, 'utf8'));
    this.chunk = '';
    return true;
  }

  finish(): Buffer[] {
    if (this.chunk !== '') this.parts.push(Buffer.from(this.chunk, 'utf8'));
    this.chunk = '';
    return this.parts;
  }
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class DnsblState {
  /** target → list → pair. */
  private readonly byTarget = new Map<string, Map<string, Pair>>();
  private pairCount = 0;
  readonly health = new Map<string, ListHealth>();
  lists: ListDefinition[] = [];
  targets: ResolvedTarget[] = [];
  spf: SpfResult[] = [];
  lastRound?: RoundSummary;
  intervalSeconds = 0;
  private chunks: readonly Buffer[] = [];

  /** Number of target × list pairs known. */
  get size(): number { return this.pairCount; }

  /** Every pair, grouped by target (no order promised). */
  *pairs(): IterableIterator<PairState> {
    for (const byList of this.byTarget.values()) yield* byList.values();
  }

  /** Pairs whose last check was not definitive. */
  unknownCount(): number {
    let n = 0;
    for (const byList of this.byTarget.values()) for (const p of byList.values()) if (!p.lastOk) n++;
    return n;
  }

  get(target: string, list: string): PairState | undefined { return this.byTarget.get(target)?.get(list); }

  /** Records one check result at `time` (ms). */
  record(target: string, list: string, verdict: Verdict, time: number): PairState {
    let byList = this.byTarget.get(target);
    if (byList === undefined) {
      byList = new Map();
      this.byTarget.set(target, byList);
    }
    let p = byList.get(list);
    if (p === undefined) {
      p = new Pair(target, list, time, verdict);
      byList.set(list, p);
      this.pairCount++;
    }
    p.lastCheck = time;
    p.last = verdict;
    p.lastOk = verdict.state !== 'unknown';
    if (verdict.state === 'listed') {
      if (p.listed !== true) p.listedSince = time;
      p.listed = true;
      p.codes = verdict.codes;
      p.txt = verdict.txt;
    } else if (verdict.state === 'clean') {
      p.listed = false;
      p.codes = NO_CODES;
      p.txt = undefined;
      p.listedSince = undefined;
    }
    return p;
  }

  /** Forgets pairs whose target or list is no longer configured or discovered. */
  retain(targets: readonly ResolvedTarget[], lists: readonly ListDefinition[]): void {
    const t = new Set(targets.map((x) => x.value));
    const l = new Set(lists.map((x) => x.name));
    for (const [target, byList] of this.byTarget) {
      if (!t.has(target)) {
        this.pairCount -= byList.size;
        this.byTarget.delete(target);
        continue;
      }
      for (const name of byList.keys()) {
        if (!l.has(name)) {
          byList.delete(name);
          this.pairCount--;
        }
      }
      if (byList.size === 0) this.byTarget.delete(target);
    }
    for (const name of this.health.keys()) if (!l.has(name)) this.health.delete(name);
  }

  /** Rebuilds the cached exposition text from the state, in one go (tests, small states). */
  refresh(): void {
    const build = this.build();
    while (!build.next().done) { /* no yield points needed */ }
  }

  /**
   * Rebuilds the cached text, yielding to the event loop after every chunk
   * (~800 series): 30,000 target × list pairs take ~100 ms to render, and a
   * scrape during that time must still answer at once, with the previous
   * text, which stays in force until the new one is complete.
   */
  async refreshAsync(): Promise<void> {
    const build = this.build();
    while (!build.next().done) await new Promise((r) => setImmediate(r));
  }

  private *build(): Generator<void, void, void> {
    // Order: target, then list (code-unit order), as one sort of 1,000 targets
    // and 1,000 small sorts instead of one comparison sort of 30,000 pairs.
    const pairs: Pair[] = [];
    const targetLabels: string[] = [];
    const listLabels: string[] = [];
    const escapedList = new Map<string, string>();
    const targets = [...this.byTarget.keys()].sort(byCodeUnit);
    for (let t = 0; t < targets.length; t++) {
      const byList = this.byTarget.get(targets[t])!;
      const target = escapeLabelValue(targets[t]);
      for (const name of [...byList.keys()].sort(byCodeUnit)) {
        let list = escapedList.get(name);
        if (list === undefined) {
          list = escapeLabelValue(name);
          escapedList.set(name, list);
        }
        pairs.push(byList.get(name)!);
        targetLabels.push(target);
        listLabels.push(list);
      }
      if (t % 256 === 255) yield;
    }
    yield;

    const out = new ChunkedText();
    out.add(familyHeader('mailrep_dnsbl_listed', 'gauge', 'Whether the target is listed (1) or clean (0) on the list: the last definitive result; absent until there is one, never changed by an unknown result.'));
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      if (p.listed !== undefined) out.add(`mailrep_dnsbl_listed{target="${targetLabels[i]}",list="${listLabels[i]}"} ${p.listed ? 1 : 0}\n`);
      if (out.full()) yield;
    }
    out.add(familyHeader('mailrep_dnsbl_check_ok', 'gauge', 'Whether the last check of the target on the list was definitive (1) or unknown (0: timeout, refusal, blocked resolver, unhealthy list, ...).'));
    for (let i = 0; i < pairs.length; i++) {
      out.add(`mailrep_dnsbl_check_ok{target="${targetLabels[i]}",list="${listLabels[i]}"} ${pairs[i].lastOk ? 1 : 0}\n`);
      if (out.full()) yield;
    }
    out.add(familyHeader('mailrep_dnsbl_listing_code', 'gauge', 'One series per A record the list returned for a listed target, with the code\'s meaning.'));
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      if (p.listed) {
        for (const c of p.codes) {
          out.add(`mailrep_dnsbl_listing_code{target="${targetLabels[i]}",list="${listLabels[i]}",code="${escapeLabelValue(c.code)}",meaning="${escapeLabelValue(c.meaning)}"} 1\n`);
        }
      }
      if (out.full()) yield;
    }
    out.add(familyHeader('mailrep_dnsbl_listed_since_timestamp_seconds', 'gauge', 'When the current listing was first seen.'));
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      if (p.listed && p.listedSince !== undefined) {
        out.add(`mailrep_dnsbl_listed_since_timestamp_seconds{target="${targetLabels[i]}",list="${listLabels[i]}"} ${formatValue(p.listedSince / 1000)}\n`);
      }
      if (out.full()) yield;
    }
    out.add(familyHeader('mailrep_dnsbl_last_check_timestamp_seconds', 'gauge', 'When the target was last checked on the list (whatever the result).'));
    for (let i = 0; i < pairs.length; i++) {
      out.add(`mailrep_dnsbl_last_check_timestamp_seconds{target="${targetLabels[i]}",list="${listLabels[i]}"} ${formatValue(pairs[i].lastCheck / 1000)}\n`);
      if (out.full()) yield;
    }

    out.add(familyHeader('mailrep_dnsbl_list_healthy', 'gauge', 'Whether the list passed its canary checks (RFC 5782 §5) in the last round; lists without test entries count as healthy. While 0, its results are unknown (list_unhealthy).'));
    for (const l of this.lists) {
      const h = this.health.get(l.name);
      if (h) out.add(`mailrep_dnsbl_list_healthy{list="${escapeLabelValue(l.name)}"} ${h.healthy ? 1 : 0}\n`);
    }
    out.add(familyHeader('mailrep_dnsbl_list_info', 'gauge', 'The configured lists: zone (never the key), type, tier and delisting/lookup URL ({target} stands for the checked address or domain). Always 1.'));
    for (const l of this.lists) {
      out.add(`mailrep_dnsbl_list_info{list="${escapeLabelValue(l.name)}",zone="${escapeLabelValue(l.zone)}",type="${l.type}",tier="${l.tier}",delist_url="${escapeLabelValue(l.delistUrl)}"} 1\n`);
    }
    out.add(familyHeader('mailrep_dnsbl_target_info', 'gauge', 'The checked targets and where each came from (static, hostname:<name>, spf:<domain>, mx:<domain>, interface:<name>). Always 1.'));
    for (const t of this.targets) {
      for (const origin of t.origins) out.add(`mailrep_dnsbl_target_info{target="${escapeLabelValue(t.value)}",origin="${escapeLabelValue(origin)}"} 1\n`);
      if (out.full()) yield;
    }
    out.add(familyHeader('mailrep_dnsbl_spf_lookups', 'gauge', 'DNS-querying terms the domain\'s SPF record needs (RFC 7208 §4.6.4 allows 10).'));
    for (const s of this.spf) out.add(`mailrep_dnsbl_spf_lookups{domain="${escapeLabelValue(s.domain)}"} ${s.lookups}\n`);
    out.add(familyHeader('mailrep_dnsbl_targets', 'gauge', 'Targets checked in the last round.'));
    out.add(`mailrep_dnsbl_targets ${this.targets.length}\n`);
    if (this.lastRound) {
      out.add(familyHeader('mailrep_dnsbl_round_duration_seconds', 'gauge', 'How long the last completed check round took.'));
      out.add(`mailrep_dnsbl_round_duration_seconds ${formatValue((this.lastRound.finishedAt - this.lastRound.startedAt) / 1000)}\n`);
      out.add(familyHeader('mailrep_dnsbl_last_round_timestamp_seconds', 'gauge', 'When the last check round completed.'));
      out.add(`mailrep_dnsbl_last_round_timestamp_seconds ${formatValue(this.lastRound.finishedAt / 1000)}\n`);
    }
    out.add(familyHeader('mailrep_dnsbl_round_interval_seconds', 'gauge', 'Seconds between scheduled rounds (from dnsbl.schedule), for staleness alerts.'));
    out.add(`mailrep_dnsbl_round_interval_seconds ${formatValue(this.intervalSeconds)}\n`);
    this.chunks = out.finish();
  }

  /** The exposition text as UTF-8 chunks, in order (what /metrics writes). */
  renderChunks(): readonly Buffer[] { return this.chunks; }

  /** The exposition text as one string (tests, string consumers): decoded anew on every call. */
  render(): string { return Buffer.concat(this.chunks).toString('utf8'); }
}
