// Classification of one answer per list: the list's table first, RFC 5782
// rules for the rest, and nothing untrustworthy ever "clean" or "listed".
import { findCatalogueList } from '../../../src/dnsbl/catalogue';
import { classifyAnswer, codeMeaning, MAX_TXT, redact, txtReason } from '../../../src/dnsbl/classify';
import type { DnsRecord, LookupResult } from '../../../src/dnsbl/dns';
import type { ListDefinition, Verdict } from '../../../src/dnsbl/model';

const cat = (name: string): ListDefinition => {
  const l = findCatalogueList(name);
  if (!l) throw new Error(`${name} missing from the catalogue`);
  return l;
};
const a = (...addresses: string[]): LookupResult => ({
  ok: true, rcode: 'NOERROR', fromCache: false, records: addresses.map((data): DnsRecord => ({ type: 'A', data, ttl: 60 })),
});
const NXDOMAIN: LookupResult = { ok: true, rcode: 'NXDOMAIN', records: [], fromCache: false };
const NODATA: LookupResult = { ok: true, rcode: 'NOERROR', records: [], fromCache: true };

const zen = cat('zen.spamhaus.org');
const dbl = cat('dbl.spamhaus.org');
const uribl = cat('multi.uribl.com');
const surbl = cat('multi.surbl.org');
const rep = cat('rep.mailspike.net');
const hostkarma = cat('hostkarma.junkemailfilter.com');
const dnswl = cat('list.dnswl.org');
const spamcop = cat('bl.spamcop.net');
const dqs: ListDefinition = { ...cat('zen.dq.spamhaus.net'), key: 'Secretkey0123456789abcdefg' };

const listed = (...codes: [string, string][]): Verdict => ({ state: 'listed', codes: codes.map(([code, meaning]) => ({ code, meaning, class: 'listed' })) });

