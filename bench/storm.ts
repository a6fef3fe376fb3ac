// Rotation storm at scale, on the real Follower (default poll interval, fs.watch,
// rotation grace and rotated-copy paths, a state file, as the mail collector
// runs it): a writer process (bench/storm-writer.ts) appends at a steady rate
// while the file is renamed with and without `create`, copytruncated, deleted
// and re-created, and truncated to a smaller size, N times each in a seeded
// random order. Every line carries its sequence number, so afterwards each
// line's count is known: lost (0), doubled (> 1), and, for truncate-to-smaller,
// the lines left in place that are read again as documented (expected repeats).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Follower } from '../src/logs/follower';
import { n, rng, shuffle, sleep, until } from './bench-helpers';
import { STORM_STYLES, stormSeq, type StormStyle } from './storm-writer';

export interface StormOptions {
  /** Rotations of each style; default 100. */
  perStyle?: number;
  /** Lines per second the writer appends; default 20,000. */
  rate?: number;
  seed?: number;
}

interface Rotation { style: StormStyle; seqBefore: number; seqAfter: number; noticed: boolean }

type WriterMessage =
  | { op: 'paused'; written: number }
  | { op: 'truncated'; kept: number[] }
  | { op: 'rotated'; style: StormStyle; seqBefore: number; seqAfter: number }
  | { op: 'stopped'; written: number; seconds: number };

/** Per-line counts that grow with the sequence numbers seen. */
class Counts {
  data = new Uint8Array(1 << 20);
  at(i: number): number { return i < this.data.length ? this.data[i] : 0; }
  inc(i: number): void {
    if (i >= this.data.length) {
      const bigger = new Uint8Array(Math.max(this.data.length * 2, i + 1));
      bigger.set(this.data);
      this.data = bigger;
    }
    if (this.data[i] < 255) this.data[i]++;
  }
}

