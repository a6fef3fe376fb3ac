// What every firewall-log parser (iptables/nftables, pfSense/OPNsense
// filterlog, MikroTik) makes of one line: a new outbound TCP connection
// attempt, or nothing. The parsers are pure and know nothing of the config's
// ports or mail servers; the collector's filter (filter.ts) decides which
// attempts are SMTP from a host that should not send it.
//
// An attempt is only ever complete: a field that is missing, cut off or not
// an address makes the whole line `malformed`, never a half-filled attempt.

export type AttemptAction = 'blocked' | 'allowed' | 'logged';

/**
 * Which way the packet went through the firewall, where the log tells:
 * `forward` = routed through it (a LAN host), `output` = sent by the firewall
 * host itself, `input` = addressed to it (never egress; parsers ignore those).
 * Absent for filterlog, whose in/out is relative to the interface only.
 */
export type AttemptDirection = 'forward' | 'output' | 'input';

export interface SmtpAttempt {
  /** Milliseconds since the epoch, from the log line. */
  time: number;
  /** The internal (pre-NAT) source address, canonical (see address.ts). */
  sourceAddress: string;
  /** The destination the host asked for (before any destination NAT), canonical. */
  destinationAddress: string;
  destinationPort: number;
  /** Always TCP: only a TCP SYN / new TCP connection is an attempt. */
  protocol: 'tcp';
  action: AttemptAction;
  direction?: AttemptDirection;
}

export type FirewallParseResult =
  | { result: 'parsed'; attempt: SmtpAttempt }
  /** Understood but not a new outbound TCP connection (inbound, UDP, an ACK, another program's line). */
  | { result: 'ignored' }
  /** Looked like the format but could not be read (truncated, garbled, not an address). */
  | { result: 'malformed'; reason: string };

/** Words of a log prefix that say what the rule did; matched case-insensitively as substrings. */
export interface ActionWords {
  blockedWords: readonly string[];
  allowedWords: readonly string[];
}

export const DEFAULT_BLOCKED_WORDS: readonly string[] = ['DROP', 'REJECT', 'DENY', 'BLOCK'];
export const DEFAULT_ALLOWED_WORDS: readonly string[] = ['ACCEPT', 'ALLOW', 'PASS'];
export const DEFAULT_ACTION_WORDS: ActionWords = { blockedWords: DEFAULT_BLOCKED_WORDS, allowedWords: DEFAULT_ALLOWED_WORDS };

/** One shared object: ignoring is the common case and must not allocate. */
export const IGNORED: FirewallParseResult = Object.freeze({ result: 'ignored' }) as FirewallParseResult;

export function malformed(reason: string): FirewallParseResult {
  return { result: 'malformed', reason };
}

/**
 * The action a log prefix names ("[UFW BLOCK] ", "IPTABLES-DROP: ", "smtp-accept").
 * A blocked word wins over an allowed one ("ACCEPT-then-DROP" is a drop); a
 * prefix with neither (or none at all) is `logged`. Only called for lines that
 * are attempts, so the upper-casing costs nothing on the common path.
 */
export function actionFromPrefix(prefix: string, words: ActionWords): AttemptAction {
  if (prefix === '') return 'logged';
  const upper = prefix.toUpperCase();
  const w = upperWords(words);
  for (let i = 0; i < w.blocked.length; i++) if (upper.includes(w.blocked[i])) return 'blocked';
  for (let i = 0; i < w.allowed.length; i++) if (upper.includes(w.allowed[i])) return 'allowed';
  return 'logged';
}

/** Upper-cased, non-empty words, computed once per ActionWords object (one per config load). */
const upperCache = new WeakMap<ActionWords, { blocked: string[]; allowed: string[] }>();
function upperWords(words: ActionWords): { blocked: string[]; allowed: string[] } {
  let w = upperCache.get(words);
  if (!w) {
    const up = (list: readonly string[]) => list.filter((x) => x !== '').map((x) => x.toUpperCase());
    w = { blocked: up(words.blockedWords), allowed: up(words.allowedWords) };
    upperCache.set(words, w);
  }
  return w;
}

/** A decimal TCP/UDP port 1–65535 in text[from, to), or -1. */
export function portAt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 5) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n >= 1 && n <= 65535 ? n : -1;
}
