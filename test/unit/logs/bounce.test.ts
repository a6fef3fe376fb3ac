// The blacklist-bounce classifier on real replies: those of the sample logs
// (as the Postfix and Exim parsers extract them) and the provider wordings
// quoted in /work/shared/reference/mail-logs.md §3.1, plus label-boundary traps
// and a property: whatever the text, the answer is a bounded value.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_BLOCKS, classifyBlocklistCitation } from '../../../src/logs/bounce';
import type { MailLogParser } from '../../../src/logs/events';
import { EximParser } from '../../../src/logs/exim';
import { PostfixParser } from '../../../src/logs/postfix';
import { LogClock } from '../../../src/logs/syslog';

/** Catalogue-like zones, lower case, as the lead passes them. */
const KNOWN: ReadonlySet<string> = new Set([
  'zen.spamhaus.org', 'sbl.spamhaus.org', 'xbl.spamhaus.org', 'pbl.spamhaus.org', 'sbl-xbl.spamhaus.org', 'dbl.spamhaus.org',
  'cbl.abuseat.org', 'bl.spamcop.net', 'b.barracudacentral.org', 'dnsbl-1.uceprotect.net', 'psbl.surriel.com', 'bl.mailspike.net',
]);
const NONE: ReadonlySet<string> = new Set();

describe('a zone named in the reply', () => {
  test.each<[string, string]>([
    // Postfix sample replies (status=bounced).
    ['host mx01.domain.com[***.**.**.***] said: 554 5.7.1 Service unavailable; Client host [**.**.***.***] blocked using zen.spamhaus.org; http://www.spamhaus.org/query/bl?ip=**.**.***.*** (in reply to RCPT TO command)', 'zen.spamhaus.org'],
    ['host smtp.dds.nl[85.17.178.138] said: 554 5.7.1 Service unavailable; Client host [xxx.xxx.xxx.xxx] blocked using zen.spamhaus.org; http://www.spamhaus.org/query/bl?ip=82.74.173.86 (in reply to RCPT TO command)', 'zen.spamhaus.org'],
    ['host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command)', 'zen.spamhaus.org'],
    // Reject texts of the samples, as a remote server would return them.
    ['550 5.7.1 <joaofr@camilopinto.pt>... Rejected: 151.232.63.226 listed at sbl-xbl.spamhaus.org', 'sbl-xbl.spamhaus.org'],
    ['rejected found in dnsbl zen.spamhaus.org', 'zen.spamhaus.org'],
    // Upper case, a query name under the zone, the zone ending a sentence.
    ['554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using ZEN.SPAMHAUS.ORG', 'zen.spamhaus.org'],
    ['554 rejected: 1.2.0.192.bl.spamcop.net returned 127.0.0.2', 'bl.spamcop.net'],
    ['550 5.7.1 your IP is listed at bl.spamcop.net.', 'bl.spamcop.net'],
    ['550 5.7.1 your sender\'s ip address is listed at cbl.abuseat.org', 'cbl.abuseat.org'],
  ])('%s → %s', (reply, list) => {
    expect(classifyBlocklistCitation(reply, KNOWN)).toBe(list);
  });

  test('the longest known zone wins', () => {
    const zones = new Set(['spamcop.net', 'bl.spamcop.net', 'spamhaus.org', 'xbl.spamhaus.org']);
    expect(classifyBlocklistCitation('554 blocked using bl.spamcop.net', zones)).toBe('bl.spamcop.net');
    expect(classifyBlocklistCitation('554 listed in xbl.spamhaus.org and spamhaus.org', zones)).toBe('xbl.spamhaus.org');
  });

  test('label boundaries: a zone inside another name is not that zone', () => {
    expect(classifyBlocklistCitation('554 Client host [192.0.2.1] blocked using xbl.spamcop.net.example', KNOWN)).toBe('other');
    expect(classifyBlocklistCitation('554 Client host [192.0.2.1] blocked using bl.spamcop.net.example', KNOWN)).toBe('other');
    expect(classifyBlocklistCitation('554 Client host [192.0.2.1] blocked using bl.spamcop.net-mirror.example', KNOWN)).toBe('other');
    expect(classifyBlocklistCitation('554 Client host [192.0.2.1] blocked using notzen.spamhaus.org', new Set(['zen.spamhaus.org']))).toBe('other');
  });

  test('a lookup URL names the zone when the text does not', () => {
    expect(classifyBlocklistCitation('"JunkMail rejected - test.com [1.2.3.4]:53343 is in an RBL: https://www.spamhaus.org/sbl/query/SBLCSS"', KNOWN)).toBe('zen.spamhaus.org');
    expect(classifyBlocklistCitation('554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked - see https://www.spamcop.net/bl.shtml?192.0.2.1', KNOWN)).toBe('bl.spamcop.net');
    expect(classifyBlocklistCitation('550 permanent failure for one or more recipients (x@y:blocked) http://www.barracudanetworks.com/reputation/?pr=1&ip=192.0.2.1', KNOWN)).toBe('b.barracudacentral.org');
  });
});

