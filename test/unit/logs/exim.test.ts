// The Exim parser on real lines: every line of the verbatim sample
// (test/fixtures/logs/exim_mainlog, copied from /work/shared/samples) with its
// exact result, timestamp and syslog forms, real lines cut short, hostile
// variants of real lines, and a whole composed log (exim-composed.log, real
// line shapes; see its header).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailEvent, ParseResult } from '../../../src/logs/events';
import { EximParser, eximMessageIdLength } from '../../../src/logs/exim';
import { LogClock } from '../../../src/logs/syslog';

const FIXTURES = join(__dirname, '../../fixtures/logs');
const NOW = Date.parse('2026-06-15T00:00:00Z');
const T = (iso: string) => Date.parse(iso);
const IGNORED: ParseResult = { result: 'ignored' };
const M = (reason: string): ParseResult => ({ result: 'malformed', reason });

/** Parser with a fixed clock; local times (no zone in the line) are read as UTC. */
const parser = (zone = 'UTC') => new EximParser(new LogClock(() => NOW, zone));

function logLines(file: string): string[] {
  return readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

type Expected = ParseResult | MailEvent[];

function expectResult(line: string, expected: Expected, p = parser()): void {
  expect(p.parse(line)).toEqual(Array.isArray(expected) ? { result: 'parsed', events: expected } : expected);
}

function countTypes(events: MailEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

describe('every line of the real Exim sample', () => {
  const rows: [string, Expected][] = [
    ['2020-06-19 04:51:49 [123] 1jmFYj-00039V-QX <= noreply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=7386', [{ type: 'unauthenticated', time: T('2020-06-19T04:51:49Z'), messageId: '1jmFYj-00039V-QX', clientAddress: '2.2.2.2' }]],
    ['2020-06-19 04:54:02 1jmFYj-00039V-QX H=null.corp [6.6.6.6] Connection timed out', IGNORED],
    ['2020-06-19 04:54:02 1jmFYj-00039V-QX == bob@null.corp R=dnslookup T=remote_smtp defer (110): Connection timed out', [{ type: 'delivery', time: T('2020-06-19T04:54:02Z'), messageId: '1jmFYj-00039V-QX', status: 'deferred', recipient: 'bob@null.corp', reply: 'defer (110): Connection timed out' }]],
    ['2020-06-19 04:54:02 1jmFYj-00039V-QX ** bob@null.corp: retry timeout exceeded', [{ type: 'delivery', time: T('2020-06-19T04:54:02Z'), messageId: '1jmFYj-00039V-QX', status: 'bounced', recipient: 'bob@null.corp', reply: 'retry timeout exceeded' }, { type: 'recipients', time: T('2020-06-19T04:54:02Z'), messageId: '1jmFYj-00039V-QX', count: 1, mode: 'increment' }]],
    ['2020-06-19 04:54:02 1jmFas-0004f6-EB <= <> R=1jmFYj-00039V-QX U=Debian-exim P=local S=8656', [{ type: 'unauthenticated', time: T('2020-06-19T04:54:02Z'), messageId: '1jmFas-0004f6-EB' }]],
    ['2020-06-19 04:54:02 [456] 1jmFYj-00039V-QX Completed', [{ type: 'message_done', time: T('2020-06-19T04:54:02Z'), messageId: '1jmFYj-00039V-QX' }]],
    ['2020-06-19 06:26:02 1jmH1s-000AVD-5t => dave@foo.corp R=dnslookup T=remote_smtp H=mail.foo.corp [1.1.1.1] C="250 2.0.0 Ok: queued"', [{ type: 'delivery', time: T('2020-06-19T06:26:02Z'), messageId: '1jmH1s-000AVD-5t', status: 'sent', recipient: 'dave@foo.corp', reply: '250 2.0.0 Ok: queued' }, { type: 'recipients', time: T('2020-06-19T06:26:02Z'), messageId: '1jmH1s-000AVD-5t', count: 1, mode: 'increment' }]],
    ['2020-06-19 06:26:02 1jmH1s-000AVD-5t Completed', [{ type: 'message_done', time: T('2020-06-19T06:26:02Z'), messageId: '1jmH1s-000AVD-5t' }]],
    ['2020-06-19 06:26:02 1jmH1t-0000dO-Un <= noreply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=7462', [{ type: 'unauthenticated', time: T('2020-06-19T06:26:02Z'), messageId: '1jmH1t-0000dO-Un', clientAddress: '2.2.2.2' }]],
    ['2020-06-19 06:26:03 1jmH1t-0000dO-Un => harry@bar.corp R=dnslookup T=remote_smtp H=mail.bar.corp [7.7.7.7] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=US,ST=Notia,L=Nowhere,O=Bar Corp,CN=mail.bar.corp" C="250 2.6.0 <E1jmH1t-0000dO-Un@smtp.test.corp> 16655 bytes in 0.342, 47.543 KB/sec Queued mail for delivery -> 250 2.1.5"', [{ type: 'delivery', time: T('2020-06-19T06:26:03Z'), messageId: '1jmH1t-0000dO-Un', status: 'sent', recipient: 'harry@bar.corp', reply: '250 2.6.0 <E1jmH1t-0000dO-Un@smtp.test.corp> 16655 bytes in 0.342, 47.543 KB/sec Queued mail for delivery -> 250 2.1.5' }, { type: 'recipients', time: T('2020-06-19T06:26:03Z'), messageId: '1jmH1t-0000dO-Un', count: 1, mode: 'increment' }]],
    ['2020-06-19 06:26:03 1jmH1t-0000dO-Un Completed', [{ type: 'message_done', time: T('2020-06-19T06:26:03Z'), messageId: '1jmH1t-0000dO-Un' }]],
    ['2020-06-19 10:32:54 1jmKso-0009d4-Uf <= noreply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=7983', [{ type: 'unauthenticated', time: T('2020-06-19T10:32:54Z'), messageId: '1jmKso-0009d4-Uf', clientAddress: '2.2.2.2' }]],
    ['2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.corp": SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]', [{ type: 'delivery', time: T('2020-06-19T10:32:57Z'), messageId: '1jmKso-0009d4-Uf', status: 'bounced', recipient: 'molly@zee.corp', reply: 'SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]' }, { type: 'recipients', time: T('2020-06-19T10:32:57Z'), messageId: '1jmKso-0009d4-Uf', count: 1, mode: 'increment' }]],
    ['2020-06-19 10:32:57 1jmKsr-00040h-1G <= <> R=1jmKso-0009d4-Uf U=Debian-exim P=local S=9521', [{ type: 'unauthenticated', time: T('2020-06-19T10:32:57Z'), messageId: '1jmKsr-00040h-1G' }]],
    ['2020-06-19 10:32:57 1jmKso-0009d4-Uf Completed', [{ type: 'message_done', time: T('2020-06-19T10:32:57Z'), messageId: '1jmKso-0009d4-Uf' }]],
    ['2020-06-20 00:13:14 1jmXgg-000AIC-89 <= tom@test.corp H=(relay.test.corp) [4.4.4.4] P=esmtp S=15670 id=28f524f604c24d70a519a32fcbdf01d9@test.corp', [{ type: 'unauthenticated', time: T('2020-06-20T00:13:14Z'), messageId: '1jmXgg-000AIC-89', clientAddress: '4.4.4.4' }]],
    ['2020-06-20 00:13:16 1jmXgg-000AIC-89 => nick@dummy.corp R=dnslookup T=remote_smtp_smarthost H=smarthost.test.corp [5.5.5.5] X=TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128 CV=yes DN="C=XX,L=Here,O=Text Corp,CN=*.test.corp" C="250 6292145-1592637196662@smarthost.test.corp Received OK [sHQA_0EGOfCC2A2sh3iD5g]"', [{ type: 'delivery', time: T('2020-06-20T00:13:16Z'), messageId: '1jmXgg-000AIC-89', status: 'sent', recipient: 'nick@dummy.corp', reply: '250 6292145-1592637196662@smarthost.test.corp Received OK [sHQA_0EGOfCC2A2sh3iD5g]' }, { type: 'recipients', time: T('2020-06-20T00:13:16Z'), messageId: '1jmXgg-000AIC-89', count: 1, mode: 'increment' }]],
    ['2020-06-20 00:13:16 1jmXgg-000AIC-89 -> sally@dummy.corp R=dnslookup T=remote_smtp_smarthost H=smarthost.test.corp [5.5.5.5] X=TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128 CV=yes DN="C=XX,L=Here,O=Text Corp,CN=*.test.corp" C="250 6292145-1592637196662@smarthost.test.corp Received OK [sHQA_0EGOfCC2A2sh3iD5g]"', [{ type: 'delivery', time: T('2020-06-20T00:13:16Z'), messageId: '1jmXgg-000AIC-89', status: 'sent', recipient: 'sally@dummy.corp', reply: '250 6292145-1592637196662@smarthost.test.corp Received OK [sHQA_0EGOfCC2A2sh3iD5g]' }, { type: 'recipients', time: T('2020-06-20T00:13:16Z'), messageId: '1jmXgg-000AIC-89', count: 1, mode: 'increment' }]],
    ['2020-06-20 01:32:57 +0200 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.corp": SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]', [{ type: 'delivery', time: T('2020-06-19T23:32:57Z'), messageId: '1jmKso-0009d4-Uf', status: 'bounced', recipient: 'molly@zee.corp', reply: 'SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]' }, { type: 'recipients', time: T('2020-06-19T23:32:57Z'), messageId: '1jmKso-0009d4-Uf', count: 1, mode: 'increment' }]],
    ['2020-06-20 02:32:57 -0200 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.corp": SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]', [{ type: 'delivery', time: T('2020-06-20T04:32:57Z'), messageId: '1jmKso-0009d4-Uf', status: 'bounced', recipient: 'molly@zee.corp', reply: 'SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]' }, { type: 'recipients', time: T('2020-06-20T04:32:57Z'), messageId: '1jmKso-0009d4-Uf', count: 1, mode: 'increment' }]],
    ['2020-06-20 03:32:57 +0200 1jmKsr-00040h-1G <= <> R=1jmKso-0009d4-Uf U=Debian-exim P=local S=9521', [{ type: 'unauthenticated', time: T('2020-06-20T01:32:57Z'), messageId: '1jmKsr-00040h-1G' }]],
    ['2020-06-20 04:32:57 -0200 1jmKsr-00040h-1G <= <> R=1jmKso-0009d4-Uf U=Debian-exim P=local S=9521', [{ type: 'unauthenticated', time: T('2020-06-20T06:32:57Z'), messageId: '1jmKsr-00040h-1G' }]],
    ['2020-06-20 05:13:01 1raAO5-0091Cv-IH <= noreply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=8965', [{ type: 'unauthenticated', time: T('2020-06-20T05:13:01Z'), messageId: '1raAO5-0091Cv-IH', clientAddress: '2.2.2.2' }]],
    ['2020-06-20 05:13:04 1raAO5-0091Cv-IH ** dave@foo.corp R=dnslookup T=remote_smtp H=(relay.test.corp) [4.4.4.4]: SMTP error from remote mail server after end of data: 550 Message was not accepted -- invalid mailbox.  Local mailbox dave@foo.corp is unavailable: dave\'s not here man', [{ type: 'delivery', time: T('2020-06-20T05:13:04Z'), messageId: '1raAO5-0091Cv-IH', status: 'bounced', recipient: 'dave@foo.corp', reply: 'SMTP error from remote mail server after end of data: 550 Message was not accepted -- invalid mailbox.  Local mailbox dave@foo.corp is unavailable: dave\'s not here man' }, { type: 'recipients', time: T('2020-06-20T05:13:04Z'), messageId: '1raAO5-0091Cv-IH', count: 1, mode: 'increment' }]],
    ['2020-06-20 05:13:04 1raAO8-009PRt-V3 <= <> R=1raAO5-0091Cv-IH U=Debian-exim P=local S=10651', [{ type: 'unauthenticated', time: T('2020-06-20T05:13:04Z'), messageId: '1raAO8-009PRt-V3' }]],
    ['2020-06-20 05:13:04 1raAO5-0091Cv-IH Completed', [{ type: 'message_done', time: T('2020-06-20T05:13:04Z'), messageId: '1raAO5-0091Cv-IH' }]],
    ['2020-06-24 00:13:03 1raAO7-0094KF-7u <= noreply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=35794', [{ type: 'unauthenticated', time: T('2020-06-24T00:13:03Z'), messageId: '1raAO7-0094KF-7u', clientAddress: '2.2.2.2' }]],
    ['2020-06-24 00:13:06 1raAO7-0094KF-7u ** rudy@foo.corp R=dnslookup T=remote_smtp H=(relay.test.corp) [4.4.4.4]: SMTP error from remote mail server after RCPT TO:<rudy@test.corp>: 540 5.7.1 <rudy@test.corp>: recipient address rejected: Blocked', [{ type: 'delivery', time: T('2020-06-24T00:13:06Z'), messageId: '1raAO7-0094KF-7u', status: 'bounced', recipient: 'rudy@foo.corp', reply: 'SMTP error from remote mail server after RCPT TO:<rudy@test.corp>: 540 5.7.1 <rudy@test.corp>: recipient address rejected: Blocked' }, { type: 'recipients', time: T('2020-06-24T00:13:06Z'), messageId: '1raAO7-0094KF-7u', count: 1, mode: 'increment' }]],
    ['2020-06-24 00:13:06 1raAOA-009PWF-9J <= <> R=1raAO7-0094KF-7u U=Debian-exim P=local S=37516', [{ type: 'unauthenticated', time: T('2020-06-24T00:13:06Z'), messageId: '1raAOA-009PWF-9J' }]],
    ['2020-06-24 00:13:06 1raAO7-0094KF-7u Completed', [{ type: 'message_done', time: T('2020-06-24T00:13:06Z'), messageId: '1raAO7-0094KF-7u' }]],
    ['2020-06-24 00:20:14 1raAV4-009jr4-9x <= noreply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=9237', [{ type: 'unauthenticated', time: T('2020-06-24T00:20:14Z'), messageId: '1raAV4-009jr4-9x', clientAddress: '2.2.2.2' }]],
    ['2020-06-24 00:20:20 1raAV4-009jr4-9x == jack@test.corp R=dnslookup T=remote_smtp defer (-44) H=(relay.test.corp) [4.4.4.4: SMTP error from remote mail server after RCPT TO:<jack@test.corp>: 450 4.7.1 <jack@test.corp>: Recipient address rejected: Recipient not available', [{ type: 'delivery', time: T('2020-06-24T00:20:20Z'), messageId: '1raAV4-009jr4-9x', status: 'deferred', recipient: 'jack@test.corp', reply: 'defer (-44) H=(relay.test.corp) [4.4.4.4: SMTP error from remote mail server after RCPT TO:<jack@test.corp>: 450 4.7.1 <jack@test.corp>: Recipient address rejected: Recipient not available' }]],
    ['2020-06-24 00:20:20 1raAV4-009jr4-9x ** jack@test.corp: retry timeout exceeded', [{ type: 'delivery', time: T('2020-06-24T00:20:20Z'), messageId: '1raAV4-009jr4-9x', status: 'bounced', recipient: 'jack@test.corp', reply: 'retry timeout exceeded' }, { type: 'recipients', time: T('2020-06-24T00:20:20Z'), messageId: '1raAV4-009jr4-9x', count: 1, mode: 'increment' }]],
    ['2020-06-24 00:20:20 1raAVA-00A0wC-Dg <= <> R=1raAV4-009jr4-9x U=Debian-exim P=local S=10939', [{ type: 'unauthenticated', time: T('2020-06-24T00:20:20Z'), messageId: '1raAVA-00A0wC-Dg' }]],
    ['2020-06-24 00:20:20 1raAV4-009jr4-9x Completed', [{ type: 'message_done', time: T('2020-06-24T00:20:20Z'), messageId: '1raAV4-009jr4-9x' }]],
    ['2013-01-04 17:03:46 login authenticator failed for rrcs-24-106-174-74.se.biz.rr.com ([192.168.2.33]) [24.106.174.74]: 535 Incorrect authentication data (set_id=brian)', [{ type: 'auth_failure', time: T('2013-01-04T17:03:46Z'), clientAddress: '24.106.174.74', user: 'brian' }]],
    ['2013-06-12 03:57:58 login authenticator failed for (ylmf-pc) [120.196.140.45]: 535 Incorrect authentication data: 1 Time(s)', [{ type: 'auth_failure', time: T('2013-06-12T03:57:58Z'), clientAddress: '120.196.140.45' }]],
    ['2013-06-12 13:18:11 login authenticator failed for (USER-KVI9FGS9KP) [101.66.165.86]: 535 Incorrect authentication data', [{ type: 'auth_failure', time: T('2013-06-12T13:18:11Z'), clientAddress: '101.66.165.86' }]],
    ['2013-08-20 07:48:02 login authenticator failed for static-ip-85-25-92-177.inaddr.ip-pool.com (USER) [85.25.92.177]: 535 Incorrect authentication data: 1 Time(s)', [{ type: 'auth_failure', time: T('2013-08-20T07:48:02Z'), clientAddress: '85.25.92.177' }]],
    ['2013-08-20 23:30:05 plain authenticator failed for ([192.168.2.102]) [91.218.72.71]: 535 Incorrect authentication data: 1 Time(s)', [{ type: 'auth_failure', time: T('2013-08-20T23:30:05Z'), clientAddress: '91.218.72.71' }]],
    ['2013-09-02 09:19:07 login authenticator failed for (gkzwsoju) [118.233.20.68]: 535 Incorrect authentication data', [{ type: 'auth_failure', time: T('2013-09-02T09:19:07Z'), clientAddress: '118.233.20.68' }]],
    ['2014-01-12 02:07:48 dovecot_login authenticator failed for h1832461.stratoserver.net (User) [85.214.85.40]: 535 Incorrect authentication data (set_id=scanner)', [{ type: 'auth_failure', time: T('2014-01-12T02:07:48Z'), clientAddress: '85.214.85.40', user: 'scanner' }]],
    ['2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: dovecot_login authenticator failed for (User) [192.0.2.37]: 535 Incorrect authentication data (set_id=test@domain.com)', [{ type: 'auth_failure', time: T('2019-10-22T03:39:17Z'), clientAddress: '192.0.2.37', user: 'test@domain.com' }]],
    ['2014-12-02 03:00:23 auth_plain authenticator failed for (rom182) [193.254.202.35]:41556 I=[10.0.0.1]:25: 535 Incorrect authentication data (set_id=webmaster)', [{ type: 'auth_failure', time: T('2014-12-02T03:00:23Z'), clientAddress: '193.254.202.35', user: 'webmaster' }]],
    ['2017-04-23 22:45:59 fixed_login authenticator failed for bad.host.example.com [192.0.2.2]:54412 I=[172.89.0.6]:587: 535 Incorrect authentication data (set_id=user@example.com)', [{ type: 'auth_failure', time: T('2017-04-23T22:45:59Z'), clientAddress: '192.0.2.2', user: 'user@example.com' }]],
    ['2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.169.175.1]:21298 I=[22.33.44.55]:465 Ci=30416: 535 Incorrect authentication data (set_id=uaf589@example.com)', [{ type: 'auth_failure', time: T('2024-03-21T19:26:06Z'), clientAddress: '194.169.175.1', user: 'uaf589@example.com' }]],
    ['mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain_server authenticator failed for ([192.0.2.17]) [192.0.2.27]: 535 Incorrect authentication data', [{ type: 'auth_failure', time: T('2021-07-17T23:20:49Z'), clientAddress: '192.0.2.27' }]],
    ['2013-06-10 18:33:32 [10099] H=(yakult.com.tw) [202.132.70.178]:3755 I=[1.2.3.4]:25 F=menacedsj04@listserv.eurasia.org rejected RCPT dir@ml3.ru: relay not permitted', [{ type: 'relay_denied', time: T('2013-06-10T18:33:32Z'), clientAddress: '202.132.70.178' }]],
    ['2013-06-02 09:22:05 [19591] SMTP call from pc012-6201.spo.scu.edu.tw [163.14.21.161]:3767 I=[1.2.3.4]:25 dropped: too many nonmail commands (last was "RSET")', IGNORED],
    ['2013-06-15 11:19:33 [2249] H=([2.181.148.95]) [2.181.148.95]:52391 I=[1.2.3.4]:25 F=fantasizesg4@google.com rejected RCPT some@email.com: rejected found in dnsbl zen.spamhaus.org', IGNORED],
    ['2013-06-16 02:50:43 H=dbs.marsukov.com [111.67.203.114] F=<trudofspiori@mail.ru> rejected RCPT <info@nanomedtech.ua>: rejected because 111.67.203.114 is in a black list at dnsbl.sorbs.net\\nCurrently Sending Spam See: http://www.sorbs.net/lookup.shtml?111.67.203.114', IGNORED],
    ['2022-06-29 15:33:46 H=test.com [1.2.3.4]:53343 F=<info@test.com> rejected RCPT <toto@toto.com>: "JunkMail rejected - test.com [1.2.3.4]:53343 is in an RBL: https://www.spamhaus.org/sbl/query/SBLCSS"', IGNORED],
    ['2022-06-29 14:33:43 H=test.sa.com [1.2.3.4]:18146 temporarily rejected connection in "connect" ACL: "Host is ratelimited (1.9/1h max:1.2)"', IGNORED],
    ['2022-06-29 13:54:29 H=(smtpclient.test) [1.136.28.14]:17125 X=TLS1.3:TLS_AES_128_GCM_SHA256:128 CV=no F=<info@toto.com.au> rejected RCPT <tutu@titi.com.au>: SMTP AUTH is required for message submission on port 587', IGNORED],
    ['2023-05-30 06:10:13.345 login authenticator failed for millis.example.org [192.0.2.12]:5432: 535 Incorrect authentication data (set_id=user)', [{ type: 'auth_failure', time: T('2023-05-30T06:10:13.345Z'), clientAddress: '192.0.2.12', user: 'user' }]],
    ['1999-03-02 09:44:33 10HmaZ-000000005vi-0000 <= userx@cus.cam.ac.uk H=(testclient.ex) [10.0.0.3] U=CALLER P=esmtpa A=mylogin S=sss', [{ type: 'unauthenticated', time: T('1999-03-02T09:44:33Z'), messageId: '10HmaZ-000000005vi-0000', clientAddress: '10.0.0.3' }]],
    ['1999-03-02 09:44:33 10HmaZ-000000005vi-0000 => userx <userx@test.ex> R=localuser T=appendfile', [{ type: 'delivery', time: T('1999-03-02T09:44:33Z'), messageId: '10HmaZ-000000005vi-0000', status: 'sent', recipient: 'userx@test.ex' }, { type: 'recipients', time: T('1999-03-02T09:44:33Z'), messageId: '10HmaZ-000000005vi-0000', count: 1, mode: 'increment' }]],
    ['1999-03-02 09:44:33 10HmaZ-000000005vi-0000 Completed', [{ type: 'message_done', time: T('1999-03-02T09:44:33Z'), messageId: '10HmaZ-000000005vi-0000' }]],
    ['1999-03-02 09:44:33 defer authenticator failed for (test.host) [10.0.0.1] U=CALLER: 435 Unable to authenticate at present (set_id=userx): account suspended', [{ type: 'auth_failure', time: T('1999-03-02T09:44:33Z'), clientAddress: '10.0.0.1', user: 'userx' }]],
    ['1999-03-02 09:44:33 plain authenticator failed for (test.host) [10.0.0.1] U=CALLER: 535 Incorrect authentication data', [{ type: 'auth_failure', time: T('1999-03-02T09:44:33Z'), clientAddress: '10.0.0.1' }]],
    ['1999-03-02 09:44:33 10HmbC-000000005vi-0000 <= userx@cus.cam.ac.uk H=(test.host) [10.0.0.1] U=CALLER P=esmtpa A=login:userx S=sss', [{ type: 'submission', time: T('1999-03-02T09:44:33Z'), messageId: '10HmbC-000000005vi-0000', user: 'userx', clientAddress: '10.0.0.1' }]],
    ['1999-03-02 09:44:33 10HmbC-000000005vi-0000 => userx <userx@test.ex> R=localuser T=appendfile', [{ type: 'delivery', time: T('1999-03-02T09:44:33Z'), messageId: '10HmbC-000000005vi-0000', status: 'sent', recipient: 'userx@test.ex' }, { type: 'recipients', time: T('1999-03-02T09:44:33Z'), messageId: '10HmbC-000000005vi-0000', count: 1, mode: 'increment' }]],
    ['1999-03-02 09:44:33 10HmbC-000000005vi-0000 Completed', [{ type: 'message_done', time: T('1999-03-02T09:44:33Z'), messageId: '10HmbC-000000005vi-0000' }]],
    ['1999-03-02 09:44:33 login authenticator failed for (test.host) [10.0.0.1] U=CALLER: 501 Authentication cancelled', [{ type: 'auth_failure', time: T('1999-03-02T09:44:33Z'), clientAddress: '10.0.0.1' }]],
    ['1999-03-02 09:44:33 plain authenticator failed for (test.host) [10.0.0.1] U=CALLER: 535 Incorrect authentication data (set_id=eserx)', [{ type: 'auth_failure', time: T('1999-03-02T09:44:33Z'), clientAddress: '10.0.0.1', user: 'eserx' }]],
    ['1999-03-02 09:44:33 SMTP call from (test.host) [10.0.0.1] U=CALLER dropped: too many nonmail commands (last was "auth")', IGNORED],
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] P=esmtpsa A=dovecot_login:info@axidwear.com S=27356', [{ type: 'submission', time: T('2026-08-11T00:05:05Z'), messageId: '1wtXBC-0000000CnX4-1EyU', user: 'info@axidwear.com', clientAddress: '84.54.49.200' }]],
  ];

  test.each(rows)('%s', (line, expected) => expectResult(line, expected));

  test('the table covers every line of the sample file', () => {
    expect(rows.map((r) => r[0])).toEqual(logLines('exim_mainlog'));
  });

  test('totals over the sample', () => {
    const p = parser();
    const results = logLines('exim_mainlog').map((l) => p.parse(l));
    const events = results.flatMap((r) => (r.result === 'parsed' ? r.events : []));
    expect(results.filter((r) => r.result === 'parsed')).toHaveLength(59);
    expect(results.filter((r) => r.result === 'ignored')).toHaveLength(8);
    expect(results.filter((r) => r.result === 'malformed')).toHaveLength(0);
    expect(countTypes(events)).toEqual({ auth_failure: 17, delivery: 15, message_done: 9, recipients: 13, relay_denied: 1, submission: 2, unauthenticated: 15 });
  });
});

describe('message IDs', () => {
  test.each([
    ['1jmFYj-00039V-QX', 16],
    ['1wtXBC-0000000CnX4-1EyU', 23],  // Exim ≥ 4.97
    ['10HmaX-000000005vi-0000', 23],
    ['1jmFYj-00039V-Q', 0],
    ['1jmFYj-00039V-QXY', 0],
    ['1jmFYj_00039V-QX', 0],
    ['dovecot_login', 0],
  ])('%s → %d', (id, len) => {
    expect(eximMessageIdLength(id, 0)).toBe(len);
  });
});

describe('timestamps and framing', () => {
  const arrival = 'P=esmtpsa A=dovecot_login:info@axidwear.com S=27356';
  const ev = (time: number): MailEvent[] => [{ type: 'submission', time, messageId: '1wtXBC-0000000CnX4-1EyU', user: 'info@axidwear.com', clientAddress: '84.54.49.200' }];
  // The real arrival line, in each timestamp form Exim writes.
  test.each<[string, number]>([
    ['2026-08-11 00:05:05', T('2026-08-11T00:05:05Z')],
    ['2026-08-11 00:05:05.250', T('2026-08-11T00:05:05.250Z')],
    ['2026-08-11 00:05:05 +0200', T('2026-08-10T22:05:05Z')],
    ['2026-08-11 00:05:05.250 -0130', T('2026-08-11T01:35:05.250Z')],
    ['2026-08-11 00:05:05 [3751842]', T('2026-08-11T00:05:05Z')],
  ])('%s', (ts, time) => {
    expectResult(`${ts} 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] ${arrival}`, ev(time));
  });

  test('local time without a zone follows the clock\'s zone', () => {
    expectResult(`2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] ${arrival}`, ev(T('2026-08-10T22:05:05Z')), parser('Europe/Berlin'));
  });

  test('the real line behind a syslog header, with and without Exim\'s own timestamp', () => {
    const body = `1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] ${arrival}`;
    expectResult(`Aug 11 00:05:06 mail exim[3751842]: 2026-08-11 00:05:05 ${body}`, ev(T('2026-08-11T00:05:05Z')), new EximParser(new LogClock(() => T('2026-08-12T00:00:00Z'), 'UTC')));
    expectResult(`Aug 11 00:05:06 mail exim[3751842]: ${body}`, ev(T('2026-08-11T00:05:06Z')), new EximParser(new LogClock(() => T('2026-08-12T00:00:00Z'), 'UTC')));
    expectResult(`2026-08-11T00:05:06.120000+00:00 mail exim4[3751842]: ${body}`, ev(T('2026-08-11T00:05:06.120Z')));
    expectResult(`mail.example.com exim[3751842]: 2026-08-11 00:05:05 ${body}`, ev(T('2026-08-11T00:05:05Z')));
    expectResult(`2026-08-11 00:05:05 mail.example.com exim[3751842]: ${body}`, ev(T('2026-08-11T00:05:05Z')));
  });

  test('other programs in a shared syslog file are ignored; non-Exim text is malformed', () => {
    expectResult('Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS', IGNORED);
    expectResult('Oct 30 13:19:26 mailgw-out1 postfix/smtpd[27530]: EB4B2C19E2: client=xxx[1.2.3.4], sasl_method=PLAIN, sasl_username=user@domain', IGNORED);
    expectResult('[24/Aug/2022 16:28:11] Recv: Queue-ID: 6305ef2b-00000003, Service: SMTP', M('not an Exim log line'));
    expectResult('', M('not an Exim log line'));
    expectResult('mail.example.com exim[3751842]: plain_server authenticator failed for ([192.0.2.17]) [192.0.2.27]: 535 Incorrect authentication data', M('no timestamp'));
  });
});

describe('attribution', () => {
  test('the user is the authenticated id, never the envelope sender or U=', () => {
    // Real line: sender userx@cus.cam.ac.uk, U=CALLER, A=login:userx.
    expectResult('1999-03-02 09:44:33 10HmbC-000000005vi-0000 <= spoofed@elsewhere.example H=(test.host) [10.0.0.1] U=CALLER P=esmtpa A=login:userx S=sss',
      [{ type: 'submission', time: T('1999-03-02T09:44:33Z'), messageId: '10HmbC-000000005vi-0000', user: 'userx', clientAddress: '10.0.0.1' }]);
  });

  test('A=authenticator without an id, and an empty id, are not attributed', () => {
    expectResult('1999-03-02 09:44:33 10HmaZ-000000005vi-0000 <= userx@cus.cam.ac.uk H=(testclient.ex) [10.0.0.3] U=CALLER P=esmtpa A=mylogin S=sss',
      [{ type: 'unauthenticated', time: T('1999-03-02T09:44:33Z'), messageId: '10HmaZ-000000005vi-0000', clientAddress: '10.0.0.3' }]);
    expectResult('2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] P=esmtpsa A=dovecot_login: S=27356',
      [{ type: 'unauthenticated', time: T('2026-08-11T00:05:05Z'), messageId: '1wtXBC-0000000CnX4-1EyU', clientAddress: '84.54.49.200' }]);
  });

  test('"A=" inside the HELO name, the sender address or the subject is not the authenticator', () => {
    expectResult('2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= "x A=dovecot_login:ceo@axidwear.com"@evil.example H=(A=dovecot_login:ceo@axidwear.com) [84.54.49.200] P=esmtp S=27356 T="A=dovecot_login:ceo@axidwear.com"',
      [{ type: 'unauthenticated', time: T('2026-08-11T00:05:05Z'), messageId: '1wtXBC-0000000CnX4-1EyU', clientAddress: '84.54.49.200' }]);
    expectResult('2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] P=esmtpsa A=dovecot_login:info@axidwear.com S=27356 T="A=dovecot_login:ceo@axidwear.com"',
      [{ type: 'submission', time: T('2026-08-11T00:05:05Z'), messageId: '1wtXBC-0000000CnX4-1EyU', user: 'info@axidwear.com', clientAddress: '84.54.49.200' }]);
  });

  test('a failed login that names a user is not a send', () => {
    const r = parser().parse('2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.169.175.1]:21298 I=[22.33.44.55]:465 Ci=30416: 535 Incorrect authentication data (set_id=uaf589@example.com)');
    expect(r).toEqual({ result: 'parsed', events: [{ type: 'auth_failure', time: T('2024-03-21T19:26:06Z'), clientAddress: '194.169.175.1', user: 'uaf589@example.com' }] });
  });
});

describe('lines cut short', () => {
  test.each<[string, ParseResult]>([
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] P=esmtpsa A=dovecot_login:info@axid', M('arrival line without S= (cut short?)')],
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54.49.200] P=esmtpsa', M('arrival line without S= (cut short?)')],
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com H=(axidwear.com) [84.54', M('arrival line without S= (cut short?)')],
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <= info@axidwear.com', M('arrival line without S= (cut short?)')],
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU <=', IGNORED],
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1EyU', M('nothing after the message ID')],
    ['2026-08-11 00:05:05 1wtXBC-0000000CnX4-1E', IGNORED],
    ['2026-08-11 00:05:05', M('nothing after the timestamp')],
    ['2026-08-11 00:0', M('not an Exim log line')],
    ['2020-06-19 04:51:49 [123', M('line cut short after the timestamp')],
    ['2020-06-19 06:26:02 1jmH1s-000AVD-5t => dave@foo.corp R=dnslookup T=remote_smtp H=mail.foo.corp [1.1.1.1] C="250 2.0.0 Ok: que', M('delivery line cut short')],
    ['2020-06-19 06:26:02 1jmH1s-000AVD-5t => dave@foo.corp R=dnslookup T=remote_smtp H=mail.foo.corp [1.1', M('delivery line cut short')],
    ['2020-06-19 06:26:02 1jmH1s-000AVD-5t => dave@foo', M('delivery line without R= (cut short?)')],
    ['1999-03-02 09:44:33 10HmaZ-000000005vi-0000 => userx <userx@te', M('delivery line cut short')],
    ['2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=US,ST=Fake', M('delivery line cut short')],
    ['2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp', M('failure without a reason (cut short?)')],
    ['2020-06-19 04:54:02 1jmFYj-00039V-QX ** bob@null.corp:', M('failure without a reason (cut short?)')],
    ['2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.169.175.1]:21298 I=[22.33.44.55]:465 Ci=30416: 535 Incorrect authentication data (set_id=uaf5', M('set_id cut short')],
    ['2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.169.175.1]:21298 I=[22.33.44.55]:465 Ci=30416: 535 Incorrect authentication data (set_i', M('set_id cut short')],
    ['2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.169.175.1]:21298 I=[22.33.44.55]:465 Ci=30416: 535 Incorrect authentication data ', M('set_id cut short')],
    ['2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.169.175.1]:21298', M('authenticator failure cut short')],
    ['2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.16', M('authenticator failure cut short')],
    ['2024-03-21 19:26:06 dovecot_login authenticator failed for (User)', M('authenticator failure cut short')],
    ['2013-06-10 18:33:32 [10099] H=(yakult.com.tw) [202.132.70.178]:3755 I=[1.2.3.4]:25 F=menacedsj04@listserv.eurasia.org rejected RCPT dir@ml3.ru: relay not perm', IGNORED],
  ])('%s', (line, expected) => expectResult(line, expected));

  test('no prefix of any real line throws; a prefix never changes who, which message or which outcome', () => {
    const lines = [...logLines('exim_mainlog'), ...logLines('exim-composed.log')];
    let cuts = 0;
    for (const line of lines) {
      const full = parser().parse(line);
      const fullEvents = full.result === 'parsed' ? full.events : [];
      for (let n = 0; n < line.length; n++) {
        const r = parser().parse(line.slice(0, n));
        cuts++;
        expect(['parsed', 'ignored', 'malformed']).toContain(r.result);
        if (r.result !== 'parsed') continue;
        r.events.forEach((ev, k) => {
          const whole = fullEvents[k];
          expect(whole).toBeDefined();
          // Who sent it (submission vs unauthenticated, the user), which message and which outcome
          // are complete in any prefix that parses; only a failure's free text may be cut
          // (Exim lines have no terminator to tell), and it is still text of the line.
          const { reply: _r, recipient: _c, ...core } = ev as MailEvent & { reply?: string; recipient?: string };
          const { reply: fullReply, recipient: _fc, ...fullCore } = whole as MailEvent & { reply?: string; recipient?: string };
          if (ev.type === 'auth_failure') {
            // A cut inside the reason text ("535 Incorrect authenti") looks complete: the
            // name may be missing, but is never a different one.
            const { user, ...rest } = core as { user?: string };
            const { user: fullUser, ...fullRest } = fullCore as { user?: string };
            expect(rest).toEqual(fullRest);
            if (user !== undefined) expect(user).toBe(fullUser);
            return;
          }
          expect(core).toEqual(fullCore);
          if (ev.type === 'delivery') {
            expect(ev.recipient).toBe((whole as typeof ev).recipient);
            if (ev.reply !== undefined) expect(fullReply !== undefined && line.includes(ev.reply)).toBe(true);
          }
        });
      }
    }
    expect(cuts).toBeGreaterThan(8_000);
  });
});

