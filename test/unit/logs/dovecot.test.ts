// The Dovecot parser on real lines: every line of the verbatim sample
// (dovecot.log, copied from /work/shared/samples) through syslog, Dovecot's
// own log file, ISO and TAI64N timestamps; the auth-line / login-line
// de-duplication and its bounds; passwords never exported; lines cut short;
// and a composed whole file with exact per-user totals.
import type { MailEvent, ParseResult } from '../../../src/logs/events';
import { DOVECOT_MAX_ATTEMPTS_PER_LINE, DOVECOT_MAX_TRACKED, DOVECOT_TRACK_TTL_MS, DovecotParser } from '../../../src/logs/dovecot';
import { LogClock } from '../../../src/logs/syslog';
import { expectCutsSafe, expectWellFormed, fixtureLines, runParser, totals } from './parser-totals';

const NOW = Date.parse('2026-06-15T00:00:00Z');
const T = (iso: string) => Date.parse(iso);
const IGNORED: ParseResult = { result: 'ignored' };
const parser = () => new DovecotParser(new LogClock(() => NOW, 'UTC'));

function fail(time: string, n: number, extra: object): ParseResult {
  return { result: 'parsed', events: Array.from({ length: n }, () => ({ type: 'auth_failure', time: T(time), ...extra })) } as ParseResult;
}

describe('every line of the real Dovecot sample, each on its own', () => {
  const lines = fixtureLines('dovecot.log');
  const expected: ParseResult[] = [
    // multilog TAI64N timestamp, Dovecot's own file
    fail('2010-09-16T05:50:50.125Z', 1, { user: 'martin@waschbuesch.de', clientAddress: '80.187.101.33' }),
    // login lines: N attempts, N failures
    fail('2026-06-13T16:30:54Z', 2, { user: 'username.bob', clientAddress: '49.176.98.87' }),
    fail('2026-06-14T00:48:21Z', 1, { clientAddress: '59.167.242.100' }),
    fail('2025-06-23T00:52:43Z', 1, { user: 'info', clientAddress: '193.95.245.163' }),
    fail('2026-06-12T19:07:29Z', 3, { user: 'test', clientAddress: '192.0.2.241' }),
    fail('2026-06-13T16:35:56Z', 1, { user: 'user@domain', clientAddress: '192.0.2.241' }),
    fail('2025-07-02T13:49:31Z', 1, { user: 'test', clientAddress: '192.51.100.13' }),
    // Dovecot 1.x "auth(default): pam(…)" behind "dovecot: "
    fail('2025-07-02T13:49:32Z', 1, { user: 'account@MYSERVERNAME.com', clientAddress: '200.76.17.206', userExists: false }),
    // ISO log_timestamp, own file; PAM's "(password mismatch?)" is a guess, so no userExists
    fail('2013-08-11T03:56:40Z', 1, { user: 'username', clientAddress: '1.2.3.4' }),
    fail('2026-01-29T05:32:50Z', 1, { user: 'username', clientAddress: '1.2.3.4' }),
    fail('2026-01-29T18:55:55Z', 1, { user: 'user', clientAddress: '192.0.2.4' }),
    fail('2026-01-29T05:13:40Z', 1, { user: 'username', clientAddress: '1.2.3.4', userExists: false }),
    fail('2026-01-29T05:13:50Z', 1, { user: 'username', clientAddress: '1.2.3.4', userExists: false }),
    fail('2026-01-29T13:54:06Z', 1, { user: 'admin@example.de', clientAddress: '192.0.2.5', userExists: false }),
    fail('2026-06-11T13:57:17Z', 1, { user: 'user@server.org', clientAddress: '192.168.178.25', userExists: false }),
    fail('2026-06-11T13:57:17Z', 1, { user: 'admin@example.ru', clientAddress: '192.168.144.226', userExists: true }),
    fail('2026-06-11T13:57:17Z', 1, { user: 'user@server.org', clientAddress: '192.168.178.25', userExists: true }),
    fail('2026-06-12T11:48:12Z', 1, { user: 'support', clientAddress: '192.0.2.6', userExists: false }),
    fail('2026-06-12T23:06:05Z', 1, { user: 'user@domain.com', clientAddress: '192.0.2.7', userExists: true }),
    fail('2026-06-15T11:28:21Z', 1, { user: 'webapps', clientAddress: '192.0.2.7', userExists: false }),
    fail('2026-06-15T13:57:41Z', 1, { user: 'webapps', clientAddress: '192.0.2.7' }),
    fail('2026-01-29T14:38:51Z', 1, { user: 'user@example.com', clientAddress: '192.0.2.6' }),
    fail('2025-09-08T07:46:30Z', 1, { user: 'toto', clientAddress: '1.1.1.1', userExists: false }),
    fail('2025-09-08T07:16:29Z', 1, { user: 'toto', clientAddress: '1.1.1.1' }),
    fail('2025-09-08T07:16:27Z', 1, { user: 'toto@toto.com', clientAddress: '1.1.1.1' }),
    fail('2025-10-12T15:44:43Z', 2, { user: 'hess@lol.fr', clientAddress: '172.17.0.1' }),
    fail('2025-08-29T03:17:18Z', 1, { user: 'user1', clientAddress: '192.0.2.133' }),
    fail('2025-08-29T03:53:52Z', 1, { user: 'user4', clientAddress: '192.0.2.169' }),
    // Dovecot 2.4 "auth(user,ip,service)<session>:" prefix, own file
    fail('2025-08-30T00:10:57Z', 1, { user: 'info@example.com', clientAddress: '192.0.2.110', userExists: true }),
  ];

  test('the sample has the lines this table expects', () => {
    expect(lines).toHaveLength(expected.length);
  });
  test.each(lines.map((l, i) => [l, expected[i]!] as const))('%s', (line, want) => {
    expect(parser().parse(line)).toEqual(want);
  });

  test('read in order by one parser, the whole sample gives 32 failures: auth lines are not counted twice', () => {
    const { events, counts } = runParser(parser(), lines);
    expectWellFormed(events);
    expect(counts).toEqual({ parsed: 29, ignored: 0, malformed: 0 });
    // 33 one by one; the toto@toto.com login line (1 attempt from 1.1.1.1) was
    // already counted by the pam(toto,1.1.1.1) auth line before it.
    expect(events).toHaveLength(32);
  });
});

