// DNSBL query names (RFC 5782 §2): reversed IPv4 octets, reversed IPv6
// nibbles, or a domain name, then the key (if any) and the zone. Names are
// absolute (trailing dot) so a resolv.conf `search` domain never turns a miss
// into a query for `10.2.0.192.zen.spamhaus.org.example.net`.
import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';
import { ipv6Nibbles, parseIp } from './ip';
import type { CheckTarget, ListDefinition } from './model';

/** RFC 1035: 255 octets on the wire, i.e. 253 characters of dotted text. */
const MAX_NAME = 253;

/** `<prefix>.<key>.<zone>.` (or without the key); undefined when longer than DNS allows. */
export function absoluteName(list: Pick<ListDefinition, 'zone' | 'key'>, prefix: string): string | undefined {
  const name = list.key ? `${prefix}.${list.key}.${list.zone}` : `${prefix}.${list.zone}`;
  return name.length > MAX_NAME ? undefined : `${name}.`;
}

/** `192.0.2.10` → `10.2.0.192`. The address must be canonical dotted-quad text. */
export function reverseIpv4(address: string): string {
  const [a, b, c, d] = address.split('.');
  return `${d}.${c}.${b}.${a}`;
}

/** Any IPv6 text (IPv4-mapped included, as the canaries need) → 32 reversed nibbles, dot-joined. */
export function reverseIpv6(address: string): string {
  return ipv6Nibbles(address).reverse().join('.');
}

/**
 * Lower-case A-label form of a domain name (IDNs as punycode), without a
 * trailing dot; undefined for anything that is not a host name: empty labels,
 * labels over 63 characters, characters other than letters, digits, "-" and
 * "_" (underscore appears in real names such as _dmarc), or an IP address.
 */
export function normaliseDomain(text: string): string | undefined {
  let name = text.trim();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '' || name.length > MAX_NAME) return undefined;
  const ascii = domainToASCII(name);
  if (ascii === '' || ascii.length > MAX_NAME) return undefined;
  let labelStart = 0;
  for (let i = 0; i <= ascii.length; i++) {
    const c = i < ascii.length ? ascii.charCodeAt(i) : 0x2e;
    if (c === 0x2e /* . */) {
      const len = i - labelStart;
      if (len < 1 || len > 63) return undefined;
      labelStart = i + 1;
      continue;
    }
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
    if (!ok) return undefined;
  }
  if (parseIp(ascii) !== undefined) return undefined;
  return ascii;
}

/**
 * The registrable domain ("example.co.uk" for "www.example.co.uk") by the
 * ICANN section of the Public Suffix List. Private suffixes (blogspot.com,
 * github.io) are not used: URIBL and SURBL list the registered domain.
 * Undefined for a public suffix itself or a single label.
 */
export function registrableDomain(asciiName: string): string | undefined {
  return getDomain(asciiName, { allowPrivateDomains: false }) ?? undefined;
}

/**
 * The absolute query name for `target` on `list`, or undefined when the list
 * does not apply: an IP on a domain list or a domain on an IP list, IPv6 on an
 * IPv4-only list (IPv4 on an IPv6-only one), a domain without a registrable
 * domain on a list that needs one, text that is neither an address nor a
 * host name, or a name longer than DNS allows.
 */
export function queryName(list: ListDefinition, target: CheckTarget): string | undefined {
  if (target.kind === 'ip') {
    if (list.type !== 'ip') return undefined;
    const ip = parseIp(target.value);
    if (ip === undefined) return undefined;
    if (ip.family === 4) return list.ipv4 === false ? undefined : absoluteName(list, reverseIpv4(ip.address));
    return list.ipv6 ? absoluteName(list, reverseIpv6(ip.address)) : undefined;
  }
  if (list.type !== 'domain') return undefined;
  const name = normaliseDomain(target.value);
  if (name === undefined) return undefined;
  if (list.query === 'registrable_domain') {
    const registrable = registrableDomain(name);
    return registrable === undefined ? undefined : absoluteName(list, registrable);
  }
  return absoluteName(list, name);
}

export interface CanaryNames {
  /** What the test entry is called in messages: "127.0.0.2", "::ffff:7f00:2", "test". */
  positiveLabel: string;
  negativeLabel: string;
  /** Must be listed. */
  positive: string;
  /** Must not be listed. */
  negative: string;
}

/**
 * The RFC 5782 §5 test entries of a list: 127.0.0.2 / 127.0.0.1 for IP lists,
 * ::ffff:7f00:2 / ::ffff:7f00:1 for IPv6-only lists, test / invalid for domain
 * lists (queried as they are, never reduced to a registrable domain).
 */
export function canaryNames(list: ListDefinition): CanaryNames {
  let positiveLabel: string;
  let negativeLabel: string;
  let positive: string;
  let negative: string;
  if (list.type === 'domain') {
    [positiveLabel, negativeLabel, positive, negative] = ['test', 'invalid', 'test', 'invalid'];
  } else if (list.ipv4 === false) {
    positiveLabel = '::ffff:7f00:2';
    negativeLabel = '::ffff:7f00:1';
    positive = reverseIpv6(positiveLabel);
    negative = reverseIpv6(negativeLabel);
  } else {
    positiveLabel = '127.0.0.2';
    negativeLabel = '127.0.0.1';
    positive = reverseIpv4(positiveLabel);
    negative = reverseIpv4(negativeLabel);
  }
  // A zone is validated to leave room for the longest prefix, so these always fit.
  return { positiveLabel, negativeLabel, positive: absoluteName(list, positive)!, negative: absoluteName(list, negative)! };
}
