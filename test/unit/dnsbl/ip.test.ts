// IP helpers: one canonical text per address, nibbles for ip6 DNSBL names,
// CIDR parsing/expansion with a cap, and the public-address test.
import fc from 'fast-check';
import { isIP } from 'node:net';
import {
  cidrContains, expandCidr, formatCidr, ipv6Nibbles, isPublicAddress, parseAddressOrCidr, parseCidr, parseIp,
} from '../../../src/dnsbl/ip';

describe('parseIp', () => {
  test.each([
    ['192.0.2.10', 4, '192.0.2.10'],
    ['0.0.0.0', 4, '0.0.0.0'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['::ffff:192.0.2.10', 4, '192.0.2.10'],
    ['::FFFF:c000:020a', 4, '192.0.2.10'],
    ['0:0:0:0:0:ffff:198.51.100.7', 4, '198.51.100.7'],
    ['2001:DB8::1', 6, '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:0:0:1:0:0:0:1', 6, '2001:0:0:1::1'], // the longer run wins
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
    ['2001:db8::', 6, '2001:db8::'],
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['::192.0.2.1', 6, '::c000:201'], // deprecated IPv4-compatible: not mapped
    ['64:ff9b::192.0.2.33', 6, '64:ff9b::c000:221'],
    ['fe80::1:2:3:4', 6, 'fe80::1:2:3:4'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', 6, '0:2:3:4:5:6:7:8'],
  ])('%s → IPv%i %s', (text, family, address) => {
    expect(parseIp(text)).toEqual({ family, address });
  });

  test.each([
    '', '1', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-1', '010.0.0.1', '1.2.3.04', '1..2.3', ' 1.2.3.4', '1.2.3.4 ',
    '1.2.3.4/32', 'a.b.c.d', '１.2.3.4', ':', ':::', '1:::2', '1::2::3', ':1::2', '1::2:', '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7', '12345::1', 'g::1', 'fe80::1%eth0', '[::1]', '::1.2.3', '::1.2.3.4:5', '1.2.3.4::',
    '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', 'mx1.example.com',
  ])('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  test('agrees with node:net on random addresses and is idempotent', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
      const parsed = parseIp(text);
      expect(parsed).toBeDefined();
      expect(isIP(parsed!.address)).toBe(parsed!.family);
      expect(parseIp(parsed!.address)).toEqual(parsed);
    }), { numRuns: 2000 });
  });
});

describe('ipv6Nibbles', () => {
  test('2001:db8::1 gives 32 nibbles, most significant first', () => {
    expect(ipv6Nibbles('2001:db8::1').join('')).toBe('20010db8000000000000000000000001');
  });
  test('upper case and full form give the same lower-case nibbles', () => {
    expect(ipv6Nibbles('2001:0DB8:ABCD:0012:0000:0000:0000:00FF').join('.')).toBe(
      '2.0.0.1.0.d.b.8.a.b.c.d.0.0.1.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f');
  });
  test('an IPv4-mapped address has the nibbles of the 128-bit address', () => {
    expect(ipv6Nibbles('::ffff:192.0.2.10').join('')).toBe('00000000000000000000ffffc000020a');
  });
  test.each(['192.0.2.10', 'nonsense', '::1%lo'])('throws on %j', (text) => {
    expect(() => ipv6Nibbles(text)).toThrow(`not an IPv6 address: "${text}"`);
  });
});

describe('parseCidr', () => {
  test.each([
    ['198.51.100.0/28', 4, '198.51.100.0', 28, 16n],
    ['198.51.100.77/28', 4, '198.51.100.64', 28, 16n], // host bits cleared
    ['10.0.0.0/8', 4, '10.0.0.0', 8, 16777216n],
    ['0.0.0.0/0', 4, '0.0.0.0', 0, 4294967296n],
    ['192.0.2.10/32', 4, '192.0.2.10', 32, 1n],
    ['2001:DB8::ff/120', 6, '2001:db8::', 120, 256n],
    ['2001:db8:1234::/48', 6, '2001:db8:1234::', 48, 2n ** 80n],
    ['::/0', 6, '::', 0, 2n ** 128n],
    ['2001:db8::1/128', 6, '2001:db8::1', 128, 1n],
    ['::ffff:192.0.2.0/120', 4, '192.0.2.0', 24, 256n], // mapped → IPv4 network
    ['::ffff:0:0/95', 6, '::fffe:0:0', 95, 2n ** 33n],
  ])('%s → %s/%i of %s addresses', (text, family, network, prefix, size) => {
    expect(parseCidr(text)).toEqual({ family, network, prefix, size });
  });

  test.each(['198.51.100.0', '198.51.100.0/33', '198.51.100.0/', '198.51.100.0/028', '198.51.100.0/-1', '2001:db8::/129',
    '2001:db8::/1/2', 'example.com/24', '/24', '1.2.3.4/2a'])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  test('parseAddressOrCidr takes a bare address as a one-address network', () => {
    expect(parseAddressOrCidr('2001:DB8::1')).toEqual({ family: 6, network: '2001:db8::1', prefix: 128, size: 1n });
    expect(parseAddressOrCidr('192.0.2.1')).toEqual({ family: 4, network: '192.0.2.1', prefix: 32, size: 1n });
    expect(parseAddressOrCidr('192.0.2.1/30')).toEqual({ family: 4, network: '192.0.2.0', prefix: 30, size: 4n });
    expect(parseAddressOrCidr('192.0.2.256')).toBeUndefined();
  });

  test('formatCidr and cidrContains', () => {
    const net = parseCidr('2001:db8:aa::/64')!;
    expect(formatCidr(net)).toBe('2001:db8:aa::/64');
    expect(cidrContains(net, '2001:db8:aa:0:ffff:ffff:ffff:ffff')).toBe(true);
    expect(cidrContains(net, '2001:db8:aa:1::')).toBe(false);
    expect(cidrContains(net, '192.0.2.1')).toBe(false);
    expect(cidrContains(parseCidr('192.0.2.0/24')!, '::ffff:192.0.2.200')).toBe(true);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, '255.255.255.255')).toBe(true);
  });
});

