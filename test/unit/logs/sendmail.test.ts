// The Sendmail parser on real lines: every line of the verbatim sample
// (sendmail.log, copied from /work/shared/samples) and of sendmail-public.log
// (real from=/to=/AUTH=server lines from public posts), the pid → authid →
// queue ID join and its bounds, hostile variants, lines cut short, and a
// composed whole file with exact per-user totals.
import type { ParseResult } from '../../../src/logs/events';
import { SENDMAIL_MAX_SESSIONS, SENDMAIL_SESSION_TTL_MS, SendmailParser, isSendmailQueueId } from '../../../src/logs/sendmail';
import { LogClock } from '../../../src/logs/syslog';
import { expectCutsSafe, expectWellFormed, fixtureLines, runParser, totals } from './parser-totals';

const NOW = Date.parse('2026-06-15T00:00:00Z');
const T = (iso: string) => Date.parse(iso);
const IGNORED: ParseResult = { result: 'ignored' };
const parser = () => new SendmailParser(new LogClock(() => NOW, 'UTC'));

function parsed(...events: object[]): ParseResult {
  return { result: 'parsed', events } as ParseResult;
}

describe('every line of the real Sendmail sample', () => {
  const lines = fixtureLines('sendmail.log');
  const expected: ParseResult[] = [
    // "possible SMTP attack: command=AUTH": a summary of AUTH commands, not a failure of its own.
    IGNORED, IGNORED, IGNORED, IGNORED, IGNORED, IGNORED,
    parsed({ type: 'auth_failure', time: T('2026-02-25T04:02:27Z'), user: 'user@example.com', clientAddress: '192.0.2.3' }),
    // A client that put ", relay=[…]" into its user name: the name ends at the last ", relay=".
    parsed({ type: 'auth_failure', time: T('2026-02-25T04:02:28Z'), user: 'criminal, relay=[192.0.2.100]', clientAddress: '192.0.2.4' }),
    parsed({ type: 'auth_failure', time: T('2026-05-24T01:58:40Z'), user: 'scanner', userExists: false, clientAddress: '192.0.2.5' }),
    parsed({ type: 'relay_denied', time: T('2026-02-25T03:01:10Z'), clientAddress: '128.68.136.133' }),
    parsed({ type: 'relay_denied', time: T('2026-02-24T07:33:59Z'), clientAddress: '118.161.66.57' }),
    // Inbound rejects citing a DNSBL are about the sender's reputation, not ours.
    IGNORED, IGNORED, IGNORED, IGNORED,
    parsed({ type: 'unauthenticated', time: T('2025-11-03T11:35:30Z'), messageId: 'rA37ZTSC026254', clientAddress: '95.32.23.163' }),
    parsed({ type: 'unauthenticated', time: T('2025-11-03T11:35:30Z'), messageId: 'rA37ZTSC026255', clientAddress: '95.32.23.163' }),
    parsed({ type: 'unauthenticated', time: T('2025-06-17T14:37:39Z'), messageId: '55HIbcGI002794', clientAddress: '192.168.1.45' }),
    // AUTH=server only remembers the login for its pid.
    parsed(),
    parsed(),
  ];

  test('the sample has the lines this table expects', () => {
    expect(lines).toHaveLength(expected.length);
  });
  test.each(lines.map((l, i) => [l, expected[i]!] as const))('%s', (line, want) => {
    expect(parser().parse(line)).toEqual(want);
  });
});

