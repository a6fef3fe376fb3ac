// Postfix: one syslog line → events, keyed by queue ID (the lead's stats
// engine does the joining). What each line means, by service (the last part of
// the program name, whatever the syslog_name prefix: "postfix/smtpd",
// "postfix/submission/smtpd", "postfix-out/smtp", "postfix-smo/submission/smtpd"):
//
//   smtpd   QID: client=h[ip], sasl_method=M, sasl_username=U   → submission (U)
//           QID: client=h[ip]  (or an empty sasl_username=)      → unauthenticated
//           warning: h[ip]: SASL M authentication failed: …[, sasl_username=U] → auth_failure
//           NOQUEUE: reject: RCPT from h[ip]: … Relay access denied; … → relay_denied
//   pickup  QID: uid=N from=<…>                                 → unauthenticated
//   qmgr    QID: from=<…>, size=N, nrcpt=N (queue active)       → recipients (total)
//           QID: from=<…>, status=expired, returned to sender   → delivery bounced, no recipient
//           QID: removed                                        → message_done
//   smtp, lmtp, local, virtual, pipe, error, discard, retry, qmgr
//           QID: to=<r>, [orig_to=<…>,] relay=…, …, status=S (reply) → delivery
//           … to a loopback content filter, "queued as NEWID"   → requeued
//           local "forwarded as NEWID" (alias/.forward)         → requeued
//   bounce  QID: sender non-delivery notification: NEWID        → unauthenticated (NEWID)
//
// Decisions:
// - Cyrus' own "warning: SASL authentication failure: …" (no client) is
//   ignored: smtpd logs its "h[ip]: SASL … authentication failed" line for the
//   same attempt, so counting both would count one guess twice.
// - "QID: host X[ip] said: 4xx … (in reply to …)" lines are ignored: the reply
//   of a failed attempt is also on the status line that follows (or a later
//   one), which is the one delivery event.
// - Client-side "SASL authentication failed; server … said" appears only inside
//   a smtp delivery's reply: a deferral of ours, never an auth_failure.
// - status=expired/undeliverable count as bounced, SOFTBOUNCE as deferred,
//   deliverable (address-verification probes) as sent.
// - Inbound rejects (NOQUEUE other than relay denied) and all postscreen lines
//   are ignored: they are about other people's reputation, not ours.
// Lines cut short where a required field should be are `malformed`; so is a
// delivery whose reply opens a "(" it never closes (a cut at an inner ")"),
// at the price of a remote text with a stray "(" such as ":(". A cut that
// leaves a complete-looking line (a username cut mid-word, "client=h[ip]"
// before its sasl fields) cannot be told apart.
import type { DeliveryStatus, MailEvent, MailLogParser, ParseResult } from './events';
import { LogClock, lastSlash, newSyslogScan, scanSyslogLine } from './syslog';

const IGNORED: ParseResult = { result: 'ignored' };

function malformed(reason: string): ParseResult {
  return { result: 'malformed', reason };
}

function parsed(ev: MailEvent): ParseResult {
  return { result: 'parsed', events: [ev] };
}

type Service = 'smtpd' | 'pickup' | 'qmgr' | 'cleanup' | 'bounce' | 'postscreen' | 'delivery';

/** The service of a Postfix program name ("postfix-out/submission/smtpd" → smtpd), if it is one we read. */
export function postfixService(program: string): Service | undefined {
  return serviceAt(program, 0, program.length, lastSlash(program, 0, program.length));
}