describe('no tried password ever leaves the parser', () => {
  test.each(fixtureLines('dovecot.log').filter((l) => l.includes('password:')))('%s', (line) => {
    const r = parser().parse(line);
    expect(r.result).toBe('parsed');
    const text = JSON.stringify(r);
    expect(text).not.toMatch(/XxxxXXxx123|f638ff|given password|SHA1/);
  });

  test('nor from a composed file full of them', () => {
    const { events } = runParser(parser(), fixtureLines('dovecot-composed.log'));
    expect(JSON.stringify(events)).not.toMatch(/Summer2026|Winter2025|password/);
  });
});

// Composed in the shape of the sample's sql(…,<session>) auth lines and
// imap-login lines: one IMAP session with auth_verbose=yes.
const AUTH = (n: number, session = 'LZmGp6mZaMrAqLIZ', user = 'user@server.org') =>
  `Jun 11 13:57:${String(10 + n).padStart(2, '0')} main dovecot: auth: sql(${user},192.168.178.25,<${session}>): Password mismatch`;
const LOGIN = (attempts: number, session = 'LZmGp6mZaMrAqLIZ', time = '13:57:30') =>
  `Jun 11 ${time} main dovecot: imap-login: Disconnected (auth failed, ${attempts} attempts in 20 secs): user=<user@server.org>, method=PLAIN, rip=192.168.178.25, lip=192.168.178.1, TLS, session=<${session}>`;

