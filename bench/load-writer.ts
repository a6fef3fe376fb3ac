// The mail server of the load benchmark (bench/load.ts), in its own process:
// appends the lines of a generated Postfix log (bench/generate-postfix.ts) to
// the followed log at a steady rate, starting over at the source's end, for a
// number of seconds. Prints one JSON line: {written, seconds}.
//   node dist/bench/load-writer.js SOURCE TARGET LINES_PER_SECOND SECONDS
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const CHUNK_BYTES = 4 << 20;

/** Whole lines of SOURCE, a chunk at a time, round and round. */
class Lines {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private lines: string[] = [];
  private next = 0;
  constructor(path: string) { this.fd = openSync(path, 'r'); }

  take(count: number): string {
    let out = '';
    while (count > 0) {
      if (this.next === this.lines.length) this.refill();
      const k = Math.min(count, this.lines.length - this.next);
      out += this.lines.slice(this.next, this.next + k).join('\n') + '\n';
      this.next += k;
      count -= k;
    }
    return out;
  }

  private refill(): void {
    let bytes = readSync(this.fd, this.buf, 0, CHUNK_BYTES, this.pos);
    if (bytes === 0) { this.pos = 0; bytes = readSync(this.fd, this.buf, 0, CHUNK_BYTES, 0); }
    const last = this.buf.lastIndexOf(10, bytes - 1);
    if (last < 0) throw new Error('source has no complete line in 4 MiB');
    this.pos += last + 1;
    this.lines = this.buf.toString('utf8', 0, last).split('\n');
    this.next = 0;
  }
}

function main(): void {
  const [source, target, rateArg, secondsArg] = process.argv.slice(2);
  const rate = Number(rateArg);
  const seconds = Number(secondsArg);
  if (!source || !target || !(rate > 0) || !(seconds > 0)) throw new Error('usage: load-writer SOURCE TARGET LINES_PER_SECOND SECONDS');
  const lines = new Lines(source);
  const fd = openSync(target, 'a');
  const began = performance.now();
  let written = 0;
  const timer = setInterval(() => {
    const elapsed = performance.now() - began;
    const due = Math.floor((Math.min(elapsed, seconds * 1000) * rate) / 1000);
    if (due > written) {
      writeSync(fd, lines.take(due - written));
      written = due;
    }
    if (elapsed >= seconds * 1000) {
      clearInterval(timer);
      closeSync(fd);
      process.stdout.write(JSON.stringify({ written, seconds: (performance.now() - began) / 1000 }) + '\n');
    }
  }, 5);
}

main();
