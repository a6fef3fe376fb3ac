// Sendmail (sm-mta, sendmail, sm-msp-queue, or a proctitle such as
// sm-acceptingconnections) through syslog. The login name is on a line of its
// own without a queue ID, logged by the SMTP server child that handles the
// session (LogLevel > 8, srvrsmtp.c):
//
//   sm-mta[PID]: AUTH=server, relay=host [ip], authid=U, mech=M, bits=N
//   sm-mta[PID]: QID: from=<f>, size=N, class=N, nrcpts=N, msgid=<…>, proto=…, daemon=…, relay=host [ip]
//   sm-mta[PID2]: QID: to=<r>[,<r2>…], [ctladdr=…,] delay=…, xdelay=…, mailer=M, pri=N, relay=…, dsn=D, stat=S
//
// so the parser joins PID → authid → QID: a from= line in a session whose
// AUTH=server line it saw (same pid, same client address) is a submission by
// authid, any other from= line is unauthenticated; nrcpts= is the recipient
// total. Each to= line is one delivery per listed recipient: stat=Sent → sent,
// Deferred → deferred, other texts → by dsn= (4.x deferred, 5.x or none
// bounced, 2.x with such a text malformed);
// stat=queued (DeliveryMode=queue) is no attempt yet and is ignored. A "Sent"
// to loopback that only handed the message to the local MTA ("NEWID Message
// accepted for delivery", the MSP → MTA hop) is a requeued event, not a
// delivery. "QID: NEWID: DSN: …" is the bounce notice entering the queue
// unauthenticated. "AUTH failure (M): …, user=U, relay=…" is an auth_failure
// (userExists false on "user not found"); "ruleset=check_rcpt … Relaying
// denied" is relay_denied. "possible SMTP attack: command=AUTH, count=N" is
// ignored: it sums up AUTH commands whose failures have their own lines.
//
// Bounds: the pid → authid map keeps at most 10,000 sessions, the least
// recently seen dropped first, and forgets a session 1 hour (log time) after
// its last line: an SMTP session is over long before (Timeout.command is 1 h),
// and the matching client address keeps a reused pid from inheriting a login.
//
// Cut lines: a from= must reach its last field, relay=, and in a logged-in
// session its "[address]" (else it could not be matched to the login); a to=
// must reach stat= past a cut-off "Sen"/"Defe"; "Sent (" must close.
//
// Hostile text: the client chooses the authid (bounded to 128 chars by
// Sendmail), sender and recipient addresses, the msgid and a failed login's
// user; fields after them are found from the end or after server-written
// fields, so an address cannot fake a relay= or a stat=.
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

/** Sessions remembered (pid → authid). */
export const SENDMAIL_MAX_SESSIONS = 10_000;
/** A session's login is forgotten this long (log time) after its last line. */
export const SENDMAIL_SESSION_TTL_MS = 60 * 60_000;

