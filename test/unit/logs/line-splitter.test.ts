import fc from 'fast-check';
import { LineSplitter, utf8CutPoint } from '../../../src/logs/line-splitter';

const b = (s: string) => Buffer.from(s, 'utf8');

/** Feeds the pieces one push at a time; returns every line, in order. */
function feed(splitter: LineSplitter, pieces: Buffer[]): string[] {
  const out: string[] = [];
  for (const p of pieces) out.push(...splitter.push(p));
  return out;
}

// Real Postfix lines (test fixtures copied from the samples).
const POSTFIX = [
  'Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<noreply@domain.com>, status=expired, returned to sender',
  'Apr 26 10:55:19 tcc1 postfix/smtpd[21126]: warning: laptop.local[192.168.1.2]: SASL PLAIN authentication failed: generic failure',
  'Oct 30 13:19:26 mailgw-out1 postfix/smtpd[27530]: EB4B2C19E2: client=xxx[1.2.3.4], sasl_method=PLAIN, sasl_username=user@domain',
];

test('complete lines in one push, empty lines kept, the unfinished last one held back', () => {
  const s = new LineSplitter();
  expect(s.push(b(`${POSTFIX[0]}\n\n${POSTFIX[1]}\nApr 26 10:55:19 tc`))).toEqual([POSTFIX[0], '', POSTFIX[1]]);
  expect(s.partialBytes).toBe(18);
  expect(s.push(b('c1 x\n'))).toEqual(['Apr 26 10:55:19 tcc1 x']);
  expect(s.partialBytes).toBe(0);
  expect(s.truncatedLines).toBe(0);
});

test('a line split over three pushes, and push() honours start/end of a reused buffer', () => {
  const s = new LineSplitter();
  const reused = b('XXab\nstale\n');
  expect(s.push(reused, 2, 4)).toEqual([]); // "ab", no newline in range: the stale '\n' beyond end is not seen
  expect(s.push(b('cd'))).toEqual([]);
  expect(s.push(b('e\nf'))).toEqual(['abcde']);
  expect(s.partialBytes).toBe(1);
});

test('a multi-byte character split at every possible point comes out whole', () => {
  const text = 'résumé € 😀 déjà\n';
  const bytes = b(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    const s = new LineSplitter();
    expect(feed(s, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['résumé € 😀 déjà']);
  }
  // and byte by byte
  const s = new LineSplitter();
  expect(feed(s, [...bytes].map((x) => Buffer.from([x])))).toEqual(['résumé € 😀 déjà']);
});

test.each([
  ['a stray 0xff', [0x61, 0xff, 0x62, 0x0a], 'a\uFFFDb'],
  ['two invalid bytes', [0x61, 0xff, 0xfe, 0x62, 0x0a], 'a\uFFFD\uFFFDb'],
  ['a sequence cut short by the newline', [0x61, 0xe2, 0x82, 0x0a], 'a\uFFFD'],
  ['a lone continuation byte', [0x80, 0x61, 0x0a], '\uFFFDa'],
  ['an overlong encoding of "/"', [0xc0, 0xaf, 0x0a], '\uFFFD\uFFFD'],
])('invalid UTF-8 (%s) becomes U+FFFD', (_name, bytes, line) => {
  const s = new LineSplitter();
  expect(s.push(Buffer.from(bytes))).toEqual([line]);
});

test('CRLF: the \\r before \\n goes, also when split from it; a \\r elsewhere stays', () => {
  const s = new LineSplitter();
  expect(s.push(b('one\r\ntwo\r'))).toEqual(['one']);
  expect(s.push(b('\nth\rree\n\r\n'))).toEqual(['two', 'th\rree', '']);
});

test('a line over maxLineBytes is cut, counted, and the next line is intact', () => {
  const s = new LineSplitter(10);
  expect(s.push(b('0123456789ABCDEFGHIJ\nnext\n'))).toEqual(['0123456789', 'next']);
  expect(s.truncatedLines).toBe(1);
});

test('a long line arriving in pieces is cut without buffering the rest', () => {
  const s = new LineSplitter(10);
  const out = feed(s, [b('0123'), b('456789AB'), b('CDEFGHIJ'.repeat(1000)), b('KL\nnext\n')]);
  expect(out).toEqual(['0123456789', 'next']);
  expect(s.truncatedLines).toBe(1);
});

test('exactly maxLineBytes is not cut, with or without \\r; one byte more is', () => {
  for (const pieces of [[b('0123456789\r\n')], [b('01234'), b('56789\r'), b('\n')], [b('0123456789'), b('\r\n')]]) {
    const s = new LineSplitter(10);
    expect(feed(s, pieces)).toEqual(['0123456789']);
    expect(s.truncatedLines).toBe(0);
  }
  for (const pieces of [[b('0123456789A\n')], [b('0123456789'), b('A\n')], [b('0123456789'), b('A\r\n')]]) {
    const s = new LineSplitter(10);
    expect(feed(s, pieces)).toEqual(['0123456789']);
    expect(s.truncatedLines).toBe(1);
  }
});

test('the cut never splits a UTF-8 character', () => {
  // 9 ASCII bytes then "€" (3 bytes): a 10-byte cut would tear the euro sign.
  for (const pieces of [[b('123456789€x\n')], [b('1234567'), b('89€'), b('x\n')]]) {
    const s = new LineSplitter(10);
    expect(feed(s, pieces)).toEqual(['123456789']);
    expect(s.truncatedLines).toBe(1);
  }
  const s = new LineSplitter(12);
  expect(s.push(b('😀😀😀😀\n'))).toEqual(['😀😀😀']); // 16 bytes, cut at 12 = 3 whole emoji
});

test('a 200 KiB line with the default limit: the first 64 KiB, counted once', () => {
  const s = new LineSplitter();
  const long = 'x'.repeat(200 * 1024);
  const whole = b(`${long}\nafter\n`);
  const pieces: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 16384) pieces.push(whole.subarray(i, i + 16384));
  const out = feed(s, pieces);
  expect(out.map((l) => l.length)).toEqual([65536, 5]);
  expect(out[1]).toBe('after');
  expect(s.truncatedLines).toBe(1);
});

