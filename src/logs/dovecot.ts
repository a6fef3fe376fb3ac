// Dovecot's failed logins. When Dovecot is the SASL backend of Postfix or Exim,
// or serves IMAP/POP3/submission, a failed password is only in its log. Read
// through syslog ("dovecot[pid]: imap-login: …", "dovecot: auth: …") or from
// Dovecot's own log_path file, where the process name comes first
// ("Jun 12 11:48:12 auth-worker(80180): Info: …", with an ISO or TAI64N
// timestamp too).
//
// Two kinds of line say a login failed:
//
//   login process, one line per session that never logged in:
//     imap-login: Disconnected (auth failed, N attempts in S secs): user=<u>, method=M, rip=IP, lip=…
//     → N auth_failure events (user u, if the line names one; client IP)
//   auth process, one line per attempt, only with auth_verbose=yes:
//     auth: sql(u,IP,<session>): Password mismatch               → auth_failure u, userExists true
//     auth-worker(N): pam(u,IP): unknown user                    → auth_failure u, userExists false
//     auth-worker(N): pam(u,IP): pam_authenticate() failed: …    → auth_failure u (exists if PAM says so)
//     auth(u,IP,sasl:login)<session>: Info: sql: Password mismatch (Dovecot 2.4 prefix)
//
// With auth_verbose=yes one IMAP session logs both, and counting both would
// count every guess twice; with SASL for an MTA only the auth lines exist.
// So the attempts an auth line reported are remembered under its session id
// (or, without one, its client IP), and a login line counts only the attempts
// no auth line counted yet: N minus those remembered, the rest consumed.
// Totals stay exact whenever every auth line has its login line; guesses over
// SMTP and IMAP from one address without session ids may be counted once too
// few, never twice. N is capped at 100 per line (a session that long is cut
// off by Dovecot long before; the cap keeps one forged line from minting
// thousands of events).
//
// Bounds: the session/IP → counted-attempts map keeps at most 10,000 entries,
// least recently set first out, each forgotten after 10 minutes of log time
// (the login line follows its auth lines within the session's duration).
//
// Never exported: auth_verbose_passwords puts the tried password (or its
// hash) on the auth line, "(given password: …)"; events carry only the user
// name, the client address and userExists, never text from the line's end.
// The name in an auth line's prefix ends at its first "," (Dovecot's default
// auth_username_chars allow none); with a permissive setting a name holding a
// "," is cut there.
import { isIP } from 'node:net';
import type { MailEvent, MailLogParser, ParseResult } from './events';
import { JoinMap } from './join-map';
import { LogClock, parseSyslogLine, parseTimestampPrefix } from './syslog';

const IGNORED: ParseResult = { result: 'ignored' };

function malformed(reason: string): ParseResult {
  return { result: 'malformed', reason };
}

export const DOVECOT_MAX_TRACKED = 10_000;
export const DOVECOT_TRACK_TTL_MS = 10 * 60_000;
/** Most auth_failure events one login line yields. */
export const DOVECOT_MAX_ATTEMPTS_PER_LINE = 100;

/** Passdb drivers whose "driver(user,ip…): reason" lines are read. */
const DRIVERS = ['pam', 'sql', 'ldap', 'passwd-file', 'passwd', 'shadow', 'bsdauth', 'checkpassword', 'static', 'lua', 'oauth2', 'imap', 'dict', 'vpopmail'];

/** The text Dovecot wrote, after the syslog or log-file framing: "imap-login: …", "auth: …". */
export function dovecotText(line: string, clock: LogClock): { time: number; text: string } | undefined | null {
  const sl = parseSyslogLine(line, clock);
  if (sl) {
    if (sl.host !== '' || sl.program === 'dovecot') {
      if (sl.program !== 'dovecot') return null;
      const m = sl.message;
      return { time: sl.time, text: m.startsWith('dovecot: ') ? m.slice(9) : m };
    }
    // log_path file: no host, the process name is the tag ("auth-worker(80180):").
    const msgStart = line.length - sl.message.length;
    const progStart = line.lastIndexOf(sl.program, msgStart - sl.program.length);
    return progStart < 0 ? null : { time: sl.time, text: line.slice(progStart) };
  }
  // log_timestamp in ISO form or multilog's TAI64N, then the process name.
  const ts = parseTimestampPrefix(line, 0, clock);
  if (!ts || (ts.form !== 'iso-space' && ts.form !== 'tai64n') || line.charCodeAt(ts.end) !== 32) return undefined;
  return { time: ts.time, text: line.slice(ts.end + 1) };
}

