// A small rotation storm on the real poll loop (fs.watch + a 3 ms timer): a
// writer appends all the time while the file is renamed (with and without
// `create`), copytruncated, deleted and re-created, and truncated to a smaller
// size, a dozen times each. Afterwards every written line was received exactly
// once, in order, except the lines left in place by a truncation to a smaller
// size, which are (as documented) read a second time, exactly once more.
import { closeSync, copyFileSync, openSync, readFileSync, renameSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { freshDir, makeFollower, POSTFIX, until } from './follower-helpers';

type Style = 'rename-create' | 'rename' | 'copytruncate' | 'delete' | 'truncate-smaller';
const STYLES: Style[] = ['rename-create', 'rename', 'copytruncate', 'delete', 'truncate-smaller'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('rotation storm: 60 rotations of 5 kinds under a steady writer; nothing lost, nothing doubled beyond the documented', async () => {
  // Deterministic order: a fixed-seed LCG shuffles 12 of each style.
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const plan = STYLES.flatMap((s) => Array<Style>(12).fill(s));
  for (let i = plan.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }

  const dir = freshDir();
  const path = join(dir, 'mail.log');
  const stateFile = join(dir, 'state.json');
  writeFileSync(path, '');
  const h = makeFollower({ dir, path, stateFile, startAt: 'beginning', pollIntervalMs: 3 });
  await h.follower.start();

  const written: string[] = [];
  const doubled: string[] = [];
  let fd = openSync(path, 'a');
  let seq = 0;
  const write = (n: number) => {
    let chunk = '';
    for (let i = 0; i < n; i++, seq++) {
      const line = `S${seq} ${POSTFIX[seq % POSTFIX.length]}`;
      written.push(line);
      chunk += line + '\n';
    }
    writeSync(fd, chunk);
  };
  const reopen = () => {
    closeSync(fd);
    fd = openSync(path, 'a'); // what a daemon does on SIGHUP; creates the file if missing
  };

  // On failure, what the follower did: the first place its readings leave the
  // written order, and its own log (which rotations it saw, and how it handled them).
  let step = -1;
  const explain = (): string => {
    const firsts: string[] = [];
    const seen = new Set<string>();
    for (const l of h.lines) if (!seen.has(l)) { seen.add(l); firsts.push(l); }
    let i = 0;
    while (i < written.length && firsts[i] === written[i]) i++;
    const cut = (a: string[]) => a.slice(Math.max(0, i - 3), i + 5).map((l) => l.split(' ')[0]).join(' ');
    return `rotation ${step} of ${plan.length} (${plan[step] ?? 'after the last'}); received ${h.lines.length}, written ${written.length} + doubled ${doubled.length}; ` +
      `first divergence at ${i}: written ${cut(written)} / read ${cut(firsts)}\nfollower log (last 40):\n${h.logs.slice(-40).join('\n')}`;
  };
  const expectOrExplain = async (what: string, cond: () => boolean, timeoutMs?: number) => {
    try {
      await until(what, cond, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${explain()}`);
    }
  };

  let paused = false;
  let running = true;
  const writer = (async () => {
    while (running) {
      if (!paused) write(1 + rand(3));
      await sleep(1);
    }
  })();

  try {
    for (const style of plan) {
      step++;
      await sleep(4 + rand(8));
      const before = h.follower.stats.rotations;
      switch (style) {
        case 'rename-create':
          renameSync(path, `${path}.1`);
          writeFileSync(path, '');
          await sleep(2); // the writer still appends to the renamed file meanwhile
          reopen();
          break;
        case 'rename':
          renameSync(path, `${path}.1`);
          await sleep(2);
          reopen();
          break;
        case 'delete':
          unlinkSync(path);
          await sleep(2); // appends to the deleted file: only the follower's fd still sees them
          reopen();
          break;
        case 'copytruncate':
          copyFileSync(path, `${path}.1`);
          truncateSync(path, 0);
          break;
        case 'truncate-smaller': {
          // Exact accounting needs the follower to have caught up first.
          paused = true;
          await expectOrExplain('the follower to catch up', () => h.lines.length === written.length + doubled.length);
          const content = readFileSync(path, 'utf8').split('\n').slice(0, -1);
          const keep = content.slice(0, Math.min(3, content.length - 1));
          expect(keep.length).toBeGreaterThan(0);
          truncateSync(path, Buffer.byteLength(keep.map((l) => l + '\n').join('')));
          doubled.push(...keep);
          paused = false;
          break;
        }
      }
      await expectOrExplain(`the ${style} rotation to be noticed`, () => h.follower.stats.rotations > before, 5000);
    }
  } finally {
    // Also on failure: a writer left running would keep jest from exiting.
    running = false;
    await writer;
    closeSync(fd);
  }
  step = plan.length;
  await expectOrExplain('the last lines', () => h.lines.length === written.length + doubled.length);

  expect(h.follower.stats.rotations).toBe(60);
  expect(h.follower.stats.lines).toBe(written.length + doubled.length);
  expect(h.follower.stats.truncatedLines).toBe(0);
  // In order, each exactly once at its first appearance...
  const seen = new Set<string>();
  const firsts: string[] = [];
  const again: string[] = [];
  for (const l of h.lines) {
    if (seen.has(l)) again.push(l);
    else firsts.push(l);
    seen.add(l);
  }
  if (firsts.length !== written.length || firsts.some((l, i) => l !== written[i])) throw new Error(`lines out of order or lost\n${explain()}`);
  expect(firsts).toEqual(written);
  // ...and the second readings are exactly the lines a truncation left in place.
  expect(again.sort()).toEqual([...doubled].sort());
  expect(written.length).toBeGreaterThan(300);

  // The state file, saved along the way and at stop, lets a restart carry on with nothing twice.
  await h.follower.stop();
  const fd2 = openSync(path, 'a');
  writeSync(fd2, 'after the restart\n');
  closeSync(fd2);
  const next = makeFollower({ dir, path, stateFile, startAt: 'beginning' });
  await next.follower.start();
  await next.follower.poll();
  expect(next.lines).toEqual(['after the restart']);
});