test('utf8CutPoint', () => {
  const cases: Array<[string, number, number]> = [
    ['abcdef', 3, 3],
    ['ab€', 3, 2], // € starts at 2
    ['ab€', 4, 2],
    ['ab€x', 5, 5],
    ['😀', 2, 0],
    ['a😀', 4, 1],
  ];
  for (const [text, max, cut] of cases) expect([text, max, utf8CutPoint(b(text + 'zzzz'), 0, max)]).toEqual([text, max, cut]);
  // five continuation bytes in a row: garbage, cut where asked
  expect(utf8CutPoint(Buffer.from([0x61, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), 0, 5)).toBe(5);
});

test('flush hands over the unfinished line (cut if needed); reset drops it', () => {
  const s = new LineSplitter(4);
  expect(s.flush()).toEqual([]);
  s.push(b('ab\r'));
  expect(s.flush()).toEqual(['ab']);
  s.push(b('abcdefgh'));
  expect(s.flush()).toEqual(['abcd']);
  expect(s.truncatedLines).toBe(1);
  s.push(b('xyz'));
  s.reset();
  expect(s.partialBytes).toBe(0);
  expect(s.push(b('1\n'))).toEqual(['1']);
});

test('skipPartialLine drops the rest of a line whose start was never read', () => {
  const s = new LineSplitter();
  s.skipPartialLine();
  expect(s.push(b('tail of a line'))).toEqual([]);
  expect(s.partialBytes).toBe(14);
  expect(s.push(b(' still\nwhole\n'))).toEqual(['whole']);
  expect(s.partialBytes).toBe(0);
  s.skipPartialLine();
  expect(s.flush()).toEqual([]);
});

test('property: however the bytes are chunked, the lines equal decoding the whole and splitting on \\n', () => {
  const byte = fc.oneof(fc.constantFrom(0x0a, 0x0d, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff), fc.integer({ min: 0x20, max: 0x7e }));
  fc.assert(fc.property(fc.array(byte, { maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }), (bytes, cuts) => {
    const whole = Buffer.from(bytes);
    const pieces: Buffer[] = [];
    let at = 0;
    for (const c of cuts) {
      if (at >= whole.length) break;
      pieces.push(whole.subarray(at, at + c));
      at += c;
    }
    if (at < whole.length) pieces.push(whole.subarray(at));
    const s = new LineSplitter();
    const got = [...feed(s, pieces), ...s.flush()];
    const expected = whole.toString('utf8').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (whole.length === 0 || whole[whole.length - 1] === 0x0a) expected.pop();
    expect(got).toEqual(expected);
  }), { numRuns: 500 });
});

test('property: with a small limit, chunking changes nothing either', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 20 }), (bytes, max, step) => {
    const whole = Buffer.from(bytes);
    const one = new LineSplitter(max);
    const expected = [...one.push(whole), ...one.flush()];
    const many = new LineSplitter(max);
    const pieces: Buffer[] = [];
    for (let i = 0; i < whole.length; i += step) pieces.push(whole.subarray(i, i + step));
    expect([...feed(many, pieces), ...many.flush()]).toEqual(expected);
    expect(many.truncatedLines).toBe(one.truncatedLines);
  }), { numRuns: 500 });
});
