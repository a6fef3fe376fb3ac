// Syslog framing and timestamps, on real lines from the samples (copied into
// test/fixtures/logs/ or quoted verbatim here). Local times are checked in a
// fixed zone with a DST rule (Europe/Berlin, given to the clock) so the results
// do not depend on the machine running the tests; one test covers the default
// (the process zone).
import fc from 'fast-check';
import { LogClock, parseSyslogLine, parseTimestampPrefix, type SyslogLine } from '../../../src/logs/syslog';

/** A Berlin-time clock whose now() is the given UTC instant. */
function clockAt(iso: string): LogClock {
  const now = Date.parse(iso);
  return new LogClock(() => now, 'Europe/Berlin');
}

/** Berlin is UTC+1 in winter, UTC+2 in summer. */
const utc = (iso: string) => Date.parse(iso);

describe('parseSyslogLine on real lines', () => {
  const NOW = '2026-06-01T12:00:00Z';
  const rows: [string, SyslogLine][] = [
    [
      'Oct 30 13:19:26 mailgw-out1 postfix/smtpd[27530]: EB4B2C19E2: client=xxx[1.2.3.4], sasl_method=PLAIN, sasl_username=user@domain',
      { time: utc('2025-10-30T12:19:26Z'), host: 'mailgw-out1', program: 'postfix/smtpd', pid: '27530', message: 'EB4B2C19E2: client=xxx[1.2.3.4], sasl_method=PLAIN, sasl_username=user@domain' },
    ],
    [
      'Apr  7 15:35:20 123-mail postfix/virtual[20235]: 199041033BE: to=<me@domain.fr>, relay=virtual, delay=0.08, delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)',
      { time: utc('2026-04-07T13:35:20Z'), host: '123-mail', program: 'postfix/virtual', pid: '20235', message: '199041033BE: to=<me@domain.fr>, relay=virtual, delay=0.08, delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)' },
    ],
    [
      'Aug 4 16:47:52 mail3 postfix/smtpd[31152]: warning: unknown[192.0.2.237]:55729: SASL LOGIN authentication failed: authentication failure',
      { time: utc('2025-08-04T14:47:52Z'), host: 'mail3', program: 'postfix/smtpd', pid: '31152', message: 'warning: unknown[192.0.2.237]:55729: SASL LOGIN authentication failed: authentication failure' },
    ],
    [
      '2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757: client=unknown[77.83.39.88], sasl_method=PLAIN, sasl_username=test',
      { time: utc('2026-05-12T00:01:47.723Z'), host: 'mail', program: 'postfix/submission/smtpd', pid: '32860', message: 'B06C6757: client=unknown[77.83.39.88], sasl_method=PLAIN, sasl_username=test' },
    ],
    [
      '2026-04-16T03:11:27.972411+02:00 myhostname postfix/smtps/smtpd[106911]: ED5343786C: client=unknown[ip42], sasl_method=LOGIN, sasl_username=myuser',
      { time: utc('2026-04-16T01:11:27.972Z'), host: 'myhostname', program: 'postfix/smtps/smtpd', pid: '106911', message: 'ED5343786C: client=unknown[ip42], sasl_method=LOGIN, sasl_username=myuser' },
    ],
    [
      'Jun 17 14:37:39 <mail.info> robin sm-mta[2794]: 55HIbcGI002794: from=<root@yourhost.com>, size=108, class=0, nrcpts=0, proto=ESMTP, daemon=MTA-v4, relay=[192.168.1.45]',
      { time: utc('2025-06-17T12:37:39Z'), host: 'robin', program: 'sm-mta', pid: '2794', message: '55HIbcGI002794: from=<root@yourhost.com>, size=108, class=0, nrcpts=0, proto=ESMTP, daemon=MTA-v4, relay=[192.168.1.45]' },
    ],
    [
      'Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS',
      { time: utc('2025-06-13T14:30:54Z'), host: 'platypus', program: 'dovecot', message: 'imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS' },
    ],
    [
      'Jul 02 13:49:31 hostname dovecot[442]: pop3-login: Aborted login (auth failed, 1 attempts in 17 secs): user=<account@MYSERVERNAME.com>',
      { time: utc('2025-07-02T11:49:31Z'), host: 'hostname', program: 'dovecot', pid: '442', message: 'pop3-login: Aborted login (auth failed, 1 attempts in 17 secs): user=<account@MYSERVERNAME.com>' },
    ],
    [
      // Dovecot's own log file: no host, the tag comes first.
      'Jun 12 11:48:12 auth-worker(80180): Info: conn unix:auth-worker (uid=143)',
      { time: utc('2025-06-12T09:48:12Z'), host: '', program: 'auth-worker(80180)', message: 'Info: conn unix:auth-worker (uid=143)' },
    ],
    [
      '<134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60',
      { time: utc('2025-07-03T17:10:30Z'), host: '', program: 'filterlog', pid: '72237', message: '146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60' },
    ],
    [
      '<134>Jan 1 02:21:38 firewall.opnsense.net filterlog[97530]: 146,,,1535324496,igb1.12,match,block,in',
      { time: utc('2026-01-01T01:21:38Z'), host: 'firewall.opnsense.net', program: 'filterlog', pid: '97530', message: '146,,,1535324496,igb1.12,match,block,in' },
    ],
    [
      '<5>2016-05-05T23:12:09.649085-05:00 quaff kernel:[27198521.247185] Firewall-DENY_INPUT: IN=venet0 OUT=',
      { time: utc('2016-05-06T04:12:09.649Z'), host: 'quaff', program: 'kernel', message: '[27198521.247185] Firewall-DENY_INPUT: IN=venet0 OUT=' },
    ],
    [
      // MikroTik: topics instead of a tag, no colon.
      '2023-03-18T20:35:05.734637+01:00 10.120.127.1 firewall,info drop-in input: in:ether1-WAN out:(unknown 0)',
      { time: utc('2023-03-18T19:35:05.734Z'), host: '10.120.127.1', program: 'firewall,info', message: 'drop-in input: in:ether1-WAN out:(unknown 0)' },
    ],
    [
      '<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog 92653 - - 7,,,1000000102,vtnet0.5,match,block,in,4',
      { time: utc('2025-11-06T11:32:42.868Z'), host: 'firewall.lan', program: 'filterlog', pid: '92653', message: '7,,,1000000102,vtnet0.5,match,block,in,4' },
    ],
    [
      '<134>1 2022-06-09T14:44:11-06:00 OPNsense.example.com filterlog 76404 - [meta sequenceId="1"] 124,,,02f4bab031b57d1e30553ce08e0ec131,vmx1,match,block,in',
      { time: utc('2022-06-09T20:44:11Z'), host: 'OPNsense.example.com', program: 'filterlog', pid: '76404', message: '124,,,02f4bab031b57d1e30553ce08e0ec131,vmx1,match,block,in' },
    ],
  ];
  test.each(rows)('%s', (line, expected) => {
    expect(parseSyslogLine(line, clockAt(NOW))).toEqual(expected);
  });

  test('RFC 5424: nil fields, escaped "]" inside structured data, BOM before the message', () => {
    const c = clockAt(NOW);
    expect(parseSyslogLine('<165>1 2003-10-11T22:14:15.003Z - - - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\]ication"][x@1 a="b"] \uFEFFAn application event', c))
      .toEqual({ time: utc('2003-10-11T22:14:15.003Z'), host: '', program: '', message: 'An application event' });
    expect(parseSyslogLine('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 -', c))
      .toEqual({ time: utc('2003-10-11T22:14:15.003Z'), host: 'mymachine.example.com', program: 'evntslog', message: '' });
  });
});

