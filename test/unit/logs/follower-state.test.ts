import { appendFileSync, copyFileSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf, parseState, readStateFile, writeStateFile } from '../../../src/logs/state-file';
import { Follower } from '../../../src/logs/follower';
import { freshDir, makeFollower, numbered, text } from './follower-helpers';

function files(dir: string) {
  const path = join(dir, 'mail.log');
  return { path, stateFile: join(dir, 'mail.log.state') };
}

function readState(stateFile: string) {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

/** A follower with the state file reads the whole file once and stops (saving its position). */
async function readAllAndStop(dir: string, path: string, stateFile: string) {
  const h = makeFollower({ dir, path, stateFile, startAt: 'beginning' });
  await h.follower.start();
  await h.follower.poll();
  await h.follower.stop();
  return h;
}

test('state file content: version, identity, position after the last line, fingerprint of the first bytes; no temp file left', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 3)) + 'unfinished');
  const h = makeFollower({ dir, path, stateFile, startAt: 'beginning' });
  await h.follower.start();
  await h.follower.poll();
  await h.follower.stop();
  const st = statSync(path, { bigint: true });
  const head = readFileSync(path).subarray(0, 256);
  expect(readState(stateFile)).toEqual({
    version: 1,
    path,
    dev: String(st.dev),
    ino: String(st.ino),
    position: Buffer.byteLength(text(numbered(1, 3))),
    fingerprint: fingerprintOf(head),
    fingerprintLength: 256,
  });
  expect(readdirSync(dir).sort()).toEqual(['mail.log', 'mail.log.state']);
});

test('restart: exact continuation, the unfinished line read whole, nothing twice', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 3)) + 'half ');
  const first = await readAllAndStop(dir, path, stateFile);
  expect(first.lines).toEqual(numbered(1, 3));

  appendFileSync(path, 'and half\n' + text(numbered(4, 2)));
  // startAt beginning would re-read everything: the state must win.
  const second = makeFollower({ dir, path, stateFile, startAt: 'beginning' });
  await second.follower.start();
  await second.follower.poll();
  expect(second.lines).toEqual(['half and half', ...numbered(4, 2)]);
  expect(second.follower.stats.rotations).toBe(0);
  expect(second.logs.some((l) => l.includes('msg="resuming at the saved position"'))).toBe(true);
});

test('saved at most once a second while reading; a crash re-reads exactly the lines after the last save', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  let now = 5_000;
  writeFileSync(path, '');
  const first = makeFollower({ dir, path, stateFile, startAt: 'beginning', now: () => now });
  await first.follower.start();
  appendFileSync(path, text(numbered(1, 3)));
  await first.follower.poll(); // first save
  const after3 = Buffer.byteLength(text(numbered(1, 3)));
  expect(readState(stateFile).position).toBe(after3);
  now += 999;
  appendFileSync(path, text(numbered(4, 2)));
  await first.follower.poll(); // too soon: not saved
  expect(readState(stateFile).position).toBe(after3);
  now += 1;
  await first.follower.poll(); // nothing new read, but the pending position is saved now
  const after5 = Buffer.byteLength(text(numbered(1, 5)));
  expect(readState(stateFile).position).toBe(after5);
  appendFileSync(path, text(numbered(6, 2)));
  await first.follower.poll(); // read, not saved yet
  expect(first.lines).toEqual(numbered(1, 7));
  // kill -9 here: what is on disk is what a restart sees.
  const onDisk = readFileSync(stateFile);
  await first.follower.stop();
  writeFileSync(stateFile, onDisk);

  appendFileSync(path, text(numbered(8, 1)));
  const second = makeFollower({ dir, path, stateFile, startAt: 'end' });
  await second.follower.start();
  await second.follower.poll();
  expect(second.lines).toEqual(numbered(6, 3)); // 6 and 7 twice, none lost
});

test('stopped in the middle of a backfill: the restart reads exactly the rest', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(0, 20_000)));
  const got: string[] = [];
  let batches = 0;
  let stopping: Promise<void> | undefined;
  const first = new Follower({
    path, stateFile, startAt: 'beginning', pollIntervalMs: 0, readBufferBytes: 65536,
    onLines: (lines) => {
      got.push(...lines);
      if (++batches === 3) stopping = first.stop(); // shutdown arrives while the backfill runs
    },
  });
  await first.start();
  await first.poll();
  await stopping;
  expect(batches).toBe(3);
  expect(got.length).toBeLessThan(20_000);
  expect(got).toEqual(numbered(0, got.length));

  const second = makeFollower({ dir, path, stateFile, startAt: 'beginning' });
  await second.follower.start();
  await second.follower.poll();
  expect(second.lines).toEqual(numbered(got.length, 20_000 - got.length));
});

