// The per-user 24-hour windows: active clock hours and capped distinct values.
// DistinctWindow keeps its least-recently-seen order in a linked list; the
// model below is the plain Map-ordered version it replaced, and the two must
// agree on every sequence.
import fc from 'fast-check';
import { ActiveHours, DAY_MS, DistinctWindow, HOUR_MS, REFRESH_MS, SightingBudget, SMALL_WINDOW } from '../../../src/logs/windows';

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

  test('the value that makes a window outgrow SMALL_WINDOW is found again (it is indexed too)', () => {
    const w = new DistinctWindow(3 * SMALL_WINDOW);
    for (let i = 0; i <= SMALL_WINDOW; i++) w.record(`v${i}`, T0 + i * 2 * MIN);
    w.record(`v${SMALL_WINDOW}`, T0 + 40 * MIN);
    w.record('v0', T0 + 42 * MIN);
    expect(w.size).toBe(SMALL_WINDOW + 1);
    expect(w.count(T0 + 42 * MIN)).toBe(SMALL_WINDOW + 1);
  });

  test('agrees with the Map-ordered model on any sequence', () => {
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('record' as const), value: fc.integer({ min: 0, max: 2 * SMALL_WINDOW - 2 }), dt: fc.integer({ min: -2 * MIN, max: HOUR_MS }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('count' as const), value: fc.constant(0), dt: fc.integer({ min: 0, max: 2 * DAY_MS }) }) },
    );
    // Caps on both sides of SMALL_WINDOW and sequences long enough to cross it:
    // small windows are searched as a list, larger ones through a Map index
    // that is built when they grow past it and dropped when they empty.
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 * SMALL_WINDOW }), fc.array(op, { minLength: 5 * SMALL_WINDOW, maxLength: 25 * SMALL_WINDOW }), (cap, ops) => {
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

describe('SightingBudget shared by windows', () => {
  test('once used up, a window drops its own oldest for a new value; an empty one still records one', () => {
    const budget = new SightingBudget(5);
    const a = new DistinctWindow(4, DAY_MS, budget);
    const b = new DistinctWindow(4, DAY_MS, budget);
    const c = new DistinctWindow(4, DAY_MS, budget);
    ['a1', 'a2', 'a3', 'a4'].forEach((v, i) => a.record(v, T0 + i * MIN));
    b.record('b1', T0 + 5 * MIN);
    expect(budget.used).toBe(5);
    b.record('b2', T0 + 6 * MIN); // budget used up: b drops b1
    a.record('a5', T0 + 7 * MIN); // a drops a1 (it is also at its own cap)
    c.record('c1', T0 + 8 * MIN); // c holds nothing: records anyway (the slack)
    c.record('c2', T0 + 9 * MIN); // ... but only one
    expect([a.size, b.size, c.size, budget.used]).toEqual([4, 1, 1, 6]);
    expect(a.count(T0 + 9 * MIN)).toBe(4);
    expect(b.count(T0 + 9 * MIN)).toBe(1);
    // Expiry and clear() hand sightings back; then windows grow again.
    expect(a.count(T0 + 3 * MIN + DAY_MS)).toBe(1); // a2 (1 min), a3 (2 min) and a4 (3 min) expired
    expect(budget.used).toBe(3);
    c.clear();
    expect([c.size, c.count(T0 + 9 * MIN), budget.used]).toEqual([0, 0, 2]);
    b.record('b3', T0 + 10 * MIN);
    b.record('b4', T0 + 11 * MIN);
    b.record('b5', T0 + 12 * MIN);
    b.record('b6', T0 + 13 * MIN); // used up again: drops b2
    expect([b.size, budget.used]).toEqual([4, 5]);
  });

  test('resize drops the oldest entries beyond the new cap and returns them', () => {
    const budget = new SightingBudget(100);
    const w = new DistinctWindow(10, DAY_MS, budget);
    for (let i = 0; i < 8; i++) w.record(`v${i}`, T0 + i * MIN);
    w.resize(3);
    expect([w.size, budget.used]).toEqual([3, 3]);
    w.record('v0', T0 + 20 * MIN); // v0 was dropped: new again, drops v5
    expect(w.count(T0 + 7 * MIN + DAY_MS - 1)).toBe(2); // v7 and v0; v6 (6 min) left the window
  });

  test('any sequence over many windows: the budget counts exactly what they hold, at most limit + one per window', () => {
    const op = fc.record({ window: fc.integer({ min: 0, max: 4 }), kind: fc.constantFrom('record', 'record', 'record', 'count', 'clear'), value: fc.integer({ min: 0, max: 2 * SMALL_WINDOW }), dt: fc.integer({ min: 0, max: 6 * HOUR_MS }) });
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 * SMALL_WINDOW }), fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 300 }), (cap, limit, ops) => {
      const budget = new SightingBudget(limit);
      const windows = Array.from({ length: 5 }, () => new DistinctWindow(cap, DAY_MS, budget));
      let t = T0;
      for (const o of ops) {
        t += o.dt;
        const w = windows[o.window];
        if (o.kind === 'record') w.record(`v${o.value}`, t);
        else if (o.kind === 'count') w.count(t);
        else w.clear();
        const held = windows.reduce((a, x) => a + x.size, 0);
        expect(budget.used).toBe(held);
        expect(held).toBeLessThanOrEqual(Math.max(limit, 0) + windows.length);
        for (const x of windows) expect(x.size).toBeLessThanOrEqual(cap);
      }
    }), { numRuns: 200 });
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
