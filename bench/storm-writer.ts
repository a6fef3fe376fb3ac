// The other side of the rotation storm (bench/storm.ts), in its own process so
// it writes while the follower reads, as a mail daemon and logrotate do: it
// appends numbered Postfix lines at a steady rate and rotates the file when
// told, the way each rotation style does it.
//   node dist/bench/storm-writer.js PATH LINES_PER_SECOND   (IPC channel required)
//
// Every line is a Postfix delivery line whose queue ID is the line's sequence
// number in hex, so the reader can tell exactly which lines it got.
//
// Messages in:  {op: 'rotate', style, lagMs}  {op: 'truncate'} (after 'paused')  {op: 'stop'}
// Messages out: {op: 'paused', written}  {op: 'truncated', kept: number[]}
//               {op: 'rotated', style, seqBefore, seqAfter}  {op: 'stopped', written, seconds}
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, renameSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';

export type StormStyle = 'rename-create' | 'rename' | 'copytruncate' | 'delete' | 'truncate-smaller';
export const STORM_STYLES: readonly StormStyle[] = ['rename-create', 'rename', 'copytruncate', 'delete', 'truncate-smaller'];

/** Everything before the queue ID; fixed length, so the reader finds the ID at a fixed offset. */
export const STORM_LINE_PREFIX = 'Mar  1 10:00:00 mail postfix/smtp[4242]: ';
const SUFFIX = ': to=<someone@example.net>, relay=mx.example.net[192.0.2.25]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=2.0.0, status=sent (250 2.0.0 OK id=1SoWf6-0000Dv-Lf)\n';
export const STORM_ID_DIGITS = 10;

/** The sequence number of a line this writer wrote, or -1. */
export function stormSeq(line: string): number {
  if (!line.startsWith(STORM_LINE_PREFIX)) return -1;
  const id = line.slice(STORM_LINE_PREFIX.length, STORM_LINE_PREFIX.length + STORM_ID_DIGITS);
  const seq = parseInt(id, 16);
  return Number.isNaN(seq) ? -1 : seq;
}

function line(seq: number): string {
  return STORM_LINE_PREFIX + seq.toString(16).toUpperCase().padStart(STORM_ID_DIGITS, '0') + SUFFIX;
}

type Message =
  | { op: 'rotate'; style: StormStyle; lagMs: number }
  | { op: 'truncate' }
  | { op: 'stop' };

function main(): void {
  const [path, rateArg] = process.argv.slice(2);
  const rate = Number(rateArg);
  if (!path || !(rate > 0) || !process.send) throw new Error('usage: storm-writer PATH LINES_PER_SECOND (with an IPC channel)');
  const send = (m: object) => process.send!(m);
  const rotated = `${path}.1`;
  let fd = openSync(path, 'a');
  let seq = 0;
  // The schedule: `due` lines by now at `rate`, counted from the last pause.
  let base = performance.now();
  let baseSeq = 0;
  let paused = false;
  const began = performance.now();

  const write = () => {
    if (paused) return;
    const due = baseSeq + Math.floor(((performance.now() - base) * rate) / 1000);
    if (due <= seq) return;
    let chunk = '';
    for (; seq < due; seq++) chunk += line(seq);
    writeSync(fd, chunk);
  };
  const timer = setInterval(write, 2);
  const resume = () => {
    paused = false;
    base = performance.now();
    baseSeq = seq;
  };
  // What a daemon does on SIGHUP: reopen its log, creating it if missing.
  const reopen = () => {
    closeSync(fd);
    fd = openSync(path, 'a');
  };
  // logrotate moves the previous generation on before making a new one.
  const shift = () => { if (existsSync(rotated)) renameSync(rotated, `${path}.2`); };

  process.on('message', (m: Message) => {
    if (m.op === 'stop') {
      write();
      clearInterval(timer);
      closeSync(fd);
      send({ op: 'stopped', written: seq, seconds: (performance.now() - began) / 1000 });
      process.disconnect();
      return;
    }
    if (m.op === 'truncate') {
      // The reader has everything so far: keep the first lines, cut the rest.
      const content = readFileSync(path, 'latin1');
      const kept: number[] = [];
      let end = 0;
      for (let nl = content.indexOf('\n'); nl >= 0 && kept.length < 3; nl = content.indexOf('\n', end)) {
        // Always cut at least one line: keep at most all but the last.
        if (content.indexOf('\n', nl + 1) < 0) break;
        kept.push(stormSeq(content.slice(end, nl)));
        end = nl + 1;
      }
      truncateSync(path, end);
      send({ op: 'truncated', kept });
      const seqBefore = seq;
      resume();
      send({ op: 'rotated', style: 'truncate-smaller', seqBefore, seqAfter: seq });
      return;
    }
    const seqBefore = seq;
    const done = () => send({ op: 'rotated', style: m.style, seqBefore, seqAfter: seq });
    switch (m.style) {
      case 'rename-create':
        shift();
        renameSync(path, rotated);
        writeFileSync(path, '');
        // The daemon keeps appending to the renamed file until it reopens.
        setTimeout(() => { write(); reopen(); done(); }, m.lagMs);
        return;
      case 'rename':
        shift();
        renameSync(path, rotated);
        setTimeout(() => { write(); reopen(); done(); }, m.lagMs);
        return;
      case 'delete':
        unlinkSync(path);
        // Appends to the deleted file: only the follower's open descriptor still sees them.
        setTimeout(() => { write(); reopen(); done(); }, m.lagMs);
        return;
      case 'copytruncate':
        // Copy and truncate with no write in between: the lines logrotate itself
        // would lose in that window are not the follower's to lose.
        shift();
        copyFileSync(path, rotated);
        truncateSync(path, 0);
        done();
        return;
      case 'truncate-smaller':
        write();
        paused = true;
        send({ op: 'paused', written: seq });
        return;
    }
  });
}

if (require.main === module) main();