describe('parseSyslogLine rejects what is not syslog', () => {
  const c = clockAt('2026-06-01T12:00:00Z');
  test.each([
    '',
    'garbage',
    // Exim mainlog and Kerio: not syslog framing.
    '2020-06-19 06:26:02 1jmH1s-000AVD-5t Completed',
    '[24/Aug/2022 16:28:11] Recv: Queue-ID: 6305ef2b-00000003, Service: SMTP',
    'f7a2e6aa567530c9 smtp authentication user=bar result=ok',
    '@400000004c91b044077a9e94 imap-login: Info: Aborted login (auth failed, 1 attempts)',
    // Truncated real lines.
    'Oct 30 13:19',
    'Oct 30 13:19:26',
    'Oct 30 13:19:26 ',
    'Oct 30 13:19:26 mailgw-out1',
    'Oct 30 13:19:26 mailgw-out1 postfix/smtpd[27530',
    '2026-05-12T00:01:47.72',
    '<134',
    '<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog',
    '<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog 76404 - [meta sequenceId="1"',
    // Impossible dates and times.
    'Feb 30 10:00:00 host prog: x',
    'Oct 32 13:19:26 host prog: x',
    'Oct 30 24:19:26 host prog: x',
    'Foo 30 13:19:26 host prog: x',
    '2026-13-12T00:01:47+00:00 host prog: x',
  ])('%j', (line) => {
    expect(parseSyslogLine(line, c)).toBeUndefined();
  });
});