describe('every line of the public Sendmail lines', () => {
  const lines = fixtureLines('sendmail-public.log');
  const sent = (time: string, id: string, recipient: string, reply?: string) =>
    ({ type: 'delivery', time: T(time), messageId: id, status: 'sent', recipient, ...(reply === undefined ? {} : { reply }) });
  const expected: ParseResult[] = [
    parsed(),
    parsed(),
    parsed({ type: 'unauthenticated', time: T('2025-07-19T13:28:35Z'), messageId: 'm6JDSZoG011380', clientAddress: '127.0.0.1' }, { type: 'recipients', time: T('2025-07-19T13:28:35Z'), messageId: 'm6JDSZoG011380', count: 1, mode: 'total' }),
    parsed(sent('2025-07-19T13:28:36Z', 'm6JDSZoG011380', 'mail@wzuup.com', 'OK 1216474116 13si6851157fks.6')),
    // The MSP's own queue entry: a local user, no client address.
    parsed({ type: 'unauthenticated', time: T('2026-04-15T19:44:31Z'), messageId: 'm3FMiGem016698' }, { type: 'recipients', time: T('2026-04-15T19:44:31Z'), messageId: 'm3FMiGem016698', count: 1, mode: 'total' }),
    parsed({ type: 'unauthenticated', time: T('2026-04-15T19:44:31Z'), messageId: 'm3FMiVh2016699', clientAddress: '127.0.0.1' }, { type: 'recipients', time: T('2026-04-15T19:44:31Z'), messageId: 'm3FMiVh2016699', count: 1, mode: 'total' }),
    parsed(sent('2026-04-15T19:44:31Z', 'm3FMiVh2016699', 'enrico.luzi@companydomain', 'ok:  Message 16044892 accepted')),
    // The MSP handing the message to the MTA on loopback is a hop, not a delivery.
    parsed({ type: 'requeued', time: T('2026-04-15T19:44:31Z'), messageId: 'm3FMiGem016698', newMessageId: 'm3FMiVh2016699' }),
    parsed({ type: 'delivery', time: T('2026-04-20T16:35:51Z'), messageId: 'n3KFZnc6006553', status: 'deferred', recipient: 'xxx@yyy.com', reply: '421 unable to verify sender domain' }),
    parsed({ type: 'unauthenticated', time: T('2025-06-26T07:24:23Z'), messageId: 'q5PNOMeP031760', clientAddress: '127.0.0.1' }, { type: 'recipients', time: T('2025-06-26T07:24:23Z'), messageId: 'q5PNOMeP031760', count: 1, mode: 'total' }),
    parsed({ type: 'delivery', time: T('2025-06-26T07:24:25Z'), messageId: 'q5PNOMeP031760', status: 'bounced', recipient: 'admin@centos.bz', reply: 'Service unavailable' }),
    parsed({ type: 'unauthenticated', time: T('2025-06-26T07:24:25Z'), messageId: 'q5PNOPeP031762' }),
    parsed(sent('2025-06-26T07:24:25Z', 'q5PNOPeP031762', 'root')),
    // stat= text without "Deferred" but dsn=4.x: a temporary failure.
    parsed({ type: 'delivery', time: T('2025-12-06T19:19:22Z'), messageId: 'mB72JLu5013099', status: 'deferred', recipient: 'benloc@sipnsearch.com', reply: 'Operating system error' }),
    parsed({ type: 'delivery', time: T('2025-12-06T19:19:23Z'), messageId: 'mB6M9nPA010986', status: 'deferred', recipient: 'christie@bunny.thewarren.ws', reply: 'Connection refused by cutiebunny.gotdns.com.' }),
    parsed({ type: 'delivery', time: T('2026-04-10T08:47:25Z'), messageId: 'r39G922P001173', status: 'deferred', recipient: 'v**e@inbox.lv', reply: '450 4.1.8 <www-data@andrejs.domain.lt>: Sender address rejected: Domain not found' }),
    parsed(sent('2025-10-14T18:04:40Z', 'x9EL4XLo001111', 'francine.campos@starsonic.com.br', 'Ok: queued as 46sWK42Z5gz1F')),
    IGNORED,
    parsed({ type: 'unauthenticated', time: T('2025-10-14T18:04:47Z'), messageId: 'x9EL2TuP000868', clientAddress: '35.229.119.154' }, { type: 'recipients', time: T('2025-10-14T18:04:47Z'), messageId: 'x9EL2TuP000868', count: 1, mode: 'total' }),
    parsed(sent('2025-10-14T18:04:47Z', 'x9EL2TuP000868', 'moises.magalhaes@contmatic.com.br')),
    IGNORED, // STARTTLS=client
    parsed({ type: 'unauthenticated', time: T('2025-11-14T14:42:33Z'), messageId: 'uAEKY1Xl007527', clientAddress: '127.0.0.1' }, { type: 'recipients', time: T('2025-11-14T14:42:33Z'), messageId: 'uAEKY1Xl007527', count: 1, mode: 'total' }),
    parsed(sent('2025-11-14T14:42:46Z', 'uAEKY1Xl007527', 'the_real_xerxes@mailinator.com', 'Ok')),
    parsed({ type: 'unauthenticated', time: T('2025-11-08T18:39:58Z'), messageId: 'pA8Ndwvm018842', clientAddress: '10.10.10.152' }, { type: 'recipients', time: T('2025-11-08T18:39:58Z'), messageId: 'pA8Ndwvm018842', count: 1, mode: 'total' }),
    IGNORED, // daemon start-up
  ];

  test('the file has the lines this table expects', () => {
    expect(lines).toHaveLength(expected.length);
  });
  test.each(lines.map((l, i) => [l, expected[i]!] as const))('%s', (line, want) => {
    expect(parser().parse(line)).toEqual(want);
  });
});

