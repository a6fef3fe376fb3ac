// Bytes in, complete lines out. Shared by the file follower and standard input.
//
// Splitting happens on the '\n' byte before any decoding, so a multi-byte UTF-8
// character split across two reads is never torn apart: each line is decoded
// whole, and invalid sequences become U+FFFD instead of an error. A trailing
// '\r' (CRLF logs, Windows-made files) is dropped.
//
// Memory is bounded: the incomplete last line is kept in a fixed buffer of
// maxLineBytes + 1 bytes (the +1 lets "exactly maxLineBytes + '\r'" through
// uncut). A longer line is cut to its first maxLineBytes bytes, at a UTF-8
// character boundary, the rest is skipped up to its newline without being
// buffered, and it is counted in truncatedLines.

export const DEFAULT_MAX_LINE_BYTES = 65536;

const LF = 10;
const CR = 13;

type Slice = (this: Buffer, start: number, end: number) => string;
/**
 * Buffer's own UTF-8 decoder without toString()'s argument handling: measurably
 * faster per line (decoding is most of the follower's cost). Same output, and
 * toString() where a runtime lacks it.
 */
const utf8Slice: Slice = (Buffer.prototype as unknown as { utf8Slice?: Slice }).utf8Slice
  ?? function (this: Buffer, start: number, end: number) { return this.toString('utf8', start, end); };

/**
 * Where to cut `buf[start, start + max)` so no UTF-8 character is split: moves
 * back over continuation bytes (10xxxxxx) that belong to a character started
 * before the cut. Garbage (more than 3 continuation bytes) is cut where it is.
 */
export function utf8CutPoint(buf: Uint8Array, start: number, max: number): number {
  const cut = start + max;
  for (let back = 0; back < 4 && cut - back >= start; back++) {
    if ((buf[cut - back] & 0xc0) !== 0x80) return cut - back;
  }
  return cut;
}

export class LineSplitter {
  readonly maxLineBytes: number;
  /** Lines longer than maxLineBytes, cut. */
  truncatedLines = 0;
  /**
   * Bytes of the current incomplete line seen so far, kept or skipped. A reader's
   * position minus this is the offset just after the last complete line.
   */
  partialBytes = 0;

  private readonly pending: Buffer;
  private pendingLength = 0;
  /** Drop everything up to the next newline without emitting it (see skipPartialLine). */
  private skipping = false;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    this.maxLineBytes = maxLineBytes;
    this.pending = Buffer.allocUnsafe(maxLineBytes + 1);
  }

  /** Feeds `chunk[start, end)`; returns the lines it completed, in order (possibly none). */
  push(chunk: Buffer, start = 0, end = chunk.length): string[] {
    // A view, so indexOf never looks past `end` into stale bytes of a reused buffer.
    const b = start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end);
    const n = b.length;
    const out: string[] = [];
    let pos = 0;
    if (this.partialBytes > 0 || this.skipping) {
      const nl = b.indexOf(LF);
      if (nl === -1) {
        this.keep(b, 0, n);
        return out;
      }
      this.keep(b, 0, nl);
      this.completePending(out);
      pos = nl + 1;
    }
    while (pos < n) {
      const nl = b.indexOf(LF, pos);
      if (nl === -1) {
        this.keep(b, pos, n);
        break;
      }
      out.push(this.decode(b, pos, nl));
      pos = nl + 1;
    }
    return out;
  }

  /**
   * Ends the current incomplete line as if its newline had arrived (end of a
   * stream, or the last line of a rotated file). Returns it, or nothing.
   */
  flush(): string[] {
    const out: string[] = [];
    if (this.partialBytes > 0) this.completePending(out);
    this.skipping = false;
    return out;
  }

  /** Forgets the incomplete line (its bytes will be read again from the file). */
  reset(): void {
    this.pendingLength = 0;
    this.partialBytes = 0;
    this.skipping = false;
  }

  /**
   * The next bytes continue a line whose start was never read (following from
   * the end of a file that ends mid-line): drop them up to the newline.
   */
  skipPartialLine(): void {
    this.reset();
    this.skipping = true;
  }

  private keep(b: Buffer, from: number, to: number): void {
    const len = to - from;
    this.partialBytes += len;
    if (this.skipping) return;
    const room = this.pending.length - this.pendingLength;
    const copy = len < room ? len : room;
    if (copy > 0) {
      b.copy(this.pending, this.pendingLength, from, from + copy);
      this.pendingLength += copy;
    }
  }

  private completePending(out: string[]): void {
    if (!this.skipping) {
      if (this.partialBytes > this.pending.length) {
        // Longer than the buffer: certainly over the limit, even without a '\r'.
        out.push(utf8Slice.call(this.pending, 0, utf8CutPoint(this.pending, 0, this.maxLineBytes)));
        this.truncatedLines++;
      } else {
        out.push(this.decode(this.pending, 0, this.pendingLength));
      }
    }
    this.pendingLength = 0;
    this.partialBytes = 0;
    this.skipping = false;
  }

  private decode(b: Buffer, start: number, end: number): string {
    if (end > start && b[end - 1] === CR) end--;
    if (end - start > this.maxLineBytes) {
      end = utf8CutPoint(b, start, this.maxLineBytes);
      this.truncatedLines++;
    }
    return utf8Slice.call(b, start, end);
  }
}
