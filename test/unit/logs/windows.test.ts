// The per-user 24-hour windows: active clock hours and capped distinct values.
// DistinctWindow keeps its least-recently-seen order in a linked list; the
// model below is the plain Map-ordered version it replaced, and the two must
// agree on every sequence.
import fc from 'fast-check';
import { ActiveHours, DAY_MS, DistinctWindow, HOUR_MS, REFRESH_MS } from '../../../src/logs/windows';

const T0 = Date.UTC(2026, 4, 12, 0, 0, 0);
const MIN = 60_000;

/** The reference: a Map in insertion order, re-inserted on a sighting a minute or more later. */
class MapWindow {
  readonly lastSeen = new Map<string, number>();
  constructor(private readonly cap: number, private readonly windowMs = DAY_MS) {}
  record(value: string, time: number): void {
    const prev = this.lastSeen.get(value);
    if (prev !== undefined) {
      if (time < prev + REFRESH_MS) return;
      this.lastSeen.delete(value);
    } else if (this.lastSeen.size >= this.cap) {
      this.lastSeen.delete(this.lastSeen.keys().next().value as string);
    }
    this.lastSeen.set(value, time);
  }
  count(referenceTime: number): number {
    const cutoff = referenceTime - this.windowMs;
    for (const [value, t] of this.lastSeen) {
      if (t > cutoff) break;
      this.lastSeen.delete(value);
    }
    let n = 0;
    for (const t of this.lastSeen.values()) if (t > cutoff) n++;
    return n;
  }
}

describe('DistinctWindow', () => {
  test('a full window drops the value seen longest ago', () => {
    const w = new DistinctWindow(3);
    w.record('a', T0);
    w.record('b', T0 + MIN);
    w.record('c', T0 + 2 * MIN);
    w.record('a', T0 + 3 * MIN); // seen again a minute or more later: now the newest
    w.record('d', T0 + 4 * MIN); // drops b
    expect(w.size).toBe(3);
    w.record('b', T0 + 5 * MIN); // b is new again: drops c
    expect(w.count(T0 + 5 * MIN)).toBe(3);
    w.record('c', T0 + 6 * MIN); // c is new again: drops a (seen at 3 min, now the oldest)
    expect(w.count(T0 + 3 * MIN + DAY_MS)).toBe(3); // d, b, c; a would no longer count anyway
    expect(w.count(T0 + 4 * MIN + DAY_MS)).toBe(2); // d (4 min) left the window
  });

  test('a sighting within a minute of the last does not refresh it', () => {
    const w = new DistinctWindow(2);
    w.record('a', T0);
    w.record('b', T0 + 1000);
    w.record('a', T0 + 30_000); // within a minute: a stays the oldest
    w.record('c', T0 + 40_000);
    expect(w.size).toBe(2);
    expect(w.count(T0 + DAY_MS + 999)).toBe(2); // b (1 s) and c (40 s); a was dropped
  });

  test('count prunes what left the window and counts out-of-order entries exactly', () => {
    const w = new DistinctWindow(10);
    w.record('new', T0 + 10 * HOUR_MS);
    w.record('old', T0); // an older line logged later
    expect(w.count(T0 + 10 * HOUR_MS)).toBe(2);
    expect(w.count(T0 + DAY_MS + HOUR_MS)).toBe(1);
    expect(w.size).toBe(2); // "old" sits behind "new": kept until "new" is pruned
    expect(w.count(T0 + 10 * HOUR_MS + DAY_MS)).toBe(0);
    expect(w.size).toBe(0);
  });

  test('agrees with the Map-ordered model on any sequence', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('record' as const), value: fc.integer({ min: 0, max: 12 }), dt: fc.integer({ min: -2 * MIN, max: 3 * HOUR_MS }) }),
      fc.record({ kind: fc.constant('count' as const), value: fc.constant(0), dt: fc.integer({ min: 0, max: 2 * DAY_MS }) }),
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (cap, ops) => {
      const w = new DistinctWindow(cap);
      const model = new MapWindow(cap);
      let t = T0;
      for (const o of ops) {
        t += o.dt;
        if (o.kind === 'record') {
          w.record(`v${o.value}`, t);
          model.record(`v${o.value}`, t);
        } else {
          expect(w.count(t)).toBe(model.count(t));
        }
        expect(w.size).toBe(model.lastSeen.size);
      }
      expect(w.count(t)).toBe(model.count(t));
    }), { numRuns: 300 });
  });
});

describe('ActiveHours', () => {
  test('distinct clock hours among the last 24, repeated hours counted once', () => {
    const h = new ActiveHours();
    for (const m of [0, 5, 59]) h.record(T0 + m * MIN); // hour 0 three times
    h.record(T0 + 3 * HOUR_MS);
    h.record(T0 + 3 * HOUR_MS + MIN);
    h.record(T0 + 23 * HOUR_MS);
    expect(h.count(T0 + 23 * HOUR_MS)).toBe(3);
    expect(h.count(T0 + 24 * HOUR_MS)).toBe(2); // hour 0 left the window
    h.record(T0 + 24 * HOUR_MS); // same slot as hour 0, a day later
    expect(h.count(T0 + 24 * HOUR_MS)).toBe(3);
    h.record(T0 + 5 * MIN); // an old line again: no effect on the newer slot
    expect(h.count(T0 + 24 * HOUR_MS)).toBe(3);
    expect(h.count(T0 + 48 * HOUR_MS)).toBe(0);
  });
});
