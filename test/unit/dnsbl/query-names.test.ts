// DNSBL query names (RFC 5782 §2): what is asked of which list, and when a
// list does not apply at all.
import { findCatalogueList } from '../../../src/dnsbl/catalogue';
import type { CheckTarget, ListDefinition } from '../../../src/dnsbl/model';
import { absoluteName, canaryNames, normaliseDomain, queryName, registrableDomain } from '../../../src/dnsbl/query-names';

const cat = (name: string): ListDefinition => {
  const l = findCatalogueList(name);
  if (!l) throw new Error(`${name} missing from the catalogue`);
  return l;
};
const ip = (value: string): CheckTarget => ({ kind: 'ip', value });
const domain = (value: string): CheckTarget => ({ kind: 'domain', value });

const zen = cat('zen.spamhaus.org');
const spamcop = cat('bl.spamcop.net');
const dbl = cat('dbl.spamhaus.org');
const uribl = cat('multi.uribl.com');
const semV6 = cat('bl.ipv6.spameatingmonkey.net');
const dqsZen: ListDefinition = { ...cat('zen.dq.spamhaus.net'), key: 'abcdefghijklmnopqrstuvwxyz' };
const dqsDbl: ListDefinition = { ...cat('dbl.dq.spamhaus.net'), key: 'abcdefghijklmnopqrstuvwxyz' };

test.each<[string, ListDefinition, CheckTarget, string | undefined]>([
  // IPv4: reversed octets (RFC 5782 §2.1)
  ['IPv4', zen, ip('192.0.2.10'), '10.2.0.192.zen.spamhaus.org.'],
  ['IPv4 on an IPv4-only list', spamcop, ip('198.51.100.7'), '7.100.51.198.bl.spamcop.net.'],
  // IPv6: 32 reversed nibbles (RFC 5782 §2.4), the reference's verified example
  ['IPv6', zen, ip('2001:db8:7ca6:22::45'), '5.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.2.0.0.6.a.c.7.8.b.d.0.1.0.0.2.zen.spamhaus.org.'],
  ['IPv6 upper case is lower-cased', zen, ip('2001:DB8:7CA6:22::45'), '5.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.2.0.0.6.a.c.7.8.b.d.0.1.0.0.2.zen.spamhaus.org.'],
  ['IPv4-mapped IPv6 is the IPv4 address', spamcop, ip('::ffff:192.0.2.10'), '10.2.0.192.bl.spamcop.net.'],
  ['IPv6 on an IPv4-only list does not apply', spamcop, ip('2001:db8::1'), undefined],
  ['IPv4 on an IPv6-only list does not apply', semV6, ip('192.0.2.10'), undefined],
  ['IPv6 on an IPv6-only list', semV6, ip('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.ipv6.spameatingmonkey.net.'],
  ['an IP on a domain list does not apply (DBL answers 127.0.1.255)', dbl, ip('192.0.2.10'), undefined],
  ['a domain on an IP list does not apply', zen, domain('example.com'), undefined],
  ['an address written as a domain target is not sent to a domain list', dbl, domain('192.0.2.10'), undefined],
  ['not an address', zen, ip('192.0.2.256'), undefined],
  // Domain lists: DBL takes the name as it is, URIBL/SURBL the registrable domain
  ['DBL: host name as given', dbl, domain('mail.example.com'), 'mail.example.com.dbl.spamhaus.org.'],
  ['DBL: case and trailing dot normalised', dbl, domain('Mail.Example.COM.'), 'mail.example.com.dbl.spamhaus.org.'],
  ['URIBL: registrable domain', uribl, domain('www.mail.example.com'), 'example.com.multi.uribl.com.'],
  ['URIBL: registrable domain under a two-level public suffix', uribl, domain('mx1.example.co.uk'), 'example.co.uk.multi.uribl.com.'],
  ['URIBL: private PSL suffixes are not used', uribl, domain('someone.github.io'), 'github.io.multi.uribl.com.'],
  ['URIBL: a public suffix has no registrable domain', uribl, domain('co.uk'), undefined],
  ['IDN as punycode', dbl, domain('bücher.example'), 'xn--bcher-kva.example.dbl.spamhaus.org.'],
  ['IDN as punycode, registrable', uribl, domain('www.bücher.example.de'), 'example.de.multi.uribl.com.'],
  ['empty label', dbl, domain('a..example.com'), undefined],
  ['space', dbl, domain('bad domain.com'), undefined],
  ['label over 63 characters', dbl, domain(`${'a'.repeat(64)}.example.com`), undefined],
  // Keys go between the query and the zone
  ['DQS IPv4', dqsZen, ip('192.0.2.10'), '10.2.0.192.abcdefghijklmnopqrstuvwxyz.zen.dq.spamhaus.net.'],
  ['DQS domain', dqsDbl, domain('example.com'), 'example.com.abcdefghijklmnopqrstuvwxyz.dbl.dq.spamhaus.net.'],
])('%s', (_what, list, target, expected) => {
  expect(queryName(list, target)).toBe(expected);
});

test('a name longer than DNS allows is not queried', () => {
  const long = `${Array.from({ length: 4 }, () => 'a'.repeat(60)).join('.')}.example`; // 248 characters
  expect(normaliseDomain(long)).toBe(long);
  expect(queryName(dbl, domain(long))).toBeUndefined();
  expect(absoluteName({ zone: 'dbl.spamhaus.org' }, 'x'.repeat(236))).toBe(`${'x'.repeat(236)}.dbl.spamhaus.org.`);
  expect(absoluteName({ zone: 'dbl.spamhaus.org' }, 'x'.repeat(237))).toBeUndefined();
});

test.each([
  ['www.example.co.uk', 'example.co.uk'],
  ['example.com', 'example.com'],
  ['a.b.c.example.org', 'example.org'],
  ['com', undefined],
  ['localhost', undefined],
])('registrableDomain(%s) = %s', (name, expected) => {
  expect(registrableDomain(name)).toBe(expected);
});

test('canary names: 127.0.0.2/127.0.0.1, ::ffff:7f00:2/1 for IPv6-only lists, test/invalid for domain lists', () => {
  expect(canaryNames(zen)).toEqual({
    positiveLabel: '127.0.0.2', negativeLabel: '127.0.0.1',
    positive: '2.0.0.127.zen.spamhaus.org.', negative: '1.0.0.127.zen.spamhaus.org.',
  });
  expect(canaryNames(semV6)).toEqual({
    positiveLabel: '::ffff:7f00:2', negativeLabel: '::ffff:7f00:1',
    positive: '2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.ipv6.spameatingmonkey.net.',
    negative: '1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.ipv6.spameatingmonkey.net.',
  });
  // URIBL would reduce "test" to nothing: canaries are queried as they are.
  expect(canaryNames(uribl)).toEqual({ positiveLabel: 'test', negativeLabel: 'invalid', positive: 'test.multi.uribl.com.', negative: 'invalid.multi.uribl.com.' });
  expect(canaryNames(dqsZen).positive).toBe('2.0.0.127.abcdefghijklmnopqrstuvwxyz.zen.dq.spamhaus.net.');
});