// The AUTH=server lines below are the real sonic.net lines; the from= lines
// that follow them are composed in the shape of the real from= lines above,
// with the same pid and client address (the pair was never published together).
const AUTH = 'Dec  6 12:02:33 a.mail.sonic.net sm-mta[19515]: AUTH=server, relay=[67.59.198.131], authid=augie, mech=PLAIN, bits=0';
const FROM = (pid: string, id: string, relay: string, time = '12:02:34') =>
  `Dec  6 ${time} a.mail.sonic.net sm-mta[${pid}]: ${id}: from=<augie@sonic.net>, size=553, class=0, nrcpts=2, msgid=<1@sonic.net>, proto=ESMTPA, daemon=MTA, relay=${relay}`;

describe('the pid → authid → queue ID join', () => {
  test('a from= in the same session (pid and client address) is the authid\'s submission', () => {
    const p = parser();
    expect(p.parse(AUTH)).toEqual(parsed());
    expect(p.parse(FROM('19515', 'xB6K2YAb019515', '[67.59.198.131]'))).toEqual(parsed(
      { type: 'submission', time: T('2025-12-06T12:02:34Z'), messageId: 'xB6K2YAb019515', user: 'augie', clientAddress: '67.59.198.131' },
      { type: 'recipients', time: T('2025-12-06T12:02:34Z'), messageId: 'xB6K2YAb019515', count: 2, mode: 'total' },
    ));
    // A second message in the same session belongs to the same login.
    expect(p.parse(FROM('19515', 'xB6K2YAc019515', '[67.59.198.131]', '12:03:00'))).toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'augie' }, {}] });
  });

  test('the host name and "(may be forged)" around the bracketed address do not matter', () => {
    const p = parser();
    p.parse('Dec  6 14:06:32 a.mail.sonic.net sm-mta[9738]: AUTH=server, relay=173-228-127-4.dsl.dynamic.sonic.net [173.228.127.4] (may be forged), authid=augie, mech=PLAIN, bits=0');
    expect(p.parse(FROM('9738', 'xB6M6WAb009738', '173-228-127-4.dsl.dynamic.sonic.net [173.228.127.4] (may be forged)', '14:06:33')))
      .toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'augie', clientAddress: '173.228.127.4' }, {}] });
  });

  test('IPv6 clients ("[IPv6:…]") join too', () => {
    const p = parser();
    p.parse('Dec  6 14:06:32 a.mail.sonic.net sm-mta[9740]: AUTH=server, relay=[IPv6:2001:db8::25], authid=augie, mech=PLAIN, bits=0');
    expect(p.parse(FROM('9740', 'xB6M6WAc009740', '[IPv6:2001:db8::25]', '14:06:33')))
      .toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'augie', clientAddress: '2001:db8::25' }, {}] });
  });

  test('another pid, or the same pid reused by another client, is not the login\'s', () => {
    const p = parser();
    p.parse(AUTH);
    expect(p.parse(FROM('19516', 'xB6K2YAd019516', '[67.59.198.131]'))).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
    expect(p.parse(FROM('19515', 'xB6K2YAe019515', 'mail.example.net [198.51.100.60]'))).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated', clientAddress: '198.51.100.60' }, {}] });
    // The stale login is gone, even for its own client afterwards.
    expect(p.parse(FROM('19515', 'xB6K2YAf019515', '[67.59.198.131]'))).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
  });

  test('a login is forgotten an hour (log time) after the session\'s last line', () => {
    const p = parser();
    p.parse(AUTH);
    expect(SENDMAIL_SESSION_TTL_MS).toBe(3_600_000);
    expect(p.parse(FROM('19515', 'xB6K2YAg019515', '[67.59.198.131]', '13:02:33'))).toMatchObject({ result: 'parsed', events: [{ type: 'submission' }, {}] });
    // Refreshed at 13:02:33; 13:02:34 + 1 h is one second too late.
    expect(p.parse(FROM('19515', 'xB6K2YAh019515', '[67.59.198.131]', '14:02:34'))).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
  });

  test(`at most ${SENDMAIL_MAX_SESSIONS} sessions are remembered, the oldest dropped first`, () => {
    const p = parser();
    for (let pid = 1; pid <= SENDMAIL_MAX_SESSIONS + 1; pid++) {
      p.parse(`Dec  6 12:02:33 a.mail.sonic.net sm-mta[${pid}]: AUTH=server, relay=[67.59.198.131], authid=user${pid}, mech=PLAIN, bits=0`);
    }
    expect(p.trackedSessions).toBe(SENDMAIL_MAX_SESSIONS);
    expect(p.parse(FROM('1', 'xB6K2YAi000001', '[67.59.198.131]'))).toMatchObject({ result: 'parsed', events: [{ type: 'unauthenticated' }, {}] });
    expect(p.parse(FROM('2', 'xB6K2YAj000002', '[67.59.198.131]'))).toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'user2' }, {}] });
    expect(p.parse(FROM(String(SENDMAIL_MAX_SESSIONS + 1), 'xB6K2YAk010001', '[67.59.198.131]'))).toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: `user${SENDMAIL_MAX_SESSIONS + 1}` }, {}] });
  });
});

