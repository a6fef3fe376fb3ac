// The Kerio Connect parser on real lines: every line of the verbatim samples
// (kerio-mail.log, kerio-security.log, copied from /work/shared/samples), the
// Kerio 6 manual's older field order, Kerio's dates, hostile variants, lines
// cut short, and two composed whole files with exact per-user totals.
import type { ParseResult } from '../../../src/logs/events';
import { KerioParser, kerioTime } from '../../../src/logs/kerio';
import { LogClock } from '../../../src/logs/syslog';
import { expectCutsSafe, expectWellFormed, fixtureLines, runParser, totals } from './parser-totals';

const NOW = Date.parse('2026-06-15T00:00:00Z');
const T = (iso: string) => Date.parse(iso);
const IGNORED: ParseResult = { result: 'ignored' };
const parser = () => new KerioParser(new LogClock(() => NOW, 'UTC'));

function parsed(...events: object[]): ParseResult {
  return { result: 'parsed', events } as ParseResult;
}

describe('every line of the real Kerio mail.log sample', () => {
  const lines = fixtureLines('kerio-mail.log');
  const expected: ParseResult[] = [
    parsed({ type: 'submission', time: T('2022-08-24T16:28:11Z'), messageId: '6305ef2b-00000003', user: 'shaikerio@tubui.xyz' }),
    parsed({ type: 'unauthenticated', time: T('2022-08-25T15:31:37Z'), messageId: '63073369-00000003', clientAddress: '209.85.208.180' }),
    parsed(
      { type: 'recipients', time: T('2022-08-25T15:31:39Z'), messageId: '63073369-00000003', count: 1, mode: 'increment' },
      { type: 'delivery', time: T('2022-08-25T15:31:39Z'), messageId: '63073369-00000003', status: 'sent', recipient: 'shaiorike@tubui.xyz', reply: '2.0.0' },
    ),
    parsed({ type: 'submission', time: T('2024-03-11T11:40:39Z'), messageId: '65ee8b47-00000009', user: 'ngocnd@nguyenducngoc.com' }),
    parsed(
      { type: 'recipients', time: T('2024-03-11T11:40:40Z'), messageId: '65ee8b47-00000009', count: 1, mode: 'increment' },
      { type: 'delivery', time: T('2024-03-11T11:40:40Z'), messageId: '65ee8b47-00000009', status: 'sent', recipient: 'trang@nguyenducngoc.com', reply: '2.0.0' },
    ),
    // The 2004 format and DSN lines carry no queue ID and no user.
    IGNORED,
    IGNORED,
  ];

  test('the sample has the lines this table expects', () => {
    expect(lines).toHaveLength(expected.length);
  });
  test.each(lines.map((l, i) => [l, expected[i]!] as const))('%s', (line, want) => {
    expect(parser().parse(line)).toEqual(want);
  });
});

describe('every line of the real Kerio security.log sample', () => {
  const lines = fixtureLines('kerio-security.log');
  const fail = (time: string, extra: object) => parsed({ type: 'auth_failure', time: T(time), ...extra });
  const expected: ParseResult[] = [
    IGNORED, // unknown recipient (inbound)
    IGNORED, // spam attack before greeting
    IGNORED,
    IGNORED, // inbound DNSBL hit
    IGNORED,
    parsed({ type: 'relay_denied', time: T('2013-12-30T05:27:59Z'), clientAddress: '64.31.59.75' }),
    parsed({ type: 'relay_denied', time: T('2013-12-30T19:24:28Z'), clientAddress: '74.63.193.116' }),
    IGNORED,
    IGNORED,
    IGNORED,
    fail('2017-05-17T19:43:42Z', { user: 'printer@verinion.com', userExists: false, clientAddress: '185.140.108.26' }),
    IGNORED, // no reverse DNS
    IGNORED, // admin login from a disallowed IP: no password tried
    IGNORED, // sender domain does not exist
    fail('2017-05-18T07:25:15Z', { clientAddress: '212.92.127.112' }),
    // "x.x.x.x" (redacted in the source) is no address.
    fail('2023-11-17T11:31:00Z', { user: 'user1@example.com', userExists: false }),
    // A host name is not a client address.
    fail('2023-11-17T11:31:07Z', {}),
    fail('2023-11-17T11:31:08Z', {}),
    IGNORED, // AntiHammering
    IGNORED,
    fail('2022-08-25T16:44:05Z', { user: 'shaikerio@tubui.xyz', userExists: true, clientAddress: '117.4.255.125' }),
    IGNORED, // spam filter
    fail('2004-04-13T17:35:49Z', { clientAddress: '192.168.36.139' }),
  ];

  test('the sample has the lines this table expects', () => {
    expect(lines).toHaveLength(expected.length);
  });
  test.each(lines.map((l, i) => [l, expected[i]!] as const))('%s', (line, want) => {
    expect(parser().parse(line)).toEqual(want);
  });
});