describe('a whole composed log (exim-composed.log)', () => {
  const lines = logLines('exim-composed.log');
  const p = parser();
  const results = lines.map((l) => p.parse(l));
  const events = results.flatMap((r) => (r.result === 'parsed' ? r.events : []));

  test('exact totals of each result and event type', () => {
    expect(lines).toHaveLength(35);
    expect(results.filter((r) => r.result === 'parsed')).toHaveLength(32);
    expect(results.filter((r) => r.result === 'ignored')).toHaveLength(2);
    expect(results.filter((r) => r.result === 'malformed')).toEqual([M('arrival line without S= (cut short?)')]);
    expect(countTypes(events)).toEqual({ submission: 2, unauthenticated: 6, delivery: 13, recipients: 11, message_done: 7, auth_failure: 3, relay_denied: 1 });
    const deliveries = events.filter((e): e is Extract<MailEvent, { type: 'delivery' }> => e.type === 'delivery');
    expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(8);
    expect(deliveries.filter((d) => d.status === 'deferred')).toHaveLength(2);
    expect(deliveries.filter((d) => d.status === 'bounced')).toHaveLength(3);
  });

  test('a deferral\'s reply is the remote text after the host fields', () => {
    expect(events.filter((e) => e.type === 'delivery' && e.status === 'deferred').map((e) => (e as { reply?: string }).reply)).toEqual([
      'SMTP error from remote mail server after RCPT TO:<dave@example.com>: 450 4.7.1 <dave@example.com>: Recipient address rejected: Greylisted',
      'SMTP error from remote mail server after RCPT TO:<dave@example.com>: 450 4.7.1 <dave@example.com>: Recipient address rejected: Greylisted',
    ]);
  });

  test('joined by message ID, outcomes land on the authenticated id; NDRs, inbound, local and id-less logins on nobody', () => {
    expect(attribute(events)).toEqual({
      'alice@example.org': { messages: 1, recipients: 3, sent: 1, deferred: 2, bounced: 2 },
      bob: { messages: 1, recipients: 3, sent: 2, deferred: 0, bounced: 1 },
    });
  });
});

type Tally = { messages: number; recipients: number; sent: number; deferred: number; bounced: number };

/** A minimal message-ID join, as the stats engine does it. */
function attribute(events: MailEvent[]): Record<string, Tally> {
  const owner = new Map<string, string>();
  const out: Record<string, Tally> = {};
  for (const e of events) {
    if (e.type === 'submission') {
      owner.set(e.messageId, e.user);
      (out[e.user] ??= { messages: 0, recipients: 0, sent: 0, deferred: 0, bounced: 0 }).messages++;
    } else if (e.type === 'unauthenticated' || e.type === 'message_done') {
      owner.delete(e.messageId);
    } else if (e.type === 'recipients') {
      const user = owner.get(e.messageId);
      if (user !== undefined) out[user]!.recipients += e.count;
    } else if (e.type === 'delivery') {
      const user = owner.get(e.messageId);
      if (user !== undefined) out[user]![e.status]++;
    }
  }
  return out;
}
