// Exim mainlog: one line → events, keyed by message ID (classic
// "1jmFYj-00039V-QX", Exim ≥ 4.97 "1wtXBC-0000000CnX4-1EyU").
//
//   ID <= sender … A=authenticator:id … S=n   → submission (id = $authenticated_id)
//   ID <= sender …  (no A=, or A= without id)  → unauthenticated
//   ID => / -> / >> / *> rcpt R=… …            → delivery sent + recipients +1
//   ID == rcpt … reply                         → delivery deferred
//   ID ** rcpt … reply                         → delivery bounced + recipients +1
//   ID Completed                               → message_done
//   X authenticator failed for h [ip]: … (set_id=U) → auth_failure (user U if named)
//   H=… [ip] … rejected RCPT …: relay not permitted → relay_denied
//
// Line forms: "2024-03-21 19:26:06[.123][ +0100] [[pid]] …" (no zone = local
// time), behind a syslog header ("Jul 17 23:20:49 mail exim[1]: …", with or
// without Exim's own timestamp), or with the "host exim[pid]: " tag on either
// side of the timestamp.
//
// Decisions:
// - "A=login" with no ":id" (server_set_id unset) is authenticated but names
//   nobody: it is emitted as `unauthenticated`, so the message is never pinned
//   on a made-up user (set server_set_id to get per-user numbers).
// - Fields are read token by token, honouring quotes and the H= shape, so an
//   "A=…" inside a sender address, HELO name or subject is never taken for the
//   authenticator field; the user is never the envelope sender, and U= (local
//   caller, e.g. a web script) is not a SASL login either.
// - Every final outcome (=>, ->, >>, *>, **) is one recipient; == is not final.
// - The recipient is the original address in "<…>" when Exim logs one
//   ("=> userx <userx@test.ex>"), else the delivered address.
// - The reply of ==/** lines is the text after the fields, and after the host
//   fields that may follow "defer (errno)": "defer (110): Connection timed
//   out", "SMTP error from remote mail server after RCPT TO:<…>: 550 …"; of
//   => lines, the C="…" confirmation.
// - Every "authenticator failed" line is a failed login, whatever the code
//   (535 wrong password, 435 temporary failure, 501 cancelled).
// Lines cut short where a required field should be (no S= on an arrival, no
// R= on a delivery, an open quote or bracket) are `malformed`.
import type { DeliveryStatus, MailEvent, MailLogParser, ParseResult } from './events';
import { LogClock, newSyslogScan, readTimestamp, scanSyslogLine, type TimestampMatch } from './syslog';

const IGNORED: ParseResult = { result: 'ignored' };

function malformed(reason: string): ParseResult {
  return { result: 'malformed', reason };
}

const BASE62 = new Uint8Array(128);
for (const c of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') BASE62[c.charCodeAt(0)] = 1;

function base62Run(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (BASE62[c] !== 1) return false; // also false past the end (NaN)
  }
  return true;
}

/** Length of the Exim message ID at `at` (16 classic, 23 for Exim ≥ 4.97), or 0. */
export function eximMessageIdLength(s: string, at: number): number {
  if (s.charCodeAt(at + 6) !== 45 /* - */) return 0;
  if (s.charCodeAt(at + 13) === 45 && base62Run(s, at, at + 6) && base62Run(s, at + 7, at + 13) && base62Run(s, at + 14, at + 16) && !isIdChar(s.charCodeAt(at + 16))) return 16;
  if (s.charCodeAt(at + 18) === 45 && base62Run(s, at, at + 6) && base62Run(s, at + 7, at + 18) && base62Run(s, at + 19, at + 23) && !isIdChar(s.charCodeAt(at + 23))) return 23;
  return 0;
}

function isIdChar(c: number): boolean {
  return c === 45 || (c < 128 && BASE62[c] === 1);
}

/** "exim[123]: " / "exim4[123]: " at i: the index after it, or -1. */
function eximTagEnd(s: string, i: number): number {
  if (!s.startsWith('exim', i)) return -1;
  let j = i + 4;
  while (s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  if (s.charCodeAt(j) === 91 /* [ */) {
    const close = s.indexOf(']', j);
    if (close < 0) return -1;
    j = close + 1;
  }
  return s.charCodeAt(j) === 58 && s.charCodeAt(j + 1) === 32 ? j + 2 : -1;
}

/** A field token "NAME=" at i (NAME = letters/digits, 1–5 chars as Exim uses: A, H, R, T, S, DN, CV, M8S, QT, id). */
function fieldName(s: string, i: number): number {
  let j = i;
  while (j - i < 6) {
    const c = s.charCodeAt(j);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) j++;
    else break;
  }
  return j > i && s.charCodeAt(j) === 61 /* = */ ? j - i : 0;
}

