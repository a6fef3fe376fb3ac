// IP address helpers for DNSBL targets: parsing to one canonical text (so the
// same address written two ways is one target and one label value), IPv6
// nibbles for reversed DNSBL query names, CIDR parsing/expansion, and the
// "is this address publicly routable" test used when no targets are configured.
// Pure functions, no DNS, no node:net (its isIP accepts zone ids and does not
// canonicalise).

export type IpFamily = 4 | 6;

export interface ParsedIp {
  family: IpFamily;
  /** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  address: string;
}

export interface Cidr {
  family: IpFamily;
  /** The network address (host bits cleared), canonical text. */
  network: string;
  prefix: number;
  /** Number of addresses in the network: 2^(bits − prefix). */
  size: bigint;
}

/**
 * Parses an IPv4 or IPv6 address to its canonical text. IPv4 must be a dotted
 * quad of decimal octets without leading zeros ("010.0.0.1" is ambiguous:
 * octal to some tools). IPv6 may use "::" and an embedded dotted quad; zone ids
 * ("fe80::1%eth0") and brackets are rejected. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is the IPv4 address: that is the one DNSBLs list.
 * Returns undefined for anything else.
 */
export function parseIp(text: string): ParsedIp | undefined {
  if (text.indexOf(':') === -1) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : { family: 4, address: formatIpv4(v4) };
  }
  const groups = parseIpv6Groups(text);
  if (groups === undefined) return undefined;
  if (isMappedIpv4(groups)) return { family: 4, address: formatIpv4(groups[6] * 0x10000 + groups[7]) };
  return { family: 6, address: formatIpv6(groups) };
}

/**
 * The 32 hex nibbles of an IPv6 address, lower case, most significant first
 * (reverse them for an ip6.arpa-style DNSBL query). Accepts any valid IPv6
 * text, IPv4-mapped included (its nibbles are those of the 128-bit address).
 * Throws on text that is not IPv6: callers pass addresses they parsed.
 */
export function ipv6Nibbles(address: string): string[] {
  const groups = parseIpv6Groups(address);
  if (groups === undefined) throw new TypeError(`not an IPv6 address: ${JSON.stringify(address)}`);
  const nibbles: string[] = new Array(32);
  for (let g = 0; g < 8; g++) {
    const v = groups[g];
    nibbles[g * 4] = HEX[(v >> 12) & 0xf];
    nibbles[g * 4 + 1] = HEX[(v >> 8) & 0xf];
    nibbles[g * 4 + 2] = HEX[(v >> 4) & 0xf];
    nibbles[g * 4 + 3] = HEX[v & 0xf];
  }
  return nibbles;
}

/**
 * Parses "address/prefix". Host bits may be set ("192.0.2.10/24" is the
 * network 192.0.2.0/24, as SPF records often write it). A prefix is decimal
 * without leading zeros, ≤ 32 or ≤ 128. An IPv4-mapped IPv6 network of prefix
 * ≥ 96 is the corresponding IPv4 network. A bare address (no "/") is not a
 * CIDR: use parseIp, or parseAddressOrCidr for either.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const prefixText = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  let prefix = Number(prefixText);
  const addrText = text.slice(0, slash);
  let family: IpFamily;
  let value: bigint;
  if (addrText.indexOf(':') === -1) {
    const v4 = parseIpv4(addrText);
    if (v4 === undefined || prefix > 32) return undefined;
    family = 4;
    value = BigInt(v4);
  } else {
    const groups = parseIpv6Groups(addrText);
    if (groups === undefined || prefix > 128) return undefined;
    if (prefix >= 96 && isMappedIpv4(groups)) {
      family = 4;
      prefix -= 96;
      value = BigInt(groups[6] * 0x10000 + groups[7]);
    } else {
      family = 6;
      value = groupsToBigInt(groups);
    }
  }
  const bits = family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  return { family, network: formatBigInt(family, network), prefix, size: 1n << hostBits };
}

/** A bare address as a single-address CIDR (/32 or /128), or a CIDR. */
export function parseAddressOrCidr(text: string): Cidr | undefined {
  if (text.indexOf('/') !== -1) return parseCidr(text);
  const ip = parseIp(text);
  if (ip === undefined) return undefined;
  return { family: ip.family, network: ip.address, prefix: ip.family === 4 ? 32 : 128, size: 1n };
}

/** "network/prefix" canonical text of a parsed CIDR. */
export function formatCidr(cidr: Cidr): string {
  return `${cidr.network}/${cidr.prefix}`;
}

/**
 * Every address of the network, lowest first, network and broadcast addresses
 * included (a DNSBL lists addresses, not hosts). Throws a RangeError naming the
 * network and the cap when it has more than `max` addresses, so a typo such as
 * /16 for /28 is a config error rather than 65,536 queries a round.
 */
export function expandCidr(cidr: Cidr, max: number): string[] {
  if (cidr.size > BigInt(max)) {
    throw new RangeError(`${formatCidr(cidr)} has ${cidr.size} addresses, more than the cap (${max})`);
  }
  const start = addressToBigInt(cidr.network);
  const count = Number(cidr.size);
  const out: string[] = new Array(count);
  if (cidr.family === 4) {
    const base = Number(start);
    for (let i = 0; i < count; i++) out[i] = formatIpv4(base + i);
  } else {
    for (let i = 0; i < count; i++) out[i] = formatBigInt(6, start + BigInt(i));
  }
  return out;
}

/** True when `address` (any valid text) lies inside `cidr`. */
export function cidrContains(cidr: Cidr, address: string): boolean {
  const ip = parseIp(address);
  if (ip === undefined || ip.family !== cidr.family) return false;
  const hostBits = BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
  return addressToBigInt(ip.address) >> hostBits === addressToBigInt(cidr.network) >> hostBits;
}