export function isSendmailProgram(program: string): boolean {
  return program === 'sendmail' || (program.startsWith('sm-') && program.length > 3);
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** True if s[from, to) looks like a Sendmail queue ID ("55HIbcGI002794", "xA32R2PQ3529566"). */
export function isSendmailQueueId(s: string, from = 0, to = s.length): boolean {
  const n = to - from;
  if (n < 8 || n > 20) return false;
  for (let i = from; i < to; i++) if (!isAlnum(s.charCodeAt(i))) return false;
  return true;
}

/** The address in the last "[…]" of a relay value ("host [1.2.3.4] (may be forged)", "[IPv6:::1]"). */
function relayAddress(relay: string): string | undefined {
  const open = relay.lastIndexOf('[');
  const close = relay.indexOf(']', open);
  if (open < 0 || close < 0) return undefined;
  let ip = relay.slice(open + 1, close);
  if (ip.startsWith('IPv6:')) ip = ip.slice(5);
  return isIP(ip) !== 0 ? ip : undefined;
}

function isLoopback(ip: string | undefined): boolean {
  return ip !== undefined && (ip.startsWith('127.') || ip === '::1');
}

interface Session { user: string; clientAddress?: string }

export class SendmailParser implements MailLogParser {
  readonly format = 'sendmail';
  private readonly sessions = new JoinMap<Session>(SENDMAIL_MAX_SESSIONS, SENDMAIL_SESSION_TTL_MS);

  constructor(private readonly clock: LogClock = new LogClock()) {}

  /** Sessions with a login currently remembered (for tests and bounds checks). */
  get trackedSessions(): number { return this.sessions.size; }

  parse(line: string): ParseResult {
    const sl = parseSyslogLine(line, this.clock);
    if (!sl) return malformed('not a syslog line');
    if (!isSendmailProgram(sl.program)) return IGNORED;
    const msg = sl.message;
    const time = sl.time;
    if (msg.startsWith('AUTH=server, ')) return this.authServer(msg, sl.pid, time);
    const colon = msg.indexOf(': ');
    if (colon < 0 || !isSendmailQueueId(msg, 0, colon)) {
      if (msg.length >= 8 && isSendmailQueueId(msg)) return malformed('nothing after the queue ID');
      return msg.startsWith('AUTH failure (') ? authFailure(msg, 0, time) : IGNORED;
    }
    const id = msg.slice(0, colon);
    const body = colon + 2;
    if (body >= msg.length) return malformed('nothing after the queue ID');
    if (msg.startsWith('from=', body)) return this.fromLine(msg, body + 5, id, sl.pid, time);
    if (msg.startsWith('to=', body)) return toLine(msg, body + 3, id, time);
    if (msg.startsWith('AUTH failure (', body)) return authFailure(msg, body, time);
    if (msg.startsWith('ruleset=check_rcpt, ', body)) return relayDenied(msg, body, time);
    // "QID: NEWID: DSN: Service unavailable": the notification's own queue entry.
    const inner = msg.indexOf(': DSN: ', body);
    if (inner > body && isSendmailQueueId(msg, body, inner)) return parsed([{ type: 'unauthenticated', time, messageId: msg.slice(body, inner) }]);
    return IGNORED;
  }

  /** "AUTH=server, relay=R, authid=U, mech=M, bits=N": remember U for this pid. */
  private authServer(msg: string, pid: string | undefined, time: number): ParseResult {
    if (pid === undefined) return malformed('AUTH=server line without a pid');
    if (!msg.startsWith('relay=', 13)) return malformed('AUTH=server line without relay=');
    const authAt = msg.indexOf(', authid=', 19);
    // The authid is the client's: it ends at the last ", mech=", which Sendmail writes after it.
    const mechAt = msg.lastIndexOf(', mech=');
    if (authAt < 0 || mechAt < authAt + 9 || msg.indexOf(', bits=', mechAt) < 0) return malformed('AUTH=server line cut short');
    const user = msg.slice(authAt + 9, mechAt);
    if (user === '') return malformed('AUTH=server line with an empty authid');
    const session: Session = { user };
    const address = relayAddress(msg.slice(19, authAt));
    if (address !== undefined) session.clientAddress = address;
    this.sessions.set(pid, session, time);
    return parsed([]);
  }

  /** "from=<f>, size=N, class=N, nrcpts=N, …, relay=R": the message enters the queue. */
  private fromLine(msg: string, i: number, id: string, pid: string | undefined, time: number): ParseResult {
    const nrcptsAt = msg.indexOf(', nrcpts=', i);
    if (nrcptsAt < 0) return malformed('from= line without nrcpts=');
    let j = nrcptsAt + 9;
    const start = j;
    while (j < msg.length && msg.charCodeAt(j) >= 48 && msg.charCodeAt(j) <= 57) j++;
    if (j === start || msg.charCodeAt(j) !== 44) return malformed('from= line cut short');
    const count = Number(msg.slice(start, j));
    // relay= is the last field, written by Sendmail after the client's msgid.
    const relayAt = msg.lastIndexOf(', relay=');
    if (relayAt < j) return malformed('from= line cut short');
    const relay = msg.slice(relayAt + 8);
    const clientAddress = relayAddress(relay);
    if (relay.lastIndexOf('[') > relay.lastIndexOf(']')) return malformed('from= line cut short in relay=');
    const session = pid === undefined ? undefined : this.sessions.get(pid, time);
    // A session that logged in came over the network: its relay= always has "[address]".
    if (session !== undefined && clientAddress === undefined) return malformed('from= line cut short in relay=');
    let ev: MailEvent;
    if (session !== undefined && session.clientAddress === clientAddress) {
      ev = { type: 'submission', time, messageId: id, user: session.user };
      this.sessions.set(pid!, session, time);
    } else {
      // A login of another client under the same pid is a stale one.
      if (session !== undefined) this.sessions.delete(pid!);
      ev = { type: 'unauthenticated', time, messageId: id };
    }
    if (clientAddress !== undefined) ev.clientAddress = clientAddress;
    const events: MailEvent[] = [ev];
    if (count > 0) events.push({ type: 'recipients', time, messageId: id, count, mode: 'total' });
    return parsed(events);
  }
}

/** Splits "<a>,<b>" / "a@x,b@y" on commas outside quotes and angle brackets. */
function splitRecipients(list: string): string[] {
  const out: string[] = [];
  let start = 0, quoted = false, angle = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i);
    if (c === 92 /* \ */ && quoted) { i++; continue; }
    if (c === 34) quoted = !quoted;
    else if (!quoted && c === 60) angle++;
    else if (!quoted && c === 62 && angle > 0) angle--;
    else if (!quoted && angle === 0 && c === 44) { out.push(list.slice(start, i)); start = i + 1; }
  }
  out.push(list.slice(start));
  const rcpts: string[] = [];
  for (const r of out) {
    const t = r.trim();
    const bare = t.length >= 2 && t.charCodeAt(0) === 60 && t.charCodeAt(t.length - 1) === 62 ? t.slice(1, -1) : t;
    if (bare !== '') rcpts.push(bare);
  }
  return rcpts;
}

/** stat= words whose cut-off start ("Defe") must not pass for another text. */
const STAT_WORDS = ['Sent', 'Deferred', 'queued'];

