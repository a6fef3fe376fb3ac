// Kerio Connect's own logs, mail.log and security.log, read by one parser (the
// two never share a line shape). Every line starts "[DD/Mon/YYYY HH:MM:SS] ",
// local time with a four-digit year and no zone.
//
// mail.log, joined by Queue-ID in the stats engine:
//   Recv: Queue-ID: Q, Service: S, From: <f>, To: <t>, Size: N, Sender-Host: ip, User: u, SSL: yes, Subject: …, Msg-Id: <…>
//         with User:            → submission (u, client ip)
//         without User: / DSN   → unauthenticated
//   Sent: Queue-ID: Q, Recipient: <r>, Result: R, Status: text[, Remote-Host: h][, Msg-Id: <…>]
//         delivered|relayed → sent, deferred|delayed → deferred, failed → bounced;
//         plus one recipient ('increment') per final result: Kerio logs no
//         count, and a deferred recipient is logged again until it is final.
// The 2004 format ("SMTP: From: …, Sender-Host: …") carries neither a queue ID
// nor a user, so it is recognised and ignored, like List: and DSN: lines.
//
// security.log:
//   Failed SMTP login from host with SASL method M.            → auth_failure, no user
//   SMTP: User x doesn't exist. Attempt from IP address ip.     → auth_failure x, userExists false
//   HTTP/WebMail: Invalid password for user x. Attempt from IP address ip → auth_failure x, userExists true
//   Relay attempt from IP address ip, mail from <…> to <…> rejected → relay_denied
// AntiHammering, DNS blacklist hits on inbound mail, spam-filter and
// unknown-recipient lines are about other people's mail: ignored.
//
// Field order differs between versions (Kerio 6: "Size, User, Sender-Host,
// SSL"; Connect 9/10: "Size, Sender-Host, User, SSL, Subject, Msg-Id"), so
// Recv lines are read as Key: value fields. Values never contain ", " except
// the addresses (read as "<…>" lists) and the free texts Subject (the last
// field that matters: reading stops there) and Status. A Recv line is complete
// once it reaches SSL/Subject/Msg-Id/Report or a field after User:; one that
// stops earlier was cut short and is malformed, never an unauthenticated
// message with the User: cut off.
//
// Limits: Kerio's syslog output is not read (only its own files); no line says
// a message left the queue, so the stats engine expires Kerio messages by age;
// a Sender-Host of 0.0.0.0 (webmail, the Kerio Connect Client) is no client
// address and is left out.
import { isIP } from 'node:net';
import type { DeliveryStatus, MailEvent, MailLogParser, ParseResult } from './events';
import { LogClock } from './syslog';

const IGNORED: ParseResult = { result: 'ignored' };