test('rotated (renamed) while stopped: the rest of the old file is found by inode and read first, then the new file', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 3)));
  await readAllAndStop(dir, path, stateFile);

  appendFileSync(path, text(numbered(4, 2)) + 'last words');
  renameSync(path, `${path}.1`);
  writeFileSync(path, text(numbered(6, 2)));
  const second = makeFollower({ dir, path, stateFile, startAt: 'end' });
  await second.follower.start();
  await second.follower.poll();
  expect(second.lines).toEqual([...numbered(4, 2), 'last words', ...numbered(6, 2)]);
  expect(second.follower.stats.rotations).toBe(1);
  await second.follower.stop();
  const st = statSync(path, { bigint: true });
  expect(readState(stateFile)).toMatchObject({ ino: String(st.ino), position: Number(st.size) });

  // and a third start carries on in the new file
  appendFileSync(path, text(numbered(8, 1)));
  const third = makeFollower({ dir, path, stateFile });
  await third.follower.start();
  await third.follower.poll();
  expect(third.lines).toEqual(numbered(8, 1));
});

test('rotated while stopped and the old file is gone: the new file from its beginning', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 2)));
  await readAllAndStop(dir, path, stateFile);
  appendFileSync(path, text(numbered(3, 1)));
  unlinkSync(path);
  writeFileSync(path, text(numbered(4, 2)));
  const second = makeFollower({ dir, path, stateFile, startAt: 'end' });
  await second.follower.start();
  await second.follower.poll();
  expect(second.lines).toEqual(numbered(4, 2));
});

test('copytruncated while stopped: the unread lines come from the copy (found by its first bytes), then the file again', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 3)));
  await readAllAndStop(dir, path, stateFile);
  appendFileSync(path, text(numbered(4, 2)));
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, text(numbered(6, 1)));
  const second = makeFollower({ dir, path, stateFile, startAt: 'end' });
  await second.follower.start();
  await second.follower.poll();
  expect(second.lines).toEqual(numbered(4, 3));
  expect(second.follower.stats.rotations).toBe(1);
});

test('rotated while stopped and the exporter stopped again before reading: the saved position is kept', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 2)));
  await readAllAndStop(dir, path, stateFile);
  const saved = readFileSync(stateFile, 'utf8');
  appendFileSync(path, text(numbered(3, 1)));
  renameSync(path, `${path}.1`);
  writeFileSync(path, text(numbered(4, 1)));
  const second = makeFollower({ dir, path, stateFile });
  await second.follower.start();
  await second.follower.stop(); // no poll in between
  expect(readFileSync(stateFile, 'utf8')).toBe(saved);
  const third = makeFollower({ dir, path, stateFile });
  await third.follower.start();
  await third.follower.poll();
  expect(third.lines).toEqual(numbered(3, 2));
});

test('same inode but other first bytes (inode reused, or rewritten while stopped): read from the beginning', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 4)));
  const st = statSync(path, { bigint: true });
  await writeStateFile(stateFile, {
    version: 1, path, dev: String(st.dev), ino: String(st.ino),
    position: 10, fingerprint: fingerprintOf(Buffer.from('some other file')), fingerprintLength: 15,
  });
  const h = makeFollower({ dir, path, stateFile, startAt: 'end' });
  await h.follower.start();
  await h.follower.poll();
  expect(h.lines).toEqual(numbered(1, 4));
  expect(h.follower.stats.rotations).toBe(1);
});

test('a state position beyond the end of the (same) file: truncated while stopped, read from the beginning', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 2)));
  const st = statSync(path, { bigint: true });
  await writeStateFile(stateFile, {
    version: 1, path, dev: String(st.dev), ino: String(st.ino),
    position: Number(st.size) + 100, fingerprint: fingerprintOf(readFileSync(path).subarray(0, 100)), fingerprintLength: 100,
  });
  const h = makeFollower({ dir, path, stateFile, startAt: 'end' });
  await h.follower.start();
  await h.follower.poll();
  expect(h.lines).toEqual(numbered(1, 2));
  expect(h.logs.filter((l) => l.includes('level=warn'))).toEqual([]);
});

