// The Postfix parser on real lines: every line of the verbatim sample
// (test/fixtures/logs/postfix.log, copied from /work/shared/samples) with its
// exact result, real lines cut short, hostile variants of real lines, and a
// whole composed log (postfix-composed.log, real line shapes; see its header).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailEvent, ParseResult } from '../../../src/logs/events';
import { PostfixParser, isPostfixQueueId, postfixService } from '../../../src/logs/postfix';
import { LogClock } from '../../../src/logs/syslog';

const FIXTURES = join(__dirname, '../../fixtures/logs');
const NOW = Date.parse('2026-06-15T00:00:00Z');
const T = (iso: string) => Date.parse(iso);
const IGNORED: ParseResult = { result: 'ignored' };

/** Parser with a fixed clock in UTC: year-less lines after mid-June are last year's. */
const parser = () => new PostfixParser(new LogClock(() => NOW, 'UTC'));

function logLines(file: string): string[] {
  return readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

type Expected = ParseResult | Array<Partial<MailEvent> & { type: MailEvent['type'] }>;

function expectResult(line: string, expected: Expected, p = parser()): void {
  const want = Array.isArray(expected) ? { result: 'parsed', events: expected } : expected;
  expect(p.parse(line)).toEqual(want);
}

describe('every line of the real Postfix sample', () => {
  const rows: [string, Expected][] = [
  ['Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<noreply@domain.com>, status=expired, returned to sender', [{ type: 'delivery', messageId: 'BACE842E72', status: 'bounced', time: T('2026-04-10T14:50:16Z') }]],
  ['Apr 26 10:55:19 tcc1 postfix/smtpd[21126]: warning: laptop.local[192.168.1.2]: SASL PLAIN authentication failed: generic failure', [{ type: 'auth_failure', clientAddress: '192.168.1.2', time: T('2026-04-26T10:55:19Z') }]],
  ['Oct 30 13:19:26 mailgw-out1 postfix/smtpd[27530]: EB4B2C19E2: client=xxx[1.2.3.4], sasl_method=PLAIN, sasl_username=user@domain', [{ type: 'submission', messageId: 'EB4B2C19E2', user: 'user@domain', clientAddress: '1.2.3.4', time: T('2025-10-30T13:19:26Z') }]],
  ['Feb 24 16:42:00 letterman postfix/smtpd[24906]: 1CF582025C: client=xxx[2.3.4.5]', [{ type: 'unauthenticated', messageId: '1CF582025C', clientAddress: '2.3.4.5', time: T('2026-02-24T16:42:00Z') }]],
  ['Jul 24 04:38:17 mail postfix/smtp[30582]: Verified TLS connection established to gmail-smtp-in.l.google.com[108.177.14.26]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/smtp[59649]: 5270320179: to=<hebj@telia.com>, relay=mail.telia.com[81.236.60.210]:25, delay=2017, delays=0.1/2017/0.03/0.05, dsn=2.0.0, status=sent (250 2.0.0 6FVIjIMwUJwU66FVIjAEB0 mail accepted for delivery)', [{ type: 'delivery', messageId: '5270320179', status: 'sent', reply: '250 2.0.0 6FVIjIMwUJwU66FVIjAEB0 mail accepted for delivery', recipient: 'hebj@telia.com', time: T('2026-02-24T16:18:40Z') }]],
  ['Dec 29 02:54:09 mail postfix/smtp[7648]: 732BB407C3: host mail.domain.com[1.1.1.1] said: 451 DT:SPM 163 mx13,P8CowECpNVM_oEVaenoEAQ--.23796S3 1514512449, please try again 15min later (in reply to end of DATA command)', IGNORED],
  ['Dec 29 02:54:12 mail postfix/smtp[7648]: 732BB407C3: to=<redacted@domain.com>, relay=mail.domain.com[1.1.1.1]:25, delay=6.2, delays=0.1/0/5.2/0.87, dsn=4.0.0, status=deferred (host mail.domain.com[1.1.1.1] said: 451 DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 1514512452, please try again 15min later (in reply to end of DATA command))', [{ type: 'delivery', messageId: '732BB407C3', status: 'deferred', reply: 'host mail.domain.com[1.1.1.1] said: 451 DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 1514512452, please try again 15min later (in reply to end of DATA command)', recipient: 'redacted@domain.com', time: T('2025-12-29T02:54:12Z') }]],
  ['Dec 29 03:03:48 mail postfix/smtp[8492]: 732BB407C3: to=<redacted@domain.com>, relay=mail.domain.com[1.1.1.1]:25, delay=582, delays=563/16/1.7/0.81, dsn=5.0.0, status=bounced (host mail.domain.com[1.1.1.1] said: 554 DT:SPM 163 mx9,O8CowEDJVFKCokVaRhz+AA--.26016S3 1514513028,please see http://mail.domain.com/help/help_spam.htm?ip= (in reply to end of DATA command))', [{ type: 'delivery', messageId: '732BB407C3', status: 'bounced', reply: 'host mail.domain.com[1.1.1.1] said: 554 DT:SPM 163 mx9,O8CowEDJVFKCokVaRhz+AA--.26016S3 1514513028,please see http://mail.domain.com/help/help_spam.htm?ip= (in reply to end of DATA command)', recipient: 'redacted@domain.com', time: T('2025-12-29T03:03:48Z') }]],
  ['Dec 29 03:03:48 mail postfix/bounce[9321]: 732BB407C3: sender non-delivery notification: 5DE184083C', [{ type: 'unauthenticated', messageId: '5DE184083C', time: T('2025-12-29T03:03:48Z') }]],
  ['Apr  7 15:35:20 123-mail postfix/virtual[20235]: 199041033BE: to=<me@domain.fr>, relay=virtual, delay=0.08, delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)', [{ type: 'delivery', messageId: '199041033BE', status: 'sent', reply: 'delivered to maildir', recipient: 'me@domain.fr', time: T('2026-04-07T15:35:20Z') }]],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: CONNECT from [1.2.3.4]:5678 to [5.6.7.8]:25', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: NOQUEUE: reject: CONNECT from [1.2.3.4]:5678: too many connections', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: NOQUEUE: reject: CONNECT from [1.2.3.4]:5678: all screening ports busy', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: NOQUEUE: reject: CONNECT from [1.2.3.4]:5678: all server ports busy', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: PASS NEW [1.2.3.4]:5678', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: DNSBL rank 3 for [1.2.3.4]:5678', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: PREGREET 14 after 0.18 from [1.2.3.4]:5678: EHLO [74.207.242.122]', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: HANGUP after 2.5 from [1.2.3.4]:5678 in tests after SMTP handshake', IGNORED],
  ['Feb 24 16:18:40 letterman postfix/postscreen[1234]: NOQUEUE: reject: RCPT from [1.2.3.4]:5678: 550 5.7.1 Service unavailable; client [1.2.3.4] blocked using zen.spamhaus.org; from=<a@b.com> to=<c@d.com> proto=ESMTP helo=<x>', IGNORED],
  ['Jul 12 07:47:48 saturn postfix/smtpd[8738]: NOQUEUE: reject: RCPT from 1-2-3-4-example.com[1.2.3.4]: 554 5.7.1 <smtp@example.com>: Relay access denied; from=<john@example.com> to=<smtp@example.org> proto=SMTP helo=<198.51.100.17>', [{ type: 'relay_denied', clientAddress: '1.2.3.4', time: T('2025-07-12T07:47:48Z') }]],
  ['May  5 15:51:11 xxx postfix/postscreen[1148]: NOQUEUE: reject: RCPT from [216.245.194.173]:60591: 550 5.7.1 Service unavailable; client [216.245.194.173] blocked using rbl.example.com; from=<spammer@example.com>, to=<goodguy@example.com>, proto=ESMTP, helo=<badguy.example.com>', IGNORED],
  ['Dec 30 18:19:15 xxx postfix/smtpd[1574]: NOQUEUE: reject: RCPT from badguy.example.com[93.184.216.34]: 454 4.7.1 Service unavailable; Client host [93.184.216.34] blocked using rbl.example.com; http://www.example.com/query?ip=93.184.216.34; from=<spammer@example.com> to=<goodguy@example.com> proto=ESMTP helo=<badguy.example.com>', IGNORED],
  ['Dec 30 18:19:15 xxx postfix-incoming/smtpd[1574]: NOQUEUE: reject: RCPT from badguy.example.com[93.184.216.34]: 454 4.7.1 Service unavailable; Client host [93.184.216.34] blocked using rbl.example.com; http://www.example.com/query?ip=93.184.216.34; from=<spammer@example.com> to=<goodguy@example.com> proto=ESMTP helo=<badguy.example.com>', IGNORED],
  ['Feb  7 12:25:45 xxx12345 postfix/smtpd[13275]: NOQUEUE: reject: RCPT from unknown[87.236.233.182]: 554 5.7.1 Service unavailable; Client host [87.236.233.182] blocked using rbl.example.com; https://www.example.com/query/ip/87.236.233.182; from=<spammer@example.com> to=<goodguy@example.com> proto=SMTP helo=<WIN-5N8GBBS0R5I>', IGNORED],
  ['Mar 10 13:33:30 gandalf postfix/smtpd[3937]: warning: HOSTNAME[1.1.1.1]: SASL LOGIN authentication failed: authentication failure', [{ type: 'auth_failure', clientAddress: '1.1.1.1', time: T('2026-03-10T13:33:30Z') }]],
  ['Sep  6 00:44:56 trianon postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6', [{ type: 'auth_failure', clientAddress: '82.221.106.233', time: T('2025-09-06T00:44:56Z') }]],
  ['Apr 12 02:24:11 xxx postfix/smtps/smtpd[42]: warning: astra4139.startdedicated.de[62.138.2.143]: SASL LOGIN authentication failed: UGFzc3dvcmQ6', [{ type: 'auth_failure', clientAddress: '62.138.2.143', time: T('2026-04-12T02:24:11Z') }]],
  ['Aug 4 16:47:52 mail3 postfix/smtpd[31152]: warning: unknown[192.0.2.237]:55729: SASL LOGIN authentication failed: authentication failure', [{ type: 'auth_failure', clientAddress: '192.0.2.237', time: T('2025-08-04T16:47:52Z') }]],
  ['Nov  4 09:11:01 mail postfix/submission/smtpd[27133]: warning: unknown[192.0.2.150]: SASL PLAIN authentication failed:', [{ type: 'auth_failure', clientAddress: '192.0.2.150', time: T('2025-11-04T09:11:01Z') }]],
  ['Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.152]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=admin', [{ type: 'auth_failure', clientAddress: '192.0.2.152', user: 'admin', time: T('2025-11-04T09:11:01Z') }]],
  ['Feb 10 13:26:34 srv postfix/smtpd[123]: disconnect from unknown[192.0.2.2] ehlo=1 auth=0/1 rset=1 quit=1 commands=3/4', IGNORED],
  ['Feb 18 09:48:04 xxx postfix/smtpd[50903]: lost connection after AUTH from unknown[192.0.2.23]', IGNORED],
  ['Sep 19 12:10:58 hostname postfix/smtpd[14059]: warning: Message delivery request rate limit exceeded: 334 from spam.example.com[192.0.2.227] for service submission', IGNORED],
  ['May  6 09:25:41 mail postfix/smtps/smtpd[16997]: warning: unknown[203.0.113.10]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=postmaster@example.org', [{ type: 'auth_failure', clientAddress: '203.0.113.10', user: 'postmaster@example.org', time: T('2026-05-06T09:25:41Z') }]],
  ['May  6 09:30:12 mail postfix/smtps/smtpd[17001]: warning: unknown[203.0.113.20]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=admin@example.org', [{ type: 'auth_failure', clientAddress: '203.0.113.20', user: 'admin@example.org', time: T('2026-05-06T09:30:12Z') }]],
  ['May  6 09:35:55 mail postfix/smtps/smtpd[17005]: warning: unknown[203.0.113.30]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=test@example.org', [{ type: 'auth_failure', clientAddress: '203.0.113.30', user: 'test@example.org', time: T('2026-05-06T09:35:55Z') }]],
  ['2024-08-26T01:33:38.572449+00:00 machine postfix/smtpd[60203]: NOQUEUE: reject: RCPT from unknown[192.168.1.1]: 504 5.5.2 <WIN-9QL4SDRB93L>: Helo command rejected: need fully-qualified hostname; from=<spammer@domain.tld> to=<spammer@domain.tld> proto=ESMTP helo=<WIN-9QL4SDRB93L>', IGNORED],
  ['2024-08-25T12:31:56.154748+00:00 machine postfix/smtpd[3887453]: NOQUEUE: reject: RCPT from unknown[192.168.1.1]: 454 4.7.1 <spammer@domain.tld>: Relay access denied; from=<spammer@domain.tld> to=<spammer@domain.tld> proto=ESMTP helo=<WIN-CLJ1B0GQ6JP>', [{ type: 'relay_denied', clientAddress: '192.168.1.1', time: T('2024-08-25T12:31:56.154Z') }]],
  ['2024-10-31T12:38:21.817327+00:00 machine postfix/submission/smtpd[2634372]: warning: non-SMTP command from unknown[192.168.1.1]: GET / HTTP/1.1', IGNORED],
  ['2026-05-12T00:01:47.478629+00:00 mail postfix/submission/smtpd[32860]: connect from unknown[77.83.39.88]', IGNORED],
  ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757: client=unknown[77.83.39.88], sasl_method=PLAIN, sasl_username=test', [{ type: 'submission', messageId: 'B06C6757', user: 'test', clientAddress: '77.83.39.88', time: T('2026-05-12T00:01:47.723Z') }]],
  ['2026-05-12T00:01:47.745625+00:00 mail postfix/cleanup[33156]: B06C6757: message-id=<TIFJBWXP8TU4.RE5ZGIOEPGI01@win-4tti4dh7sgh>', IGNORED],
  ['2026-05-12T00:01:47.750603+00:00 mail postfix/qmgr[1337]: B06C6757: from=<test@mail.orgnizedmess.net>, size=549, nrcpt=1 (queue active)', [{ type: 'recipients', messageId: 'B06C6757', count: 1, mode: 'total', time: T('2026-05-12T00:01:47.750Z') }]],
  ['2026-04-16T03:11:27.972411+02:00 myhostname postfix/smtps/smtpd[106911]: ED5343786C: client=unknown[ip42], sasl_method=LOGIN, sasl_username=myuser', [{ type: 'submission', messageId: 'ED5343786C', user: 'myuser', clientAddress: 'ip42', time: T('2026-04-16T01:11:27.972Z') }]],
  ['2026-04-16T03:12:21.168808+02:00 myhostname postfix/smtps/smtpd[106911]: 2920837870: client=unknown[ip5], sasl_method=LOGIN, sasl_username=myuser', [{ type: 'submission', messageId: '2920837870', user: 'myuser', clientAddress: 'ip5', time: T('2026-04-16T01:12:21.168Z') }]],
  ['2026-04-16T03:13:07.626860+02:00 myhostname postfix/smtps/smtpd[106911]: 98F4D37910: client=unknown[ip58], sasl_method=LOGIN, sasl_username=myuser', [{ type: 'submission', messageId: '98F4D37910', user: 'myuser', clientAddress: 'ip58', time: T('2026-04-16T01:13:07.626Z') }]],
  ['Mar  9 10:05:51 server postfix/smtpd[22074]: 10C0D60C50: client=host16-181-238-85.hiway.at[85.238.181.16], sasl_method=LOGIN, sasl_username=info@brunoaita.it', [{ type: 'submission', messageId: '10C0D60C50', user: 'info@brunoaita.it', clientAddress: '85.238.181.16', time: T('2026-03-09T10:05:51Z') }]],
  ['Jul 10 13:23:35 srv24-s-st postfix/smtpd[16005]: EC1ECDF0510: client=vpn2-a234.Voronezh.golden.ru[212.46.226.234], sasl_method=LOGIN, sasl_username=karepova@start-cbs.ru', [{ type: 'submission', messageId: 'EC1ECDF0510', user: 'karepova@start-cbs.ru', clientAddress: '212.46.226.234', time: T('2025-07-10T13:23:35Z') }]],
  ['Jul 10 13:23:50 srv24-s-st postfix/smtp[16375]: EC1ECDF0510: to=<1680827@mail.ru>, relay=mxs.mail.ru[94.100.176.20]:25, delay=15, delays=11/0/0.02/4, dsn=2.0.0, status=sent (250 OK id=1SoWf6-0000Dv-Lf)', [{ type: 'delivery', messageId: 'EC1ECDF0510', status: 'sent', reply: '250 OK id=1SoWf6-0000Dv-Lf', recipient: '1680827@mail.ru', time: T('2025-07-10T13:23:50Z') }]],
  ['Nov 20 17:55:48 mezzo-System-Product-Name postfix/qmgr[8824]: 519BB501135: from=<mezzo@mezzo-System-Product-Name>, size=382, nrcpt=1 (queue active)', [{ type: 'recipients', messageId: '519BB501135', count: 1, mode: 'total', time: T('2025-11-20T17:55:48Z') }]],
  ['Sep  4 22:26:09 server postfix/smtp[16262]: 2149BB042D5: to=<my_email@domain.com>, relay=mx01.domain.com[***.**.**.***]:25, delay=0.8, delays=0.41/0.02/0.21/0.16, dsn=5.7.1, status=bounced (host mx01.domain.com[***.**.**.***] said: 554 5.7.1 Service unavailable; Client host [**.**.***.***] blocked using zen.spamhaus.org; http://www.spamhaus.org/query/bl?ip=**.**.***.*** (in reply to RCPT TO command))', [{ type: 'delivery', messageId: '2149BB042D5', status: 'bounced', reply: 'host mx01.domain.com[***.**.**.***] said: 554 5.7.1 Service unavailable; Client host [**.**.***.***] blocked using zen.spamhaus.org; http://www.spamhaus.org/query/bl?ip=**.**.***.*** (in reply to RCPT TO command)', recipient: 'my_email@domain.com', time: T('2025-09-04T22:26:09Z') }]],
  ['Sep 30 17:27:18 Skyfire postfix/smtp[31799]: DA456E2016E: to=<test@familiekrikke.nl>, relay=smtp.dds.nl[85.17.178.138]:587, delay=0.62, delays=0.08/0.03/0.26/0.24, dsn=5.7.1, status=bounced (host smtp.dds.nl[85.17.178.138] said: 554 5.7.1 Service unavailable; Client host [xxx.xxx.xxx.xxx] blocked using zen.spamhaus.org; http://www.spamhaus.org/query/bl?ip=82.74.173.86 (in reply to RCPT TO command))', [{ type: 'delivery', messageId: 'DA456E2016E', status: 'bounced', reply: 'host smtp.dds.nl[85.17.178.138] said: 554 5.7.1 Service unavailable; Client host [xxx.xxx.xxx.xxx] blocked using zen.spamhaus.org; http://www.spamhaus.org/query/bl?ip=82.74.173.86 (in reply to RCPT TO command)', recipient: 'test@familiekrikke.nl', time: T('2025-09-30T17:27:18Z') }]],
  ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cinay.eu>, relay=cinay.eu[195.181.242.156]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bounced (host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command))', [{ type: 'delivery', messageId: 'A6B77608D0', status: 'bounced', reply: 'host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command)', recipient: 'vps@cinay.eu', time: T('2025-08-14T07:14:06Z') }]],
  ['Jan 23 14:33:30 bus-gp-ap1a-prd postfix/smtp[3669628]: 08F8CC0184: to=<s.sivakov.inform.gazprom.ru@gazprom.ru>, orig_to=<s.sivakov.inform.gazprom.ru>, relay=c1p1-exch.gazprom.loc[10.56.80.67]:465, delay=0.14, delays=0.06/0.02/0.06/0, dsn=5.7.1, status=bounced (host c1p1-exch.gazprom.loc[10.56.80.67] said: 550 5.7.1 Client does not have permissions to send as this sender (in reply to end of DATA command))', [{ type: 'delivery', messageId: '08F8CC0184', status: 'bounced', reply: 'host c1p1-exch.gazprom.loc[10.56.80.67] said: 550 5.7.1 Client does not have permissions to send as this sender (in reply to end of DATA command)', recipient: 's.sivakov.inform.gazprom.ru@gazprom.ru', time: T('2026-01-23T14:33:30Z') }]],
  ['Nov 20 04:29:12 janus postfix/smtpd[20365]: NOQUEUE: reject: RCPT from unknown[198.52.131.89]: 554 5.7.1 Service unavailable; Client host [198.52.131.89] blocked using zen.spamhaus.org; https://www.spamhaus.org/sbl/query/SBLCSS; from=<Christie.Brinkley.Skincare@grieving.thoweam.top> to=<brad@divisionbyzero.net> proto=ESMTP helo=<grieving.thoweam.top>', IGNORED],
  ];

  test.each(rows)('%s', (line, expected) => expectResult(line, expected));

  test('the table covers every line of the sample file', () => {
    expect(rows.map((r) => r[0])).toEqual(logLines('postfix.log'));
  });

  test('totals over the sample', () => {
    const p = parser();
    const results = logLines('postfix.log').map((l) => p.parse(l));
    const events = results.flatMap((r) => (r.result === 'parsed' ? r.events : []));
    expect(results.filter((r) => r.result === 'parsed')).toHaveLength(33);
    expect(results.filter((r) => r.result === 'ignored')).toHaveLength(23);
    expect(results.filter((r) => r.result === 'malformed')).toHaveLength(0);
    expect(countTypes(events)).toEqual({ auth_failure: 10, delivery: 10, recipients: 2, relay_denied: 2, submission: 7, unauthenticated: 2 });
  });
});