describe('hostile text', () => {
  test('an authid holding ", mech=" ends at the last one', () => {
    const p = parser();
    p.parse('Dec  6 12:02:33 a.mail.sonic.net sm-mta[19515]: AUTH=server, relay=[67.59.198.131], authid=a, mech=X, b, mech=PLAIN, bits=0');
    expect(p.parse(FROM('19515', 'xB6K2YAb019515', '[67.59.198.131]'))).toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'a, mech=X, b' }, {}] });
  });

  test('a msgid holding ", relay=[…]" cannot fake the client address', () => {
    const p = parser();
    p.parse(AUTH);
    const line = 'Dec  6 12:02:34 a.mail.sonic.net sm-mta[19515]: xB6K2YAb019515: from=<augie@sonic.net>, size=553, class=0, nrcpts=1, msgid=<a, relay=[6.6.6.6]@x>, proto=ESMTPA, daemon=MTA, relay=[67.59.198.131]';
    expect(p.parse(line)).toMatchObject({ result: 'parsed', events: [{ type: 'submission', user: 'augie', clientAddress: '67.59.198.131' }, {}] });
  });

  test('a recipient list is split on commas outside quotes and angle brackets', () => {
    const line = 'Jul 19 13:28:36 vs184010 sm-mta[11383]: m6JDSZoG011380: to=<"a,b"@wzuup.com>,<mail@wzuup.com>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120553, relay=gmail-smtp-in.l.google.com. [209.85.129.27], dsn=2.0.0, stat=Sent (OK 1216474116 13si6851157fks.6)';
    const r = parser().parse(line);
    expect(r.result === 'parsed' && r.events.map((e) => e.type === 'delivery' && e.recipient)).toEqual(['"a,b"@wzuup.com', 'mail@wzuup.com']);
  });

  test('a remote reply holding ", stat=Sent" does not change the status', () => {
    const line = 'Apr 20 16:35:51 mkalimu sm-mta[6555]: n3KFZnc6006553: to=<xxx@yyy.com>, ctladdr=<www-data@mkalimu> (33/33), delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120314, relay=mx00.1and1.co.uk. [212.227.15.169], dsn=4.0.0, stat=Deferred: 421 x, stat=Sent (ok)';
    expect(parser().parse(line)).toMatchObject({ result: 'parsed', events: [{ status: 'deferred', reply: '421 x, stat=Sent (ok)' }] });
  });
});

