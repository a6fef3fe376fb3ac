// The DNSBL vocabulary shared by the catalogue, the list config, the checker,
// the collector and the status page: what a list is, what its answers mean,
// and the three verdicts an answer can become.

export type ListType = 'ip' | 'domain';
export type Tier = 'critical' | 'high' | 'medium' | 'low' | 'info';

/**
 * What one A record means on one list:
 *  - listed: the target is on the list (the exporter pages on these)
 *  - informational: a reputation/score code that is not a listing (Mailspike "neutral")
 *  - whitelist: a good-sender code (dnswl, Mailspike H1–H5, hostkarma white)
 *  - error: the list refuses to answer or the query was wrong; the result is unknown
 */
export type CodeClass = 'listed' | 'informational' | 'whitelist' | 'error';

export type UnknownReason = 'timeout' | 'servfail' | 'refused' | 'network_error' | 'malformed_answer'
  | 'blocked_resolver' | 'rate_limited' | 'bad_key' | 'bad_query' | 'unexpected_answer' | 'list_unhealthy';

export const UNKNOWN_REASONS: readonly UnknownReason[] = [
  'timeout', 'servfail', 'refused', 'network_error', 'malformed_answer',
  'blocked_resolver', 'rate_limited', 'bad_key', 'bad_query', 'unexpected_answer', 'list_unhealthy',
];
export const TIERS: readonly Tier[] = ['critical', 'high', 'medium', 'low', 'info'];
export const CODE_CLASSES: readonly CodeClass[] = ['listed', 'informational', 'whitelist', 'error'];

export interface CodeMeaning {
  meaning: string;
  class: CodeClass;
  /** For class 'error': why the answer is unknown (default blocked_resolver). */
  reason?: UnknownReason;
}

export interface ListDefinition {
  /** Label value; never contains the key. */
  name: string;
  /** The zone without key, e.g. "zen.spamhaus.org", "zen.dq.spamhaus.net". */
  zone: string;
  type: ListType;
  /** IPv6 targets are queried only when true. */
  ipv6: boolean;
  /** IPv4 targets are queried unless false (IPv6-only lists such as bl.ipv6.spameatingmonkey.net). */
  ipv4?: boolean;
  /** Domain lists: the name as given, or its registrable domain (URIBL, SURBL strip host parts). */
  query: 'name' | 'registrable_domain';
  /** Exact A record → meaning. */
  codes: Record<string, CodeMeaning>;
  /** SURBL/URIBL-style: bits of the last octet of 127.0.0.x. */
  bitmask?: Record<number, CodeMeaning>;
  /**
   * How to read a 127/8 code that neither `codes` nor `bitmask` knows. Without
   * it such a code is a listing ("undocumented code …"); reputation and
   * whitelist zones (dnswl) set it so an unknown good-sender code is not a page.
   */
  fallback?: CodeMeaning;
  tier: Tier;
  /** May contain {target}. */
  delistUrl: string;
  /** Whether the list carries the RFC 5782 §5 test entries (127.0.0.2 listed, 127.0.0.1 not; test/invalid). */
  canaries: boolean;
  /** Secret; queried as <reversed>.<key>.<zone>. */
  key?: string;
  /** Catalogue entries that cannot be queried without a key (Spamhaus DQS, Abusix). */
  requiresKey?: boolean;
  description?: string;
}

export interface VerdictCode { code: string; meaning: string; class: CodeClass }

export type Verdict =
  | { state: 'listed'; codes: VerdictCode[]; txt?: string }
  /** Informational/whitelist codes, usually []. */
  | { state: 'clean'; codes: VerdictCode[] }
  /** `detail` is redacted: it never contains the list's key. */
  | { state: 'unknown'; reason: UnknownReason; detail: string };

export interface CheckTarget { kind: 'ip' | 'domain'; value: string }

/** No codes: shared by every clean result without informational codes, never mutated. */
export const NO_CODES: VerdictCode[] = Object.freeze([]) as unknown as VerdictCode[];

/**
 * The verdict of almost every check (NXDOMAIN or NODATA). One frozen object
 * for all of them: a round of 30,000 clean answers then keeps no per-check
 * verdict object alive in the state.
 */
export const CLEAN: Verdict = Object.freeze({ state: 'clean', codes: NO_CODES }) as Verdict;

/** Replaces every occurrence of the list's key (any letter case) with `<key>`. */
export function redact(text: string, list: Pick<ListDefinition, 'key'>): string {
  const key = list.key;
  if (key === undefined || key === '') return text;
  const lowerText = text.toLowerCase();
  const lowerKey = key.toLowerCase();
  let at = lowerText.indexOf(lowerKey);
  if (at === -1) return text;
  let out = '';
  let from = 0;
  while (at !== -1) {
    out += text.slice(from, at) + '<key>';
    from = at + key.length;
    at = lowerText.indexOf(lowerKey, from);
  }
  return out + text.slice(from);
}
