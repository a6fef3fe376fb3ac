// Property-based fuzzing (fast-check) of two inputs the exporter does not
// control: DNS answers (from lists and resolvers) and configuration files.
// Nothing may throw out; every result is either a well-formed value or a
// clear error.
import fc from 'fast-check';
import { decodeResponse, encodeQuery } from '../../src/dnsbl/resolver-wire';
import { ConfigError, parseConfigText, validateConfig } from '../../src/config/load';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Packet } = require('dns2');

/** A valid answer for `name` built by dns2 (an independent encoder). */
function answer(name: string, addresses: string[]): Buffer {
  const req = Packet.parse(encodeQuery(0x1234, name, 1));
  const res = new Packet(req);
  res.header.qr = 1;
  res.questions = req.questions;
  res.answers = addresses.map((address) => ({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address }));
  return res.toBuffer();
}

const RUNS = 2000;

test('decodeResponse never throws on random bytes, and every success is well formed', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
    const r = decodeResponse(Buffer.from(bytes));
    if (r.ok) {
      expect(Array.isArray(r.value.answers)).toBe(true);
      for (const a of r.value.answers) expect(typeof a.ttl).toBe('number');
    } else {
      expect(typeof r.error).toBe('string');
    }
  }), { numRuns: RUNS });
});

test('decodeResponse on mutated and cut real answers: never throws; an intact answer decodes to its addresses', () => {
  const base = answer('2.0.0.127.zen.spamhaus.org', ['127.0.0.2', '127.0.0.4', '127.0.0.10']);
  const intact = decodeResponse(base);
  expect(intact.ok && intact.value.answers.map((a) => a.data)).toEqual(['127.0.0.2', '127.0.0.4', '127.0.0.10']);
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    fc.nat(base.length),
    (flips, cut) => {
      const buf = Buffer.from(base.subarray(0, cut));
      for (const [i, v] of flips) if (i < buf.length) buf[i] = v;
      const r = decodeResponse(buf);
      expect(typeof r.ok).toBe('boolean');
    },
  ), { numRuns: RUNS });
});

test('the config loader: random values and random YAML either validate or raise a ConfigError naming the problem', () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
    try {
      validateConfig(value);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.length).toBeGreaterThan(0);
    }
  }), { numRuns: 500 });
  const keys = ['dnsbl', 'mail', 'egress', 'web', 'lists', 'targets', 'sources', 'thresholds', 'timeout', 'path', 'format'];
  fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...keys, ':', ' ', '\n', '  ', '- ', '[', ']', '{', '}', '"', '5m', '-1', '\u0000', '\uFFFD')), { maxLength: 40 }), (tokens) => {
    try {
      parseConfigText(tokens.join(''));
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
    }
  }), { numRuns: 500 });
});