test.each<[string, ListDefinition, LookupResult, Verdict]>([
  ['NXDOMAIN is clean', zen, NXDOMAIN, { state: 'clean', codes: [] }],
  ['NODATA is clean', zen, NODATA, { state: 'clean', codes: [] }],
  ['timeout', zen, { ok: false, reason: 'timeout', detail: 'no answer from 127.0.0.1:53 after 2 tries' }, { state: 'unknown', reason: 'timeout', detail: 'no answer from 127.0.0.1:53 after 2 tries' }],
  ['servfail', zen, { ok: false, reason: 'servfail', detail: 'SERVFAIL from 127.0.0.1:53' }, { state: 'unknown', reason: 'servfail', detail: 'SERVFAIL from 127.0.0.1:53' }],
  ['refused', zen, { ok: false, reason: 'refused', detail: 'REFUSED' }, { state: 'unknown', reason: 'refused', detail: 'REFUSED' }],
  ['network', zen, { ok: false, reason: 'network', detail: 'ECONNREFUSED' }, { state: 'unknown', reason: 'network_error', detail: 'ECONNREFUSED' }],
  ['malformed', zen, { ok: false, reason: 'malformed', detail: 'short packet' }, { state: 'unknown', reason: 'malformed_answer', detail: 'short packet' }],
  ['ZEN single code', zen, a('127.0.0.2'), listed(['127.0.0.2', 'SBL: Spamhaus Block List (spam source or spam operation)'])],
  ['ZEN three codes, sorted, each mapped', zen, a('127.0.0.10', '127.0.0.2', '127.0.0.4'), listed(
    ['127.0.0.2', 'SBL: Spamhaus Block List (spam source or spam operation)'],
    ['127.0.0.4', 'XBL: exploited host (CBL: malware, botnet, open proxy)'],
    ['127.0.0.10', 'PBL: end-user range that should not send direct-to-MX (ISP maintained)'],
  )],
  ['duplicate records count once', spamcop, a('127.0.0.2', '127.0.0.2'), listed(['127.0.0.2', 'SpamCop: reported as a spam source (expires automatically)'])],
  ['Spamhaus open-resolver refusal', zen, a('127.255.255.254'), { state: 'unknown', reason: 'blocked_resolver', detail: '127.255.255.254: Spamhaus: query via a public/open resolver or one without attributable reverse DNS' }],
  ['Spamhaus volume limit', zen, a('127.255.255.255'), { state: 'unknown', reason: 'rate_limited', detail: '127.255.255.255: Spamhaus: excessive number of queries' }],
  ['Spamhaus zone typo', zen, a('127.255.255.252'), { state: 'unknown', reason: 'bad_query', detail: '127.255.255.252: Spamhaus: typo in the DNSBL zone name' }],
  ['DQS key rejected', dqs, a('127.255.255.251'), { state: 'unknown', reason: 'bad_key', detail: '127.255.255.251: Spamhaus DQS: key rejected (in use elsewhere or not valid)' }],
  ['DBL: IP queried against a domain list', dbl, a('127.0.1.255'), { state: 'unknown', reason: 'bad_query', detail: '127.0.1.255: Spamhaus DBL: an IP address was queried against a domain list' }],
  ['DBL phish', dbl, a('127.0.1.4'), listed(['127.0.1.4', 'DBL: phishing domain'])],
  ['an error code wins over listed codes', zen, a('127.0.0.2', '127.255.255.254'), { state: 'unknown', reason: 'blocked_resolver', detail: '127.255.255.254: Spamhaus: query via a public/open resolver or one without attributable reverse DNS' }],
  ['an answer outside 127/8: NXDOMAIN rewritten', zen, a('198.51.100.80'), { state: 'unknown', reason: 'unexpected_answer', detail: 'answer 198.51.100.80 is outside 127.0.0.0/8: the resolver probably rewrote NXDOMAIN (ad redirect, captive portal, DNS filter)' }],
  ['outside 127/8 even next to a listed code', zen, a('127.0.0.2', '10.0.0.1'), { state: 'unknown', reason: 'unexpected_answer', detail: 'answer 10.0.0.1 is outside 127.0.0.0/8: the resolver probably rewrote NXDOMAIN (ad redirect, captive portal, DNS filter)' }],
  ['an A record that is no address', zen, a('not-an-ip'), { state: 'unknown', reason: 'malformed_answer', detail: 'A record is not an IPv4 address: "not-an-ip"' }],
  ['127.0.0.1 undefined by the table is never a listing', spamcop, a('127.0.0.1'), { state: 'unknown', reason: 'unexpected_answer', detail: 'answer 127.0.0.1 is not a listing (RFC 5782 §5 forbids it; often a refusal or a DNS filter) and bl.spamcop.net does not define it' }],
  ['an undocumented 127/8 code is a listing, said so', spamcop, a('127.0.0.3'), listed(['127.0.0.3', 'undocumented code 127.0.0.3'])],
  ['URIBL 127.0.0.1 is its refusal', uribl, a('127.0.0.1'), { state: 'unknown', reason: 'blocked_resolver', detail: '127.0.0.1: URIBL: query refused (resolver blocked: public or high-volume resolver)' }],
  ['URIBL bitmask black+grey+red', uribl, a('127.0.0.14'), listed(['127.0.0.14', 'URIBL black: domain seen in spam; URIBL grey: domain of a bulk sender; URIBL red: domain seen in spam, new listing'])],
  ['URIBL bitmask black', uribl, a('127.0.0.2'), listed(['127.0.0.2', 'URIBL black: domain seen in spam'])],
  ['SURBL bitmask PH+MW', surbl, a('127.0.0.24'), listed(['127.0.0.24', 'SURBL PH: phishing domain; SURBL MW: malware domain'])],
  ['SURBL undocumented bit 2 still listed', surbl, a('127.0.0.10'), listed(['127.0.0.10', 'undocumented bit 2; SURBL PH: phishing domain'])],
  ['SURBL blocked bit wins', surbl, a('127.0.0.9'), { state: 'unknown', reason: 'blocked_resolver', detail: '127.0.0.9: SURBL: query blocked (resolver over the free-use limit or a public resolver); SURBL PH: phishing domain' }],
  ['Mailspike reputation neutral is clean with the code', rep, a('127.0.0.15'), { state: 'clean', codes: [{ code: '127.0.0.15', meaning: 'Mailspike reputation H0: neutral', class: 'informational' }] }],
  ['Mailspike reputation good is clean (whitelist)', rep, a('127.0.0.18'), { state: 'clean', codes: [{ code: '127.0.0.18', meaning: 'Mailspike reputation H3: good', class: 'whitelist' }] }],
  ['Mailspike reputation worst is listed', rep, a('127.0.0.10'), listed(['127.0.0.10', 'Mailspike reputation L5: worst'])],
  ['hostkarma white on 127.0.0.1: the table wins', hostkarma, a('127.0.0.1'), { state: 'clean', codes: [{ code: '127.0.0.1', meaning: 'hostkarma: white (good sender)', class: 'whitelist' }] }],
  ['hostkarma black + NOBL: listed, every record kept', hostkarma, a('127.0.0.5', '127.0.0.2'), { state: 'listed', codes: [
    { code: '127.0.0.2', meaning: 'hostkarma: black (spam source)', class: 'listed' },
    { code: '127.0.0.5', meaning: 'hostkarma: NOBL (do not block)', class: 'informational' },
  ] }],
  ['dnswl trust level is a whitelist code', dnswl, a('127.0.15.2'), { state: 'clean', codes: [{ code: '127.0.15.2', meaning: 'dnswl: email marketing providers, trust medium', class: 'whitelist' }] }],
  ['dnswl unknown category falls back to whitelist', dnswl, a('127.0.99.1'), { state: 'clean', codes: [{ code: '127.0.99.1', meaning: 'dnswl: whitelisted (undocumented category)', class: 'whitelist' }] }],
  ['dnswl blocked', dnswl, a('127.0.0.255'), { state: 'unknown', reason: 'blocked_resolver', detail: '127.0.0.255: dnswl.org: resolver blocked or over the usage limit' }],
])('%s', (_what, list, result, expected) => {
  expect(classifyAnswer(list, result)).toEqual(expected);
});