describe('year inference for BSD timestamps', () => {
  const bsd = (c: LogClock, ts: string) => parseTimestampPrefix(ts, 0, c)?.time;

  test('across New Year: December lines read in January are last year, no more than a day ahead is this year', () => {
    const c = () => clockAt('2026-01-02T09:00:00Z'); // 10:00 in Berlin
    expect(bsd(c(), 'Dec 31 23:59:59')).toBe(utc('2025-12-31T22:59:59Z'));
    expect(bsd(c(), 'Jan  1 00:00:01')).toBe(utc('2025-12-31T23:00:01Z'));
    expect(bsd(c(), 'Jan  3 09:00:00')).toBe(utc('2026-01-03T08:00:00Z')); // 23 h ahead: still this year
    expect(bsd(c(), 'Jan  3 11:00:00')).toBe(utc('2025-01-03T10:00:00Z')); // 25 h ahead: a year ago
  });

  test('on New Year\'s Eve a line from just after midnight is next year', () => {
    const c = clockAt('2025-12-31T22:30:00Z'); // 23:30 Berlin
    expect(bsd(c, 'Dec 31 23:29:00')).toBe(utc('2025-12-31T22:29:00Z'));
    expect(bsd(c, 'Jan  1 00:10:00')).toBe(utc('2025-12-31T23:10:00Z'));
  });

  test('Feb 29 goes to the latest leap year', () => {
    expect(bsd(clockAt('2027-06-01T00:00:00Z'), 'Feb 29 12:00:00')).toBe(utc('2024-02-29T11:00:00Z'));
    expect(bsd(clockAt('2028-03-01T00:00:00Z'), 'Feb 29 12:00:00')).toBe(utc('2028-02-29T11:00:00Z'));
  });

  test('a file running ahead of now() stays in order across New Year (continuation hint)', () => {
    // The sender's clock is 1.5 days fast: by the plain rule its Dec 31 and
    // Jan 1 lines would jump back a year; continuity keeps them after Dec 30.
    const c = clockAt('2025-12-29T23:00:00Z'); // Dec 30 00:00 Berlin
    expect(bsd(c, 'Dec 30 23:00:00')).toBe(utc('2025-12-30T22:00:00Z'));
    expect(bsd(c, 'Dec 31 02:00:00')).toBe(utc('2025-12-31T01:00:00Z'));
    expect(bsd(c, 'Jan  1 00:30:00')).toBe(utc('2025-12-31T23:30:00Z'));
    // A fresh clock (another file) applies the plain rule.
    expect(bsd(clockAt('2025-12-29T23:00:00Z'), 'Dec 31 02:00:00')).toBe(utc('2024-12-31T01:00:00Z'));
  });

  test('the year follows now() when the clock moves on (live tailing over New Year)', () => {
    let now = utc('2025-12-31T22:59:00Z');
    const c = new LogClock(() => now, 'Europe/Berlin');
    expect(bsd(c, 'Dec 31 23:59:30')).toBe(utc('2025-12-31T22:59:30Z'));
    now = utc('2026-01-01T00:00:30Z');
    expect(bsd(c, 'Jan  1 01:00:20')).toBe(utc('2026-01-01T00:00:20Z'));
    expect(bsd(c, 'Jan  1 01:00:40')).toBe(utc('2026-01-01T00:00:40Z'));
  });

  test('local time honours daylight saving: 01:59:59 and 03:00:00 on the spring-forward night are one second apart', () => {
    const c = clockAt('2026-04-01T00:00:00Z');
    expect(bsd(c, 'Mar 29 01:59:59')).toBe(utc('2026-03-29T00:59:59Z'));
    expect(bsd(c, 'Mar 29 03:00:00')).toBe(utc('2026-03-29T01:00:00Z'));
  });
});

