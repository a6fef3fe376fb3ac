// The bounded join map behind the Sendmail, OpenSMTPD, Exchange and Dovecot parsers.
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
