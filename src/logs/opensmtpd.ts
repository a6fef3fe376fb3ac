// OpenSMTPD (6.4 and later) through syslog ("smtpd[pid]: …") or its own
// foreground output (smtpd -d, e.g. a container's stdout), where a line is
// just the text without a timestamp. Every line starts with a 16-hex-digit
// session id, then the subsystem (smtp_session.c, mta.c):
//
//   SID smtp connected address=IP host=H                      → session client
//   SID smtp authentication user=U result=ok                  → session user
//   SID smtp authentication user=U result=permfail|tempfail   → auth_failure U
//   SID smtp message msgid=M size=N nrcpt=N proto=P           → submission (session user) or
//                                                               unauthenticated, + recipients total N
//   SID smtp disconnected reason=…                            → the session is forgotten
//   SID mta|mda delivery evpid=E from=<f> to=<t> … result="Ok|TempFail|PermFail|Loop" stat="…"
//                                                             → delivery of message E>>32 (mda: unquoted)
//   … an mta "Ok" to a loopback relay answering "NEWID Message accepted" → requeued
//
// The envelope id's top 32 bits are the message id (evpid=f6e94209918f7e7b ↔
// msgid=f6e94209), so deliveries need no state: the message key is the first
// 8 hex digits of the evpid. "smtp envelope" lines (one per accepted
// recipient, counted by nrcpt=) and "failed-command" lines (a failed AUTH is
// already counted from its "authentication … result=permfail" line) are
// ignored.
//
// Bounds: the session map keeps at most 10,000 sessions, least recently seen
// dropped first, and forgets a session 1 hour (log time) after its last line
// when no "disconnected" line came (a crash, a rotated-away end).
//
// Lines without a timestamp (smtpd -d) carry no time at all: they get the
// time of the last timestamped line read, or the wall clock when there was
// none (`now`, injectable for tests).
//
// Hostile text: the client chooses U (so its end is the last " result="), the
// envelope addresses and, through the remote server, stat=; result= is taken
// from after the server-written delay= field.
import { isIP } from 'node:net';
import type { DeliveryStatus, MailEvent, MailLogParser, ParseResult } from './events';
import { JoinMap } from './join-map';
import { LogClock, parseSyslogLine } from './syslog';

const IGNORED: ParseResult = { result: 'ignored' };

function malformed(reason: string): ParseResult {
  return { result: 'malformed', reason };
}

function parsed(events: MailEvent[]): ParseResult {
  return { result: 'parsed', events };
}

/** Sessions remembered (session id → client address and user). */
export const OPENSMTPD_MAX_SESSIONS = 10_000;
/** A session is forgotten this long (log time) after its last line. */
export const OPENSMTPD_SESSION_TTL_MS = 60 * 60_000;

