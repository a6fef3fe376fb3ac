import { appendFileSync, closeSync, copyFileSync, mkdirSync, openSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Follower } from '../../../src/logs/follower';
import { freshDir, makeFollower, numbered, POSTFIX, text, until } from './follower-helpers';

describe('where it starts', () => {
  test('startAt end: only lines appended after start', async () => {
    const h = makeFollower({ startAt: 'end' });
    writeFileSync(h.path, text(numbered(1, 3)));
    await h.follower.start();
    await h.follower.poll();
    expect(h.take()).toEqual([]);
    appendFileSync(h.path, text(numbered(4, 2)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(4, 2));
    expect(h.follower.stats).toEqual({
      bytesRead: Buffer.byteLength(text(numbered(4, 2))),
      lines: 2,
      truncatedLines: 0,
      rotations: 0,
      up: true,
      position: statSync(h.path).size,
    });
  });

  test('startAt is end by default', async () => {
    const h = makeFollower();
    writeFileSync(h.path, text(numbered(1, 3)));
    await h.follower.start();
    appendFileSync(h.path, text(numbered(4, 1)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(4, 1));
  });

  test('startAt beginning: the whole file, then appends', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, text(numbered(1, 3)));
    await h.follower.start();
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(1, 3));
    appendFileSync(h.path, text(numbered(4, 2)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(4, 2));
    expect(h.follower.stats.lines).toBe(5);
  });

  test('startAt end in the middle of a line: that line is handed over whole once finished', async () => {
    const h = makeFollower({ startAt: 'end' });
    writeFileSync(h.path, 'first\nsecond\nthe unfini');
    await h.follower.start();
    expect(h.follower.stats.position).toBe(13);
    appendFileSync(h.path, 'shed one\nnext\n');
    await h.follower.poll();
    expect(h.take()).toEqual(['the unfinished one', 'next']);
  });

  test('startAt end when the whole file is one unfinished line', async () => {
    const h = makeFollower({ startAt: 'end' });
    writeFileSync(h.path, 'no newline yet');
    await h.follower.start();
    appendFileSync(h.path, '!\n');
    await h.follower.poll();
    expect(h.take()).toEqual(['no newline yet!']);
  });

  test('startAt end in the middle of a line longer than the limit: its rest is skipped, not a fragment', async () => {
    const h = makeFollower({ startAt: 'end', maxLineBytes: 8 });
    writeFileSync(h.path, 'ok\n0123456789abcdef');
    await h.follower.start();
    appendFileSync(h.path, 'ghij\nnext\n');
    await h.follower.poll();
    expect(h.take()).toEqual(['next']);
    expect(h.follower.stats.truncatedLines).toBe(0);
  });
});

