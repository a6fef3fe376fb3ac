// The resolver's wire codec: names, queries (checked by dns2's independent
// parser), and strict decoding of answers built by dns2's encoder and of
// hand-made broken packets.
import {
  decodeQuestionOnly, decodeResponse, encodeQuery, extractAnswers, ipv6Text, negativeTtl, normalizeName, QTYPE, sameQuestion,
  type WireRecord,
} from '../../../src/dnsbl/resolver-wire';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Packet } = require('dns2');

/** A reply to `name`/`qtype` encoded by dns2 (with its name compression). */
function dns2Reply(name: string, qtype: number, answers: object[], extra: { rcode?: number; authorities?: object[]; additionals?: object[] } = {}): Buffer {
  const res = new Packet();
  res.header = { id: 0xbeef, qr: 1, rd: 1, ra: 1, rcode: extra.rcode ?? 0 };
  res.questions = [{ name, type: qtype, class: Packet.CLASS.IN }];
  res.answers = answers;
  res.authorities = extra.authorities ?? [];
  res.additionals = extra.additionals ?? [];
  return res.toBuffer();
}
const rr = (name: string, type: number, ttl: number, fields: object) => ({ name, type, class: Packet.CLASS.IN, ttl, ...fields });

describe('normalizeName', () => {
  test.each([
    ['2.0.0.127.ZEN.Spamhaus.org.', '2.0.0.127.zen.spamhaus.org'],
    ['_spf.google.com', '_spf.google.com'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    [`${'a'.repeat(63)}.test`, `${'a'.repeat(63)}.test`],
    [`${'a.'.repeat(126)}b`, `${'a.'.repeat(126)}b`], // 253 characters
  ])('%s is accepted as %s', (raw, name) => {
    expect(normalizeName(raw)).toEqual({ ok: true, name });
  });

  test.each([
    ['', 'empty query name'],
    ['.', 'empty query name'],
    ['a..b', 'query name has an empty label (label 2)'],
    ['.a', 'query name has an empty label (label 1)'],
    [`${'a'.repeat(64)}.test`, 'label 1 is 64 bytes (maximum 63)'],
    [`${'a.'.repeat(126)}bc`, 'query name is 254 characters (maximum 253)'],
    ['bad name.test', 'label 1 has a character other than a-z 0-9 - _'],
    ['bücher.example', 'label 1 has a character other than a-z 0-9 - _'],
    ['a.b\n.c', 'label 2 has a character other than a-z 0-9 - _'],
  ])('%j is rejected: %s', (raw, detail) => {
    expect(normalizeName(raw)).toEqual({ ok: false, detail });
  });
});

describe('encodeQuery', () => {
  test('dns2 reads back id, RD, one IN question of the right name and type, nothing else', () => {
    const q = Packet.parse(encodeQuery(0xa1b2, '10.2.0.192.bl.test', QTYPE.TXT));
    expect(q.header).toMatchObject({ id: 0xa1b2, qr: 0, opcode: 0, rd: 1, tc: 0, qdcount: 1, ancount: 0, nscount: 0, arcount: 0 });
    expect(q.questions).toEqual([{ name: '10.2.0.192.bl.test', type: 16, class: 1 }]);
  });

  test('the exact bytes of a query for "a.bc" MX', () => {
    expect(encodeQuery(0x0102, 'a.bc', QTYPE.MX).toString('hex')).toBe('010201000001000000000000' + '0161' + '026263' + '00' + '000f' + '0001');
  });
});

describe('decodeResponse on dns2-encoded answers', () => {
  test('A, AAAA, TXT (character-strings joined with ""), MX and CNAME, with owner names and TTLs', () => {
    const buf = dns2Reply('Host.Example', QTYPE.A, [
      rr('host.example', Packet.TYPE.CNAME, 300, { domain: 'Real.Example' }),
      rr('real.example', Packet.TYPE.A, 120, { address: '192.0.2.7' }),
      rr('real.example', Packet.TYPE.AAAA, 90, { address: '2001:db8:0:0:0:0:0:45' }),
      rr('real.example', Packet.TYPE.TXT, 60, { data: ['v=spf1 ip4:192.0.2.0/24 ', '-all'] }),
      rr('real.example', Packet.TYPE.MX, 30, { exchange: 'MX1.Example', priority: 10 }),
    ]);
    const d = decodeResponse(buf);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value.header).toMatchObject({ id: 0xbeef, qr: true, tc: false, rcode: 0, ancount: 5 });
    expect(d.value.question).toEqual({ name: 'host.example', type: 1, cls: 1 });
    expect(d.value.answers).toEqual([
      { name: 'host.example', type: 5, cls: 1, ttl: 300, data: 'real.example' },
      { name: 'real.example', type: 1, cls: 1, ttl: 120, data: '192.0.2.7' },
      { name: 'real.example', type: 28, cls: 1, ttl: 90, data: '2001:db8::45' },
      { name: 'real.example', type: 16, cls: 1, ttl: 60, data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: 'real.example', type: 15, cls: 1, ttl: 30, data: 'mx1.example', priority: 10 },
    ]);
  });

  test('an NXDOMAIN with a SOA in the authority section gives the RFC 2308 negative TTL', () => {
    const buf = dns2Reply('1.0.0.127.bl.test', QTYPE.A, [], {
      rcode: 3,
      authorities: [rr('bl.test', Packet.TYPE.SOA, 600, { primary: 'ns.bl.test', admin: 'hm.bl.test', serial: 7, refresh: 3600, retry: 600, expiration: 86400, minimum: 45 })],
    });
    const d = decodeResponse(buf);
    expect(d.ok && d.value.header.rcode).toBe(3);
    expect(d.ok && negativeTtl(d.value.authorities)).toBe(45);
  });

  test('records of unknown types in the additional section are skipped by their length', () => {
    const buf = dns2Reply('x.test', QTYPE.A, [rr('x.test', Packet.TYPE.A, 5, { address: '127.0.0.2' })], {
      additionals: [rr('x.test', Packet.TYPE.NS, 5, { ns: 'ns.test' })],
    });
    const d = decodeResponse(buf);
    expect(d.ok && d.value.answers.map((a) => a.data)).toEqual(['127.0.0.2']);
  });
});

