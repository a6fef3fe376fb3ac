// Addresses as they appear in firewall logs, and the allow/deny sets the
// config names (mail_servers, internal_networks).
//
// A source address becomes a label value, so one host must always give the
// same string: IPv6 is written in RFC 5952 form (lower case, longest zero run
// compressed) and an IPv4-mapped IPv6 address (::ffff:192.0.2.1, which
// dual-stack sockets log) is written as the IPv4 address it is.
import { BlockList, isIP } from 'node:net';

/** The canonical text of an IPv4/IPv6 address, or undefined when `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  const family = isIP(text);
  if (family === 4) return text; // node's isIP already rejects leading zeros and out-of-range octets
  if (family !== 6 || !ipv6Groups(text, GROUPS)) return undefined;
  const g = GROUPS;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
  }
  return formatIpv6(g);
}

/** Scratch for one conversion: canonicalIp is synchronous, so one buffer serves every call. */
const GROUPS = new Uint16Array(8);

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The eight 16-bit groups of an IPv6 address that isIP() accepted, into `out`
 * (a zone index "%eth0" is dropped). Hand-written over char codes: this runs
 * for every IPv6 attempt in a firewall log.
 */
function ipv6Groups(text: string, out: Uint16Array): boolean {
  let end = text.indexOf('%');
  if (end < 0) end = text.length;
  out.fill(0);
  let n = 0; // groups written
  let gap = -1; // index in out where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) { gap = 0; i = 2; }
  while (i < end) {
    // An embedded IPv4 address ends the text: "::ffff:192.0.2.1".
    const dot = text.indexOf('.', i);
    if (dot >= 0 && dot < end && text.indexOf(':', i) < 0) {
      const parts = text.slice(i, end).split('.');
      if (parts.length !== 4 || n > 6) return false;
      const o = parts.map(Number);
      if (o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return false;
      out[n++] = (o[0] << 8) | o[1];
      out[n++] = (o[2] << 8) | o[3];
      break;
    }
    let v = 0, digits = 0;
    while (i < end) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || n >= 8) return false;
    out[n++] = v;
    if (i >= end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    }
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false;
  // Move the groups after "::" to the end.
  const tail = n - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[n - 1 - k];
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

/** RFC 5952: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
function formatIpv6(groups: Uint16Array): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += groups[i].toString(16);
  }
  return out;
}

/**
 * A set of addresses and CIDR networks, IPv4 and IPv6, from config strings
 * already validated by `addressOrCidr`. `has()` takes a canonical address
 * (from canonicalIp), so an IPv4-mapped address matches its IPv4 entry.
 */
export class AddressSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [addr, bits] = entry.split('/');
      const ip = canonicalIp(addr);
      if (ip === undefined) throw new Error(`not an IP address or CIDR: ${entry}`);
      const type = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) {
        this.list.addAddress(ip, type);
      } else {
        // A mapped network (::ffff:10.0.0.0/104) is the IPv4 network /(n - 96).
        const prefix = Number(bits) - (type === 'ipv4' && isIP(addr) === 6 ? 96 : 0);
        this.list.addSubnet(ip, Math.max(0, prefix), type);
      }
    }
    this.size = entries.length;
  }

  has(canonical: string): boolean {
    if (this.size === 0) return false;
    return this.list.check(canonical, canonical.includes(':') ? 'ipv6' : 'ipv4');
  }
}