describe('appends', () => {
  test('several writes: a line split across writes and a UTF-8 character split across writes', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, '');
    await h.follower.start();
    const euro = Buffer.from('€'); // e2 82 ac
    appendFileSync(h.path, `${POSTFIX[0]}\nApr 26 10:55:19 tcc1 postfix/smtpd[21126]: `);
    await h.follower.poll();
    expect(h.take()).toEqual([POSTFIX[0]]);
    appendFileSync(h.path, Buffer.concat([Buffer.from('price 5'), euro.subarray(0, 1)]));
    await h.follower.poll();
    expect(h.take()).toEqual([]);
    appendFileSync(h.path, Buffer.concat([euro.subarray(1), Buffer.from(' paid\n')]));
    await h.follower.poll();
    expect(h.take()).toEqual(['Apr 26 10:55:19 tcc1 postfix/smtpd[21126]: price 5€ paid']);
    expect(h.follower.stats.lines).toBe(2);
    expect(h.follower.stats.position).toBe(statSync(h.path).size);
  });

  test('an unfinished last line is not handed over, and not counted in position', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, 'one\ntwo\nthr');
    await h.follower.start();
    await h.follower.poll();
    expect(h.take()).toEqual(['one', 'two']);
    expect(h.follower.stats.position).toBe(8);
    expect(h.follower.stats.bytesRead).toBe(11);
  });

  test('invalid UTF-8 becomes U+FFFD; CRLF loses its \\r', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, Buffer.concat([Buffer.from('user=caf'), Buffer.from([0xe9, 0xff]), Buffer.from(' ok\r\nwindows line\r\n')]));
    await h.follower.start();
    await h.follower.poll();
    expect(h.take()).toEqual(['user=caf\uFFFD\uFFFD ok', 'windows line']);
  });

  test('a 200 KiB line is cut to 64 KiB and counted; the lines around it are intact', async () => {
    const h = makeFollower({ startAt: 'beginning', readBufferBytes: 8192 });
    const long = 'Q'.repeat(200 * 1024);
    writeFileSync(h.path, `${POSTFIX[0]}\n${long.slice(0, 100_000)}`);
    await h.follower.start();
    await h.follower.poll();
    appendFileSync(h.path, `${long.slice(100_000)}\n${POSTFIX[1]}\n`);
    await h.follower.poll();
    const got = h.take();
    expect(got.map((l) => l.length)).toEqual([POSTFIX[0].length, 65536, POSTFIX[1].length]);
    expect(got[1]).toBe('Q'.repeat(65536));
    expect(got[2]).toBe(POSTFIX[1]);
    expect(h.follower.stats.truncatedLines).toBe(1);
    expect(h.follower.stats.lines).toBe(3);
  });

  test('one onLines call per read', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, text(numbered(0, 1000)));
    await h.follower.start();
    await h.follower.poll();
    expect(h.lines).toEqual(numbered(0, 1000));
    expect(h.batches).toBe(1);
    // 4 KiB reads: as many batches as reads. After the first, each read starts
    // 512 bytes early at bytes already read (to prove they are unchanged), so it
    // brings 3584 new bytes.
    const small = makeFollower({ startAt: 'beginning', readBufferBytes: 4096 });
    writeFileSync(small.path, text(numbered(0, 1000)));
    await small.follower.start();
    await small.follower.poll();
    expect(small.lines).toEqual(numbered(0, 1000));
    expect(small.batches).toBe(1 + Math.ceil((statSync(small.path).size - 4096) / 3584));
    expect(small.follower.stats.bytesRead).toBe(statSync(small.path).size);
  });

  test('a consumer that throws is logged; the follower carries on', async () => {
    const dir = freshDir();
    const path = join(dir, 'mail.log');
    const logs: string[] = [];
    const got: string[] = [];
    const { createLogger } = await import('../../../src/log');
    const f = new Follower({
      path, startAt: 'beginning', pollIntervalMs: 0,
      logger: createLogger({ level: 'warn', format: 'logfmt', write: (l) => logs.push(l) }),
      onLines: (lines) => {
        got.push(...lines);
        if (lines.includes('bad')) throw new Error('consumer bug');
      },
    });
    writeFileSync(path, 'bad\n');
    await f.start();
    await f.poll();
    appendFileSync(path, 'good\n');
    await f.poll();
    await f.stop();
    expect(got).toEqual(['bad', 'good']);
    expect(logs.filter((l) => l.includes('msg="log line consumer failed"') && l.includes('err="consumer bug"'))).toHaveLength(1);
  });
});

