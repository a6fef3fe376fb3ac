// DNS wire format (RFC 1035) for the resolver: query names, query encoding and
// a strict response decoder.
//
// Why not dns2's Packet here: measured on Node 20, Packet.parse costs ~110 µs
// and Packet#toBuffer ~55 µs per message (its reader/writer work on arrays of
// bits), i.e. ~5 s of event-loop time for a 30,000-query round; and
// Packet.parse swallows per-record errors, so a truncated or lying packet comes
// back as a half-filled answer instead of an error. The test stub server still
// builds its replies with dns2's Packet, so every decoding test cross-checks
// this decoder against an independent encoder.
//
// Everything here is pure and never throws: bad input is a `{ error }` result.

import type { RecordType } from './dns';

export const QTYPE: Record<RecordType, number> = { A: 1, AAAA: 28, TXT: 16, MX: 15 };
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
const CLASS_IN = 1;

export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
};
export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

// ---------------------------------------------------------------------------
// Query names

export type NameCheck = { ok: true; name: string } | { ok: false; detail: string };

// Letters, digits, hyphen and underscore (_spf, _dmarc, DKIM selectors). DNSBL
// and SPF names never need more, and refusing the rest keeps spaces, control
// characters and non-ASCII out of packets and log lines.
const LABEL = /^[a-z0-9_-]{1,63}$/;

/**
 * Lowercases `raw`, drops one trailing dot and checks the label rules (each
 * label 1–63 bytes, whole name ≤ 253 characters). The detail of a rejection
 * names the problem, not the name itself: the caller may not have redacted it.
 */
export function normalizeName(raw: string): NameCheck {
  let name = raw.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '') return { ok: false, detail: 'empty query name' };
  if (name.length > 253) return { ok: false, detail: `query name is ${name.length} characters (maximum 253)` };
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (LABEL.test(label)) continue;
    if (label === '') return { ok: false, detail: `query name has an empty label (label ${i + 1})` };
    if (label.length > 63) return { ok: false, detail: `label ${i + 1} is ${label.length} bytes (maximum 63)` };
    return { ok: false, detail: `label ${i + 1} has a character other than a-z 0-9 - _` };
  }
  return { ok: true, name };
}

// ---------------------------------------------------------------------------
// Query encoding

/**
 * A standard query: one question, class IN, RD set (we talk to a recursive
 * resolver), no EDNS (answers over 512 bytes come back truncated and go to TCP).
 * `name` must come from normalizeName.
 */
export function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const buf = Buffer.allocUnsafe(12 + name.length + 2 + 4);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(0x0100, 2); // QR=0 OPCODE=0 RD=1
  buf.writeUInt16BE(1, 4); // QDCOUNT
  buf.writeUInt32BE(0, 6); // ANCOUNT, NSCOUNT
  buf.writeUInt16BE(0, 10); // ARCOUNT
  let off = 12;
  let start = 0;
  while (start <= name.length) {
    let end = name.indexOf('.', start);
    if (end === -1) end = name.length;
    buf[off++] = end - start;
    off += buf.write(name.slice(start, end), off, 'latin1');
    start = end + 1;
  }
  buf[off++] = 0;
  buf.writeUInt16BE(qtype, off);
  buf.writeUInt16BE(CLASS_IN, off + 2);
  return buf;
}

// ---------------------------------------------------------------------------
// Response decoding

