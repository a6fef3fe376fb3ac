// The DNS lookup contract between the resolver (resolver.ts) and everything
// that asks DNS questions: the DNSBL checker, target discovery (hostnames, SPF,
// MX). Keeping it this small lets the checker and the SPF walker be tested
// against a real rbldnsd through the real resolver, with no mock in between.

export type RecordType = 'A' | 'AAAA' | 'TXT' | 'MX';

/**
 * One answer record. `data` is the address for A/AAAA, the joined text for TXT
 * (character-strings of one record concatenated with ""), the exchange host
 * name (lower case, no trailing dot) for MX.
 */
export interface DnsRecord {
  type: RecordType;
  data: string;
  ttl: number;
  /** MX preference; only for MX. */
  priority?: number;
}

/**
 * Why a lookup produced no definitive answer. A DNSBL result built on one of
 * these is "unknown", never "clean" and never "listed".
 *  - timeout: no (matching) answer from any resolver within the timeout × tries
 *  - servfail: every resolver answered SERVFAIL
 *  - refused: REFUSED (e.g. rbldnsd for a zone it does not serve, an ACL)
 *  - network: socket error (ECONNREFUSED on a closed port, unreachable)
 *  - malformed: answers that could not be decoded (garbage packets)
 */
export type DnsFailureReason = 'timeout' | 'servfail' | 'refused' | 'network' | 'malformed';

export type LookupResult =
  /** NOERROR (records may be empty: NODATA) or NXDOMAIN (records empty). */
  | { ok: true; rcode: 'NOERROR' | 'NXDOMAIN'; records: DnsRecord[]; fromCache: boolean }
  | { ok: false; reason: DnsFailureReason; detail: string };

export interface DnsLookup {
  /**
   * Resolves `name` (absolute or not; a trailing dot is accepted and implied)
   * for records of `type`. Never throws: every failure is a LookupResult.
   */
  lookup(name: string, type: RecordType): Promise<LookupResult>;
}