/** End of a token starting at i: a quoted string is taken whole (with \" escapes). -1 if a quote never closes. */
function tokenEnd(s: string, i: number): number {
  let j = i;
  const n = s.length;
  while (j < n && s.charCodeAt(j) !== 32) {
    if (s.charCodeAt(j) === 34 /* " */) {
      j++;
      while (j < n && s.charCodeAt(j) !== 34) j += s.charCodeAt(j) === 92 ? 2 : 1;
      if (j >= n) return -1;
    }
    j++;
  }
  return j;
}

/** The fields a parser needs, as indices into the line (-1 = absent). Reused: no allocation per line. */
interface Fields {
  /** A= value (authenticator[:id]), first occurrence. */
  aStart: number;
  aEnd: number;
  /** C= value (delivery confirmation, quotes kept). */
  cStart: number;
  cEnd: number;
  /** H= address, without brackets and port. */
  hostStart: number;
  hostEnd: number;
  hasS: boolean;
  hasR: boolean;
  /** Where the text after the fields starts (the reply of ==/** lines), or -1. */
  rest: number;
  /** A quote or bracket was left open: the line was cut. */
  cut: boolean;
}

function newFields(): Fields {
  return { aStart: -1, aEnd: -1, cStart: -1, cEnd: -1, hostStart: -1, hostEnd: -1, hasS: false, hasR: false, rest: -1, cut: false };
}

// Two scratch records: a deferral reads the fields after "defer (errno)" with the second.
const FIELDS = newFields();
const MORE_FIELDS = newFields();

/**
 * Reads "NAME=value" fields from i on into `out`. Stops at the first token
 * that is not a field, or, with `colonEnds`, after a value ending in ":" (the
 * ": " before the error text of a failed delivery).
 */