/**
 * Orders canonical addresses: IPv4 before IPv6, then numerically (so
 * 192.0.2.9 sorts before 192.0.2.10). Text that is not an address sorts last.
 */
export function compareAddresses(a: string, b: string): number {
  const pa = parseIp(a);
  const pb = parseIp(b);
  if (pa === undefined || pb === undefined) return pa ? -1 : pb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (pa.family !== pb.family) return pa.family - pb.family;
  const va = addressToBigInt(pa.address);
  const vb = addressToBigInt(pb.address);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

// Not globally routable: a DNSBL cannot list them meaningfully, and an
// interface holding one is not the address the world sees our mail from.
const NON_PUBLIC_V4 = [
  '0.0.0.0/8', // "this network", unspecified
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // CGNAT, RFC 6598
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking, RFC 2544
  '198.51.100.0/24', // TEST-NET-2
  '203.0.113.0/24', // TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast 255.255.255.255
].map(mustParseCidr);

// IPv6 global unicast is 2000::/3; everything outside it (::, ::1, fc00::/7
// ULA, fe80::/10 link-local, ff00::/8 multicast, 100::/64 discard, 64:ff9b::/96
// NAT64 whose real sender is the embedded IPv4) is not ours to check. Inside
// it, these are documentation/benchmarking/ORCHID ranges.
const GLOBAL_UNICAST_V6 = mustParseCidr('2000::/3');
const NON_PUBLIC_V6 = [
  '2001:2::/48', // benchmarking, RFC 5180
  '2001:10::/28', // ORCHID (deprecated)
  '2001:20::/28', // ORCHIDv2
  '2001:db8::/32', // documentation, RFC 3849
  '3fff::/20', // documentation, RFC 9637
].map(mustParseCidr);

/**
 * True for a publicly routable unicast address; false for private, loopback,
 * link-local, CGNAT, ULA, documentation, benchmarking, multicast, reserved and
 * unspecified addresses, and for text that is not an address.
 */
export function isPublicAddress(address: string): boolean {
  const ip = parseIp(address);
  if (ip === undefined) return false;
  if (ip.family === 4) return !NON_PUBLIC_V4.some((c) => cidrContains(c, ip.address));
  if (!cidrContains(GLOBAL_UNICAST_V6, ip.address)) return false;
  return !NON_PUBLIC_V6.some((c) => cidrContains(c, ip.address));
}

// ---- internals -------------------------------------------------------------

const HEX = '0123456789abcdef';

function mustParseCidr(text: string): Cidr {
  const c = parseCidr(text);
  if (c === undefined) throw new Error(`bad built-in CIDR ${text}`);
  return c;
}

/** Dotted quad → unsigned 32-bit number, or undefined. */
function parseIpv4(text: string): number | undefined {
  if (text.length < 7 || text.length > 15) return undefined;
  let value = 0;
  let octets = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 0x2e /* . */) continue;
    const len = i - start;
    if (len < 1 || len > 3) return undefined;
    let octet = 0;
    for (let j = start; j < i; j++) {
      const d = text.charCodeAt(j) - 0x30;
      if (d < 0 || d > 9) return undefined;
      octet = octet * 10 + d;
    }
    if (octet > 255 || (len > 1 && text.charCodeAt(start) === 0x30)) return undefined;
    value = value * 256 + octet;
    octets++;
    start = i + 1;
  }
  return octets === 4 ? value : undefined;
}

function formatIpv4(value: number): string {
  return `${Math.floor(value / 0x1000000) & 0xff}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** IPv6 text → eight 16-bit groups, or undefined. */
function parseIpv6Groups(text: string): number[] | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return undefined;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const headGroups = head === '' ? [] : parseGroupList(head, gap === -1);
  const tailGroups = tail === '' ? [] : parseGroupList(tail, true);
  if (headGroups === undefined || tailGroups === undefined) return undefined;
  const n = headGroups.length + tailGroups.length;
  if (gap === -1) return n === 8 ? headGroups : undefined;
  if (n > 7) return undefined;
  return [...headGroups, ...new Array<number>(8 - n).fill(0), ...tailGroups];
}

/** "a:b:c" (optionally ending in a dotted quad, which counts as two groups). */
function parseGroupList(text: string, ipv4TailAllowed: boolean): number[] | undefined {
  const parts = text.split(':');
  const groups: number[] = [];
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (p === parts.length - 1 && ipv4TailAllowed && part.indexOf('.') !== -1) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Math.floor(v4 / 0x10000), v4 & 0xffff);
      continue;
    }
    if (part.length < 1 || part.length > 4) return undefined;
    let value = 0;
    for (let i = 0; i < part.length; i++) {
      const d = hexDigit(part.charCodeAt(i));
      if (d < 0) return undefined;
      value = value * 16 + d;
    }
    groups.push(value);
  }
  return groups;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isMappedIpv4(groups: number[]): boolean {
  return groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2, first on a tie) of zero groups as "::". */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

function groupsToBigInt(groups: number[]): bigint {
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Canonical address text (as produced by parseIp) → integer. */
function addressToBigInt(address: string): bigint {
  if (address.indexOf(':') === -1) return BigInt(parseIpv4(address) as number);
  return groupsToBigInt(parseIpv6Groups(address) as number[]);
}

function formatBigInt(family: IpFamily, value: bigint): string {
  if (family === 4) return formatIpv4(Number(value));
  const groups: number[] = new Array(8);
  for (let g = 7; g >= 0; g--) {
    groups[g] = Number(value & 0xffffn);
    value >>= 16n;
  }
  // A network inside ::ffff:0:0/96 with prefix < 96 stays IPv6 text; formatIpv6 never maps.
  return formatIpv6(groups);
}
