// The resolver's two small building blocks: the bounded TTL cache and the FIFO
// concurrency limiter.
import { TtlCache } from '../../../src/dnsbl/dns-cache';
import { Limiter } from '../../../src/dnsbl/limiter';

describe('TtlCache', () => {
  test('an entry lives exactly its TTL and reports what is left', () => {
    const c = new TtlCache<string>(10);
    c.set('A x.test', 'v', 30_000, 1_000);
    expect(c.get('A x.test', 1_000)).toEqual({ value: 'v', remainingMs: 30_000 });
    expect(c.get('A x.test', 30_999)).toEqual({ value: 'v', remainingMs: 1 });
    expect(c.get('A x.test', 31_000)).toBeUndefined();
    expect(c.size).toBe(0); // the expired entry was dropped
  });

  test('a TTL of 0 stores nothing', () => {
    const c = new TtlCache<string>(10);
    c.set('k', 'v', 0, 0);
    expect(c.size).toBe(0);
  });

  test('beyond maxEntries the oldest entry goes; re-setting a key makes it young again', () => {
    const c = new TtlCache<number>(3);
    c.set('a', 1, 60_000, 0);
    c.set('b', 2, 60_000, 0);
    c.set('c', 3, 60_000, 0);
    c.set('a', 11, 60_000, 0); // a is now the youngest
    c.set('d', 4, 60_000, 0); // evicts b
    expect(c.size).toBe(3);
    expect(c.get('b', 1)).toBeUndefined();
    expect(c.get('a', 1)?.value).toBe(11);
    expect(c.get('c', 1)?.value).toBe(3);
    expect(c.get('d', 1)?.value).toBe(4);
  });

  test('maxEntries must be a positive integer', () => {
    expect(() => new TtlCache(0)).toThrow('cache maxEntries must be a positive integer, got 0');
  });
});

describe('Limiter', () => {
  /** A task that finishes when the test says so. */
  function gate() {
    let open!: () => void;
    const done = new Promise<void>((r) => { open = r; });
    return { open, done };
  }

  test('runs at most `limit` tasks at once and starts the rest in arrival order', async () => {
    const lim = new Limiter(2);
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, gate);
    const all = gates.map((g, i) => lim.run(async () => { started.push(i); await g.done; return i; }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(lim.running).toBe(2);
    expect(lim.waiting).toBe(3);
    gates[1].open();
    await all[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[0].open();
    gates[2].open();
    await Promise.all([all[0], all[2]]);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3].open();
    gates[4].open();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
    expect(lim.maxActive).toBe(2);
    expect(lim.running).toBe(0);
    expect(lim.waiting).toBe(0);
  });

  test('a task that throws or rejects frees its slot and passes the error on', async () => {
    const lim = new Limiter(1);
    const a = lim.run(() => { throw new Error('sync boom'); });
    const b = lim.run(() => Promise.reject(new Error('async boom')));
    const c = lim.run(async () => 'ok');
    await expect(a).rejects.toThrow('sync boom');
    await expect(b).rejects.toThrow('async boom');
    await expect(c).resolves.toBe('ok');
    expect(lim.running).toBe(0);
  });

  test('a long queue drains completely (compaction keeps the order)', async () => {
    const lim = new Limiter(3);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 5000 }, (_, i) => lim.run(async () => { order.push(i); })));
    expect(order).toHaveLength(5000);
    expect(order.every((v, i) => v === i)).toBe(true);
    expect(lim.maxActive).toBe(3);
    expect(lim.waiting).toBe(0);
  });

  test('the limit must be a positive integer', () => {
    expect(() => new Limiter(0)).toThrow('concurrency must be a positive integer, got 0');
  });
});