function malformed(reason: string): ParseResult {
  return { result: 'malformed', reason };
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Length of Kerio's "[24/Aug/2022 16:28:11] " prefix. */
const STAMP = 23;

/** The time of a Kerio "[DD/Mon/YYYY HH:MM:SS] " prefix, or undefined. */
export function kerioTime(line: string, clock: LogClock): number | undefined {
  if (line.charCodeAt(0) !== 91 /* [ */ || line.charCodeAt(21) !== 93 /* ] */ || line.charCodeAt(22) !== 32) return undefined;
  if (line.charCodeAt(3) !== 47 || line.charCodeAt(7) !== 47 || line.charCodeAt(12) !== 32 || line.charCodeAt(15) !== 58 || line.charCodeAt(18) !== 58) return undefined;
  const month = MONTHS[line.slice(4, 7)];
  const day = digits(line, 1, 2), year = digits(line, 8, 4), h = digits(line, 13, 2), m = digits(line, 16, 2), s = digits(line, 19, 2);
  if (month === undefined || day < 0 || year < 0 || h < 0 || m < 0 || s < 0) return undefined;
  return clock.local(year, month, day, h, m, s, 0);
}

const RESULTS: Record<string, { status: DeliveryStatus; final: boolean }> = {
  delivered: { status: 'sent', final: true },
  relayed: { status: 'sent', final: true },
  deferred: { status: 'deferred', final: false },
  delayed: { status: 'deferred', final: false },
  failed: { status: 'bounced', final: true },
};

/** Fields that end a Recv line's structured part. */
const RECV_END = new Set(['SSL', 'Subject', 'Msg-Id', 'Report']);
const ADDRESS_FIELDS = new Set(['From', 'To', 'Recipient']);

interface Fields {
  values: Map<string, string>;
  /** Reading stopped at a RECV_END field (or Status), not at the end of the line. */
  reachedEnd: boolean;
  /** The last field read ran to the end of the line (its value may be cut). */
  lastOpen?: string;
}

/** Length of the longest proper prefix of `word` that `s` ends with, else 0. */
function cutPrefixLength(s: string, word: string): number {
  for (let k = word.length - 1; k >= 1; k--) if (s.endsWith(word.slice(0, k))) return k;
  return 0;
}

/** End of a "<…>[, <…>]*" list at i, or -1 if a "<" is never closed. */
function addressListEnd(s: string, i: number): number {
  let j = i;
  for (;;) {
    const close = s.indexOf('>', j + 1);
    if (close < 0) return -1;
    if (s.charCodeAt(close + 1) === 44 && s.charCodeAt(close + 2) === 32 && s.charCodeAt(close + 3) === 60 /* < */) { j = close + 3; continue; }
    return close + 1;
  }
}

/** Reads "Key: value, Key: value, …" from i. Undefined when the text is not in that shape. */
function readFields(s: string, i: number, statusIsText: boolean): Fields | undefined {
  const values = new Map<string, string>();
  const n = s.length;
  while (i < n) {
    const colon = s.indexOf(': ', i);
    if (colon < 0 || colon - i > 24 || colon === i) return undefined;
    const key = s.slice(i, colon);
    for (let k = 0; k < key.length; k++) {
      const c = key.charCodeAt(k);
      if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45)) return undefined;
    }
    const v = colon + 2;
    if (RECV_END.has(key)) return { values, reachedEnd: true };
    let end: number;
    if (key === 'Status' && statusIsText) {
      // Remote text: up to the next field Kerio appends, else the line end
      // (less a field name the line was cut in: "2.0.0 , Remote-Ho").
      let stop = s.indexOf(', Remote-Host: ', v);
      if (stop < 0) stop = s.indexOf(', Msg-Id: ', v);
      if (stop < 0) stop = n - Math.max(cutPrefixLength(s, ', Remote-Host: '), cutPrefixLength(s, ', Msg-Id: '));
      values.set(key, s.slice(v, Math.max(stop, v)));
      return { values, reachedEnd: true };
    }
    if (ADDRESS_FIELDS.has(key) && s.charCodeAt(v) === 60 /* < */) {
      end = addressListEnd(s, v);
      if (end < 0) return { values, reachedEnd: false, lastOpen: key };
    } else {
      end = s.indexOf(',', v);
      if (end < 0) end = n;
    }
    values.set(key, s.slice(v, end));
    if (end >= n) return { values, reachedEnd: false, lastOpen: key };
    if (s.charCodeAt(end) !== 44) return undefined;
    i = end + 1;
    if (s.charCodeAt(i) === 32) i++;
  }
  return { values, reachedEnd: false, lastOpen: '' };
}

function unbracket(addr: string): string {
  return addr.length >= 2 && addr.charCodeAt(0) === 60 && addr.charCodeAt(addr.length - 1) === 62 ? addr.slice(1, -1) : addr;
}

function validId(id: string | undefined): id is string {
  return id !== undefined && id.length > 0 && id.length <= 64 && id.indexOf(' ') < 0;
}

/** An IP literal as a client address; host names, "x.x.x.x" and 0.0.0.0 are not. */
function clientIp(s: string | undefined): string | undefined {
  return s !== undefined && s !== '0.0.0.0' && isIP(s) !== 0 ? s : undefined;
}

export class KerioParser implements MailLogParser {
  readonly format = 'kerio';

  constructor(private readonly clock: LogClock = new LogClock()) {}

  parse(line: string): ParseResult {
    const time = kerioTime(line, this.clock);
    if (time === undefined) return malformed('no Kerio [DD/Mon/YYYY HH:MM:SS] timestamp');
    if (line.length <= STAMP) return malformed('nothing after the timestamp');
    if (line.startsWith('Recv: ', STAMP)) return recvLine(line, STAMP + 6, time);
    if (line.startsWith('Sent: ', STAMP)) return sentLine(line, STAMP + 6, time);
    return securityLine(line, STAMP, time);
  }
}

function recvLine(s: string, i: number, time: number): ParseResult {
  const f = readFields(s, i, false);
  if (!f) return malformed('Recv: line not in Key: value form');
  const id = f.values.get('Queue-ID');
  if (!validId(id)) return malformed('Recv: line without a Queue-ID');
  const user = f.values.get('User');
  // Complete: reached a closing field, or User: was followed by another field.
  if (!f.reachedEnd && (user === undefined || f.lastOpen === 'User')) return malformed('Recv: line cut short');
  const clientAddress = clientIp(f.values.get('Sender-Host'));
  const service = f.values.get('Service');
  let ev: MailEvent;
  if (user !== undefined && user.trim() !== '' && service !== 'DSN') {
    ev = { type: 'submission', time, messageId: id, user: user.trim() };
  } else {
    ev = { type: 'unauthenticated', time, messageId: id };
  }
  if (clientAddress !== undefined) ev.clientAddress = clientAddress;
  return { result: 'parsed', events: [ev] };
}

