// Canonical address text (one host, one label value) and the address/CIDR
// sets behind mail_servers and internal_networks.
import fc from 'fast-check';
import { AddressSet, canonicalIp } from '../../../src/egress/address';

test.each([
  ['192.0.2.1', '192.0.2.1'],
  ['2001:DB8::1', '2001:db8::1'],
  ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
  ['2001:0db8:0000:0001:0000:0000:0000:0017', '2001:db8:0:1::17'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal zero runs
  ['2001:db8:1:1:1:1:1:0', '2001:db8:1:1:1:1:1:0'], // a single zero group is not compressed
  ['::', '::'],
  ['::1', '::1'],
  ['fe80::1%eth0', 'fe80::1'],
  ['::ffff:192.0.2.1', '192.0.2.1'], // IPv4-mapped → IPv4
  ['::FFFF:c000:0201', '192.0.2.1'],
  ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
])('canonicalIp(%j) = %j', (input, expected) => {
  expect(canonicalIp(input)).toBe(expected);
});

test.each(['', '192.168.2.xx', '188.143.a.b', '256.1.1.1', '01.2.3.4', '1.2.3', '2001:db8::1::2', 'gw', '[2001:db8::1]', '192.0.2.1 '])('canonicalIp(%j) is undefined', (input) => {
  expect(canonicalIp(input)).toBeUndefined();
});

test('AddressSet matches addresses and CIDRs of both families, IPv4-mapped entries as IPv4', () => {
  const set = new AddressSet(['192.0.2.25', '10.1.0.0/16', '2001:db8:25::/48', '2001:db8::25', '::ffff:198.51.100.0/120']);
  const yes = ['192.0.2.25', '10.1.200.3', '2001:db8:25:ffff::1', '2001:db8::25', '198.51.100.77'];
  const no = ['192.0.2.26', '10.2.0.1', '2001:db8:26::1', '2001:db8::26', '198.51.101.1'];
  expect(yes.filter((a) => set.has(a))).toEqual(yes);
  expect(no.filter((a) => set.has(a))).toEqual([]);
  // A mapped address, once canonical, matches its IPv4 entry.
  expect(set.has(canonicalIp('::ffff:192.0.2.25')!)).toBe(true);
  expect(new AddressSet([]).has('192.0.2.25')).toBe(false);
});

test('IPv6 canonical form agrees with the WHATWG URL serialiser (RFC 5952), for any address', () => {
  fc.assert(fc.property(fc.ipV6(), (addr) => {
    const canonical = canonicalIp(addr);
    const url = new URL(`http://[${addr}]/`).hostname.slice(1, -1);
    if (url.startsWith('::ffff:') && /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(url)) {
      // IPv4-mapped: written as the IPv4 address it is.
      const [hi, lo] = url.slice(7).split(':').map((h) => parseInt(h, 16));
      expect(canonical).toBe(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    } else {
      expect(canonical).toBe(url);
    }
    expect(canonicalIp(canonical!)).toBe(canonical); // idempotent
  }), { numRuns: 2000 });
});