describe('decodeResponse rejects broken packets as a whole', () => {
  const good = dns2Reply('2.0.0.127.zen.test', QTYPE.A, [
    rr('2.0.0.127.zen.test', Packet.TYPE.A, 60, { address: '127.0.0.2' }),
    rr('2.0.0.127.zen.test', Packet.TYPE.A, 60, { address: '127.0.0.4' }),
  ]);

  test('every cut of a two-record answer is an error, never one record of two', () => {
    for (let len = 0; len < good.length; len++) {
      const d = decodeResponse(good.subarray(0, len));
      expect(d.ok).toBe(false);
    }
    expect(decodeResponse(good).ok).toBe(true);
  });

  test.each([
    ['shorter than a header', Buffer.from([0xbe, 0xef, 0x81]), '3-byte packet is shorter than a DNS header'],
    ['a compression pointer to itself', Buffer.from('beef81800001000000000000c00c00010001', 'hex'), 'name pointer does not point backwards'],
    ['a forward compression pointer', Buffer.from('beef81800001000000000000c01000010001' + '0161' + '00', 'hex'), 'name pointer does not point backwards'],
    ['a reserved label type', Buffer.from('beef818000010000000000004161' + '0000010001', 'hex'), 'reserved label type 0x41'],
    ['a label past the end', Buffer.from('beef8180000100000000000005616263', 'hex'), 'label runs past the end of the packet'],
    ['two questions', Buffer.from('beef81800002000000000000', 'hex'), '2 questions'],
    ['an A record with 5 data bytes', Buffer.from('beef81800000000100000000' + '0178' + '00' + '00010001' + '0000003c' + '0005' + '7f00000201', 'hex'), 'A record with 5 data bytes'],
    ['a TXT string longer than its record', Buffer.from('beef81800000000100000000' + '0178' + '00' + '00100001' + '0000003c' + '0003' + '056162', 'hex'), 'TXT character-string runs past its record'],
    ['an AAAA record with 15 data bytes', Buffer.from('beef81800000000100000000' + '0178' + '00' + '001c0001' + '0000003c' + '000f' + '00'.repeat(15), 'hex'), 'AAAA record with 15 data bytes'],
    ['an MX name longer than its record', Buffer.from('beef81800000000100000000' + '0178' + '00' + '000f0001' + '0000003c' + '0004' + '000a' + '0178' + '00', 'hex'), 'MX exchange does not fill its record'],
  ])('%s', (_what, buf, error) => {
    expect(decodeResponse(buf)).toEqual({ ok: false, error });
  });

  test('a TTL with the top bit set counts as 0 (RFC 2181 §8)', () => {
    const buf = Buffer.from('beef81800000000100000000' + '0178' + '00' + '00010001' + 'ffffffff' + '0004' + '7f000002', 'hex');
    const d = decodeResponse(buf);
    expect(d.ok && d.value.answers[0]).toEqual({ name: 'x', type: 1, cls: 1, ttl: 0, data: '127.0.0.2' });
  });
});