function readFields(s: string, i: number, colonEnds: boolean, out: Fields): Fields {
  out.aStart = out.aEnd = out.cStart = out.cEnd = out.hostStart = out.hostEnd = out.rest = -1;
  out.hasS = out.hasR = out.cut = false;
  const n = s.length;
  while (i < n) {
    while (s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const nameLen = fieldName(s, i);
    if (nameLen === 0) { out.rest = i; break; }
    const name = nameLen === 1 ? s.charCodeAt(i) : 0;
    let v = i + nameLen + 1;
    if (name === 72 /* H */) {
      // "H=host (helo) [ip]:port", "H=(helo) [ip]", "H=[ip]": words up to the bracketed address.
      let words = 0;
      for (;;) {
        const end = tokenEnd(s, v);
        if (end < 0) { out.cut = true; return out; }
        if (s.charCodeAt(v) === 91 /* [ */) {
          const close = s.indexOf(']', v);
          if (close < 0 || close > end) { out.cut = true; return out; }
          if (out.hostStart < 0) { out.hostStart = v + 1; out.hostEnd = close; }
          i = end;
          break;
        }
        if (++words > 2 || end >= n) {
          // No address: a bare "H=host" (e.g. the local host) ends here.
          i = end;
          break;
        }
        v = end + 1;
      }
    } else {
      const end = tokenEnd(s, v);
      if (end < 0) { out.cut = true; return out; }
      if (name === 65 /* A */ && out.aStart < 0) { out.aStart = v; out.aEnd = end; }
      else if (name === 67 /* C */ && out.cStart < 0) { out.cStart = v; out.cEnd = end; }
      else if (name === 83 /* S */) out.hasS = true;
      else if (name === 82 /* R */) out.hasR = true;
      i = end;
    }
    if (colonEnds && s.charCodeAt(i - 1) === 58 /* : */) { out.rest = i + 1; break; }
  }
  return out;
}

/** A quoted field value without its quotes and escapes; an unquoted one as is. */
function unquote(v: string): string {
  if (v.length < 2 || v.charCodeAt(0) !== 34) return v;
  return v.slice(1, v.lastIndexOf('"')).replace(/\\(.)/g, '$1');
}

const FINAL_SENT = new Set(['=>', '->', '>>', '*>']);

export class EximParser implements MailLogParser {
  readonly format = 'exim';

  // Reused line after line, so the common path allocates only what events need.
  private readonly ts: TimestampMatch = { time: 0, end: 0, form: 'bsd' };
  private readonly scan = newSyslogScan();

  constructor(private readonly clock: LogClock = new LogClock()) {}

  parse(line: string): ParseResult {
    let time: number;
    let i: number;
    const ts = readTimestamp(line, 0, this.clock, this.ts) ? this.ts : undefined;
    if (ts && ts.form === 'iso-space') {
      time = ts.time;
      i = ts.end + 1;
      if (line.charCodeAt(ts.end) !== 32) return malformed('nothing after the timestamp');
      // "2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: …"
      const sp = line.indexOf(' ', i);
      const tag = sp > i ? eximTagEnd(line, sp + 1) : -1;
      if (tag > 0) i = tag;
    } else if (ts) {
      // A syslog line: exim's own program, maybe with its own timestamp inside.
      const sc = this.scan;
      if (!scanSyslogLine(line, this.clock, sc)) return malformed('not an Exim log line');
      if (!line.startsWith('exim', sc.programStart) || sc.programEnd - sc.programStart > 5) return IGNORED;
      return this.body(line, sc.messageStart, sc.time, true);
    } else {
      // "mail.example.com exim[3751842]: 2021-07-17 23:20:49 …"
      const sp = line.indexOf(' ');
      const tag = sp > 0 ? eximTagEnd(line, sp + 1) : -1;
      if (tag < 0) return malformed('not an Exim log line');
      return this.body(line, tag, undefined, false);
    }
    return this.fromBody(line, i, time);
  }

  /** A body that may start with Exim's own timestamp; `fallback` is the syslog time. */
  private body(s: string, i: number, fallback: number | undefined, optionalTimestamp: boolean): ParseResult {
    const ts = readTimestamp(s, i, this.clock, this.ts) ? this.ts : undefined;
    if (ts && ts.form === 'iso-space') {
      if (s.charCodeAt(ts.end) !== 32) return malformed('nothing after the timestamp');
      return this.fromBody(s, ts.end + 1, ts.time);
    }
    if (!optionalTimestamp || fallback === undefined) return malformed('no timestamp');
    return this.fromBody(s, i, fallback);
  }

  private fromBody(s: string, i: number, time: number): ParseResult {
    // "[pid]" (log_selector +pid)
    if (s.charCodeAt(i) === 91 /* [ */) {
      const close = s.indexOf('] ', i);
      if (close < 0) return malformed('line cut short after the timestamp');
      i = close + 2;
    }
    if (i >= s.length) return malformed('line cut short after the timestamp');
    const idLen = eximMessageIdLength(s, i);
    if (idLen > 0) {
      if (s.charCodeAt(i + idLen) !== 32 || i + idLen + 1 >= s.length) return malformed('nothing after the message ID');
      return messageLine(s, i + idLen + 1, s.slice(i, i + idLen), time);
    }
    const failed = s.indexOf(' authenticator failed for ', i);
    if (failed > i && s.indexOf(' ', i) === failed) return authFailure(s, failed + 26, time);
    if (s.startsWith('H=', i)) return relayDenied(s, i, time);
    return IGNORED;
  }
}

function messageLine(s: string, i: number, id: string, time: number): ParseResult {
  const flag = s.slice(i, i + 2);
  if (s.charCodeAt(i + 2) !== 32 && flag !== 'Co') {
    return IGNORED;
  }
  if (flag === '<=') return arrival(s, i + 3, id, time);
  if (FINAL_SENT.has(flag)) return delivery(s, i + 3, id, time, 'sent', true);
  if (flag === '==') return delivery(s, i + 3, id, time, 'deferred', false);
  if (flag === '**') return delivery(s, i + 3, id, time, 'bounced', true);
  if (s.startsWith('Completed', i) && (i + 9 === s.length || s.charCodeAt(i + 9) === 32)) {
    return { result: 'parsed', events: [{ type: 'message_done', time, messageId: id }] };
  }
  return IGNORED;
}

function arrival(s: string, i: number, id: string, time: number): ParseResult {
  const senderEnd = tokenEnd(s, i);
  if (senderEnd < 0 || senderEnd === i) return malformed('arrival line cut short');
  const f = readFields(s, senderEnd, false, FIELDS);
  if (f.cut || !f.hasS) return malformed('arrival line without S= (cut short?)');
  const clientAddress = f.hostStart >= 0 ? s.slice(f.hostStart, f.hostEnd) : undefined;
  const colon = f.aStart < 0 ? -1 : s.indexOf(':', f.aStart);
  const user = colon < 0 || colon >= f.aEnd ? '' : unquote(s.slice(colon + 1, f.aEnd));
  const ev: MailEvent = user !== ''
    ? { type: 'submission', time, messageId: id, user }
    : { type: 'unauthenticated', time, messageId: id };
  if (clientAddress !== undefined && clientAddress !== '') ev.clientAddress = clientAddress;
  return { result: 'parsed', events: [ev] };
}

function delivery(s: string, i: number, id: string, time: number, status: DeliveryStatus, final: boolean): ParseResult {
  let end = tokenEnd(s, i);
  if (end < 0 || end === i) return malformed('delivery line cut short');
  let recipient = s.slice(i, end);
  let next = end;
  // "=> userx <userx@test.ex> R=…": the original address follows in <…>.
  if (s.charCodeAt(end + 1) === 60 /* < */) {
    const close = s.indexOf('>', end + 2);
    if (close < 0) return malformed('delivery line cut short');
    recipient = s.slice(end + 2, close);
    next = close + 1;
    if (s.charCodeAt(next) === 58) next++;
  }
  if (recipient.endsWith(':')) recipient = recipient.slice(0, -1);
  const afterColon = s.charCodeAt(next - 1) === 58;
  const f = afterColon ? readFields(s, s.length, true, FIELDS) : readFields(s, next, true, FIELDS);
  if (afterColon) f.rest = next + 1;
  if (f.cut) return malformed('delivery line cut short');
  let reply: string | undefined;
  if (status === 'sent') {
    if (!f.hasR) return malformed('delivery line without R= (cut short?)');
    if (f.cStart >= 0) reply = unquote(s.slice(f.cStart, f.cEnd));
  } else {
    let rest = f.rest;
    // "defer (-44) H=host [ip]: SMTP error from remote mail server …": the
    // remote text is after the host fields that follow the errno.
    if (rest >= 0 && s.startsWith('defer (', rest)) {
      const close = s.indexOf(') ', rest);
      if (close > 0 && fieldName(s, close + 2) > 0) {
        const g = readFields(s, close + 2, true, MORE_FIELDS);
        if (!g.cut && g.rest >= 0) rest = g.rest;
      }
    }
    reply = rest >= 0 && rest < s.length ? s.slice(rest) : undefined;
    if (reply === undefined || reply.trim() === '') return malformed('failure without a reason (cut short?)');
  }
  const ev: MailEvent = { type: 'delivery', time, messageId: id, status };
  if (recipient !== '') ev.recipient = recipient;
  if (reply !== undefined) ev.reply = reply;
  if (!final) return { result: 'parsed', events: [ev] };
  return { result: 'parsed', events: [ev, { type: 'recipients', time, messageId: id, count: 1, mode: 'increment' }] };
}

/** After "X authenticator failed for ": "host (helo) [ip]:port …: 535 … (set_id=U)". */
function authFailure(s: string, i: number, time: number): ParseResult {
  let address: string | undefined;
  for (let words = 0, v = i; words < 4; words++) {
    const end = tokenEnd(s, v);
    if (end < 0) return malformed('authenticator failure cut short');
    if (s.charCodeAt(v) === 91 /* [ */) {
      const close = s.indexOf(']', v);
      if (close < 0 || close > end) return malformed('authenticator failure cut short');
      address = s.slice(v + 1, close);
      break;
    }
    if (end >= s.length) return malformed('authenticator failure cut short');
    v = end + 1;
  }
  if (address === undefined || address === '') return malformed('authenticator failure without a client address');
  if (s.indexOf(': ', i) < 0) return malformed('authenticator failure cut short');
  const ev: MailEvent = { type: 'auth_failure', time, clientAddress: address };
  const at = s.lastIndexOf('(set_id=');
  if (at >= 0) {
    const close = s.indexOf(')', at + 8);
    if (close < 0) return malformed('set_id cut short');
    const user = s.slice(at + 8, close);
    if (user !== '') ev.user = user;
  } else if (endsWithStartOf(s, ' (set_id=')) {
    return malformed('set_id cut short');
  }
  return { result: 'parsed', events: [ev] };
}

/** True if s ends with a non-empty beginning of `marker` (a line cut inside it). */
function endsWithStartOf(s: string, marker: string): boolean {
  for (let n = Math.min(marker.length - 1, s.length); n > 0; n--) if (s.endsWith(marker.slice(0, n))) return true;
  return false;
}

const RELAY_DENIED = ': relay not permitted';

/** "H=(helo) [ip]:port I=… F=<…> rejected RCPT <rcpt>: relay not permitted". */
function relayDenied(s: string, i: number, time: number): ParseResult {
  const rejected = s.indexOf(' rejected RCPT ', i);
  if (rejected < 0 || !s.endsWith(RELAY_DENIED)) return IGNORED;
  const f = readFields(s, i, false, FIELDS);
  if (f.cut || f.hostStart < 0) return malformed('relay reject without a client address');
  return { result: 'parsed', events: [{ type: 'relay_denied', time, clientAddress: s.slice(f.hostStart, f.hostEnd) }] };
}