interface AuthLine { user?: string; ip?: string; session?: string; userExists?: boolean }

export class DovecotParser implements MailLogParser {
  readonly format = 'dovecot';
  /** Attempts counted from auth lines, not yet matched by a login line. */
  private readonly counted = new JoinMap<number>(DOVECOT_MAX_TRACKED, DOVECOT_TRACK_TTL_MS);

  constructor(private readonly clock: LogClock = new LogClock()) {}

  parse(line: string): ParseResult {
    const d = dovecotText(line, this.clock);
    if (d === undefined) return malformed('not a syslog or Dovecot log line');
    if (d === null) return IGNORED;
    const { time, text } = d;
    const dash = text.indexOf('-login: ');
    if (dash > 0 && dash < 24 && text.indexOf(' ') > dash) return this.loginLine(text, dash + 8, time);
    if (text.startsWith('auth') && text.indexOf('(') >= 0) return this.authLine(text, time);
    return IGNORED;
  }

  /** "…(auth failed, N attempts[ in S secs])…: user=<u>, method=M, rip=IP, lip=…". */
  private loginLine(text: string, i: number, time: number): ParseResult {
    const failed = text.indexOf('(auth failed, ', i);
    if (failed < 0) return endsInPrefixOf(text, AUTH_FAILED) ? malformed('login line cut short') : IGNORED;
    let j = failed + 14;
    const start = j;
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    if (j === start || j - start > 6 || !text.startsWith(' attempt', j)) return malformed('auth failed without an attempt count');
    const attempts = Number(text.slice(start, j));
    let user: string | undefined;
    let rest = j;
    const userAt = text.indexOf('user=<', j);
    if (userAt >= 0) {
      // The name is the client's: it ends at the last ">, " before the server-written fields.
      let end = text.lastIndexOf('>, method=');
      if (end < userAt) end = text.lastIndexOf('>, rip=');
      if (end < userAt) return malformed('user=<…> cut short');
      user = text.slice(userAt + 6, end);
      rest = end;
    }
    const ripAt = text.indexOf('rip=', rest);
    const ripEnd = ripAt < 0 ? -1 : text.indexOf(',', ripAt);
    if (ripEnd < 0) return malformed('login line cut short before rip=…,');
    const ip = text.slice(ripAt + 4, ripEnd);
    const sessionAt = text.indexOf(', session=<', ripEnd);
    const sessionEnd = sessionAt < 0 ? -1 : text.indexOf('>', sessionAt + 11);
    const session = sessionEnd < 0 ? undefined : text.slice(sessionAt + 11, sessionEnd);
    const n = Math.min(attempts - this.consume(session, ip, attempts, time), DOVECOT_MAX_ATTEMPTS_PER_LINE);
    const events: MailEvent[] = [];
    for (let k = 0; k < n; k++) {
      const ev: MailEvent = { type: 'auth_failure', time };
      if (user !== undefined && user !== '') ev.user = user;
      if (isIP(ip) !== 0) ev.clientAddress = ip;
      events.push(ev);
    }
    return { result: 'parsed', events };
  }

  /** Takes up to `attempts` already-counted attempts for this session (or IP); returns how many. */
  private consume(session: string | undefined, ip: string, attempts: number, time: number): number {
    for (const key of session === undefined ? ['ip:' + ip] : ['s:' + session, 'ip:' + ip]) {
      const had = this.counted.get(key, time);
      if (had === undefined) continue;
      const taken = Math.min(had, attempts);
      if (had - taken > 0) this.counted.set(key, had - taken, time);
      else this.counted.delete(key);
      return taken;
    }
    return 0;
  }

  private authLine(text: string, time: number): ParseResult {
    const a = readAuthLine(text);
    if (a === undefined) return IGNORED;
    if (typeof a === 'string') return malformed(a);
    const key = a.session !== undefined ? 's:' + a.session : a.ip !== undefined ? 'ip:' + a.ip : undefined;
    if (key !== undefined) this.counted.set(key, (this.counted.get(key, time) ?? 0) + 1, time);
    const ev: MailEvent = { type: 'auth_failure', time };
    if (a.user !== undefined) ev.user = a.user;
    if (a.ip !== undefined) ev.clientAddress = a.ip;
    if (a.userExists !== undefined) ev.userExists = a.userExists;
    return { result: 'parsed', events: [ev] };
  }
}

const AUTH_FAILED = '(auth failed, ';
const REASONS = ['Password mismatch', 'unknown user', 'pam_authenticate() failed: '];