describe('malformed and cut-short lines', () => {
  test.each([
    ['Dec  6 12:02:33 a.mail.sonic.net sm-mta: AUTH=server, relay=[67.59.198.131], authid=augie, mech=PLAIN, bits=0', 'AUTH=server line without a pid'],
    ['Dec  6 12:02:33 a.mail.sonic.net sm-mta[19515]: AUTH=server, relay=[67.59.198.131], authid=, mech=PLAIN, bits=0', 'AUTH=server line with an empty authid'],
    ['Dec  6 12:02:33 a.mail.sonic.net sm-mta[19515]: AUTH=server, relay=[67.59.198.131], authid=augie, mech=PLA', 'AUTH=server line cut short'],
    ['Jun 17 14:37:39 <mail.info> robin sm-mta[2794]: 55HIbcGI002794', 'nothing after the queue ID'],
    ['Jun 17 14:37:39 <mail.info> robin sm-mta[2794]: 55HIbcGI002794: from=<root@yourhost.com>, size=108, class=0, nrcpts=0, proto=ESMTP, daemon=MTA-v4', 'from= line cut short'],
    ['Jun 26 07:24:25 MyVPS1976 sendmail[31762]: q5PNOPeP031762: to=root, delay=00:00:00, xdelay=00:00:00, mailer=local, pri=32578, dsn=2.0.0', 'to= line without stat='],
    ['Jul 19 13:28:36 vs184010 sm-mta[11383]: m6JDSZoG011380: to=<mail@wzuup.com>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120553, relay=gmail-smtp-in.l.google.com. [209.85.129.27], dsn=2.0.0, stat=Sent (OK 1216474116', 'stat=Sent reply cut short'],
    ['Feb 25 04:02:27 relay1 sendmail[16664]: 06I02CNi016764: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=user@exa', 'AUTH failure line cut short'],
    ['sm-mta[2794]: 55HIbcGI002794: from=<root@yourhost.com>', 'not a syslog line'],
  ])('%s → %s', (line, reason) => {
    expect(parser().parse(line)).toEqual({ result: 'malformed', reason });
  });

  test('queue IDs', () => {
    expect(isSendmailQueueId('55HIbcGI002794')).toBe(true);
    expect(isSendmailQueueId('xA32R2PQ3529566')).toBe(true);
    expect(isSendmailQueueId('AUTH=server')).toBe(false);
    expect(isSendmailQueueId('s1N70')).toBe(false);
  });

  const public_ = fixtureLines('sendmail-public.log');
  test.each([public_[3]!, public_[8]!, public_[10]!, public_[15]!, fixtureLines('sendmail.log')[8]!])('every cut of %s is malformed or the same events', (line) => {
    // From just after "to=" / "AUTH failure (": shorter prefixes no longer say what the line is.
    const to = line.indexOf(': to=');
    const from = to > 0 ? to + 5 : line.indexOf('AUTH failure (') + 14;
    expect(expectCutsSafe(parser, line, from, ['reply', 'clientAddress'])).toBeGreaterThan(0);
  });

  test('a from= cut anywhere is malformed or the same submission', () => {
    const line = FROM('19515', 'xB6K2YAb019515', '[67.59.198.131]');
    const malformed = expectCutsSafe(parser, line, line.indexOf('from=') + 5, ['reply', 'clientAddress'], [AUTH]);
    // Every cut before the last field, relay=[address], is complete is malformed.
    expect(malformed).toBe(line.lastIndexOf(']') + 1 - (line.indexOf('from=') + 5));
  });
});

test('a composed whole file: exact per-user totals', () => {
  const { events, counts } = runParser(parser(), fixtureLines('sendmail-composed.log'));
  expectWellFormed(events);
  expect(counts).toEqual({ parsed: 23, ignored: 2, malformed: 1 });
  const t = totals(events);
  expect(t.users).toEqual({
    alice: { messages: 2, recipients: 4, sent: 3, deferred: 1, bounced: 1 },
    'bob@example.org': { messages: 1, recipients: 2, sent: 2, deferred: 0, bounced: 0 },
  });
  expect(t.deliveries).toEqual({ sent: 8, deferred: 1, bounced: 1 });
  expect(t.authFailures).toEqual({ admin: 2, scanner: 1 });
  expect(t.userExists).toEqual({ yes: 0, no: 1, unknown: 2 });
  expect(t.relayDenied).toBe(1);
  expect(events.filter((e) => e.type === 'requeued')).toEqual([{ type: 'requeued', time: T('2026-03-02T10:41:01Z'), messageId: '622Af0aG005000', newMessageId: '622Af0aH005001' }]);
});
