// The bounded join map behind the Sendmail, OpenSMTPD, Exchange and Dovecot parsers.
import fc from 'fast-check';
import { JoinMap } from '../../../src/logs/join-map';

const MIN = 60_000;

test('values live ttl of log time after they were last set', () => {
  const m = new JoinMap<string>(10, 10 * MIN);
  m.set('a', 'x', 0);
  expect(m.get('a', 10 * MIN)).toBe('x');
  expect(m.get('a', 10 * MIN + 1)).toBeUndefined();
  expect(m.size).toBe(0);
  m.set('b', 'y', 0);
  m.set('b', 'y', 5 * MIN);
  expect(m.get('b', 15 * MIN)).toBe('y');
});

test('the cap drops the least recently set entry first and counts it', () => {
  const m = new JoinMap<number>(3, 60 * MIN);
  for (const [k, t] of [['a', 1], ['b', 2], ['c', 3]] as const) m.set(k, t, t);
  m.set('a', 4, 4); // refreshed: now the newest
  m.set('d', 5, 5);
  expect(m.size).toBe(3);
  expect(m.evicted).toBe(1);
  expect(m.get('b', 5)).toBeUndefined();
  expect([m.get('a', 5), m.get('c', 5), m.get('d', 5)]).toEqual([4, 3, 5]);
});

test('setting prunes expired entries at the old end', () => {
  const m = new JoinMap<number>(100, MIN);
  for (let i = 0; i < 50; i++) m.set(`k${i}`, i, i);
  m.set('late', 0, 10 * MIN);
  expect(m.size).toBe(1);
  expect(m.evicted).toBe(0);
});

test('delete, and log time running backwards keeps entries', () => {
  const m = new JoinMap<number>(10, MIN);
  m.set('a', 1, 10 * MIN);
  expect(m.get('a', 0)).toBe(1);
  m.delete('a');
  expect(m.get('a', 10 * MIN)).toBeUndefined();
});

test('bounds must be positive', () => {
  expect(() => new JoinMap(0, MIN)).toThrow(RangeError);
  expect(() => new JoinMap(1, 0)).toThrow(RangeError);
});

test('agrees with the Map-ordered model it replaced on any sequence of set, get and delete', () => {
  /** The reference: Map insertion order as the least-recently-set order. */
  class Model {
    readonly entries = new Map<string, { value: number; time: number }>();
    evicted = 0;
    constructor(readonly cap: number, readonly ttlMs: number) {}
    get(key: string, now: number): number | undefined {
      const e = this.entries.get(key);
      if (e === undefined) return undefined;
      if (now - e.time > this.ttlMs) { this.entries.delete(key); return undefined; }
      return e.value;
    }
    set(key: string, value: number, now: number): void {
      this.entries.delete(key);
      this.entries.set(key, { value, time: now });
      for (const [k, e] of this.entries) { if (now - e.time <= this.ttlMs) break; this.entries.delete(k); }
      while (this.entries.size > this.cap) { this.entries.delete(this.entries.keys().next().value as string); this.evicted++; }
    }
  }
  const op = fc.record({ kind: fc.constantFrom('set', 'get', 'delete'), key: fc.integer({ min: 0, max: 9 }), dt: fc.integer({ min: -MIN, max: 3 * MIN }) });
  fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 150 }), (cap, ops) => {
    const m = new JoinMap<number>(cap, 5 * MIN);
    const model = new Model(cap, 5 * MIN);
    let t = 10 * MIN;
    ops.forEach((o, i) => {
      t += o.dt;
      const key = `k${o.key}`;
      if (o.kind === 'set') { m.set(key, i, t); model.set(key, i, t); }
      else if (o.kind === 'get') expect(m.get(key, t)).toBe(model.get(key, t));
      else { m.delete(key); model.entries.delete(key); }
      expect(m.size).toBe(model.entries.size);
      expect(m.evicted).toBe(model.evicted);
    });
  }), { numRuns: 300 });
});
