// Turning one DNS answer into a verdict for one list: listed, clean, or
// unknown with a reason. The list's own table decides first (URIBL's 127.0.0.1
// is a refusal, hostkarma's is "white", Spamhaus' 127.255.255.254 is a blocked
// resolver); generic RFC 5782 rules only fill the gaps. A verdict that cannot
// be trusted is unknown, never "clean" and never "listed".
import type { DnsFailureReason, LookupResult } from './dns';
import { CLEAN, redact, type CodeMeaning, type ListDefinition, type UnknownReason, type Verdict, type VerdictCode } from './model';

export { redact } from './model';

const FAILURE_REASON: Record<DnsFailureReason, UnknownReason> = {
  timeout: 'timeout',
  servfail: 'servfail',
  refused: 'refused',
  network: 'network_error',
  malformed: 'malformed_answer',
};

/** Dotted quad → 32-bit number, or -1. Strict: what a resolver puts in an A record. */
function ipv4Value(text: string): number {
  let value = 0;
  let octets = 0;
  let digits = 0;
  let octet = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || octet > 255) return -1;
      value = value * 256 + octet;
      octets++;
      digits = 0;
      octet = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9 || ++digits > 3) return -1;
    octet = octet * 10 + d;
  }
  return octets === 4 ? value : -1;
}

/** Reads a SURBL/URIBL-style bitmask code (127.0.0.x); undefined when the list has no bitmask or x sets no bit. */
function bitmaskMeaning(list: ListDefinition, value: number): CodeMeaning | undefined {
  if (!list.bitmask || value >>> 8 !== 0x7f0000) return undefined;
  const octet = value & 0xff;
  if (octet === 0) return undefined;
  const parts: string[] = [];
  let errorBit: CodeMeaning | undefined;
  let anyListed = false;
  let anyWhitelist = false;
  for (let bit = 1; bit <= 128; bit <<= 1) {
    if ((octet & bit) === 0) continue;
    const m = list.bitmask[bit];
    if (m === undefined) {
      parts.push(`undocumented bit ${bit}`);
      anyListed = true;
      continue;
    }
    parts.push(m.meaning);
    if (m.class === 'error') errorBit ??= m;
    else if (m.class === 'listed') anyListed = true;
    else if (m.class === 'whitelist') anyWhitelist = true;
  }
  const meaning = parts.join('; ');
  if (errorBit) return { meaning, class: 'error', reason: errorBit.reason };
  return { meaning, class: anyListed ? 'listed' : anyWhitelist ? 'whitelist' : 'informational' };
}

/**
 * The meaning of one 127/8 code on `list`: the exact table, then the bitmask,
 * then the list's fallback; undefined when the list knows nothing about it.
 */
export function codeMeaning(list: ListDefinition, code: string): CodeMeaning | undefined {
  const exact = list.codes[code];
  if (exact !== undefined) return exact;
  const value = ipv4Value(code);
  if (value === -1) return undefined;
  return bitmaskMeaning(list, value) ?? list.fallback;
}

/**
 * Classifies an A lookup (no TXT). NXDOMAIN/NODATA → clean; resolver failures
 * → unknown with the matching reason; then every A record is mapped:
 *  - outside 127.0.0.0/8 → unknown(unexpected_answer): a resolver rewrote NXDOMAIN
 *  - a list error code → unknown(its reason); errors win over listed codes
 *  - 127.0.0.1 unknown to the table → unknown(unexpected_answer) (RFC 5782 §5)
 *  - other unknown codes → listed, "undocumented code 127.x.y.z"
 *  - only informational/whitelist codes → clean, with those codes
 */
export function classifyAnswer(list: ListDefinition, result: LookupResult): Verdict {
  if (!result.ok) return { state: 'unknown', reason: FAILURE_REASON[result.reason], detail: redact(result.detail, list) };
  if (result.rcode === 'NXDOMAIN') return CLEAN;

  const values: number[] = [];
  for (const r of result.records) {
    if (r.type !== 'A') continue;
    const v = ipv4Value(r.data);
    if (v === -1) return { state: 'unknown', reason: 'malformed_answer', detail: redact(`A record is not an IPv4 address: ${JSON.stringify(r.data.slice(0, 64))}`, list) };
    if (v >>> 24 !== 127) {
      return {
        state: 'unknown', reason: 'unexpected_answer',
        detail: `answer ${r.data} is outside 127.0.0.0/8: the resolver probably rewrote NXDOMAIN (ad redirect, captive portal, DNS filter)`,
      };
    }
    if (!values.includes(v)) values.push(v);
  }
  if (values.length === 0) return CLEAN;
  values.sort((a, b) => a - b);

  const codes: VerdictCode[] = [];
  let firstError: { code: string; m: CodeMeaning } | undefined;
  let loopback = false;
  let anyListed = false;
  for (const v of values) {
    const code = `127.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
    const m = codeMeaning(list, code);
    if (m === undefined) {
      if (code === '127.0.0.1') {
        loopback = true;
        continue;
      }
      codes.push({ code, meaning: `undocumented code ${code}`, class: 'listed' });
      anyListed = true;
      continue;
    }
    if (m.class === 'error') firstError ??= { code, m };
    if (m.class === 'listed') anyListed = true;
    codes.push({ code, meaning: m.meaning, class: m.class });
  }
  if (firstError) {
    return { state: 'unknown', reason: firstError.m.reason ?? 'blocked_resolver', detail: `${firstError.code}: ${firstError.m.meaning}` };
  }
  if (loopback) {
    return {
      state: 'unknown', reason: 'unexpected_answer',
      detail: `answer 127.0.0.1 is not a listing (RFC 5782 §5 forbids it; often a refusal or a DNS filter) and ${list.name} does not define it`,
    };
  }
  return anyListed ? { state: 'listed', codes } : { state: 'clean', codes };
}

/** Longest TXT reason kept: enough for every operator's text, bounded for the status page. */
export const MAX_TXT = 512;

/**
 * TXT records of a listing, joined with " | ", control characters replaced,
 * cut to MAX_TXT and redacted; undefined when there is none.
 */
export function txtReason(list: ListDefinition, result: LookupResult): string | undefined {
  if (!result.ok) return undefined;
  const texts: string[] = [];
  for (const r of result.records) if (r.type === 'TXT' && r.data !== '') texts.push(r.data);
  if (texts.length === 0) return undefined;
  // Redact before cutting, so a key split by the cut cannot survive in part.
  let text = redact(texts.join(' | '), list).replace(/[\x00-\x1f\x7f]+/g, ' ');
  if (text.length > MAX_TXT) text = `${text.slice(0, MAX_TXT - 1)}…`;
  return text;
}