export async function benchStorm(opts: StormOptions = {}): Promise<boolean> {
  const perStyle = opts.perStyle ?? 100;
  const rate = opts.rate ?? 20_000;
  const rand = rng(opts.seed ?? 20261203);
  const plan = shuffle(STORM_STYLES.flatMap((s) => Array<StormStyle>(perStyle).fill(s)), rand);

  const dir = mkdtempSync(join(tmpdir(), 'mailrep-bench-storm-'));
  const path = join(dir, 'mail.log');
  writeFileSync(path, '');
  const received = new Counts();
  /** Times each line should be read: 1, plus once per truncation that left it in place. */
  const expectedExtra = new Counts();
  let receivedTotal = 0;
  let repeatsExpected = 0;
  let outOfOrder = 0;
  let foreign = 0;
  let highest = -1;
  const follower = new Follower({
    path,
    startAt: 'beginning',
    stateFile: join(dir, 'state.json'),
    onLines: (lines) => {
      for (const l of lines) {
        const seq = stormSeq(l);
        if (seq < 0) { foreign++; continue; }
        receivedTotal++;
        if (received.at(seq) === 0) {
          if (seq < highest) outOfOrder++;
          else highest = seq;
        }
        received.inc(seq);
      }
    },
  });
  await follower.start();

  const writer = fork(join(__dirname, 'storm-writer.js'), [path, String(rate)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: WriterMessage[] = [];
  let wake: (() => void) | undefined;
  writer.on('message', (m: WriterMessage) => { inbox.push(m); wake?.(); });
  const next = async <K extends WriterMessage['op']>(op: K): Promise<Extract<WriterMessage, { op: K }>> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const i = inbox.findIndex((m) => m.op === op);
      if (i >= 0) return inbox.splice(i, 1)[0] as Extract<WriterMessage, { op: K }>;
      if (writer.exitCode !== null || Date.now() > deadline) throw new Error(`storm writer: no "${op}" message (exit ${writer.exitCode})`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 100); });
    }
  };

  const rotations: Rotation[] = [];
  const began = performance.now();
  let written = 0;
  let writerSeconds = 0;
  let caughtUp = false;
  try {
    await sleep(200);
    for (const style of plan) {
      await sleep(5 + Math.floor(rand() * 35));
      const before = follower.stats.rotations;
      writer.send({ op: 'rotate', style, lagMs: 5 + Math.floor(rand() * 45) });
      if (style === 'truncate-smaller') {
        // Exact accounting needs the follower to have everything written so far.
        const { written: upTo } = await next('paused');
        if (!(await until(() => receivedTotal >= upTo + repeatsExpected, 30_000))) throw new Error(`follower did not catch up before a truncation (${receivedTotal} of ${upTo + repeatsExpected} lines)`);
        writer.send({ op: 'truncate' });
        const { kept } = await next('truncated');
        for (const seq of kept) expectedExtra.inc(seq);
        repeatsExpected += kept.length;
      }
      const r = await next('rotated');
      const noticed = await until(() => follower.stats.rotations > before, 10_000);
      rotations.push({ style, seqBefore: r.seqBefore, seqAfter: r.seqAfter, noticed });
    }
    await sleep(100);
    writer.send({ op: 'stop' });
    const stopped = await next('stopped');
    written = stopped.written;
    writerSeconds = stopped.seconds;
    caughtUp = await until(() => receivedTotal >= written + repeatsExpected, 60_000, 20);
  } finally {
    if (writer.exitCode === null) writer.kill('SIGTERM');
    await follower.stop();
  }
  const seconds = (performance.now() - began) / 1000;
  // Let a last straggler batch (if any) land before counting.
  await sleep(50);

  // Each line belongs to the rotation that moved its file away: the first whose
  // seqAfter is past it. Lines after the last rotation are the "tail".
  const perStyle0 = () => ({ rotations: 0, noticed: 0, written: 0, counted: 0, lost: 0, doubled: 0, repeats: 0 });
  const by = new Map<StormStyle | 'tail', ReturnType<typeof perStyle0>>();
  for (const s of STORM_STYLES) by.set(s, perStyle0());
  by.set('tail', perStyle0());
  for (const r of rotations) {
    const s = by.get(r.style)!;
    s.rotations++;
    if (r.noticed) s.noticed++;
  }
  let ri = 0;
  for (let seq = 0; seq < written; seq++) {
    while (ri < rotations.length && rotations[ri].seqAfter <= seq) ri++;
    const s = by.get(ri < rotations.length ? rotations[ri].style : 'tail')!;
    const want = 1 + expectedExtra.at(seq);
    const got = received.at(seq);
    s.written++;
    s.counted += got;
    s.repeats += want - 1;
    if (got < want) s.lost += want - got;
    if (got > want) s.doubled += got - want;
  }
  const beyond = (() => { let x = 0; for (let seq = written; seq < received.data.length; seq++) x += received.data[seq]; return x; })();

  console.log(`\n[storm] rotation storm on the real Follower: ${plan.length} rotations (${perStyle} of each of ${STORM_STYLES.length} styles, seeded order) under a writer process at ${n(rate)} lines/s`);
  let allOk = true;
  const total = perStyle0();
  for (const [style, s] of by) {
    if (style === 'tail' && s.written === 0) continue;
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += s[k];
    const ok = s.lost === 0 && s.doubled === 0 && s.noticed === s.rotations;
    allOk &&= ok;
    const label = style === 'tail' ? 'after the last' : style;
    const repeats = style === 'truncate-smaller' ? `, ${n(s.repeats)} expected repeats (read again as documented)` : '';
    console.log(`  ${label.padEnd(16)} ${String(s.rotations).padStart(3)} rotations (${s.noticed} noticed), ${n(s.written)} lines written, ${n(s.counted)} counted, ${s.lost} lost, ${s.doubled} doubled${repeats}: ${ok ? 'PASS' : 'FAIL'}`);
  }
  const ok = allOk && outOfOrder === 0 && foreign === 0 && beyond === 0 && caughtUp;
  console.log(`  total            ${total.rotations} rotations (${follower.stats.rotations} counted by the follower), ${n(written)} lines written in ${writerSeconds.toFixed(1)} s (${n(Math.round(written / writerSeconds))} lines/s on average, with the pauses before truncations), ${n(receivedTotal)} counted = written + ${n(total.repeats)} expected repeats${receivedTotal === written + total.repeats ? '' : ` (off by ${receivedTotal - written - total.repeats})`}; ${total.lost} lost, ${total.doubled} doubled, ${outOfOrder} out of order, ${foreign + beyond} unknown: ${ok ? 'PASS' : 'FAIL'}`);
  console.log(`  goal: no line lost or doubled (truncate-to-smaller: exactly the documented repeats), every rotation noticed: ${ok ? 'met' : 'NOT met'} (${seconds.toFixed(1)} s)`);
  rmSync(dir, { recursive: true, force: true });
  return ok;
}

if (require.main === module) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  benchStorm({ perStyle: num('storm-rotations'), rate: num('storm-rate'), seed: num('storm-seed') })
    .then((ok) => process.exit(ok ? 0 : 1), (err) => { console.error(err); process.exit(1); });
}
