// What the DNSBL checker knows between rounds, and its exposition.
//
// `listed` is the last *definitive* answer: an unknown result (timeout, a
// refusing list, an unhealthy list) never turns a listing into "clean" nor a
// clean target into "listed"; it only sets check_ok to 0. The text is rendered
// once per round (or re-check), so a scrape during a round of 30,000 queries
// costs a string concatenation, not a walk over the state.
import type { ResolvedTarget } from './targets';
import type { SpfResult } from './spf';
import type { CodeClass, ListDefinition, Verdict } from './model';
import { escapeLabelValue, familyHeader, formatValue } from '../metrics/exposition';

export interface PairState {
  target: string;
  list: string;
  /** Last definitive result; undefined until there is one. */
  listed?: boolean;
  /** Codes of the current listing (empty while clean). */
  codes: { code: string; meaning: string; class: CodeClass }[];
  txt?: string;
  listedSince?: number;
  lastCheck: number;
  lastOk: boolean;
  last: Verdict;
}

export interface ListHealth { healthy: boolean; detail: string; checkedAt: number }

export interface RoundSummary { startedAt: number; finishedAt: number; queries: number }

const key = (target: string, list: string) => `${target}\u0000${list}`;

export class DnsblState {
  readonly pairs = new Map<string, PairState>();
  readonly health = new Map<string, ListHealth>();
  lists: ListDefinition[] = [];
  targets: ResolvedTarget[] = [];
  spf: SpfResult[] = [];
  lastRound?: RoundSummary;
  intervalSeconds = 0;
  private text = '';

  get(target: string, list: string): PairState | undefined { return this.pairs.get(key(target, list)); }

  /** Records one check result at `time` (ms). */
  record(target: string, list: string, verdict: Verdict, time: number): PairState {
    const k = key(target, list);
    let p = this.pairs.get(k);
    if (!p) {
      p = { target, list, codes: [], lastCheck: time, lastOk: false, last: verdict };
      this.pairs.set(k, p);
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
      p.codes = [];
      p.txt = undefined;
      p.listedSince = undefined;
    }
    return p;
  }

  /** Forgets pairs whose target or list is no longer configured or discovered. */
  retain(targets: readonly ResolvedTarget[], lists: readonly ListDefinition[]): void {
    const t = new Set(targets.map((x) => x.value));
    const l = new Set(lists.map((x) => x.name));
    for (const [k, p] of this.pairs) if (!t.has(p.target) || !l.has(p.list)) this.pairs.delete(k);
    for (const name of this.health.keys()) if (!l.has(name)) this.health.delete(name);
  }

  /** Rebuilds the cached exposition text from the state, in one go (tests, small states). */
  refresh(): void {
    const build = this.build();
    while (!build.next().done) { /* no yield points needed */ }
  }

  /**
   * Rebuilds the cached text, yielding to the event loop every few thousand
   * series: 30,000 target × list pairs take ~100 ms to render, and a scrape
   * during that time must still answer at once (with the previous text).
   */
  async refreshAsync(): Promise<void> {
    const build = this.build();
    while (!build.next().done) await new Promise((r) => setImmediate(r));
  }