/** True if the text ends in the first 2 or more (but not all) characters of `word`. */
function endsInPrefixOf(text: string, word: string): boolean {
  for (let k = Math.min(word.length - 1, text.length); k >= 2; k--) {
    if (text.endsWith(word.slice(0, k))) return true;
  }
  return false;
}

/** True if what follows i is a reason cut short ("Password mism"). */
function reasonCut(text: string, i: number): boolean {
  const rest = text.slice(i);
  return rest.length < 27 && REASONS.some((r) => r.length > rest.length && r.startsWith(rest));
}

/** What a reason says about the account; undefined = not a failure line we count. */
function reasonOf(text: string, i: number): { exists?: boolean } | undefined {
  if (text.startsWith('Password mismatch', i)) return { exists: true };
  if (text.startsWith('unknown user', i)) return { exists: false };
  if (text.startsWith('pam_authenticate() failed: ', i)) {
    return text.startsWith('User not known', i + 27) ? { exists: false } : {};
  }
  return undefined;
}

/**
 * "(u,IP[,master][,<session>]): reason" at i (just after the "(").
 * Returns the parts, undefined when this is no failure, or a malformed reason.
 */
function readArgs(text: string, i: number, close: string): { user?: string; ip?: string; session?: string; end: number } | string {
  const comma = text.indexOf(',', i);
  const paren = text.indexOf(close, i);
  if (paren < 0) return 'auth line cut short';
  const user = text.slice(i, comma < 0 || comma > paren ? paren : comma);
  let ip: string | undefined;
  let session: string | undefined;
  if (comma >= 0 && comma < paren) {
    let j = comma + 1;
    let e = j;
    while (e < paren && text.charCodeAt(e) !== 44) e++;
    ip = text.slice(j, e);
    if (isIP(ip) === 0) return 'auth line without a client address';
    j = e;
    while (j < paren) {
      // ",master", ",<session>", ",sasl:login": server-written extras.
      let k = j + 1;
      while (k < paren && text.charCodeAt(k) !== 44) k++;
      const part = text.slice(j + 1, k);
      if (part.charCodeAt(0) === 60 && part.charCodeAt(part.length - 1) === 62) session = part.slice(1, -1);
      j = k;
    }
  }
  const out: { user?: string; ip?: string; session?: string; end: number } = { end: paren + close.length };
  if (user !== '' && user !== '?') out.user = user;
  if (ip !== undefined) out.ip = ip;
  if (session !== undefined) out.session = session;
  return out;
}

function readAuthLine(text: string): AuthLine | string | undefined {
  // Dovecot 2.4: "auth(u,IP,service)<session>: [Info: ]driver: reason".
  const comma = text.indexOf(',', 5), paren = text.indexOf(')', 5);
  if (text.startsWith('auth(') && comma >= 0 && (paren < 0 || comma < paren)) {
    const args = readArgs(text, 5, ')');
    if (typeof args === 'string') return args;
    let j = args.end;
    if (text.charCodeAt(j) === 60) {
      const gt = text.indexOf('>', j);
      if (gt < 0) return 'auth line cut short';
      args.session = text.slice(j + 1, gt);
      j = gt + 1;
    }
    if (!text.startsWith(': ', j)) return 'auth line cut short';
    j += 2;
    if (text.startsWith('Info: ', j)) j += 6;
    const colon = text.indexOf(': ', j);
    // "sql: reason" follows; a line ending inside the driver name was cut.
    if (colon < 0) return text.length - j < 40 && /^[A-Za-z-]*:? ?[a-z-]*:?$/.test(text.slice(j)) ? 'auth line cut short' : undefined;
    const reason = reasonOf(text, colon + 2);
    if (reason === undefined) return reasonCut(text, colon + 2) ? 'auth line cut short' : undefined;
    return { user: args.user, ip: args.ip, session: args.session, userExists: reason.exists };
  }
  // "auth: driver(u,IP…): reason", "auth-worker(N): [Info: ][conn …: auth-worker<N>: ]driver(…): reason".
  for (const driver of DRIVERS) {
    let at = text.indexOf(': ' + driver + '(');
    while (at >= 0) {
      const args = readArgs(text, at + driver.length + 3, '): ');
      if (typeof args !== 'string') {
        const reason = reasonOf(text, args.end);
        if (reason !== undefined) return { user: args.user, ip: args.ip, session: args.session, userExists: reason.exists };
        if (reasonCut(text, args.end)) return 'auth line cut short';
      } else {
        return args;
      }
      at = text.indexOf(': ' + driver + '(', at + 2);
    }
  }
  return undefined;
}