function sentLine(s: string, i: number, time: number): ParseResult {
  const f = readFields(s, i, true);
  if (!f) return malformed('Sent: line not in Key: value form');
  const id = f.values.get('Queue-ID');
  if (!validId(id)) return malformed('Sent: line without a Queue-ID');
  const resultWord = f.values.get('Result');
  if (resultWord === undefined || f.lastOpen === 'Result' || !f.values.has('Status')) return malformed('Sent: line cut short');
  const result = RESULTS[resultWord];
  if (result === undefined) return malformed('unknown Result: value');
  const events: MailEvent[] = [];
  if (result.final) events.push({ type: 'recipients', time, messageId: id, count: 1, mode: 'increment' });
  const ev: MailEvent = { type: 'delivery', time, messageId: id, status: result.status };
  const recipient = f.values.get('Recipient');
  if (recipient !== undefined && unbracket(recipient) !== '') ev.recipient = unbracket(recipient);
  const reply = f.values.get('Status')!.trim();
  if (reply !== '') ev.reply = reply;
  events.push(ev);
  return { result: 'parsed', events };
}

const NO_USER = " doesn't exist. Attempt from IP address ";
const BAD_PASSWORD = ': Invalid password for user ';
const ATTEMPT_FROM = '. Attempt from IP address ';
const RELAY_ATTEMPT = 'Relay attempt from IP address ';

/** The IP after "…IP address " up to a final "." or the end. */
function trailingIp(s: string, i: number): string | undefined {
  let end = s.length;
  if (s.charCodeAt(end - 1) === 46 /* . */) end--;
  return clientIp(s.slice(i, end));
}

function authFailure(time: number, user: string, address: string | undefined, userExists: boolean): ParseResult {
  const ev: MailEvent = { type: 'auth_failure', time, userExists };
  if (user !== '') ev.user = user;
  if (address !== undefined) ev.clientAddress = address;
  return { result: 'parsed', events: [ev] };
}

function securityLine(s: string, i: number, time: number): ParseResult {
  if (s.startsWith('Failed ', i)) {
    // "Failed SMTP login from 212.92.127.112 with SASL method CRAM-MD5."
    const from = s.indexOf(' login from ', i);
    if (from < 0 || from - i > 24) return IGNORED;
    const h = from + 12;
    let end = h;
    while (end < s.length && s.charCodeAt(end) !== 32 && s.charCodeAt(end) !== 44) end++;
    if (end === h || end >= s.length) return malformed('failed login line cut short');
    const ev: MailEvent = { type: 'auth_failure', time };
    const address = clientIp(s.slice(h, end));
    if (address !== undefined) ev.clientAddress = address;
    return { result: 'parsed', events: [ev] };
  }
  if (s.startsWith(RELAY_ATTEMPT, i)) {
    const a = i + RELAY_ATTEMPT.length;
    const comma = s.indexOf(', mail from ', a);
    if (comma < 0 || !s.endsWith(' rejected')) return malformed('relay attempt line cut short');
    const ev: MailEvent = { type: 'relay_denied', time };
    const address = clientIp(s.slice(a, comma));
    if (address !== undefined) ev.clientAddress = address;
    return { result: 'parsed', events: [ev] };
  }
  // "<service>: User X doesn't exist. …" / "<service>: Invalid password for user X. …":
  // the name is the client's choice, so it ends at the last fixed phrase.
  const userAt = s.indexOf(': User ', i);
  if (userAt >= 0 && s.indexOf(' ', i) === userAt + 1) {
    const phrase = s.lastIndexOf(NO_USER);
    if (phrase < 0) {
      // Cut in the name or in the phrase after it, or another "User X …" message.
      const space = s.indexOf(' ', userAt + 7);
      return space < 0 || NO_USER.startsWith(s.slice(space)) || s.indexOf(" doesn't exist", userAt) >= 0 ? malformed('unknown-user line cut short') : IGNORED;
    }
    return authFailure(time, s.slice(userAt + 7, phrase), trailingIp(s, phrase + NO_USER.length), false);
  }
  const badAt = s.indexOf(BAD_PASSWORD, i);
  if (badAt >= 0 && s.indexOf(' ', i) === badAt + 1) {
    const phrase = s.lastIndexOf(ATTEMPT_FROM);
    if (phrase < badAt) return malformed('invalid-password line cut short');
    return authFailure(time, s.slice(badAt + BAD_PASSWORD.length, phrase), trailingIp(s, phrase + ATTEMPT_FROM.length), true);
  }
  return IGNORED;
}