describe('a state file that cannot be used: a warning, then startAt', () => {
  test.each([
    ['not JSON', '{"version":1,', 'not valid JSON'],
    ['empty (power cut)', '', 'not valid JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['another version', '{"version":2}', 'unsupported version 2'],
    ['a numeric inode', '{"version":1,"path":"/x","dev":"1","ino":5,"position":0,"fingerprint":"' + '0'.repeat(64) + '","fingerprintLength":0}', 'ino: expected a decimal string'],
    ['a negative position', '{"version":1,"path":"/x","dev":"1","ino":"5","position":-1,"fingerprint":"' + '0'.repeat(64) + '","fingerprintLength":0}', 'position: expected a non-negative integer'],
  ])('%s', async (_name, content, reason) => {
    const dir = freshDir();
    const { path, stateFile } = files(dir);
    writeFileSync(path, text(numbered(1, 2)));
    writeFileSync(stateFile, content);
    const h = makeFollower({ dir, path, stateFile, startAt: 'end' });
    await h.follower.start();
    appendFileSync(path, text(numbered(3, 1)));
    await h.follower.poll();
    expect(h.lines).toEqual(numbered(3, 1));
    const warnings = h.logs.filter((l) => l.includes('level=warn'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('msg="ignoring the state file; starting at the end"');
    expect(warnings[0]).toContain(`reason=${JSON.stringify(reason)}`);
    await h.follower.stop();
    expect(readState(stateFile).position).toBe(statSync(path).size); // replaced by a good one
  });

  test('a state file for another path', async () => {
    const dir = freshDir();
    const { path, stateFile } = files(dir);
    writeFileSync(path, text(numbered(1, 2)));
    await writeStateFile(stateFile, { version: 1, path: '/var/log/other.log', dev: '1', ino: '2', position: 0, fingerprint: fingerprintOf(Buffer.alloc(0)), fingerprintLength: 0 });
    const h = makeFollower({ dir, path, stateFile, startAt: 'beginning' });
    await h.follower.start();
    await h.follower.poll();
    expect(h.lines).toEqual(numbered(1, 2));
    expect(h.logs.filter((l) => l.includes('level=warn') && l.includes('it is for another path'))).toHaveLength(1);
  });
});

test('a state file that cannot be written: one warning, reading goes on', async () => {
  const dir = freshDir();
  const path = join(dir, 'mail.log');
  const stateFile = join(dir, 'no-such-dir', 'state.json');
  writeFileSync(path, '');
  let now = 0;
  const h = makeFollower({ dir, path, stateFile, startAt: 'beginning', now: () => now });
  await h.follower.start();
  for (let i = 1; i <= 3; i++) {
    appendFileSync(path, text(numbered(i, 1)));
    await h.follower.poll();
    now += 1000;
  }
  expect(h.lines).toEqual(numbered(1, 3));
  expect(h.logs.filter((l) => l.includes('msg="cannot write the state file"'))).toHaveLength(1);
  expect(h.logs.filter((l) => l.includes('msg="cannot write the state file"'))[0]).toContain('err=ENOENT');
});

test('readStateFile / parseState', async () => {
  const dir = freshDir();
  expect(await readStateFile(join(dir, 'missing'))).toEqual({ kind: 'missing' });
  expect(await readStateFile(dir)).toEqual({ kind: 'invalid', reason: 'cannot read: EISDIR' });
  const good = { version: 1, path: '/var/log/mail.log', dev: '2049', ino: '18446744073709551615', position: 123, fingerprint: 'a'.repeat(64), fingerprintLength: 256 };
  expect(parseState(good)).toEqual(good);
  expect(parseState({ ...good, fingerprintLength: 257 })).toBe('fingerprintLength: expected an integer 0-256');
  expect(parseState({ ...good, fingerprint: 'xyz' })).toBe('fingerprint: expected 64 hex digits');
  expect(parseState({ ...good, path: '' })).toBe('path: expected a non-empty string');
  expect(parseState(null)).toBe('not a JSON object');
});

test('resumed at the saved position, then truncated and refilled past it before the first read: noticed, nothing read from the old offset', async () => {
  const dir = freshDir();
  const { path, stateFile } = files(dir);
  writeFileSync(path, text(numbered(1, 4)));
  await readAllAndStop(dir, path, stateFile);
  const next = makeFollower({ dir, path, stateFile, startAt: 'beginning' });
  await next.follower.start(); // resumes at the end of L4, and learns the bytes before it
  truncateSync(path, Buffer.byteLength(text(numbered(1, 3)))); // same first bytes
  appendFileSync(path, text(numbered(10, 3))); // bigger than before
  await next.follower.poll();
  expect(next.take()).toEqual([...numbered(1, 3), ...numbered(10, 3)]);
  expect(next.follower.stats.rotations).toBe(1);
});