describe('rotation', () => {
  test('rename-and-create mid-stream: lines appended to the renamed file are read first, then the new file from its beginning', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    const writer = openSync(h.path, 'a');
    writeSync(writer, text(numbered(1, 2)));
    await h.follower.start();
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(1, 2));

    renameSync(h.path, `${h.path}.1`);
    writeSync(writer, text(numbered(3, 2)) + 'unfinished last line'); // the writer has not reopened yet
    closeSync(writer);
    writeFileSync(h.path, text(numbered(5, 2)));
    await h.follower.poll();
    expect(h.take()).toEqual([...numbered(3, 2), 'unfinished last line', ...numbered(5, 2)]);
    expect(h.follower.stats.rotations).toBe(1);

    appendFileSync(h.path, text(numbered(7, 1)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(7, 1));
    expect(h.follower.stats).toMatchObject({ lines: 8, rotations: 1, up: true, position: statSync(h.path).size });
  });

  test('rename, new file created empty: the old file is read until the writer reopens', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    const rotated: number[] = [];
    h.follower.on('rotated', () => rotated.push(h.follower.stats.lines));
    let writer = openSync(h.path, 'a');
    writeSync(writer, text(numbered(1, 1)));
    await h.follower.start();
    await h.follower.poll();
    renameSync(h.path, `${h.path}.1`);
    writeFileSync(h.path, ''); // logrotate `create`
    await h.follower.poll();
    writeSync(writer, text(numbered(2, 2))); // still the old file: postrotate has not run yet
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(1, 3));
    expect(h.follower.stats.rotations).toBe(0);
    closeSync(writer);
    writer = openSync(h.path, 'a'); // reopened by the HUP
    writeSync(writer, text(numbered(4, 1)));
    closeSync(writer);
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(4, 1));
    expect(rotated).toEqual([3]);
  });

  test('a renamed file with no successor is let go after the grace period; the new file is read from its beginning', async () => {
    let now = 1_000_000;
    const h = makeFollower({ startAt: 'beginning', now: () => now, rotationGraceMs: 5000 });
    writeFileSync(h.path, text(numbered(1, 1)) + 'partial');
    await h.follower.start();
    await h.follower.poll();
    renameSync(h.path, `${h.path}.1`);
    await h.follower.poll();
    expect(h.follower.stats.up).toBe(false);
    expect(h.take()).toEqual(numbered(1, 1));
    now += 4999;
    await h.follower.poll();
    expect(h.take()).toEqual([]);
    now += 1;
    await h.follower.poll();
    expect(h.take()).toEqual(['partial']); // its unfinished line, once it is given up
    appendFileSync(`${h.path}.1`, 'too late\n'); // no longer read
    writeFileSync(h.path, text(numbered(2, 1)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(2, 1));
    expect(h.follower.stats).toMatchObject({ rotations: 1, up: true, lines: 3 });
  });

  test('copytruncate mid-stream: the lines not read yet come from the copy, then the file from offset 0', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    const writer = openSync(h.path, 'a');
    writeSync(writer, text(numbered(1, 3)));
    await h.follower.start();
    await h.follower.poll();
    writeSync(writer, text(numbered(4, 2)) + 'half a li');
    copyFileSync(h.path, `${h.path}.1`);
    truncateSync(h.path, 0);
    writeSync(writer, text(numbered(6, 2))); // O_APPEND: lands at the new end
    closeSync(writer);
    await h.follower.poll();
    expect(h.take()).toEqual([...numbered(1, 3), ...numbered(4, 2), 'half a li', ...numbered(6, 2)]);
    expect(h.follower.stats).toMatchObject({ rotations: 1, lines: 8, position: statSync(h.path).size });
  });

  test('a "copy" with our first bytes but other bytes before our position is not ours: never read from it', async () => {
    // E.g. a second rotation replaced path.1 before we looked: same head (the
    // file started the same), different content where we stopped reading.
    const h = makeFollower({ startAt: 'beginning' });
    const first = numbered(1, 6);
    writeFileSync(h.path, text(first));
    await h.follower.start();
    await h.follower.poll();
    const other = [...first.slice(0, 3), ...numbered(101, 3).map((l) => l.replace('L10', 'L90')), ...numbered(200, 4)];
    writeFileSync(`${h.path}.1`, text(other));
    truncateSync(h.path, 0);
    appendFileSync(h.path, text(numbered(7, 1)));
    await h.follower.poll();
    expect(h.take()).toEqual([...first, ...numbered(7, 1)]);
    expect(h.follower.stats.rotations).toBe(1);
  });

  test('copytruncate without the copy: the lines written since the last read are lost, nothing is doubled', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, text(numbered(1, 3)));
    await h.follower.start();
    await h.follower.poll();
    appendFileSync(h.path, text(numbered(4, 1)));
    truncateSync(h.path, 0);
    appendFileSync(h.path, text(numbered(5, 1)));
    await h.follower.poll();
    expect(h.take()).toEqual([...numbered(1, 3), ...numbered(5, 1)]);
    expect(h.follower.stats.rotations).toBe(1);
  });

  test('truncated and refilled past the old position before the poll: noticed by its first bytes', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, text(numbered(1, 2)));
    await h.follower.start();
    await h.follower.poll();
    truncateSync(h.path, 0);
    appendFileSync(h.path, text(numbered(3, 5))); // larger than before
    await h.follower.poll();
    expect(h.take()).toEqual([...numbered(1, 2), ...numbered(3, 5)]);
    expect(h.follower.stats.rotations).toBe(1);
  });

  test('truncated to a smaller size: read again from offset 0 (the remaining lines count twice, as documented)', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, text(numbered(1, 4)));
    await h.follower.start();
    await h.follower.poll();
    truncateSync(h.path, Buffer.byteLength(text(numbered(1, 2))));
    await h.follower.poll();
    appendFileSync(h.path, text(numbered(9, 1)));
    await h.follower.poll();
    expect(h.take()).toEqual([...numbered(1, 4), ...numbered(1, 2), ...numbered(9, 1)]);
    expect(h.follower.stats.rotations).toBe(1);
  });

  test('truncated to a smaller size and refilled past the old position before the poll: noticed by the bytes before our position', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    writeFileSync(h.path, text(numbered(1, 4)));
    await h.follower.start();
    await h.follower.poll();
    truncateSync(h.path, Buffer.byteLength(text(numbered(1, 3)))); // the first bytes stay the same
    appendFileSync(h.path, text(numbered(10, 3)));
    await h.follower.poll();
    expect(h.take()).toEqual([...numbered(1, 4), ...numbered(1, 3), ...numbered(10, 3)]);
    expect(h.follower.stats.rotations).toBe(1);
  });

  test('deleted and re-created: the deleted file is drained, up goes false, the new one is read from its beginning', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    const events: string[] = [];
    h.follower.on('up', () => events.push('up')).on('down', () => events.push('down')).on('rotated', () => events.push('rotated'));
    writeFileSync(h.path, text(numbered(1, 2)));
    await h.follower.start();
    await h.follower.poll();
    appendFileSync(h.path, text(numbered(3, 1)));
    unlinkSync(h.path);
    await h.follower.poll();
    expect(h.take()).toEqual([...numbered(1, 2), ...numbered(3, 1)]);
    expect(h.follower.stats.up).toBe(false);
    await h.follower.poll();
    expect(h.follower.stats.up).toBe(false);
    writeFileSync(h.path, text(numbered(4, 2)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(4, 2));
    expect(h.follower.stats).toMatchObject({ up: true, rotations: 1, lines: 5 });
    expect(events).toEqual(['up', 'down', 'up', 'rotated']);
    expect(h.logs.filter((l) => l.includes('level=warn') && l.includes('reason="does not exist"'))).toHaveLength(1);
  });

  test('a file that does not exist at start is read from its beginning when it appears (even with startAt end)', async () => {
    const h = makeFollower({ startAt: 'end' });
    await h.follower.start();
    expect(h.follower.stats.up).toBe(false);
    await h.follower.poll();
    writeFileSync(h.path, text(numbered(1, 3)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(1, 3));
    expect(h.follower.stats).toMatchObject({ up: true, rotations: 0, lines: 3 });
  });

  test('a directory where the file should be: down with a reason, never a crash', async () => {
    const h = makeFollower({ startAt: 'beginning' });
    mkdirSync(h.path);
    await h.follower.start();
    await h.follower.poll();
    expect(h.follower.stats.up).toBe(false);
    expect(h.logs.some((l) => l.includes('msg="log source is down"') && l.includes('reason="not a regular file"'))).toBe(true);
  });

  test('a rotated file moved back into place is carried on, not read twice', async () => {
    let now = 0;
    const h = makeFollower({ startAt: 'beginning', now: () => now, rotationGraceMs: 10 });
    writeFileSync(h.path, text(numbered(1, 2)));
    await h.follower.start();
    await h.follower.poll();
    renameSync(h.path, `${h.path}.bak`);
    await h.follower.poll();
    now += 10;
    await h.follower.poll(); // given up
    renameSync(`${h.path}.bak`, h.path);
    appendFileSync(h.path, text(numbered(3, 1)));
    await h.follower.poll();
    expect(h.take()).toEqual(numbered(1, 3));
    expect(h.follower.stats.rotations).toBe(0);
  });
});

