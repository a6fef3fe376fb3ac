// The OpenSMTPD parser on real lines: every line of the verbatim sample
// (opensmtpd.log, copied from /work/shared/samples) and of opensmtpd-public.log
// (the OpenSMTPD book's brief-logging sample and two posts), the session →
// user → msgid join and its bounds, timestamp-less foreground lines, hostile
// variants, lines cut short, and a composed whole file with exact totals.
import type { ParseResult } from '../../../src/logs/events';
import { OPENSMTPD_MAX_SESSIONS, OPENSMTPD_SESSION_TTL_MS, OpensmtpdParser } from '../../../src/logs/opensmtpd';
import { LogClock } from '../../../src/logs/syslog';
import { expectCutsSafe, expectWellFormed, fixtureLines, runParser, totals } from './parser-totals';

const NOW = Date.parse('2026-06-15T00:00:00Z');
const WALL = Date.parse('2026-06-14T23:59:00Z');
const T = (iso: string) => Date.parse(iso);
const IGNORED: ParseResult = { result: 'ignored' };
const parser = () => new OpensmtpdParser(new LogClock(() => NOW, 'UTC'), () => WALL);

function parsed(...events: object[]): ParseResult {
  return { result: 'parsed', events } as ParseResult;
}

describe('every line of the real OpenSMTPD sample, read in order by one parser', () => {
  const lines = fixtureLines('opensmtpd.log');
  const t = T('2025-07-06T06:01:46Z');
  const expected: ParseResult[] = [
    parsed(),
    parsed({ type: 'unauthenticated', time: t, messageId: 'f6e94209', clientAddress: '127.0.0.1' }, { type: 'recipients', time: t, messageId: 'f6e94209', count: 1, mode: 'total' }),
    IGNORED, // smtp envelope: counted by nrcpt=
    // To the loopback content filter, answered with the new msgid: a hop.
    parsed({ type: 'requeued', time: t, messageId: '3d4c4a42', newMessageId: 'f6e94209' }),
    IGNORED,
    IGNORED,
    // Foreground lines without a timestamp take the last timestamped line's time.
    parsed(),
    IGNORED,
    parsed(),
    parsed(),
    parsed({ type: 'delivery', time: t, messageId: '8f26ea98', status: 'deferred', recipient: '[redacted]@tin.it', reply: '421 <[redacted]@tin.it> Service not available - too busy' }),
  ];

  test('the sample has the lines this table expects', () => {
    expect(lines).toHaveLength(expected.length);
  });
  test('each line', () => {
    const p = parser();
    lines.forEach((line, i) => expect([line, p.parse(line)]).toEqual([line, expected[i]]));
  });
});

describe('every line of the public OpenSMTPD lines, read in order by one parser', () => {
  const lines = fixtureLines('opensmtpd-public.log');
  const a = T('2025-07-06T06:01:40Z'), b = T('2025-07-06T06:01:46Z'), may = T('2026-05-06T20:21:22Z');
  const expected: ParseResult[] = [
    parsed(),
    // "address=local": no client address.
    parsed({ type: 'unauthenticated', time: a, messageId: 'c405e39a' }, { type: 'recipients', time: a, messageId: 'c405e39a', count: 1, mode: 'total' }),
    IGNORED,
    parsed(),
    // mda: result= and stat= unquoted.
    parsed({ type: 'delivery', time: a, messageId: 'c405e39a', status: 'sent', recipient: 'gilles@poolp.org', reply: 'Delivered' }),
    parsed(),
    parsed({ type: 'unauthenticated', time: b, messageId: '3d4c4a42' }, { type: 'recipients', time: b, messageId: '3d4c4a42', count: 1, mode: 'total' }),
    IGNORED,
    parsed(),
    IGNORED, // mta connecting
    IGNORED, // mta connected
    parsed(),
    parsed({ type: 'unauthenticated', time: b, messageId: 'f6e94209', clientAddress: '127.0.0.1' }, { type: 'recipients', time: b, messageId: 'f6e94209', count: 1, mode: 'total' }),
    IGNORED,
    parsed({ type: 'requeued', time: b, messageId: '3d4c4a42', newMessageId: 'f6e94209' }),
    IGNORED,
    IGNORED,
    IGNORED, // mta tls
    parsed({ type: 'delivery', time: T('2025-07-06T06:01:48Z'), messageId: 'f6e94209', status: 'sent', recipient: 'gilles.chehade@gmail.com', reply: '250 2.0.0 OK  1562385708 z11si6726563wmb.62 - gsmtp' }),
    IGNORED, // mta disconnected
    parsed({ type: 'unauthenticated', time: may, messageId: '78e5c402' }, { type: 'recipients', time: may, messageId: '78e5c402', count: 1, mode: 'total' }),
    IGNORED,
    parsed({ type: 'delivery', time: may, messageId: '78e5c402', status: 'sent', recipient: 'clarence.manning@example.com', reply: 'Delivered' }),
    parsed(),
    parsed({ type: 'unauthenticated', time: may, messageId: '09e5c671', clientAddress: 'fe80::1' }, { type: 'recipients', time: may, messageId: '09e5c671', count: 1, mode: 'total' }),
    IGNORED,
    parsed({ type: 'delivery', time: may, messageId: '09e5c671', status: 'sent', recipient: 'foo@cun.bsdsx.fr', reply: 'Delivered' }),
    parsed(),
  ];

  test('the file has the lines this table expects', () => {
    expect(lines).toHaveLength(expected.length);
  });
  test('each line', () => {
    const p = parser();
    lines.forEach((line, i) => expect([line, p.parse(line)]).toEqual([line, expected[i]]));
  });

  test('the book\'s last line, with the trailing spaces it was published with', () => {
    expect(parser().parse(`${lines[18]}   `)).toEqual(parser().parse(lines[18]!));
  });
});

