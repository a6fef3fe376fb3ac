// The round's breather: after a budget of continuous work every worker waits
// for the same next turn of the event loop, so cached answers (which resolve
// as microtasks) cannot hold a scrape up for a whole round. Clock injected.
import { Breather } from '../../../src/dnsbl/round';

test('no pause within the budget; after it, one shared pause until the next loop turn', async () => {
  let now = 1000;
  const b = new Breather(4, () => now);
  expect(b.pause()).toBeUndefined();
  now = 1003.9;
  expect(b.pause()).toBeUndefined();
  const order: string[] = [];
  setImmediate(() => order.push('I/O turn'));
  now = 1004;
  const first = b.pause();
  expect(first).toBeInstanceOf(Promise);
  expect(b.pause()).toBe(first); // every worker arriving meanwhile waits for the same turn
  void Promise.resolve().then(() => order.push('microtask'));
  await first;
  order.push('resumed');
  // Not a microtask: the pause ends after the event loop has had its turn.
  expect(order).toEqual(['microtask', 'I/O turn', 'resumed']);

  // The budget starts again at the resume.
  expect(b.pause()).toBeUndefined();
  now = 1008;
  expect(b.pause()).toBeInstanceOf(Promise);
});