describe('a zone that is not known never comes back as itself', () => {
  test.each<[string, string]>([
    ['host cinay.eu[195.181.242.156] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command)', 'other'],
    ['554 5.7.1 Service unavailable; Client host [93.184.216.34] blocked using rbl.example.com; http://www.example.com/query?ip=93.184.216.34', 'other'],
    ['rejected because 111.67.203.114 is in a black list at dnsbl.sorbs.net\\nCurrently Sending Spam See: http://www.sorbs.net/lookup.shtml?111.67.203.114', 'other'],
    ['"JunkMail rejected - test.com [1.2.3.4]:53343 is in an RBL: https://www.spamhaus.org/sbl/query/SBLCSS"', 'other'],
    ['IP address 112.140.49.130 found in DNS blacklist UCEProtect1', 'other'],
  ])('%s → %s', (reply, list) => {
    expect(classifyBlocklistCitation(reply, NONE)).toBe(list);
  });

  test('a zone configured by the admin is returned once known', () => {
    expect(classifyBlocklistCitation('554 5.7.1 Service unavailable; Client host [93.184.216.34] blocked using rbl.example.com; http://www.example.com/query?ip=93.184.216.34', new Set(['rbl.example.com']))).toBe('rbl.example.com');
  });
});

describe('big providers\' own wording', () => {
  test.each<[string, string]>([
    // Reference §3.1, provider texts.
    ['host outlook-com.olc.protection.outlook.com[52.101.8.33] said: 550 5.7.1 Unfortunately, messages from [198.51.100.10] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. (in reply to MAIL FROM command)', 'microsoft'],
    ['550 5.7.606 Access denied, banned sending IP [198.51.100.10]', 'microsoft'],
    ['553 5.7.1 [BL21] Connections will not be accepted from 198.51.100.10, because the ip is in Spamhaus\'s list; see https://postmaster.yahooinc.com/error-codes', 'yahoo'],
    ['421 4.7.0 [TSS04] Messages from 198.51.100.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes', 'yahoo'],
    ['421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.', 'gmail'],
    // A joined multi-line reply with the code repeated (whyscream test/smtp_0018.yaml).
    ['550-5.7.1 [IP 12] Our system has detected that this 550-5.7.1 message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, 550-5.7.1 this message has been blocked.', 'gmail'],
  ])('%s → %s', (reply, provider) => {
    expect(classifyBlocklistCitation(reply, KNOWN)).toBe(provider);
  });

  test('every provider name is a short, label-safe word', () => {
    for (const p of PROVIDER_BLOCKS) expect(p.provider).toMatch(/^[a-z][a-z-]{1,15}$/);
    expect(new Set(PROVIDER_BLOCKS.map((p) => p.provider)).size).toBe(PROVIDER_BLOCKS.length);
  });
});

describe('not a blacklist citation', () => {
  test.each([
    // Real replies from the samples.
    'host c1p1-exch.gazprom.loc[10.56.80.67] said: 550 5.7.1 Client does not have permissions to send as this sender (in reply to end of DATA command)',
    'host mail.domain.com[1.1.1.1] said: 451 DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 1514512452, please try again 15min later (in reply to end of DATA command)',
    'SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]',
    'SMTP error from remote mail server after end of data: 550 Message was not accepted -- invalid mailbox.  Local mailbox dave@foo.corp is unavailable: dave\'s not here man',
    'SMTP error from remote mail server after RCPT TO:<rudy@test.corp>: 540 5.7.1 <rudy@test.corp>: recipient address rejected: Blocked',
    'defer (-44) H=(relay.test.corp) [4.4.4.4: SMTP error from remote mail server after RCPT TO:<jack@test.corp>: 450 4.7.1 <jack@test.corp>: Recipient address rejected: Recipient not available',
    'defer (110): Connection timed out',
    'retry timeout exceeded',
    'SASL authentication failed; server smtp.relay.example[192.0.2.99] said: 535 5.7.8 Error: authentication failed: authentication failure',
    // An ordinary user-unknown.
    'host mx.example.com[192.0.2.25] said: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
    '',
  ])('%j', (reply) => {
    expect(classifyBlocklistCitation(reply, KNOWN)).toBeUndefined();
  });
});