test('a resolver detail that carries the query name is redacted', () => {
  const v = classifyAnswer(dqs, { ok: false, reason: 'timeout', detail: 'no answer for 10.2.0.192.secretkey0123456789abcdefg.zen.dq.spamhaus.net' });
  expect(v).toEqual({ state: 'unknown', reason: 'timeout', detail: 'no answer for 10.2.0.192.<key>.zen.dq.spamhaus.net' });
});

test('redact replaces every occurrence in any letter case and leaves keyless lists alone', () => {
  expect(redact('a KEYabc b keyabc c', { key: 'keyABC' })).toBe('a <key> b <key> c');
  expect(redact('nothing here', { key: 'keyabc' })).toBe('nothing here');
  expect(redact('keyabc', {})).toBe('keyabc');
});

test('codeMeaning reads exact codes, bitmasks and fallbacks', () => {
  expect(codeMeaning(zen, '127.0.0.3')).toEqual({ meaning: 'SBL CSS: Spamhaus snowshoe/low-reputation sender', class: 'listed' });
  expect(codeMeaning(uribl, '127.0.0.4')).toEqual({ meaning: 'URIBL grey: domain of a bulk sender', class: 'listed' });
  expect(codeMeaning(uribl, '127.0.1.4')).toBeUndefined();
  expect(codeMeaning(spamcop, '127.0.0.9')).toBeUndefined();
});

describe('txtReason', () => {
  const txt = (...data: string[]): LookupResult => ({ ok: true, rcode: 'NOERROR', fromCache: false, records: data.map((d): DnsRecord => ({ type: 'TXT', data: d, ttl: 60 })) });

  test('records are joined with " | "', () => {
    expect(txtReason(zen, txt('SBL listed 127.0.0.2', 'XBL listed 127.0.0.2'))).toBe('SBL listed 127.0.0.2 | XBL listed 127.0.0.2');
  });
  test('none, or a failed lookup, is undefined', () => {
    expect(txtReason(zen, NODATA)).toBeUndefined();
    expect(txtReason(zen, { ok: false, reason: 'timeout', detail: 'x' })).toBeUndefined();
  });
  test('control characters cannot forge lines, the length is bounded, the key is redacted', () => {
    expect(txtReason(zen, txt('line1\r\nline2\x1b[31m'))).toBe('line1 line2 [31m');
    const long = txtReason(zen, txt('x'.repeat(5000)))!;
    expect(long.length).toBe(MAX_TXT);
    expect(long.endsWith('…')).toBe(true);
    expect(txtReason(dqs, txt('https://check.spamhaus.org/?q=secretkey0123456789abcdefg'))).toBe('https://check.spamhaus.org/?q=<key>');
  });
});