/** "to=R, [ctladdr=…,] delay=…, xdelay=…, mailer=M, pri=N, [relay=…,] [dsn=D,] stat=S". */
function toLine(msg: string, i: number, id: string, time: number): ParseResult {
  // The recipients end where Sendmail's own fields begin.
  let listEnd = msg.indexOf(', ctladdr=', i);
  const delayAt = msg.indexOf(', delay=', i);
  if (listEnd < 0 || (delayAt >= 0 && delayAt < listEnd)) listEnd = delayAt;
  if (listEnd < 0) return malformed('to= line cut short');
  const mailerAt = msg.indexOf(', mailer=', listEnd);
  if (mailerAt < 0) return malformed('to= line cut short');
  let statAt = msg.indexOf('stat=', mailerAt);
  while (statAt >= 0 && msg.charCodeAt(statAt - 1) !== 44 && !(msg.charCodeAt(statAt - 1) === 32 && msg.charCodeAt(statAt - 2) === 44)) {
    statAt = msg.indexOf('stat=', statAt + 5);
  }
  if (statAt < 0) return malformed('to= line without stat=');
  const stat = msg.slice(statAt + 5);
  if (STAT_WORDS.some((w) => w.length > stat.length && w.startsWith(stat))) return malformed('to= line cut short');
  const fields = msg.slice(mailerAt, statAt);
  const dsnAt = fields.indexOf(', dsn=');
  const dsnClass = dsnAt >= 0 ? fields.charCodeAt(dsnAt + 6) : -1;
  let status: DeliveryStatus;
  let reply: string | undefined;
  if (stat.startsWith('Sent')) {
    status = 'sent';
    if (stat.length > 4) {
      if (!stat.startsWith(' (', 4) || !stat.endsWith(')')) return malformed('stat=Sent reply cut short');
      reply = stat.slice(6, -1);
    }
  } else if (stat.startsWith('queued')) {
    return IGNORED;
  } else if (stat.startsWith('Deferred')) {
    status = 'deferred';
    reply = stat.slice(8);
    if (reply.startsWith(':')) reply = reply.slice(1);
    reply = reply.trimStart();
  } else if (dsnClass === 53 /* 5 */ || dsnClass === -1) {
    status = 'bounced';
    reply = stat;
  } else if (dsnClass === 52 /* 4 */) {
    status = 'deferred';
    reply = stat;
  } else {
    return malformed('stat= does not match dsn=');
  }
  if (status === 'sent' && reply !== undefined) {
    // The MSP handing the message to the local MTA: "NEWID Message accepted for delivery".
    const relayAt = fields.indexOf(', relay=');
    const sp = reply.indexOf(' ');
    if (relayAt >= 0 && isLoopback(relayAddress(fields.slice(relayAt + 8))) && sp > 0 && reply.endsWith(' Message accepted for delivery') && sp === reply.length - 30 && isSendmailQueueId(reply, 0, sp)) {
      return parsed([{ type: 'requeued', time, messageId: id, newMessageId: reply.slice(0, sp) }]);
    }
  }
  const recipients = splitRecipients(msg.slice(i, listEnd));
  if (recipients.length === 0) return malformed('to= line without a recipient');
  const events: MailEvent[] = [];
  for (const recipient of recipients) {
    const ev: MailEvent = { type: 'delivery', time, messageId: id, status, recipient };
    if (reply !== undefined && reply !== '') ev.reply = reply;
    events.push(ev);
  }
  return parsed(events);
}

/** "AUTH failure (M): reason, user=U, relay=R": U is the client's guess, and ends at the last ", relay=". */
function authFailure(msg: string, i: number, time: number): ParseResult {
  const relayAt = msg.lastIndexOf(', relay=');
  if (relayAt < i) return malformed('AUTH failure line cut short');
  const ev: MailEvent = { type: 'auth_failure', time };
  const userAt = msg.indexOf(', user=', i);
  if (userAt >= 0 && userAt < relayAt) {
    const user = msg.slice(userAt + 7, relayAt);
    if (user !== '') ev.user = user;
    // Cyrus SASL's "user not found" (-20) says the account does not exist.
    if (msg.slice(i, userAt).indexOf('user not found') >= 0) ev.userExists = false;
  }
  const address = relayAddress(msg.slice(relayAt + 8));
  if (address !== undefined) ev.clientAddress = address;
  return parsed([ev]);
}

/** "ruleset=check_rcpt, arg1=<r>, relay=R, reject=550 5.7.1 <r>... Relaying denied…" → relay_denied. */
function relayDenied(msg: string, i: number, time: number): ParseResult {
  const denied = msg.indexOf('... Relaying denied', i);
  if (denied < 0) return IGNORED;
  const rejectAt = msg.lastIndexOf(', reject=', denied);
  const relayAt = rejectAt < 0 ? -1 : msg.lastIndexOf(', relay=', rejectAt);
  if (relayAt < i) return malformed('relay reject without relay=');
  const ev: MailEvent = { type: 'relay_denied', time };
  const address = relayAddress(msg.slice(relayAt + 8, rejectAt));
  if (address !== undefined) ev.clientAddress = address;
  return parsed([ev]);
}