  private *build(): Generator<void, void, void> {
    const CHUNK = 2000;
    const pairs = [...this.pairs.values()].sort((a, b) => (a.target === b.target ? (a.list < b.list ? -1 : 1) : a.target < b.target ? -1 : 1));
    yield;
    const labels = pairs.map((p) => `target="${escapeLabelValue(p.target)}",list="${escapeLabelValue(p.list)}"`);
    yield;
    let out = '';

    out += familyHeader('mailrep_dnsbl_listed', 'gauge', 'Whether the target is listed (1) or clean (0) on the list: the last definitive result; absent until there is one, never changed by an unknown result.');
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      if (p.listed !== undefined) out += `mailrep_dnsbl_listed{${labels[i]}} ${p.listed ? 1 : 0}\n`;
      if (i % CHUNK === CHUNK - 1) yield;
    }
    out += familyHeader('mailrep_dnsbl_check_ok', 'gauge', 'Whether the last check of the target on the list was definitive (1) or unknown (0: timeout, refusal, blocked resolver, unhealthy list, ...).');
    for (let i = 0; i < pairs.length; i++) {
      out += `mailrep_dnsbl_check_ok{${labels[i]}} ${pairs[i].lastOk ? 1 : 0}\n`;
      if (i % CHUNK === CHUNK - 1) yield;
    }
    out += familyHeader('mailrep_dnsbl_listing_code', 'gauge', 'One series per A record the list returned for a listed target, with the code\'s meaning.');
    pairs.forEach((p, i) => {
      if (!p.listed) return;
      for (const c of p.codes) out += `mailrep_dnsbl_listing_code{${labels[i]},code="${escapeLabelValue(c.code)}",meaning="${escapeLabelValue(c.meaning)}"} 1\n`;
    });
    out += familyHeader('mailrep_dnsbl_listed_since_timestamp_seconds', 'gauge', 'When the current listing was first seen.');
    pairs.forEach((p, i) => { if (p.listed && p.listedSince !== undefined) out += `mailrep_dnsbl_listed_since_timestamp_seconds{${labels[i]}} ${formatValue(p.listedSince / 1000)}\n`; });
    out += familyHeader('mailrep_dnsbl_last_check_timestamp_seconds', 'gauge', 'When the target was last checked on the list (whatever the result).');
    for (let i = 0; i < pairs.length; i++) {
      out += `mailrep_dnsbl_last_check_timestamp_seconds{${labels[i]}} ${formatValue(pairs[i].lastCheck / 1000)}\n`;
      if (i % CHUNK === CHUNK - 1) yield;
    }

    out += familyHeader('mailrep_dnsbl_list_healthy', 'gauge', 'Whether the list passed its canary checks (RFC 5782 §5) in the last round; lists without test entries count as healthy. While 0, its results are unknown (list_unhealthy).');
    for (const l of this.lists) {
      const h = this.health.get(l.name);
      if (h) out += `mailrep_dnsbl_list_healthy{list="${escapeLabelValue(l.name)}"} ${h.healthy ? 1 : 0}\n`;
    }
    out += familyHeader('mailrep_dnsbl_list_info', 'gauge', 'The configured lists: zone (never the key), type, tier and delisting/lookup URL ({target} stands for the checked address or domain). Always 1.');
    for (const l of this.lists) {
      out += `mailrep_dnsbl_list_info{list="${escapeLabelValue(l.name)}",zone="${escapeLabelValue(l.zone)}",type="${l.type}",tier="${l.tier}",delist_url="${escapeLabelValue(l.delistUrl)}"} 1\n`;
    }
    out += familyHeader('mailrep_dnsbl_target_info', 'gauge', 'The checked targets and where each came from (static, hostname:<name>, spf:<domain>, mx:<domain>, interface:<name>). Always 1.');
    for (const t of this.targets) {
      for (const origin of t.origins) out += `mailrep_dnsbl_target_info{target="${escapeLabelValue(t.value)}",origin="${escapeLabelValue(origin)}"} 1\n`;
    }
    out += familyHeader('mailrep_dnsbl_spf_lookups', 'gauge', 'DNS-querying terms the domain\'s SPF record needs (RFC 7208 §4.6.4 allows 10).');
    for (const s of this.spf) out += `mailrep_dnsbl_spf_lookups{domain="${escapeLabelValue(s.domain)}"} ${s.lookups}\n`;
    out += familyHeader('mailrep_dnsbl_targets', 'gauge', 'Targets checked in the last round.');
    out += `mailrep_dnsbl_targets ${this.targets.length}\n`;
    if (this.lastRound) {
      out += familyHeader('mailrep_dnsbl_round_duration_seconds', 'gauge', 'How long the last completed check round took.');
      out += `mailrep_dnsbl_round_duration_seconds ${formatValue((this.lastRound.finishedAt - this.lastRound.startedAt) / 1000)}\n`;
      out += familyHeader('mailrep_dnsbl_last_round_timestamp_seconds', 'gauge', 'When the last check round completed.');
      out += `mailrep_dnsbl_last_round_timestamp_seconds ${formatValue(this.lastRound.finishedAt / 1000)}\n`;
    }
    out += familyHeader('mailrep_dnsbl_round_interval_seconds', 'gauge', 'Seconds between scheduled rounds (from dnsbl.schedule), for staleness alerts.');
    out += `mailrep_dnsbl_round_interval_seconds ${formatValue(this.intervalSeconds)}\n`;
    this.text = out;
  }

  render(): string { return this.text; }
}