export interface WireHeader {
  id: number;
  qr: boolean;
  opcode: number;
  tc: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface WireQuestion { name: string; type: number; cls: number }

/** A decoded resource record; `data` is set for the types the resolver uses. */
export interface WireRecord {
  /** Owner name, lower case, no trailing dot. */
  name: string;
  type: number;
  cls: number;
  ttl: number;
  /** A/AAAA address, joined TXT, MX exchange or CNAME target (lower case, no dot). */
  data?: string;
  /** MX preference. */
  priority?: number;
  /** SOA MINIMUM (RFC 2308 negative-caching TTL). */
  soaMinimum?: number;
}

export interface WireMessage {
  header: WireHeader;
  question?: WireQuestion;
  answers: WireRecord[];
  authorities: WireRecord[];
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

class WireError extends Error {}

function fail(msg: string): never {
  throw new WireError(msg);
}

/** Only the 12-byte header (for matching a reply to a pending query before decoding the rest). */
export function decodeHeader(buf: Buffer): WireHeader | undefined {
  if (buf.length < 12) return undefined;
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

/**
 * Reads a (possibly compressed) name at `off`. Returns the name (lower case,
 * no trailing dot, "" for the root) and the offset just past it in the
 * original byte stream. Compression pointers must point strictly backwards,
 * which rules out loops; the decoded name is capped at 255 wire bytes.
 */
function readName(buf: Buffer, off: number): { name: string; next: number } {
  let name = '';
  let wireLen = 1;
  let next = -1;
  let pos = off;
  let limit = off; // a pointer must target an offset before the label that holds it
  for (;;) {
    if (pos >= buf.length) fail('name runs past the end of the packet');
    const len = buf[pos];
    if (len === 0) {
      if (next === -1) next = pos + 1;
      return { name, next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) fail('name pointer runs past the end of the packet');
      const target = ((len & 0x3f) << 8) | buf[pos + 1];
      if (target >= limit) fail('name pointer does not point backwards');
      if (next === -1) next = pos + 2;
      pos = target;
      limit = target;
      continue;
    }
    if ((len & 0xc0) !== 0) fail(`reserved label type 0x${len.toString(16)}`);
    if (pos + 1 + len > buf.length) fail('label runs past the end of the packet');
    wireLen += len + 1;
    if (wireLen > 255) fail('name longer than 255 bytes');
    const label = buf.toString('latin1', pos + 1, pos + 1 + len).toLowerCase();
    name = name === '' ? label : `${name}.${label}`;
    pos += 1 + len;
  }
}

function readQuestion(buf: Buffer, off: number): { question: WireQuestion; next: number } {
  const { name, next } = readName(buf, off);
  if (next + 4 > buf.length) fail('question runs past the end of the packet');
  return { question: { name, type: buf.readUInt16BE(next), cls: buf.readUInt16BE(next + 2) }, next: next + 4 };
}

function ipv4Text(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** RFC 5952 canonical text: lower-case hex, longest run (≥ 2) of zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function ipv6Text(buf: Buffer, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(off + i * 2));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${ipv4Text(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function readRecord(buf: Buffer, off: number): { record: WireRecord; next: number } {
  const { name, next: afterName } = readName(buf, off);
  if (afterName + 10 > buf.length) fail('record header runs past the end of the packet');
  const type = buf.readUInt16BE(afterName);
  const cls = buf.readUInt16BE(afterName + 2);
  // RFC 2181 §8: a TTL with the top bit set is treated as 0.
  const rawTtl = buf.readUInt32BE(afterName + 4);
  const ttl = rawTtl > 0x7fffffff ? 0 : rawTtl;
  const rdlen = buf.readUInt16BE(afterName + 8);
  const start = afterName + 10;
  const end = start + rdlen;
  if (end > buf.length) fail('record data runs past the end of the packet');
  const record: WireRecord = { name, type, cls, ttl };
  switch (type) {
    case QTYPE.A:
      if (rdlen !== 4) fail(`A record with ${rdlen} data bytes`);
      record.data = ipv4Text(buf, start);
      break;
    case QTYPE.AAAA:
      if (rdlen !== 16) fail(`AAAA record with ${rdlen} data bytes`);
      record.data = ipv6Text(buf, start);
      break;
    case QTYPE.TXT: {
      // One or more <length><bytes> character-strings filling RDLENGTH exactly.
      if (rdlen === 0) fail('TXT record without a character-string');
      const parts: Buffer[] = [];
      let p = start;
      while (p < end) {
        const len = buf[p];
        if (p + 1 + len > end) fail('TXT character-string runs past its record');
        parts.push(buf.subarray(p + 1, p + 1 + len));
        p += 1 + len;
      }
      record.data = (parts.length === 1 ? parts[0] : Buffer.concat(parts)).toString('utf8');
      break;
    }
    case QTYPE.MX: {
      if (rdlen < 3) fail(`MX record with ${rdlen} data bytes`);
      record.priority = buf.readUInt16BE(start);
      const exchange = readName(buf, start + 2);
      if (exchange.next !== end) fail('MX exchange does not fill its record');
      record.data = exchange.name;
      break;
    }
    case TYPE_CNAME: {
      const target = readName(buf, start);
      if (target.next !== end) fail('CNAME target does not fill its record');
      record.data = target.name;
      break;
    }
    case TYPE_SOA: {
      const mname = readName(buf, start);
      const rname = readName(buf, mname.next);
      if (rname.next + 20 !== end) fail('SOA record has the wrong length');
      record.soaMinimum = buf.readUInt32BE(rname.next + 16);
      break;
    }
    default:
      break; // other types (OPT, NS, RRSIG…) are skipped by RDLENGTH
  }
  return { record, next: end };
}

/**
 * Decodes a whole response. Answer and authority records are kept; the
 * additional section is walked (so a packet that lies about its length is
 * rejected) and dropped. Any inconsistency makes the whole message an error:
 * never a half-decoded answer.
 */
export function decodeResponse(buf: Buffer): Decoded<WireMessage> {
  try {
    const header = decodeHeader(buf);
    if (!header) return { ok: false, error: `${buf.length}-byte packet is shorter than a DNS header` };
    if (header.qdcount > 1) return { ok: false, error: `${header.qdcount} questions` };
    let off = 12;
    let question: WireQuestion | undefined;
    if (header.qdcount === 1) {
      const q = readQuestion(buf, off);
      question = q.question;
      off = q.next;
    }
    const answers: WireRecord[] = [];
    const authorities: WireRecord[] = [];
    const total = header.ancount + header.nscount + header.arcount;
    for (let i = 0; i < total; i++) {
      const { record, next } = readRecord(buf, off);
      off = next;
      if (i < header.ancount) answers.push(record);
      else if (i < header.ancount + header.nscount) authorities.push(record);
    }
    return { ok: true, value: { header, question, answers, authorities } };
  } catch (err) {
    // Anything else (a RangeError from a Buffer read we did not guard) is a bug in this file, but must still not escape.
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Decodes the header and question only: enough to match a truncated (TC) reply, whose records may be cut. */
export function decodeQuestionOnly(buf: Buffer): Decoded<{ header: WireHeader; question?: WireQuestion }> {
  try {
    const header = decodeHeader(buf);
    if (!header) return { ok: false, error: `${buf.length}-byte packet is shorter than a DNS header` };
    if (header.qdcount !== 1) return { ok: true, value: { header } };
    return { ok: true, value: { header, question: readQuestion(buf, 12).question } };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The question of a reply equals ours: same name (case-insensitively; both are lowercased), type and class IN. */
export function sameQuestion(q: WireQuestion | undefined, name: string, qtype: number): boolean {
  return q !== undefined && q.type === qtype && q.cls === CLASS_IN && q.name === name;
}

export interface Extracted {
  records: { data: string; ttl: number; priority?: number }[];
  /** Smallest TTL among the records and the CNAMEs that led to them; undefined when there are none. */
  minTtl: number | undefined;
}

/**
 * The answer records of `qtype` for `name`, following a CNAME chain inside the
 * answer section (at most 16 links, loops stop the walk). Records for other
 * names or types are ignored: a resolver may add unrelated data.
 */
export function extractAnswers(answers: WireRecord[], name: string, qtype: number): Extracted {
  const records: Extracted['records'] = [];
  let minTtl: number | undefined;
  const seen = new Set<string>();
  let target = name;
  let cnameTtl: number | undefined;
  for (let hop = 0; hop <= 16 && !seen.has(target); hop++) {
    seen.add(target);
    let next: WireRecord | undefined;
    for (const rr of answers) {
      if (rr.name !== target || rr.cls !== CLASS_IN || rr.data === undefined) continue;
      if (rr.type === qtype) {
        records.push(rr.priority === undefined ? { data: rr.data, ttl: rr.ttl } : { data: rr.data, ttl: rr.ttl, priority: rr.priority });
        minTtl = minTtl === undefined ? rr.ttl : Math.min(minTtl, rr.ttl);
      } else if (rr.type === TYPE_CNAME && next === undefined) {
        next = rr;
      }
    }
    if (records.length > 0 || next === undefined || next.data === undefined) break;
    cnameTtl = cnameTtl === undefined ? next.ttl : Math.min(cnameTtl, next.ttl);
    target = next.data;
  }
  if (minTtl !== undefined && cnameTtl !== undefined) minTtl = Math.min(minTtl, cnameTtl);
  return { records, minTtl };
}

/** RFC 2308 §5: the negative-answer TTL is min(SOA TTL, SOA MINIMUM) of the SOA in the authority section. */
export function negativeTtl(authorities: WireRecord[]): number | undefined {
  for (const rr of authorities) {
    if (rr.type === TYPE_SOA && rr.soaMinimum !== undefined) return Math.min(rr.ttl, rr.soaMinimum);
  }
  return undefined;
}