describe('time zones', () => {
  test('without a zone given, local times are in the process zone (TZ env)', () => {
    const now = new Date(2026, 5, 1, 12).getTime();
    const c = new LogClock(() => now);
    expect(parseTimestampPrefix('Feb 24 16:18:40', 0, c)?.time).toBe(new Date(2026, 1, 24, 16, 18, 40).getTime());
    expect(parseTimestampPrefix('2023-05-30 06:10:13.345', 0, c)?.time).toBe(new Date(2023, 4, 30, 6, 10, 13, 345).getTime());
    // An explicit offset does not depend on any zone.
    expect(parseTimestampPrefix('2020-06-20 01:32:57 +0200', 0, c)?.time).toBe(utc('2020-06-19T23:32:57Z'));
  });

  test('another zone: the same wall clock is a different instant', () => {
    const now = utc('2026-06-01T12:00:00Z');
    expect(parseTimestampPrefix('Feb 24 16:18:40', 0, new LogClock(() => now, 'America/New_York'))?.time).toBe(utc('2026-02-24T21:18:40Z'));
    expect(parseTimestampPrefix('Jul 24 04:38:17', 0, new LogClock(() => now, 'Asia/Kolkata'))?.time).toBe(utc('2025-07-23T23:08:17Z'));
  });

  test('an unknown zone name is a clear error', () => {
    expect(() => new LogClock(Date.now, 'Mars/Olympus_Mons')).toThrow(/Mars\/Olympus_Mons/);
  });
});

describe('parseTimestampPrefix forms', () => {
  const c = () => clockAt('2026-06-01T12:00:00Z');
  test.each<[string, number, number, string]>([
    // [text, expected time, expected end, form]
    ['Feb 24 16:18:40 letterman', utc('2026-02-24T15:18:40Z'), 15, 'bsd'],
    ['Feb 24 16:18:40.250 host', utc('2026-02-24T15:18:40.250Z'), 19, 'bsd'],
    ['2024-08-26T01:33:38.572449+00:00 machine', utc('2024-08-26T01:33:38.572Z'), 32, 'rfc3339'],
    ['2026-04-16T03:11:27.972411+02:00 myhostname', utc('2026-04-16T01:11:27.972Z'), 32, 'rfc3339'],
    ['2003-10-11T22:14:15.003Z x', utc('2003-10-11T22:14:15.003Z'), 24, 'rfc3339'],
    ['2022-06-09T14:44:11-06:00 x', utc('2022-06-09T20:44:11Z'), 25, 'rfc3339'],
    ['2022-06-09T14:44:11 x', utc('2022-06-09T12:44:11Z'), 19, 'rfc3339'],
    // Exim: with and without milliseconds and zone (no zone = local time).
    ['2024-03-21 19:26:06 dovecot_login authenticator failed', utc('2024-03-21T18:26:06Z'), 19, 'iso-space'],
    ['2023-05-30 06:10:13.345 login authenticator failed', utc('2023-05-30T04:10:13.345Z'), 23, 'iso-space'],
    ['2020-06-20 01:32:57 +0200 [789] 1jmKso-0009d4-Uf **', utc('2020-06-19T23:32:57Z'), 25, 'iso-space'],
    ['2020-06-20 02:32:57 -0200 [789] 1jmKso-0009d4-Uf **', utc('2020-06-20T04:32:57Z'), 25, 'iso-space'],
    ['2020-06-20 02:32:57.123 -0200 x', utc('2020-06-20T04:32:57.123Z'), 29, 'iso-space'],
    // A word after the time that only looks like a zone is not one.
    ['2020-06-20 02:32:57 +02001 x', utc('2020-06-20T00:32:57Z'), 19, 'iso-space'],
    ['@400000004c91b044077a9e94 imap-login:', utc('2010-09-16T05:50:50.125Z'), 25, 'tai64n'],
  ])('%s', (text, time, end, form) => {
    expect(parseTimestampPrefix(text, 0, c())).toEqual({ time, end, form });
  });

  test('reads at an offset (Exim lines behind a syslog prefix)', () => {
    const line = 'mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain_server authenticator failed';
    expect(parseTimestampPrefix(line, 32, c())).toEqual({ time: utc('2021-07-17T21:20:49Z'), end: 51, form: 'iso-space' });
  });

  test.each([
    '2020-06-20',
    '2020-06-20 02:32',
    '2020-02-30 02:32:57',
    '2020-06-20X02:32:57',
    '2020-06-20 02:32:57.',
    '2020-06-20 02:32:57foo',
    '2020-06-20T02:32:57+25:00',
    'Feb 24 16:18',
    'Feb 2416:18:40',
    'Feb  0 16:18:40',
    '@400000004c91b044077a9e9',
    '@500000004c91b044077a9e94',
    'hello',
    '',
  ])('rejects %j', (text) => {
    expect(parseTimestampPrefix(text, 0, c())).toBeUndefined();
  });
});