describe('auth lines and the login line of one session', () => {
  test('the login line counts only attempts no auth line counted', () => {
    const p = parser();
    const { events } = runParser(p, [AUTH(1), AUTH(2), LOGIN(3)]);
    expect(events.map((e) => (e as { userExists?: boolean }).userExists)).toEqual([true, true, undefined]);
  });

  test('a login line without auth lines counts all its attempts', () => {
    expect(runParser(parser(), [LOGIN(3)]).events).toHaveLength(3);
  });

  test('auth lines of another session are not subtracted', () => {
    const { events } = runParser(parser(), [AUTH(1, 'OtherSession0000'), LOGIN(2)]);
    // The other session's line counted under its own id; the IP has no count.
    expect(events).toHaveLength(3);
  });

  test('without session ids, the client address joins them', () => {
    const lines = [
      'Jan 29 05:32:50 mail dovecot: auth-worker(304): pam(username,1.2.3.4): pam_authenticate() failed: Authentication failure (password mismatch?)',
      'Jan 29 05:32:55 mail dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<username>, method=PLAIN, rip=1.2.3.4, lip=5.6.7.8, TLS',
      'Jan 29 05:33:10 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<username>, method=PLAIN, rip=1.2.3.4, lip=5.6.7.8, TLS',
    ];
    expect(runParser(parser(), lines).events).toHaveLength(1 + 1 + 1);
  });

  test(`a count is forgotten after ${DOVECOT_TRACK_TTL_MS / 60_000} minutes of log time`, () => {
    const { events } = runParser(parser(), [AUTH(1), LOGIN(2, 'LZmGp6mZaMrAqLIZ', '14:07:12')]);
    expect(events).toHaveLength(1 + 2);
  });

  test(`at most ${DOVECOT_MAX_TRACKED} sessions are tracked`, () => {
    const p = parser();
    for (let n = 0; n <= DOVECOT_MAX_TRACKED; n++) p.parse(AUTH(1, `s${n}`));
    const events = (line: string) => (p.parse(line) as { events: MailEvent[] }).events;
    // The first session's count was dropped: its login line counts in full;
    // the second's is still there.
    expect(events(LOGIN(2, 's0'))).toHaveLength(2);
    expect(events(LOGIN(2, 's1'))).toHaveLength(1);
  });

  test(`one line yields at most ${DOVECOT_MAX_ATTEMPTS_PER_LINE} events`, () => {
    expect((parser().parse(LOGIN(999999)) as { events: MailEvent[] }).events).toHaveLength(DOVECOT_MAX_ATTEMPTS_PER_LINE);
  });
});

describe('what is not a failed login', () => {
  test.each([
    ['Mar  2 10:04:00 mx1 dovecot: imap-login: Login: user=<dave@example.org>, method=PLAIN, rip=192.0.2.44, lip=203.0.113.2, mpid=4242, TLS, session=<S4dddddddddddddd>'],
    ['Mar  2 10:09:00 mx1 dovecot: imap(dave@example.org)<4242><S4dddddddddddddd>: Disconnected: Logged out in=72 out=1123'],
    ['Jun 11 13:57:17 main dovecot: auth: Error: ldap(user@server.org,192.168.178.25): Connection appears to be hanging'],
    ['Jun 11 13:57:17 main postfix/smtpd[1]: warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: UGFzc3dvcmQ6'],
  ])('%s', (line) => {
    expect(parser().parse(line)).toEqual(IGNORED);
  });
});

describe('malformed and cut-short lines', () => {
  test.each([
    ['Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, many attempts): user=<a>, method=PLAIN, rip=1.2.3.4, lip=5.6.7.8', 'auth failed without an attempt count'],
    ['Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth fa', 'login line cut short'],
    ['Jun 11 13:57:17 main dovecot: auth: sql(admin@example.ru,not-an-ip): Password mismatch', 'auth line without a client address'],
    ['Jun 11 13:57:17 main dovecot: auth: sql(admin@example.ru,192.168.144.226): Password mism', 'auth line cut short'],
    ['imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>', 'not a syslog or Dovecot log line'],
  ])('%s → %s', (line, reason) => {
    expect(parser().parse(line)).toEqual({ result: 'malformed', reason });
  });

  const lines = fixtureLines('dovecot.log');
  test.each([lines[1]!, lines[4]!, lines[15]!, lines[17]!, lines[28]!])('every cut of %s is malformed or the same events', (line) => {
    const login = line.indexOf('(auth failed, ');
    const from = login > 0 ? login + 14 : line.lastIndexOf('): ') + 3;
    expect(expectCutsSafe(parser, line, from)).toBeGreaterThan(0);
  });
});

test('a composed whole file: exact failures per user', () => {
  const { events, counts } = runParser(parser(), fixtureLines('dovecot-composed.log'));
  expectWellFormed(events);
  expect(counts).toEqual({ parsed: 11, ignored: 2, malformed: 1 });
  const t = totals(events);
  expect(t.authFailures).toEqual({ 'alice@example.org': 2, 'bob@example.org': 3, root: 2, carol: 2, ghost: 1, '': 1, 'dave@example.org': 1 });
  expect(t.userExists).toEqual({ yes: 2, no: 3, unknown: 7 });
  expect(t.users).toEqual({});
});