describe('Kerio quirks', () => {
  test('the Kerio 6 manual order (User before Sender-Host, commas without a space) is read the same', () => {
    // Verbatim from the Kerio MailServer 6.x administrator's guide.
    expect(parser().parse('[30/Nov/2005 17:57:14] Recv: Queue-ID: 438dd9ea-00000000,Service: SMTP, From: <jwayne@company.com>, To: <jwayne@company.com>,Size: 1229, User: jwayne@company.com, Sender-Host: 195.39.55.2,SSL: yes'))
      .toEqual(parsed({ type: 'submission', time: T('2005-11-30T17:57:14Z'), messageId: '438dd9ea-00000000', user: 'jwayne@company.com', clientAddress: '195.39.55.2' }));
    expect(parser().parse('[30/Nov/2005 17:57:15] Sent: Queue-ID: 438dd9ea-00000000,Recipient: <wsmith@company.com>, Result: delivered, Status: 2.0.0'))
      .toEqual(parsed(
        { type: 'recipients', time: T('2005-11-30T17:57:15Z'), messageId: '438dd9ea-00000000', count: 1, mode: 'increment' },
        { type: 'delivery', time: T('2005-11-30T17:57:15Z'), messageId: '438dd9ea-00000000', status: 'sent', recipient: 'wsmith@company.com', reply: '2.0.0' },
      ));
    expect(parser().parse('[30/Nov/2005 15:31:40] Recv: Queue-ID: 438db7cc-00000000,Service: DSN, From: , To: , Size: 1650,Report: failed'))
      .toEqual(parsed({ type: 'unauthenticated', time: T('2005-11-30T15:31:40Z'), messageId: '438db7cc-00000000' }));
  });

  test('the manual\'s "delayed … Cannot connect to host" is a deferral and adds no recipient yet', () => {
    // Result/Status pair from the Kerio knowledge base; queue ID and recipient from the mail.log sample.
    expect(parser().parse('[25/Aug/2022 15:31:39] Sent: Queue-ID: 63073369-00000003, Recipient: <shaiorike@tubui.xyz>, Result: delayed, Status: 4.4.1 Cannot connect to host'))
      .toEqual(parsed({ type: 'delivery', time: T('2022-08-25T15:31:39Z'), messageId: '63073369-00000003', status: 'deferred', recipient: 'shaiorike@tubui.xyz', reply: '4.4.1 Cannot connect to host' }));
  });

  test('dates are local time with a four-digit year, in the clock\'s zone', () => {
    const berlin = new KerioParser(new LogClock(() => NOW, 'Europe/Berlin'));
    const r = berlin.parse('[24/Aug/2022 16:28:11] Recv: Queue-ID: 6305ef2b-00000003, Service: Kerio Connect Client, From: <shaikerio@tubui.xyz>, To: <shaiorike@tubui.xyz>, Size: 958, Sender-Host: 0.0.0.0, User: shaikerio@tubui.xyz, SSL: yes, Subject: ghkaownglj, Msg-Id: <3475915060-20326@mail.tubui.xyz>');
    expect(r.result === 'parsed' && r.events[0]!.time).toBe(T('2022-08-24T14:28:11Z'));
    expect(kerioTime('[18/Jan/2014 05:47:17] x', new LogClock(() => NOW, 'Europe/Berlin'))).toBe(T('2014-01-18T04:47:17Z'));
    expect(kerioTime('[29/Feb/2024 00:00:00] x', new LogClock(() => NOW, 'UTC'))).toBe(T('2024-02-29T00:00:00Z'));
  });

  test.each([
    ['[29/Feb/2023 10:00:00] Failed SMTP login from 212.92.127.112 with SASL method CRAM-MD5.', 'no such day'],
    ['[18/Foo/2017 07:25:15] Failed SMTP login from 212.92.127.112 with SASL method CRAM-MD5.', 'no such month'],
    ['[18/May/2017 7:25:15] Failed SMTP login from 212.92.127.112 with SASL method CRAM-MD5.', 'one-digit hour'],
    ['[18/May/2017 07:25:15]', 'nothing after the stamp'],
    ['18/May/2017 07:25:15 Failed SMTP login from 212.92.127.112 with SASL method CRAM-MD5.', 'no brackets'],
    ['May 18 07:25:15 mail postfix/smtpd[1]: connect from x[1.2.3.4]', 'another format'],
  ])('%s is malformed (%s)', (line) => {
    expect(parser().parse(line).result).toBe('malformed');
  });
});