function countTypes(events: MailEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

describe('program names', () => {
  test.each([
    ['postfix/smtpd', 'smtpd'],
    ['postfix/submission/smtpd', 'smtpd'],
    ['postfix-smo/submission/smtpd', 'smtpd'],
    ['postfix/smtp-25/smtpd', 'smtpd'],
    ['postfix-out/smtp', 'delivery'],
    ['postfix/relay/smtp', 'delivery'],
    ['postfix/lmtp', 'delivery'],
    ['postfix/local', 'delivery'],
    ['postfix/virtual', 'delivery'],
    ['postfix/pipe', 'delivery'],
    ['postfix/error', 'delivery'],
    ['postfix/discard', 'delivery'],
    ['postfix/qmgr', 'qmgr'],
    ['postfix/cleanup', 'cleanup'],
    ['postfix/bounce', 'bounce'],
    ['postfix/postscreen', 'postscreen'],
    ['postfix/pickup', 'pickup'],
    ['postfix/anvil', undefined],
    ['postfix/dnsblog', undefined],
    ['smtpd', undefined],        // OpenSMTPD
    ['dovecot', undefined],
    ['sm-mta', undefined],
  ])('%s → %s', (program, service) => {
    expect(postfixService(program)).toBe(service);
  });

  test('lines of other programs are ignored, not malformed', () => {
    expectResult('Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS', IGNORED);
    expectResult('Jul  6 06:01:46 ams-1 smtpd[75295]: 5df87c9c42abeddb smtp message msgid=f6e94209 size=802 nrcpt=1 proto=ESMTP', IGNORED);
    expectResult('Feb 24 16:18:40 letterman postfix/anvil[1234]: statistics: max connection rate 1/60s for (smtp:1.2.3.4) at Feb 24 16:18:40', IGNORED);
  });

  test('a line that is not syslog at all is malformed', () => {
    expect(parser().parse('2020-06-19 06:26:02 1jmH1s-000AVD-5t Completed')).toEqual({ result: 'malformed', reason: 'not a syslog line' });
  });
});

describe('queue IDs', () => {
  test.each([
    ['EB4B2C19E2', true],
    ['B06C6757', true],
    ['199041033BE', true],
    ['44JCRG5tYPzCqt2', true],   // enable_long_queue_ids
    ['4RJ9Bv2cQWz8Wxy', true],
    ['BACE8', false],            // too short
    ['NOQUEUE', false],
    ['warning', false],
    ['eb4b2c19e2', false],       // short IDs are upper-case hex
    ['44JCRG5tYPCqt2', false],   // long IDs have the "z" separator
    ['44JCRG5tYPzCqA2', false],  // and no vowels
  ])('%s → %s', (id, ok) => {
    expect(isPostfixQueueId(id)).toBe(ok);
  });

  test('a line is read as that queue ID\'s exactly when isPostfixQueueId says it is one', () => {
    // The parser checks the ID while it looks for the ":" after it; it must
    // agree with isPostfixQueueId on any word, of any length, in that place.
    const char = fc.constantFrom(...'0123456789ABCDEFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyzaeiouU-_.'.split(''));
    const parser = new PostfixParser(new LogClock(() => Date.UTC(2026, 5, 1)));
    fc.assert(fc.property(fc.array(char, { minLength: 1, maxLength: 40 }).map((cs) => cs.join('')), (id) => {
      const r = parser.parse(`Jun  1 10:00:00 mail postfix/qmgr[3663]: ${id}: removed`);
      const isId = isPostfixQueueId(id);
      const ev = r.result === 'parsed' ? r.events[0] : undefined;
      expect(ev?.type === 'message_done' ? ev.messageId : undefined).toBe(isId ? id : undefined);
    }), { numRuns: 5000 });
  });
});

describe('lines cut short', () => {
  // Real lines cut where a required field should be: malformed (or ignored
  // when what is left is no longer a recognisable event), never a partial event.
  const M = (reason: string): ParseResult => ({ result: 'malformed', reason });
  test.each<[string, ParseResult]>([
    ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757: client=', M('client= without a complete host[address]')],
    ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757: client=unknown[77.83.', M('client= without a complete host[address]')],
    ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757: client=unknown[77.83.39.88], sasl_method=PLAIN', M('sasl_method= without sasl_username= (line cut short?)')],
    ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757: client=unknown[77.83.39.88], sasl_method=PLAIN, sasl_user', M('sasl_method= without sasl_username= (line cut short?)')],
    ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757:', M('nothing after the queue ID')],
    ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757', M('nothing after the queue ID')],
    ['2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32', M('not a syslog line')],
    ['2026-05-12T00:01:47.72', M('not a syslog line')],
    ['2026-05-12T00:01:47.750603+00:00 mail postfix/qmgr[1337]: B06C6757: from=<test@mail.orgnizedmess.net>, size=549, nrcpt=1', M('qmgr from= line cut short')],
    ['2026-05-12T00:01:47.750603+00:00 mail postfix/qmgr[1337]: B06C6757: from=<test@mail.orgnizedmess.net>, size=549, nrcpt=1 (queue act', M('qmgr from= line cut short')],
    ['2026-05-12T00:01:47.750603+00:00 mail postfix/qmgr[1337]: B06C6757: from=<test@mail.orgnizedmess.net>, size=549', M('qmgr from= line cut short')],
    ['Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<noreply@domain.com>, status=expired, returned to', M('qmgr from= line cut short')],
    ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cin', M('to= address cut short')],
    ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cinay.eu>, relay=', M('delivery line without status=')],
    ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cinay.eu>, relay=cinay.eu[195.181.242.156]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1', M('delivery line without status=')],
    ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cinay.eu>, relay=cinay.eu[195.181.242.156]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bou', M('delivery line cut short')],
    ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cinay.eu>, relay=cinay.eu[195.181.242.156]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bounced', M('delivery reply cut short')],
    ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cinay.eu>, relay=cinay.eu[195.181.242.156]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bounced (host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spam', M('delivery reply cut short')],
    // Cut just after the inner ")": still ends in ")", but the reply never closes its "(".
    ['Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<vps@cinay.eu>, relay=cinay.eu[195.181.242.156]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bounced (host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command)', M('delivery reply cut short')],
    ['Jan 23 14:33:30 bus-gp-ap1a-prd postfix/smtp[3669628]: 08F8CC0184: to=<s.sivakov.inform.gazprom.ru@gazprom.ru>, orig_to=<s.sivakov.inf', M('orig_to= address cut short')],
    ['Jan 23 14:33:30 bus-gp-ap1a-prd postfix/smtp[3669628]: 08F8CC0184: to=<s.sivakov.inform.gazprom.ru@gazprom.ru>, orig_to=<s.sivakov.inform.gazprom.ru>, rel', M('delivery line without relay=')],
    ['Dec 29 03:03:48 mail postfix/bounce[9321]: 732BB407C3: sender non-delivery notification: 5DE1', M('notification without a queue ID')],
    ['Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.152]: SASL LOGIN authentication failed: (reason unavailable), sasl_usern', M('sasl_username= cut short')],
    ['Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.152]: SASL LOGIN authentication failed: (reason unavailable),', M('sasl_username= cut short')],
    ['Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.152]: SASL LOGIN authent', M('SASL failure cut short')],
    ['Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.152]: SASL LOGIN', M('SASL warning cut short')],
    ['Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.1', IGNORED],
    ['Jul 12 07:47:48 saturn postfix/smtpd[8738]: NOQUEUE: reject: RCPT from 1-2-3-4-example.com[1.2.3.4]: 554 5.7.1 <smtp@example.com>: Relay acc', IGNORED],
    ['Jul 12 07:47:48 saturn postfix/smtpd[8738]: NOQUEUE: reject: RCPT from 1-2-3-4-exa', IGNORED],
  ])('%s', (line, expected) => expectResult(line, expected));

  test('no prefix of any real line throws, and no prefix yields a different delivery or recipient count', () => {
    const lines = [...logLines('postfix.log'), ...logLines('postfix-composed.log')];
    let cuts = 0;
    for (const line of lines) {
      const full = parser().parse(line);
      const fullEvents = full.result === 'parsed' ? full.events : [];
      for (let n = 0; n < line.length; n++) {
        const r = parser().parse(line.slice(0, n));
        cuts++;
        expect(['parsed', 'ignored', 'malformed']).toContain(r.result);
        if (r.result !== 'parsed') continue;
        for (const ev of r.events) {
          // Deliveries (whose reply feeds the blacklist classifier) and recipient
          // totals are anchored at the end of the line: a prefix is either the
          // whole event or nothing.
          if (ev.type === 'delivery' || ev.type === 'recipients' || ev.type === 'requeued') expect(fullEvents).toContainEqual(ev);
        }
      }
    }
    expect(cuts).toBeGreaterThan(10_000);
  });
});

describe('attacker-chosen text cannot fake fields', () => {
  test('a sender address ending like a recipient count does not set the count', () => {
    expectResult('2026-05-12T00:01:47.750603+00:00 mail postfix/qmgr[1337]: B06C6757: from=<"x, nrcpt=900 (queue active)"@evil.example>, size=549, nrcpt=1 (queue active)',
      [{ type: 'recipients', time: T('2026-05-12T00:01:47.750Z'), messageId: 'B06C6757', count: 1, mode: 'total' }]);
  });

  test('a quoted recipient holding ">, relay=…, status=sent (" does not change the status', () => {
    expectResult('Aug 14 07:14:06 ouestyan postfix/smtp[3238]: A6B77608D0: to=<"a>, relay=x, delay=1, dsn=2.0.0, status=sent (ok)"@cinay.eu>, relay=cinay.eu[195.181.242.156]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bounced (host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command))',
      [{ type: 'delivery', time: T('2025-08-14T07:14:06Z'), messageId: 'A6B77608D0', status: 'bounced', recipient: '"a>, relay=x, delay=1, dsn=2.0.0, status=sent (ok)"@cinay.eu', reply: 'host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command)' }]);
  });

  test('a failed-login name may hold commas and spaces: it is taken whole, and it is not a send', () => {
    expectResult('Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.152]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=admin, sasl_username=root x',
      [{ type: 'auth_failure', time: T('2025-11-04T09:11:01Z'), clientAddress: '192.0.2.152', user: 'root x' }]);
  });

  test('an empty sasl_username= is unauthenticated', () => {
    expectResult('2026-05-12T00:01:47.723271+00:00 mail postfix/submission/smtpd[32860]: B06C6757: client=unknown[77.83.39.88], sasl_method=PLAIN, sasl_username=',
      [{ type: 'unauthenticated', time: T('2026-05-12T00:01:47.723Z'), messageId: 'B06C6757', clientAddress: '77.83.39.88' }]);
  });
});

describe('a whole composed log (postfix-composed.log)', () => {
  const lines = logLines('postfix-composed.log');
  const p = parser();
  const results = lines.map((l) => p.parse(l));
  const events = results.flatMap((r) => (r.result === 'parsed' ? r.events : []));

  test('exact totals of each result and event type', () => {
    expect(lines).toHaveLength(64);
    expect(results.filter((r) => r.result === 'parsed')).toHaveLength(46);
    expect(results.filter((r) => r.result === 'ignored')).toHaveLength(17);
    expect(results.filter((r) => r.result === 'malformed')).toEqual([{ result: 'malformed', reason: 'delivery reply cut short' }]);
    expect(countTypes(events)).toEqual({
      submission: 3, unauthenticated: 6, recipients: 10, delivery: 12, requeued: 4, message_done: 7, auth_failure: 3, relay_denied: 1,
    });
    const deliveries = events.filter((e): e is Extract<MailEvent, { type: 'delivery' }> => e.type === 'delivery');
    expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(6);
    expect(deliveries.filter((d) => d.status === 'deferred')).toHaveLength(3);
    expect(deliveries.filter((d) => d.status === 'bounced')).toHaveLength(3);
  });

  test('the content-filter hop is a requeue, not three deliveries; a local forward is a requeue too', () => {
    expect(events.filter((e) => e.type === 'requeued')).toEqual([
      { type: 'requeued', time: T('2026-03-02T10:15:03Z'), messageId: '4C1D2E3F40', newMessageId: '5A6B7C8D90' },
      { type: 'requeued', time: T('2026-03-02T10:15:03Z'), messageId: '4C1D2E3F40', newMessageId: '5A6B7C8D90' },
      { type: 'requeued', time: T('2026-03-02T10:15:03Z'), messageId: '4C1D2E3F40', newMessageId: '5A6B7C8D90' },
      { type: 'requeued', time: T('2026-03-02T10:20:01Z'), messageId: '9E0F1A2B34', newMessageId: '0A1B2C3D4E' },
    ]);
  });

  test('joined by queue ID, outcomes land on the SASL user; inbound, pickup and NDRs on nobody', () => {
    expect(attribute(events)).toEqual({
      'alice@example.org': { messages: 1, sent: 1, deferred: 1, bounced: 1 },
      bob: { messages: 1, sent: 0, deferred: 1, bounced: 2 },
      'carol@example.org': { messages: 1, sent: 1, deferred: 1, bounced: 0 },
    });
  });

  test('the failed logins carry the name only where the line names it', () => {
    expect(events.filter((e) => e.type === 'auth_failure')).toEqual([
      { type: 'auth_failure', time: T('2026-03-02T10:19:01Z'), clientAddress: '192.0.2.152', user: 'admin' },
      { type: 'auth_failure', time: T('2026-03-02T10:19:03Z'), clientAddress: '192.0.2.152' },
      { type: 'auth_failure', time: T('2026-03-02T10:19:04Z'), clientAddress: '192.0.2.152' },
    ]);
  });
});

/** A minimal queue-ID join, as the stats engine does it: which user each outcome belongs to. */
function attribute(events: MailEvent[]): Record<string, { messages: number; sent: number; deferred: number; bounced: number }> {
  const owner = new Map<string, string>();
  const out: Record<string, { messages: number; sent: number; deferred: number; bounced: number }> = {};
  for (const e of events) {
    if (e.type === 'submission') {
      owner.set(e.messageId, e.user);
      (out[e.user] ??= { messages: 0, sent: 0, deferred: 0, bounced: 0 }).messages++;
    } else if (e.type === 'unauthenticated' || e.type === 'message_done') {
      owner.delete(e.messageId);
    } else if (e.type === 'requeued') {
      const user = owner.get(e.messageId);
      if (user !== undefined) owner.set(e.newMessageId, user);
    } else if (e.type === 'delivery') {
      const user = owner.get(e.messageId);
      if (user !== undefined) out[user]![e.status]++;
    }
  }
  return out;
}