describe('decodeQuestionOnly (truncated replies)', () => {
  test('a TC reply cut inside its records still yields its header and question', () => {
    const full = dns2Reply('tc.test', QTYPE.TXT, [rr('tc.test', Packet.TYPE.TXT, 60, { data: ['x'.repeat(200)] })]);
    full[2] |= 0x02; // TC
    const d = decodeQuestionOnly(full.subarray(0, 40));
    expect(d.ok && d.value.header.tc).toBe(true);
    expect(d.ok && sameQuestion(d.value.question, 'tc.test', QTYPE.TXT)).toBe(true);
    expect(d.ok && sameQuestion(d.value.question, 'tc.test', QTYPE.A)).toBe(false);
  });
});

describe('ipv6Text (RFC 5952)', () => {
  test.each([
    ['20010db8000000000000000000000045', '2001:db8::45'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['20010db8000000000001000000000000', '2001:db8:0:0:1::'], // the longest run
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
    ['20010DB8ABCD00000000000000000000', '2001:db8:abcd::'],
  ])('%s → %s', (hex, text) => {
    expect(ipv6Text(Buffer.from(hex, 'hex'), 0)).toBe(text);
  });
});

describe('extractAnswers', () => {
  const rec = (name: string, type: number, ttl: number, data: string, priority?: number): WireRecord => ({ name, type, cls: 1, ttl, data, ...(priority === undefined ? {} : { priority }) });

  test('follows a CNAME chain; the TTL is the smallest along the way', () => {
    const answers = [rec('a.test', 5, 300, 'b.test'), rec('b.test', 5, 50, 'c.test'), rec('c.test', 1, 100, '192.0.2.1'), rec('c.test', 1, 200, '192.0.2.2')];
    expect(extractAnswers(answers, 'a.test', QTYPE.A)).toEqual({ records: [{ data: '192.0.2.1', ttl: 100 }, { data: '192.0.2.2', ttl: 200 }], minTtl: 50 });
  });

  test('ignores records of other names and types', () => {
    const answers = [rec('other.test', 1, 10, '192.0.2.9'), rec('a.test', 16, 10, 'text'), rec('a.test', 1, 60, '127.0.0.2')];
    expect(extractAnswers(answers, 'a.test', QTYPE.A)).toEqual({ records: [{ data: '127.0.0.2', ttl: 60 }], minTtl: 60 });
  });

  test('a CNAME loop or a chain to nothing is NODATA', () => {
    expect(extractAnswers([rec('a.test', 5, 60, 'b.test'), rec('b.test', 5, 60, 'a.test')], 'a.test', QTYPE.A)).toEqual({ records: [], minTtl: undefined });
    expect(extractAnswers([rec('a.test', 5, 60, 'b.test')], 'a.test', QTYPE.MX)).toEqual({ records: [], minTtl: undefined });
  });

  test('MX keeps its preference', () => {
    expect(extractAnswers([rec('d.test', 15, 60, 'mx.d.test', 10)], 'd.test', QTYPE.MX)).toEqual({ records: [{ data: 'mx.d.test', ttl: 60, priority: 10 }], minTtl: 60 });
  });
});