describe('expandCidr', () => {
  test('a /30 gives its four addresses, network and broadcast included', () => {
    expect(expandCidr(parseCidr('192.0.2.9/30')!, 256)).toEqual(['192.0.2.8', '192.0.2.9', '192.0.2.10', '192.0.2.11']);
  });
  test('crossing an octet boundary', () => {
    const all = expandCidr(parseCidr('198.51.100.0/23')!, 512);
    expect(all.length).toBe(512);
    expect(all[255]).toBe('198.51.100.255');
    expect(all[256]).toBe('198.51.101.0');
    expect(all[511]).toBe('198.51.101.255');
  });
  test('the top of the IPv4 space', () => {
    expect(expandCidr(parseCidr('255.255.255.254/31')!, 2)).toEqual(['255.255.255.254', '255.255.255.255']);
  });
  test('IPv6 in canonical text', () => {
    expect(expandCidr(parseCidr('2001:db8::fffe/127')!, 2)).toEqual(['2001:db8::fffe', '2001:db8::ffff']);
    const v6 = expandCidr(parseCidr('2001:db8:0:1::/120')!, 256);
    expect(v6.length).toBe(256);
    expect(v6[0]).toBe('2001:db8:0:1::');
    expect(v6[255]).toBe('2001:db8:0:1::ff');
  });
  test('exactly the cap is allowed, one more is an error naming the network and the cap', () => {
    expect(expandCidr(parseCidr('10.0.0.0/24')!, 256).length).toBe(256);
    expect(() => expandCidr(parseCidr('10.0.0.0/23')!, 256)).toThrow('10.0.0.0/23 has 512 addresses, more than the cap (256)');
    expect(() => expandCidr(parseCidr('2001:db8::/32')!, 65536)).toThrow(
      `2001:db8::/32 has ${2n ** 96n} addresses, more than the cap (65536)`);
  });
});

describe('isPublicAddress', () => {
  test.each([
    '8.8.8.8', '1.1.1.1', '93.184.216.34', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0',
    '198.17.255.255', '198.20.0.0', '223.255.255.255', '192.0.3.1', '::ffff:8.8.4.4', '2a00:1450:4001:80b::200e',
    '2001:4860:4860::8888', '2606:4700::1111', '2001:db9::1', '2002:c000:201::1',
  ])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  test.each([
    ['10.1.2.3', 'RFC 1918'], ['172.16.0.1', 'RFC 1918'], ['172.31.255.255', 'RFC 1918'], ['192.168.1.1', 'RFC 1918'],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['169.254.10.10', 'link-local'],
    ['100.64.0.1', 'CGNAT'], ['100.127.255.255', 'CGNAT'], ['192.0.2.10', 'TEST-NET-1'], ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.1', 'TEST-NET-3'], ['198.18.0.1', 'benchmarking'], ['198.19.255.255', 'benchmarking'],
    ['224.0.0.251', 'multicast'], ['239.255.255.250', 'multicast'], ['0.0.0.0', 'unspecified'], ['0.1.2.3', '0/8'],
    ['240.0.0.1', '240/4'], ['255.255.255.255', 'broadcast'], ['192.0.0.8', 'IETF protocol assignments'],
    ['::ffff:10.0.0.1', 'mapped RFC 1918'], ['::', 'unspecified'], ['::1', 'loopback'], ['fe80::1', 'link-local'],
    ['fc00::1', 'ULA'], ['fd12:3456:789a::1', 'ULA'], ['ff02::1', 'multicast'], ['2001:db8::1', 'documentation'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'], ['3fff::1', 'documentation (RFC 9637)'],
    ['2001:2::1', 'benchmarking'], ['64:ff9b::808:808', 'NAT64'], ['100::1', 'discard'], ['fec0::1', 'site-local'],
    ['not-an-address', 'not an address'], ['', 'empty'],
  ])('%s is not public (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});