/** True if s[at, to) is exactly `word`. */
function isWord(s: string, at: number, to: number, word: string): boolean {
  if (to - at !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (s.charCodeAt(at + k) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * postfixService of s[from, to), without slicing: the last part of the name
 * (after `slash`, its last "/", which the syslog scan finds), dispatched on its
 * first letter (this runs once per line).
 */
function serviceAt(s: string, from: number, to: number, slash: number): Service | undefined {
  if (slash <= from) return undefined;
  const at = slash + 1;
  switch (s.charCodeAt(at)) {
    case 115 /* s */: return isWord(s, at, to, 'smtpd') ? 'smtpd' : isWord(s, at, to, 'smtp') ? 'delivery' : undefined;
    case 113 /* q */: return isWord(s, at, to, 'qmgr') ? 'qmgr' : undefined;
    case 99 /* c */: return isWord(s, at, to, 'cleanup') ? 'cleanup' : undefined;
    case 112 /* p */: return isWord(s, at, to, 'pickup') ? 'pickup' : isWord(s, at, to, 'postscreen') ? 'postscreen' : isWord(s, at, to, 'pipe') ? 'delivery' : undefined;
    case 98 /* b */: return isWord(s, at, to, 'bounce') ? 'bounce' : undefined;
    case 108 /* l */: return isWord(s, at, to, 'lmtp') || isWord(s, at, to, 'local') ? 'delivery' : undefined;
    case 118 /* v */: return isWord(s, at, to, 'virtual') ? 'delivery' : undefined;
    case 101 /* e */: return isWord(s, at, to, 'error') ? 'delivery' : undefined;
    case 100 /* d */: return isWord(s, at, to, 'discard') ? 'delivery' : undefined;
    case 114 /* r */: return isWord(s, at, to, 'retry') ? 'delivery' : undefined;
    default: return undefined;
  }
}

/**
 * The status word s[at, to): sent, deliverable (address-verification probes)
 * → sent; deferred, SOFTBOUNCE → deferred; bounced, expired, undeliverable →
 * bounced; anything else undefined.
 */
function statusWord(s: string, at: number, to: number): DeliveryStatus | undefined {
  switch (to - at) {
    case 4: return isWord(s, at, to, 'sent') ? 'sent' : undefined;
    case 7: return isWord(s, at, to, 'bounced') || isWord(s, at, to, 'expired') ? 'bounced' : undefined;
    case 8: return isWord(s, at, to, 'deferred') ? 'deferred' : undefined;
    case 10: return isWord(s, at, to, 'SOFTBOUNCE') ? 'deferred' : undefined;
    case 11: return isWord(s, at, to, 'deliverable') ? 'sent' : undefined;
    case 13: return isWord(s, at, to, 'undeliverable') ? 'bounced' : undefined;
    default: return undefined;
  }
}

// Long queue IDs (enable_long_queue_ids) use digits and consonants only, so a
// word like "warning" or "NOQUEUE" can never look like one.
const LONG_ID_CHAR = new Uint8Array(128);
for (const c of '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz') LONG_ID_CHAR[c.charCodeAt(0)] = 1;

function isHexUpper(c: number): boolean { return (c >= 48 && c <= 57) || (c >= 65 && c <= 70); }

/** Characters that may occur in some queue ID (short or long). */
const ID_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (isHexUpper(c) || LONG_ID_CHAR[c] === 1) ID_CHAR[c] = 1;

/** True if s[from, to) is a Postfix queue ID: ≥ 6 upper-case hex digits, or a long ID ("44JCRG5tYPzCqt2"). */
export function isPostfixQueueId(s: string, from = 0, to = s.length): boolean {
  const n = to - from;
  if (n < 6 || n > 32) return false;
  let hex = true, long = true, z = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isHexUpper(c)) hex = false; // NaN compares false: past the end is not hex
    if (LONG_ID_CHAR[c] !== 1) long = false; // also past the end (NaN)
    if (c === 122 /* z */ && i > from) z = true;
    if (!hex && !long) return false;
  }
  return hex || (long && z && n >= 12);
}

/**
 * Index of the ":" after a queue ID starting at m, or -1. Reads only the
 * queue-ID characters (at most 32): a line without one ("connect from …")
 * costs a character or two, not a search for the next ":".
 */
function queueIdEnd(s: string, m: number): number {
  // isPostfixQueueId's tests, in the same walk over the characters.
  let j = m;
  const limit = m + 33;
  let hex = true, long = true, z = false;
  for (; j < limit; j++) {
    const c = s.charCodeAt(j);
    if (ID_CHAR[c] !== 1) break;
    if (!isHexUpper(c)) hex = false;
    if (LONG_ID_CHAR[c] !== 1) long = false;
    else if (c === 122 /* z */ && j > m) z = true;
  }
  const n = j - m;
  // The first non-ID character must be the ":" (then it is the first ":" too).
  if (s.charCodeAt(j) !== 58 /* : */ || n < 6 || n > 32) return -1;
  return hex || (long && z && n >= 12) ? j : -1;
}

/** Index just after the last client address clientAt() read. */
let clientEnd = 0;

/** "host[addr]" or "host[addr]:port" starting at i: the address (clientEnd is set to the index after it), or undefined. */
function clientAt(s: string, i: number): string | undefined {
  const open = s.indexOf('[', i);
  if (open < 0) return undefined;
  // The host name is one word: a space before "[" means this is not h[ip].
  const space = s.indexOf(' ', i);
  if (space >= 0 && space < open) return undefined;
  const close = s.indexOf(']', open);
  if (close < 0 || close === open + 1) return undefined;
  if (space >= 0 && space < close) return undefined; // a space inside the brackets
  const address = s.slice(open + 1, close);
  let end = close + 1;
  if (s.charCodeAt(end) === 58 /* : */ && isDigit(s.charCodeAt(end + 1))) {
    end++;
    while (isDigit(s.charCodeAt(end))) end++;
  }
  clientEnd = end;
  return address;
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/**
 * End of an address in "<…>" starting at `open` (the "<"): the index of the
 * closing ">" that starts `after` (">, "). A quoted local part ("a>, b"@x) is
 * skipped whole, so a hostile address cannot fake the fields after it.
 */
function addressEnd(s: string, open: number, after: string): number {
  let i = open + 1;
  if (s.charCodeAt(i) === 34 /* " */) {
    i++;
    while (i < s.length && s.charCodeAt(i) !== 34) i += s.charCodeAt(i) === 92 ? 2 : 1;
    if (i >= s.length) return -1;
  }
  return s.indexOf(after, i);
}

export class PostfixParser implements MailLogParser {
  readonly format = 'postfix';

  /** Reused line after line: the parser slices only the fields an event needs. */
  private readonly scan = newSyslogScan();

  constructor(private readonly clock: LogClock = new LogClock()) {}

  parse(line: string): ParseResult {
    const sc = this.scan;
    if (!scanSyslogLine(line, this.clock, sc)) return malformed('not a syslog line');
    const service = serviceAt(line, sc.programStart, sc.programEnd, sc.programSlash);
    if (service === undefined) return IGNORED;
    // Positions below are into the whole line; the message starts at m.
    const msg = line;
    const m = sc.messageStart;
    const time = sc.time;
    const colon = queueIdEnd(msg, m);
    if (colon < 0) {
      if (msg.length - m >= 6 && isPostfixQueueId(msg, m)) return malformed('nothing after the queue ID');
      return service === 'smtpd' ? smtpdNoQueue(msg, m, time) : IGNORED;
    }
    if (msg.charCodeAt(colon + 1) !== 32 || colon + 2 >= msg.length) return malformed('nothing after the queue ID');
    // The queue ID is sliced only for a line that makes an event.
    const body = colon + 2;
    switch (service) {
      case 'smtpd':
        if (msg.startsWith('client=', body)) return clientLine(msg, body + 7, msg.slice(m, colon), time);
        if (msg.startsWith('reject: RCPT from ', body)) return relayDenied(msg, body + 18, time);
        return IGNORED;
      case 'pickup':
        return msg.startsWith('uid=', body) ? pickupLine(msg, body, msg.slice(m, colon), time) : IGNORED;
      case 'qmgr':
        if (msg.startsWith('from=<', body)) return qmgrFrom(msg, body, msg.slice(m, colon), time);
        if (msg.startsWith('to=<', body)) return deliveryLine(msg, body, msg.slice(m, colon), time);
        if (msg.length === body + 7 && msg.startsWith('removed', body)) return parsed({ type: 'message_done', time, messageId: msg.slice(m, colon) });
        return IGNORED;
      case 'delivery':
        return msg.startsWith('to=<', body) ? deliveryLine(msg, body, msg.slice(m, colon), time) : IGNORED;
      case 'bounce':
        return bounceLine(msg, body, time);
      case 'cleanup':
      case 'postscreen':
        return IGNORED;
    }
  }
}

/** smtpd lines without a queue ID (message at m): failed logins and relay attempts. */
function smtpdNoQueue(msg: string, m: number, time: number): ParseResult {
  if (msg.startsWith('warning: ', m)) return saslFailure(msg, m + 9, time);
  if (msg.startsWith('NOQUEUE: reject: RCPT from ', m)) return relayDenied(msg, m + 27, time);
  return IGNORED;
}

function clientLine(msg: string, i: number, id: string, time: number): ParseResult {
  const client = clientAt(msg, i);
  if (client === undefined) return malformed('client= without a complete host[address]');
  const rest = clientEnd;
  if (rest < msg.length && !msg.startsWith(', ', rest)) return malformed('unexpected text after client=');
  const method = msg.indexOf(', sasl_method=', rest);
  const userAt = msg.indexOf(', sasl_username=', rest);
  if (userAt < 0) {
    if (method >= 0) return malformed('sasl_method= without sasl_username= (line cut short?)');
    return parsed({ type: 'unauthenticated', time, messageId: id, clientAddress: client });
  }
  const start = userAt + 16;
  let end = start;
  while (end < msg.length) {
    const c = msg.charCodeAt(end);
    if (c === 44 /* , */ || c === 32 || c === 9) break;
    end++;
  }
  if (end === start) return parsed({ type: 'unauthenticated', time, messageId: id, clientAddress: client });
  return parsed({ type: 'submission', time, messageId: id, user: msg.slice(start, end), clientAddress: client });
}

function relayDenied(msg: string, i: number, time: number): ParseResult {
  const denied = msg.indexOf(': Relay access denied', i);
  if (denied < 0) return IGNORED;
  const client = clientAt(msg, i);
  if (client === undefined || clientEnd > denied) return malformed('relay reject without a client address');
  return parsed({ type: 'relay_denied', time, clientAddress: client });
}

const AUTH_FAILED = 'authentication failed';

/** "warning: h[ip][:port]: SASL MECH authentication failed: reason[, sasl_username=U]". */
function saslFailure(msg: string, i: number, time: number): ParseResult {
  const client = clientAt(msg, i);
  if (client === undefined || !msg.startsWith(': SASL ', clientEnd)) return IGNORED;
  const mech = clientEnd + 7;
  const space = msg.indexOf(' ', mech);
  if (space < 0) return malformed('SASL warning cut short');
  const what = msg.slice(space + 1, space + 1 + AUTH_FAILED.length);
  if (what !== AUTH_FAILED) return AUTH_FAILED.startsWith(what) ? malformed('SASL failure cut short') : IGNORED;
  const userAt = lastIndexOf(msg, ', sasl_username=');
  const ev: MailEvent = { type: 'auth_failure', time, clientAddress: client };
  if (userAt >= 0) {
    const user = msg.slice(userAt + 16).trim();
    if (user !== '') ev.user = user;
  } else {
    // "(reason unavailable), sasl_usern…": the name was cut off.
    const reason = msg.slice(space + 1 + AUTH_FAILED.length);
    if (reason.endsWith(',') || reason.indexOf(', sasl') >= 0) return malformed('sasl_username= cut short');
  }
  return parsed(ev);
}

function pickupLine(msg: string, i: number, id: string, time: number): ParseResult {
  let j = i + 4;
  if (!isDigit(msg.charCodeAt(j))) return malformed('pickup line cut short');
  while (isDigit(msg.charCodeAt(j))) j++;
  if (!msg.startsWith(' from=<', j) || !msg.endsWith('>')) return malformed('pickup line cut short');
  return parsed({ type: 'unauthenticated', time, messageId: id });
}

const QUEUE_ACTIVE = ' (queue active)';
const EXPIRED = ', status=expired, returned to sender';

/** qmgr "from=" lines; anchored at the end because the sender address before it is the client's to choose. */
function qmgrFrom(msg: string, i: number, id: string, time: number): ParseResult {
  if (msg.endsWith(QUEUE_ACTIVE)) {
    const end = msg.length - QUEUE_ACTIVE.length;
    let start = end;
    while (start > i && isDigit(msg.charCodeAt(start - 1))) start--;
    if (start === end || !msg.startsWith(', nrcpt=', start - 8)) return malformed('qmgr line without nrcpt=');
    let count = 0;
    for (let k = start; k < end; k++) count = count * 10 + (msg.charCodeAt(k) - 48);
    return parsed({ type: 'recipients', time, messageId: id, count, mode: 'total' });
  }
  if (msg.endsWith(EXPIRED)) return parsed({ type: 'delivery', time, messageId: id, status: 'bounced' });
  return malformed('qmgr from= line cut short');
}

/** "to=<r>, [orig_to=<o>,] relay=R, …, status=S (reply)" → delivery, or requeued for a content-filter hop. */
function deliveryLine(msg: string, i: number, id: string, time: number): ParseResult {
  const open = i + 3;
  const rcptEnd = addressEnd(msg, open, '>, ');
  if (rcptEnd < 0) return malformed('to= address cut short');
  const recipient = msg.slice(open + 1, rcptEnd);
  let j = rcptEnd + 3;
  if (msg.startsWith('orig_to=<', j)) {
    const origEnd = addressEnd(msg, j + 8, '>, ');
    if (origEnd < 0) return malformed('orig_to= address cut short');
    j = origEnd + 3;
  }
  if (!msg.startsWith('relay=', j)) return malformed('delivery line without relay=');
  const relayEnd = msg.indexOf(', ', j);
  if (relayEnd < 0) return malformed('delivery line without status=');
  const statusAt = msg.indexOf(', status=', relayEnd);
  if (statusAt < 0) return malformed('delivery line without status=');
  const wordStart = statusAt + 9;
  const paren = msg.indexOf(' (', wordStart);
  const status = statusWord(msg, wordStart, paren < 0 ? msg.length : paren);
  if (status === undefined) return malformed(paren < 0 ? 'delivery line cut short' : 'unknown delivery status');
  if (paren < 0 || !msg.endsWith(')')) return malformed('delivery reply cut short');
  const reply = msg.slice(paren + 2, msg.length - 1);
  // A line cut just after an inner ")" ("… (in reply to RCPT TO command)" of
  // "…command))") still ends in ")": the reply then opens more than it closes.
  if (unclosedParens(reply)) return malformed('delivery reply cut short');
  if (status === 'sent') {
    const newId = requeuedAs(msg, j + 6, relayEnd, reply);
    if (newId !== undefined) return parsed({ type: 'requeued', time, messageId: id, newMessageId: newId });
  }
  const ev: MailEvent = { type: 'delivery', time, messageId: id, status, reply };
  if (recipient !== '') ev.recipient = recipient;
  return parsed(ev);
}

function unclosedParens(s: string): boolean {
  let depth = 0;
  for (let i = s.indexOf('('); i >= 0 && i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && depth > 0) depth--;
  }
  return depth > 0;
}

/**
 * The new queue ID when a "sent" is a hop back into Postfix rather than a
 * delivery: a content filter on loopback ("queued as NEWID") or a local
 * alias/.forward ("forwarded as NEWID").
 */
function requeuedAs(msg: string, relayStart: number, relayEnd: number, reply: string): string | undefined {
  let marker = lastIndexOf(reply, 'forwarded as ');
  let at = marker >= 0 ? marker + 13 : -1;
  if (marker < 0) {
    const loopback = within(msg, '[127.', relayStart, relayEnd) || within(msg, '[::1]', relayStart, relayEnd) || (relayEnd - relayStart >= 9 && msg.startsWith('localhost', relayStart));
    if (!loopback) return undefined;
    marker = reply.lastIndexOf('queued as ');
    if (marker < 0) return undefined;
    at = marker + 10;
  }
  let end = at;
  while (end < reply.length && reply.charCodeAt(end) > 32 && reply.charCodeAt(end) !== 41 /* ) */ && reply.charCodeAt(end) !== 44) end++;
  return isPostfixQueueId(reply, at, end) ? reply.slice(at, end) : undefined;
}

/**
 * s.lastIndexOf(needle), asking the runtime only when there is a match:
 * V8's lastIndexOf leaves optimised code on every call, indexOf does not.
 */
function lastIndexOf(s: string, needle: string): number {
  return s.indexOf(needle) < 0 ? -1 : s.lastIndexOf(needle);
}

/** True if `needle` occurs in s[from, to) (as s.slice(from, to).includes(needle), without the slice). */
function within(s: string, needle: string, from: number, to: number): boolean {
  const at = s.indexOf(needle, from);
  return at >= 0 && at + needle.length <= to;
}

const NOTIFICATIONS = ['sender non-delivery notification: ', 'sender delivery status notification: ', 'postmaster non-delivery notification: '];

/** The bounce daemon's own notification enters the queue unauthenticated under NEWID. */
function bounceLine(msg: string, i: number, time: number): ParseResult {
  for (const n of NOTIFICATIONS) {
    if (!msg.startsWith(n, i)) continue;
    const at = i + n.length;
    if (!isPostfixQueueId(msg, at)) return malformed('notification without a queue ID');
    return parsed({ type: 'unauthenticated', time, messageId: msg.slice(at) });
  }
  return IGNORED;
}
