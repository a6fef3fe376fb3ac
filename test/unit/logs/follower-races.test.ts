// Races the storm test only hits now and then, made deterministic: the file is
// changed between the follower's checks (stat, first bytes) and its read, by a
// hook that runs just before a chosen read reaches the file.
import { appendFileSync, promises as fsp, truncateSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { makeFollower, numbered, text } from './follower-helpers';

/**
 * Runs `hook` once, right before the read of `path` that is the (skip+1)-th to
 * ask for more than `minLength` bytes (the follower's chunk reads; its checks
 * of the first bytes and of the bytes before its position ask for ≤ 512).
 */
function beforeBigRead(path: string, skip: number, hook: () => void): { fired: () => boolean } {
  const minLength = 4096;
  const realOpen = fsp.open.bind(fsp);
  let toSkip = skip;
  let fired = false;
  jest.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
    const fh: FileHandle = await realOpen(...args);
    if (args[0] !== path) return fh;
    const realRead = fh.read.bind(fh) as (...a: unknown[]) => Promise<unknown>;
    (fh as { read: unknown }).read = (...a: unknown[]) => {
      const length = typeof a[2] === 'number' ? a[2] : 0;
      if (!fired && length > minLength && toSkip-- === 0) {
        fired = true;
        hook();
      }
      return realRead(...a);
    };
    return fh;
  });
  return { fired: () => fired };
}

afterEach(() => jest.restoreAllMocks());

test('truncated to a smaller size and refilled past our position between the checks and the read: the read notices, nothing is read from the wrong offset', async () => {
  const h = makeFollower({ startAt: 'beginning' });
  writeFileSync(h.path, text(numbered(1, 4)));
  const race = beforeBigRead(h.path, 1, () => {
    // What the storm test caught: the first bytes stay and the file is refilled
    // beyond where we were, so its size and first bytes passed the poll's checks.
    truncateSync(h.path, Buffer.byteLength(text(numbered(1, 3))));
    appendFileSync(h.path, text(numbered(10, 3)));
  });
  await h.follower.start();
  await h.follower.poll();
  expect(h.take()).toEqual(numbered(1, 4));
  await h.follower.poll();
  expect(race.fired()).toBe(true);
  // The three lines the truncation left count again (as documented), then the new ones.
  expect(h.take()).toEqual([...numbered(1, 3), ...numbered(10, 3)]);
  expect(h.follower.stats.rotations).toBe(1);
  expect(h.follower.stats.position).toBe(Buffer.byteLength(text([...numbered(1, 3), ...numbered(10, 3)])));
});

test('the same race on the read-ahead of a long catch-up: the lines of the first chunk count once, the rest after the restart', async () => {
  // 8 KiB buffers, so a catch-up takes several reads and the next is in flight while one is split.
  const h = makeFollower({ startAt: 'beginning', readBufferBytes: 8192 });
  writeFileSync(h.path, text(numbered(1, 2)));
  const backlog = numbered(3, 200); // ~25 KiB: several chunks
  const keep = numbered(1, 2);
  const refill = numbered(500, 300); // past everything we had
  // Read 0: the first poll. Read 1: the second poll's first chunk. Read 2: the read-ahead issued while it is split.
  const race = beforeBigRead(h.path, 2, () => {
    truncateSync(h.path, Buffer.byteLength(text(keep)));
    appendFileSync(h.path, text(refill));
  });
  await h.follower.start();
  await h.follower.poll();
  expect(h.take()).toEqual(numbered(1, 2));
  appendFileSync(h.path, text(backlog));
  await h.follower.poll();
  expect(race.fired()).toBe(true);
  const got = h.take();
  // The first chunk was read before the truncation: its whole lines are real,
  // and the line it ends in the middle of is handed over as far as it was read
  // (as after any truncation without a copy: the rest of it is gone).
  const firstChunkBytes = 8192 - Buffer.byteLength(text(numbered(1, 2))) % 8192;
  const whole = backlog.filter((_, i) => Buffer.byteLength(text(backlog.slice(0, i + 1))) <= firstChunkBytes);
  const fragment = text(backlog).slice(Buffer.byteLength(text(whole)), firstChunkBytes);
  expect(whole.length).toBeGreaterThan(50);
  expect(fragment.length).toBeGreaterThan(0);
  expect(got).toEqual([...whole, fragment, ...keep, ...refill]);
  expect(h.follower.stats.rotations).toBe(1);
});