describe('bounded answers for any text', () => {
  const allowed = new Set<string>([...KNOWN, ...PROVIDER_BLOCKS.map((p) => p.provider), 'other']);
  const fragment = fc.constantFrom(
    'blocked using ', 'zen.spamhaus.org', 'bl.spamcop.net', '.example', 'x', ' ', '.', '550 5.7.1 ', '(S3150)', '[BL21]', 'listed at ', 'evil.zone.example', 'rbl', '-',
  );
  test('the answer is undefined, a known zone, a provider or "other" — never remote text', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fragment, fc.string()), { maxLength: 12 }), (parts) => {
      const r = classifyBlocklistCitation(parts.join(''), KNOWN);
      return r === undefined || allowed.has(r);
    }), { numRuns: 2000 });
  });

  test('a named known zone wins over whatever text surrounds it', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      return classifyBlocklistCitation(`${a} blocked using zen.spamhaus.org; ${b}`, new Set(['zen.spamhaus.org'])) === 'zen.spamhaus.org';
    }), { numRuns: 500 });
  });

  test('a known zone glued inside a longer name is never reported', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9-]{1,8}$/), fc.stringMatching(/^[a-z0-9-]{1,8}$/), (pre, post) => {
      const zones = new Set(['bl.spamcop.net']);
      return classifyBlocklistCitation(`554 blocked using ${pre}bl.spamcop.net`, zones) === 'other'
        && classifyBlocklistCitation(`554 blocked using bl.spamcop.net.${post}`, zones) === 'other';
    }), { numRuns: 500 });
  });
});

describe('the zone search against a plain model of it', () => {
  // The definition, character by character: a name is a run of label
  // characters and dots, ended by anything else or by an empty label ("..");
  // dots ending it are dropped; every suffix of it at a label boundary that is
  // a known zone counts, the longest over the whole text wins.
  const isName = (c: string) => /[a-z0-9_.-]/.test(c);
  function modelZone(text: string, zones: ReadonlySet<string>): string | undefined {
    let best: string | undefined;
    let i = 0;
    while (i < text.length) {
      if (!isName(text[i]!)) { i++; continue; }
      let j = i;
      while (j < text.length && isName(text[j]!) && !(text[j] === '.' && text[j + 1] === '.')) j++;
      const name = text.slice(i, j).replace(/\.+$/, '');
      if (name.includes('.')) {
        for (let p = 0; p < name.length; p++) {
          if (p > 0 && name[p - 1] !== '.') continue;
          const suffix = name.slice(p);
          if (zones.has(suffix) && suffix.length > (best?.length ?? 0)) best = suffix;
        }
      }
      i = j + 1;
    }
    return best;
  }

  // Zones of made-up labels (no URL pattern or provider wording can name them),
  // and texts built of their labels, dots, and the characters that end names.
  const label = fc.constantFrom('bl', 'zen', 'x', 'spam', 'org', 'net', 'b-1', 'de', '0', 'q_q');
  // Two labels at least, as the config and the catalogue require.
  const zone = fc.array(label, { minLength: 2, maxLength: 4 }).map((ls) => ls.join('.'));
  const piece = fc.oneof(label, fc.constantFrom('.', '..', ' ', '[', ']', ';', '(', '-', 'é', '/'));
  test('the same zone as the model, for any text over those labels', () => {
    fc.assert(fc.property(fc.uniqueArray(zone, { minLength: 1, maxLength: 6 }), fc.array(piece, { maxLength: 30 }), (zs, parts) => {
      const zones = new Set(zs);
      const text = parts.join('');
      const got = classifyBlocklistCitation(text, zones);
      const want = modelZone(text, zones);
      if (want !== undefined) return got === want;
      return got === undefined || !zones.has(got);
    }), { numRuns: 5000 });
  });
});

describe('from log line to list: every failed delivery of the sample and composed logs', () => {
  const clock = () => new LogClock(() => Date.parse('2026-06-15T00:00:00Z'), 'UTC');
  function citations(parser: MailLogParser, file: string): (string | undefined)[] {
    const lines = readFileSync(join(__dirname, '../../fixtures/logs', file), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const out: (string | undefined)[] = [];
    for (const line of lines) {
      const r = parser.parse(line);
      if (r.result !== 'parsed') continue;
      for (const e of r.events) if (e.type === 'delivery' && e.status !== 'sent') out.push(e.reply === undefined ? undefined : classifyBlocklistCitation(e.reply, KNOWN));
    }
    return out;
  }

  test('postfix.log', () => {
    // expired (no reply), 451 DT:SPM, 554 DT:SPM, zen ×3, "Client does not have permissions"
    expect(citations(new PostfixParser(clock()), 'postfix.log')).toEqual([undefined, undefined, undefined, 'zen.spamhaus.org', 'zen.spamhaus.org', 'zen.spamhaus.org', undefined]);
  });

  test('postfix-composed.log', () => {
    // zen bounce, greylisting, S3150, connect timeout, client-side SASL failure, expiry
    expect(citations(new PostfixParser(clock()), 'postfix-composed.log')).toEqual(['zen.spamhaus.org', undefined, 'microsoft', undefined, undefined, undefined]);
  });

  test('exim_mainlog', () => {
    expect(citations(new EximParser(clock()), 'exim_mainlog')).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  test('exim-composed.log', () => {
    // zen bounce, greylisting, S3150, greylisting again, retry timeout
    expect(citations(new EximParser(clock()), 'exim-composed.log')).toEqual(['zen.spamhaus.org', undefined, 'microsoft', undefined, undefined]);
  });
});