// The session lines are the real sample's (f7a2e6aa567530c9); the message line
// after them is composed in the shape of the real "smtp message" lines.
const SESSION = [
  'f7a2e6aa567530c9 smtp connected address=[::1] host=localhost',
  'f7a2e6aa567530c9 smtp tls ciphers=TLSv1.3:TLS_AES_256_GCM_SHA384:256',
  'f7a2e6aa567530c9 smtp authentication user=bar result=ok',
];
const MESSAGE = 'f7a2e6aa567530c9 smtp message msgid=0badcafe size=802 nrcpt=2 proto=ESMTP';

describe('the session → user → msgid join', () => {
  test('a message in an authenticated session is the user\'s submission, from the session\'s address', () => {
    const p = parser();
    for (const l of SESSION) p.parse(l);
    expect(p.parse(MESSAGE)).toEqual(parsed(
      { type: 'submission', time: WALL, messageId: '0badcafe', user: 'bar', clientAddress: '::1' },
      { type: 'recipients', time: WALL, messageId: '0badcafe', count: 2, mode: 'total' },
    ));
  });

  test('after "disconnected" the session, and its login, are gone', () => {
    const p = parser();
    for (const l of SESSION) p.parse(l);
    p.parse('f7a2e6aa567530c9 smtp disconnected reason=quit');
    expect(p.trackedSessions).toBe(0);
    expect(p.parse(MESSAGE)).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
  });

  test('a failed login is an auth_failure of the tried name, never a login', () => {
    const p = parser();
    p.parse(SESSION[0]!);
    expect(p.parse('f7a2e6aa567530c9 smtp authentication user=bar result=permfail')).toEqual(parsed({ type: 'auth_failure', time: WALL, user: 'bar', clientAddress: '::1' }));
    expect(p.parse(MESSAGE)).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
  });

  test('a session is forgotten an hour (log time) after its last line', () => {
    expect(OPENSMTPD_SESSION_TTL_MS).toBe(3_600_000);
    const p = parser();
    p.parse('Jul  6 06:00:00 ams-1 smtpd[75295]: f7a2e6aa567530c9 smtp authentication user=bar result=ok');
    expect(p.parse('Jul  6 07:00:00 ams-1 smtpd[75295]: f7a2e6aa567530c9 smtp message msgid=0badcafe size=802 nrcpt=2 proto=ESMTP')).toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'bar' }, {}] });
    expect(p.parse('Jul  6 08:00:01 ams-1 smtpd[75295]: f7a2e6aa567530c9 smtp message msgid=0badcaff size=802 nrcpt=2 proto=ESMTP')).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
  });

  test(`at most ${OPENSMTPD_MAX_SESSIONS} sessions are remembered, the oldest dropped first`, () => {
    const p = parser();
    const sid = (n: number) => n.toString(16).padStart(16, '0');
    for (let n = 1; n <= OPENSMTPD_MAX_SESSIONS + 1; n++) p.parse(`${sid(n)} smtp authentication user=u${n} result=ok`);
    expect(p.trackedSessions).toBe(OPENSMTPD_MAX_SESSIONS);
    expect(p.parse(`${sid(1)} smtp message msgid=00000001 size=1 nrcpt=1 proto=ESMTP`)).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
    expect(p.parse(`${sid(2)} smtp message msgid=00000002 size=1 nrcpt=1 proto=ESMTP`)).toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'u2' }, {}] });
  });

  test('lines without a timestamp before any timestamped one take the wall clock', () => {
    const p = parser();
    expect(p.parse('4b3a6c195c1f6010 mta delivery evpid=8f26ea98359eccea from=<a@b> to=<c@d> rcpt=<-> source="1.2.3.4" relay="5.6.7.8 (x)" delay=0s result="Ok" stat="250 ok"'))
      .toMatchObject({ result: 'parsed', events: [{ time: WALL }] });
  });
});