describe('the real poll loop', () => {
  test('appends and a rotation are picked up without calling poll()', async () => {
    const h = makeFollower({ startAt: 'end', pollIntervalMs: 20 });
    writeFileSync(h.path, text(numbered(1, 2)));
    await h.follower.start();
    appendFileSync(h.path, text(numbered(3, 2)));
    await until('the appended lines', () => h.lines.length === 2);
    renameSync(h.path, `${h.path}.1`);
    writeFileSync(h.path, text(numbered(5, 1)));
    await until('the new file', () => h.lines.length === 3);
    expect(h.lines).toEqual(numbered(3, 3));
    expect(h.follower.stats.rotations).toBe(1);
    await h.follower.stop();
    appendFileSync(h.path, text(numbered(6, 1)));
    await h.follower.poll(); // after stop: does nothing
    expect(h.lines).toHaveLength(3);
  });

  test('a directory that does not exist yet: no watcher, the timer finds the file once it is there', async () => {
    const dir = join(freshDir(), 'later');
    const h = makeFollower({ startAt: 'end', pollIntervalMs: 10, path: join(dir, 'mail.log') });
    await h.follower.start();
    expect(h.follower.stats.up).toBe(false);
    expect(h.logs.some((l) => l.includes('msg="fs.watch unavailable; polling only"') && l.includes('err=ENOENT'))).toBe(true);
    mkdirSync(dir);
    writeFileSync(h.path, text(numbered(1, 2)));
    await until('the new file', () => h.lines.length === 2);
    expect(h.lines).toEqual(numbered(1, 2));
  });

  test('with fs.watch a long interval does not delay reading', async () => {
    const h = makeFollower({ startAt: 'end', pollIntervalMs: 60_000 });
    writeFileSync(h.path, '');
    await h.follower.start();
    await until('the initial poll', () => h.follower.stats.up);
    appendFileSync(h.path, text(numbered(1, 1)));
    await until('the line, woken by fs.watch', () => h.lines.length === 1);
    expect(h.lines).toEqual(numbered(1, 1));
  });
});