describe('one clock over many lines (the repeated-timestamp cache)', () => {
  // A clock remembers the last timestamp it read; these check that a repeat
  // is read exactly as a fresh clock would read it, whatever follows it.
  const NOW = '2026-06-01T12:00:00Z';
  const read = (c: LogClock, text: string, start = 0) => parseTimestampPrefix(text, start, c);

  test('the same characters followed by a fraction, a letter or nothing', () => {
    const c = clockAt(NOW);
    expect(read(c, 'Feb 24 16:18:40 host a')).toEqual({ time: utc('2026-02-24T15:18:40Z'), end: 15, form: 'bsd' });
    expect(read(c, 'Feb 24 16:18:40.250 host b')).toEqual({ time: utc('2026-02-24T15:18:40.250Z'), end: 19, form: 'bsd' });
    expect(read(c, 'Feb 24 16:18:40.250 host c')).toEqual({ time: utc('2026-02-24T15:18:40.250Z'), end: 19, form: 'bsd' });
    expect(read(c, 'Feb 24 16:18:40 host d')).toEqual({ time: utc('2026-02-24T15:18:40Z'), end: 15, form: 'bsd' });
    expect(read(c, 'Feb 24 16:18:40x host')).toBeUndefined();
    expect(read(c, 'Feb 24 16:18:40')).toEqual({ time: utc('2026-02-24T15:18:40Z'), end: 15, form: 'bsd' });
    expect(read(c, '<22>Feb 24 16:18:40 host', 4)).toEqual({ time: utc('2026-02-24T15:18:40Z'), end: 19, form: 'bsd' });
  });

  test('Exim\'s zone after the time is still read when the time repeats', () => {
    const c = clockAt(NOW);
    expect(read(c, '2020-06-20 01:32:57 [789] x')?.time).toBe(utc('2020-06-19T23:32:57Z'));
    expect(read(c, '2020-06-20 01:32:57 -0200 [789] x')).toEqual({ time: utc('2020-06-20T03:32:57Z'), end: 25, form: 'iso-space' });
    expect(read(c, '2020-06-20 01:32:57 [789] x')?.time).toBe(utc('2020-06-19T23:32:57Z'));
  });

  test('a repeated line placed by the continuation hint keeps the hinted year', () => {
    const c = clockAt('2025-12-29T23:00:00Z'); // the file runs 1.5 days ahead
    expect(read(c, 'Dec 30 23:00:00 z')?.time).toBe(utc('2025-12-30T22:00:00Z'));
    expect(read(c, 'Dec 31 02:00:00 a')?.time).toBe(utc('2025-12-31T01:00:00Z'));
    expect(read(c, 'Jan  1 00:30:00 b')?.time).toBe(utc('2025-12-31T23:30:00Z'));
    expect(read(c, 'Jan  1 00:30:00 c')?.time).toBe(utc('2025-12-31T23:30:00Z'));
    expect(read(c, 'Jan  1 00:30:01 d')?.time).toBe(utc('2025-12-31T23:30:01Z'));
  });

  test('any sequence reads as a fresh clock per line reads it', () => {
    const stamps = ['Feb 24 16:18:40', 'Feb 24 16:18:41', 'Feb  4 16:18:40', 'Feb 4 16:18:40', '2024-08-26T01:33:38', '2024-08-26T01:33:38.572449+00:00', '2020-06-20 01:32:57', '@400000004c91b044077a9e94'];
    const tails = ['', ' host', '.5 host', ' +0100 host', ' -0200', 'x', 'Z host', '+02:00 h'];
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...stamps), fc.constantFrom(...tails)), { maxLength: 40 }), (lines) => {
      const shared = clockAt(NOW);
      for (const [stamp, tail] of lines) {
        const text = stamp + tail;
        expect(read(shared, text)).toEqual(read(clockAt(NOW), text));
      }
    }), { numRuns: 300 });
  });
});