describe('hostile text', () => {
  test('a user name holding " result=ok" ends at the last " result="', () => {
    const p = parser();
    p.parse(SESSION[0]!);
    expect(p.parse('f7a2e6aa567530c9 smtp authentication user=x result=ok result=permfail')).toEqual(parsed({ type: 'auth_failure', time: WALL, user: 'x result=ok', clientAddress: '::1' }));
    expect(p.parse(MESSAGE)).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
  });

  test('a remote reply holding result="Ok" does not change the result', () => {
    const line = '4b3a6c195c1f6010 mta delivery evpid=8f26ea98359eccea from=<a@b> to=<c@d> rcpt=<-> source="1.2.3.4" relay="5.6.7.8 (x)" delay=0s result="PermFail" stat="550 no result="Ok" here"';
    expect(parser().parse(line)).toMatchObject({ result: 'parsed', events: [{ status: 'bounced', reply: '550 no result="Ok" here' }] });
  });

  test('an Ok to a non-loopback relay naming a msgid is a delivery, not a hop', () => {
    const line = '4b3a6c195c1f6010 mta delivery evpid=8f26ea98359eccea from=<a@b> to=<c@d> rcpt=<-> source="1.2.3.4" relay="5.6.7.8 (x)" delay=0s result="Ok" stat="250 2.0.0: deadbeef Message accepted for delivery"';
    expect(parser().parse(line)).toMatchObject({ result: 'parsed', events: [{ type: 'delivery', status: 'sent', messageId: '8f26ea98' }] });
  });
});

describe('malformed and cut-short lines', () => {
  test.each([
    ['f7a2e6aa567530c9 smtp authentication user=bar', 'authentication line cut short'],
    ['f7a2e6aa567530c9 smtp authentication user= result=ok', 'authentication with an empty user'],
    ['f7a2e6aa567530c9 smtp authentication user=bar result=maybe', 'unknown authentication result'],
    ['f7a2e6aa567530c9 smtp message msgid=f6e9', 'message line cut short'],
    ['f7a2e6aa567530c9 smtp message msgid=f6e94209 size=802 nrcpt=1', 'message line cut short'],
    ['f7a2e6aa567530c9 smtp connected address=127.0.0.1', 'connected line cut short'],
    ['4b3a6c195c1f6010 mta delivery evpid=8f26ea98359eccea from=<a@b> to=<c@d> rcpt=<-> source="1.2.3.4" relay="5.6.7.8 (x)" delay=0s result="Maybe" stat="x"', 'unknown delivery result'],
    ['Jul  6 06:01:46 ams-1 smtpd[75295]: 5df87c9c42abeddb smtp connected', 'connected line without address='],
    ['Jul  6 06:01:46 ams-1 smtpd[75295]: 5df87c9b982c840c mta deliv', 'delivery line cut short'],
    ['5df87c9c42abeddb', 'neither a syslog line nor an OpenSMTPD session line'],
  ])('%s → %s', (line, reason) => {
    expect(parser().parse(line)).toEqual({ result: 'malformed', reason });
  });

  const pub = fixtureLines('opensmtpd-public.log');
  test.each([pub[4]!, pub[18]!, fixtureLines('opensmtpd.log')[10]!])('every cut of %s is malformed or the same events', (line) => {
    expect(expectCutsSafe(parser, line, line.indexOf(' delivery ') + 10)).toBeGreaterThan(0);
  });

  test('a message line cut anywhere is malformed or the same submission', () => {
    const from = MESSAGE.indexOf('msgid=') + 6;
    const malformed = expectCutsSafe(parser, MESSAGE, from, ['reply'], SESSION);
    // Complete once " proto=" is there.
    expect(malformed).toBe(MESSAGE.indexOf(' proto=') + 7 - from);
  });
});

test('a composed whole file: exact per-user totals', () => {
  const { events, counts } = runParser(parser(), fixtureLines('opensmtpd-composed.log'));
  expectWellFormed(events);
  expect(counts).toEqual({ parsed: 26, ignored: 11, malformed: 1 });
  const t = totals(events);
  expect(t.users).toEqual({
    alice: { messages: 1, recipients: 3, sent: 2, deferred: 1, bounced: 1 },
    // Through the content filter: the re-entered copy's delivery is bob's.
    'bob@example.org': { messages: 1, recipients: 1, sent: 1, deferred: 0, bounced: 0 },
  });
  expect(t.deliveries).toEqual({ sent: 4, deferred: 1, bounced: 1 });
  expect(t.authFailures).toEqual({ admin: 2, root: 1 });
  expect(events.filter((e) => e.type === 'auth_failure').map((e) => e.type === 'auth_failure' && e.clientAddress)).toEqual(['192.0.2.3', '192.0.2.3', '192.0.2.3']);
});