function isHexLower(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

function isHex(s: string, from: number, n: number): boolean {
  if (from + n > s.length) return false;
  for (let i = from; i < from + n; i++) if (!isHexLower(s.charCodeAt(i))) return false;
  return true;
}

/** True if the text starts with "<16 hex> smtp|mta|mda ". */
export function isOpensmtpdText(s: string): boolean {
  if (!isHex(s, 0, 16) || s.charCodeAt(16) !== 32) return false;
  return s.startsWith('smtp ', 17) || s.startsWith('mta ', 17) || s.startsWith('mda ', 17);
}

interface Session { clientAddress?: string; user?: string }

const RESULTS: Record<string, DeliveryStatus> = { Ok: 'sent', TempFail: 'deferred', PermFail: 'bounced', Loop: 'bounced' };

export class OpensmtpdParser implements MailLogParser {
  readonly format = 'opensmtpd';
  private readonly sessions = new JoinMap<Session>(OPENSMTPD_MAX_SESSIONS, OPENSMTPD_SESSION_TTL_MS);
  private lastTime?: number;

  constructor(private readonly clock: LogClock = new LogClock(), private readonly now: () => number = Date.now) {}

  /** Sessions currently remembered (for tests and bounds checks). */
  get trackedSessions(): number { return this.sessions.size; }

  parse(line: string): ParseResult {
    let text: string;
    let time: number;
    if (isHex(line, 0, 16) && line.charCodeAt(16) === 32) {
      text = line;
      time = this.lastTime ?? this.now();
    } else {
      const sl = parseSyslogLine(line, this.clock);
      if (!sl) return malformed('neither a syslog line nor an OpenSMTPD session line');
      if (sl.program !== 'smtpd') return IGNORED;
      text = sl.message;
      time = sl.time;
      this.lastTime = time;
      // smtpd's own start-up and warning lines have no session id.
      if (!(isHex(text, 0, 16) && text.charCodeAt(16) === 32)) return IGNORED;
    }
    const sid = text.slice(0, 16);
    if (text.startsWith('smtp ', 17)) return this.smtp(text, 22, sid, time);
    if (text.startsWith('mta ', 17)) return delivery(text, 21, time, true);
    if (text.startsWith('mda ', 17)) return delivery(text, 21, time, false);
    return IGNORED;
  }

  private smtp(text: string, i: number, sid: string, time: number): ParseResult {
    if (text.startsWith('connected', i) && (text.length === i + 9 || text.charCodeAt(i + 9) === 32)) {
      const a = text.indexOf('address=', i);
      if (a < 0) return malformed('connected line without address=');
      let end = text.indexOf(' ', a + 8);
      if (end < 0) end = text.length;
      let address = text.slice(a + 8, end);
      if (address.charCodeAt(0) === 91 && address.charCodeAt(address.length - 1) === 93) address = address.slice(1, -1);
      if (!text.startsWith(' host=', end)) return malformed('connected line cut short');
      // A reused session id starts afresh.
      this.sessions.set(sid, isIP(address) !== 0 ? { clientAddress: address } : {}, time);
      return parsed([]);
    }
    if (text.startsWith('authentication user=', i)) {
      const resultAt = text.lastIndexOf(' result=');
      if (resultAt < i + 20) return malformed('authentication line cut short');
      const user = text.slice(i + 20, resultAt);
      const result = text.slice(resultAt + 8);
      const session = this.sessions.get(sid, time) ?? {};
      if (result === 'ok') {
        if (user === '') return malformed('authentication with an empty user');
        this.sessions.set(sid, { ...session, user }, time);
        return parsed([]);
      }
      if (result !== 'permfail' && result !== 'tempfail') return malformed('unknown authentication result');
      this.sessions.set(sid, session, time);
      const ev: MailEvent = { type: 'auth_failure', time };
      if (user !== '') ev.user = user;
      if (session.clientAddress !== undefined) ev.clientAddress = session.clientAddress;
      return parsed([ev]);
    }
    if (text.startsWith('message msgid=', i)) {
      const m = i + 14;
      if (!isHex(text, m, 8) || !text.startsWith(' size=', m + 8)) return malformed('message line cut short');
      const nAt = text.indexOf(' nrcpt=', m + 14);
      if (nAt < 0) return malformed('message line without nrcpt=');
      let j = nAt + 7;
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      if (j === nAt + 7 || !text.startsWith(' proto=', j)) return malformed('message line cut short');
      const count = Number(text.slice(nAt + 7, j));
      const messageId = text.slice(m, m + 8);
      const session = this.sessions.get(sid, time);
      const ev: MailEvent = session?.user !== undefined
        ? { type: 'submission', time, messageId, user: session.user }
        : { type: 'unauthenticated', time, messageId };
      if (session?.clientAddress !== undefined) ev.clientAddress = session.clientAddress;
      if (session !== undefined) this.sessions.set(sid, session, time);
      const events: MailEvent[] = [ev];
      if (count > 0) events.push({ type: 'recipients', time, messageId, count, mode: 'total' });
      return parsed(events);
    }
    if (text.startsWith('disconnected', i)) {
      this.sessions.delete(sid);
      return parsed([]);
    }
    return IGNORED;
  }
}

const ACCEPTED = ' Message accepted for delivery';

function isLoopbackRelay(relay: string): boolean {
  return relay.startsWith('127.') || relay.startsWith('::1 ') || relay === '::1' || relay.startsWith('[::1]');
}

/**
 * "mta|mda delivery evpid=E from=<f> to=<t> … delay=D result=R stat=S" →
 * one delivery of message E>>32. mta quotes result= and stat= ("Ok", "250 …"),
 * mda does not (result=Ok stat=Delivered). An mta "Ok" to a loopback relay
 * whose reply names a new msgid ("250 2.0.0: f6e94209 Message accepted for
 * delivery", also behind a content filter's "from MTA(…): " prefix) is the
 * message re-entering OpenSMTPD: requeued, not delivered.
 */
function delivery(text: string, i: number, time: number, mta: boolean): ParseResult {
  if (!text.startsWith('delivery evpid=', i)) return 'delivery evpid='.startsWith(text.slice(i)) ? malformed('delivery line cut short') : IGNORED;
  const e = i + 15;
  if (!isHex(text, e, 16) || text.charCodeAt(e + 16) !== 32) return malformed('delivery line cut short');
  const messageId = text.slice(e, e + 8);
  const toAt = text.indexOf(' to=<', e + 16);
  if (toAt < 0) return malformed('delivery line without to=');
  const toEnd = text.indexOf('> ', toAt + 5);
  if (toEnd < 0) return malformed('delivery line cut short');
  const delayAt = text.indexOf(' delay=', toEnd);
  const resultAt = delayAt < 0 ? -1 : text.indexOf(' result=', delayAt);
  if (resultAt < 0) return malformed('delivery line without result=');
  let end = text.length;
  while (end > resultAt && text.charCodeAt(end - 1) === 32) end--;
  let word: string, reply: string;
  if (text.charCodeAt(resultAt + 8) === 34 /* " */) {
    const wordEnd = text.indexOf('"', resultAt + 9);
    if (wordEnd < 0) return malformed('delivery line cut short');
    word = text.slice(resultAt + 9, wordEnd);
    if (!text.startsWith(' stat="', wordEnd + 1) || end < wordEnd + 9 || text.charCodeAt(end - 1) !== 34) return malformed('delivery stat= cut short');
    reply = text.slice(wordEnd + 8, end - 1);
  } else {
    const wordEnd = text.indexOf(' ', resultAt + 8);
    if (wordEnd < 0 || wordEnd > end) return malformed('delivery line cut short');
    word = text.slice(resultAt + 8, wordEnd);
    if (!text.startsWith(' stat=', wordEnd) || end <= wordEnd + 6) return malformed('delivery stat= cut short');
    reply = text.slice(wordEnd + 6, end);
  }
  const status = RESULTS[word];
  if (status === undefined) return malformed('unknown delivery result');
  if (mta && status === 'sent' && reply.endsWith(ACCEPTED)) {
    const relayAt = text.indexOf(' relay="', toEnd);
    const idAt = reply.length - ACCEPTED.length - 8;
    if (relayAt >= 0 && relayAt < delayAt && isLoopbackRelay(text.slice(relayAt + 8, delayAt)) && idAt > 0 && isHex(reply, idAt, 8) && reply.charCodeAt(idAt - 1) === 32) {
      return parsed([{ type: 'requeued', time, messageId, newMessageId: reply.slice(idAt, idAt + 8) }]);
    }
  }
  const ev: MailEvent = { type: 'delivery', time, messageId, status };
  const recipient = text.slice(toAt + 5, toEnd);
  if (recipient !== '') ev.recipient = recipient;
  if (reply !== '') ev.reply = reply;
  return parsed([ev]);
}