describe('hostile text never becomes a user', () => {
  test('a Subject: that imitates the User: field of an unauthenticated message', () => {
    // The sample's inbound line, with the subject an attacker chose.
    const r = parser().parse('[25/Aug/2022 15:31:37] Recv: Queue-ID: 63073369-00000003, Service: SMTP, From: <shaidokun@gmail.com>, To: <shaiorike@tubui.xyz>, Size: 3687, Sender-Host: 209.85.208.180, SSL: yes, Subject: x, User: ceo@tubui.xyz, SSL: yes, Msg-Id: <CAOmjrtRRy5Sv5E8U1s1nTYApW0gPb+jeKSwTa5QmWzHhny5qjA@mail.gmail.com>');
    expect(r).toEqual(parsed({ type: 'unauthenticated', time: T('2022-08-25T15:31:37Z'), messageId: '63073369-00000003', clientAddress: '209.85.208.180' }));
  });

  test('an envelope sender holding ", User: " stays inside its angle brackets', () => {
    const r = parser().parse('[25/Aug/2022 15:31:37] Recv: Queue-ID: 63073369-00000003, Service: SMTP, From: <"a, User: ceo@tubui.xyz"@gmail.com>, To: <shaiorike@tubui.xyz>, Size: 3687, Sender-Host: 209.85.208.180, SSL: yes, Subject: Fwd: gjbasebgarjb');
    expect(r).toEqual(parsed({ type: 'unauthenticated', time: T('2022-08-25T15:31:37Z'), messageId: '63073369-00000003', clientAddress: '209.85.208.180' }));
  });

  test('a guessed name that repeats the fixed phrase ends at its last occurrence', () => {
    const r = parser().parse("[17/May/2017 19:43:42] SMTP: User a doesn't exist. Attempt from IP address 6.6.6.6 doesn't exist. Attempt from IP address 185.140.108.26.");
    expect(r).toEqual(parsed({ type: 'auth_failure', time: T('2017-05-17T19:43:42Z'), user: "a doesn't exist. Attempt from IP address 6.6.6.6", userExists: false, clientAddress: '185.140.108.26' }));
  });
});

describe('lines cut short', () => {
  const lines = [...fixtureLines('kerio-mail.log').slice(0, 5), fixtureLines('kerio-security.log')[20]!, fixtureLines('kerio-security.log')[10]!];

  test.each(lines)('every cut of %s is malformed or the same events', (line) => {
    // From the first field / the user name: shorter prefixes no longer say what the line is.
    const user = line.indexOf('for user ');
    const from = user > 0 ? user + 9 : line.indexOf(': User ') > 0 ? line.indexOf(': User ') + 7 : line.indexOf(': ', 23) + 2;
    const malformed = expectCutsSafe(parser, line, from, ['reply', 'clientAddress']);
    expect(malformed).toBeGreaterThan(0);
  });

  test('a Recv cut before its User: field is malformed, not an unauthenticated message', () => {
    const line = fixtureLines('kerio-mail.log')[0]!;
    const cut = line.slice(0, line.indexOf(', User: '));
    expect(parser().parse(cut)).toEqual({ result: 'malformed', reason: 'Recv: line cut short' });
    expect(parser().parse(line.slice(0, line.indexOf(', SSL: ')))).toEqual({ result: 'malformed', reason: 'Recv: line cut short' });
  });

  test('a Sent cut inside Result: is malformed', () => {
    const line = fixtureLines('kerio-mail.log')[2]!;
    expect(parser().parse(line.slice(0, line.indexOf('delivered') + 4))).toEqual({ result: 'malformed', reason: 'Sent: line cut short' });
    expect(parser().parse(line.slice(0, line.indexOf(', Status: ')))).toEqual({ result: 'malformed', reason: 'Sent: line cut short' });
  });
});

describe('whole composed files', () => {
  test('mail.log: exact per-user totals', () => {
    const { events, counts } = runParser(parser(), fixtureLines('kerio-composed-mail.log'));
    expectWellFormed(events);
    expect(counts).toEqual({ parsed: 15, ignored: 1, malformed: 1 });
    const t = totals(events);
    expect(t.users).toEqual({
      'alice@example.org': { messages: 3, recipients: 3, sent: 2, deferred: 1, bounced: 1 },
      'ngocnd@example.org': { messages: 1, recipients: 1, sent: 1, deferred: 0, bounced: 0 },
      'jwayne@example.org': { messages: 1, recipients: 1, sent: 1, deferred: 0, bounced: 0 },
    });
    expect(t.deliveries).toEqual({ sent: 6, deferred: 1, bounced: 1 });
    const bounce = events.find((e) => e.type === 'delivery' && e.status === 'bounced');
    expect(bounce).toMatchObject({ messageId: '69a5e3fc-00000003', recipient: 'dave@example.com', reply: '5.7.1 Service unavailable; Client host [203.0.113.10] blocked using zen.spamhaus.org' });
  });

  test('security.log: failed logins by name, existing accounts marked', () => {
    const { events, counts } = runParser(parser(), fixtureLines('kerio-composed-security.log'));
    expectWellFormed(events);
    expect(counts).toEqual({ parsed: 10, ignored: 4, malformed: 1 });
    const t = totals(events);
    expect(t.authFailures).toEqual({ 'alice@example.org': 3, 'admin@example.org': 1, 'printer@example.org': 1, '': 4 });
    expect(t.userExists).toEqual({ yes: 3, no: 2, unknown: 4 });
    expect(t.relayDenied).toBe(1);
    expect(events.filter((e) => e.type === 'auth_failure' && e.clientAddress === '198.51.100.9')).toHaveLength(3);
  });
});
