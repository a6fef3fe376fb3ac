// Follows one log file (or standard input) like `tail -F`, hands its lines over
// in batches, and survives what logrotate and admins do to the file.
//
// Reading: fs read()s into two reused 1 MiB buffers (the next read runs while
// the last one is split), split on the '\n' byte (LineSplitter), one onLines()
// call per read. Nothing is read in the scrape path.
//
// What happens to the file, and what the follower does:
// - appended to: read from where we left off, at each poll (every pollIntervalMs,
//   and sooner when fs.watch on the directory reports a change).
// - renamed away and re-created (logrotate `create`), or deleted: the open fd
//   still reads the old file, so it is read to its end first; the writer may keep
//   appending to it until it reopens, so while the new file is still empty (or
//   missing) the old one stays open, for at most rotationGraceMs. Its final
//   unfinished line is then handed over as a line, and the new file is read
//   from its beginning. While the path is missing, `up` is false.
// - truncated in place (logrotate `copytruncate`, `truncate -s`, `> file`): its
//   size drops below our position, or its first 256 bytes change, or the 512
//   bytes just before our position do (it was refilled past our position before
//   we looked). That last check is part of every read, which starts 512 bytes
//   early, so a truncation between the poll's checks and the read is caught by
//   the read itself. If the copy is found next to it (rotatedPaths: `path.1`,
//   `path.0`, same first bytes and the same bytes just before our position), the
//   lines we had not read yet are read from the copy first; the file is then read
//   again from offset 0. Without the copy, lines written between our last read
//   and the truncation are lost; after a truncation to a non-zero size, the lines
//   that remain are counted again.
//   Content rewritten byte for byte identical in both windows goes unnoticed.
// - not there yet: `up` is false; when it appears it is read from its beginning
//   (a new file is all new lines, even with startAt 'end': only the very first
//   open honours startAt).
//
// State file (optional): the identity of the file (device, inode, SHA-256 of its
// first up-to-256 bytes) and the offset just after the last line handed to
// onLines, written atomically (temp + rename) at most once a second while lines
// arrive, and on stop(). The guarantee, precisely: after a clean stop() and
// restart, no line is lost and none is counted twice. After a crash (kill -9),
// no line is lost, and the lines handed over after the last save are counted
// again: those of at most the last second, plus one poll interval. Both hold
// across a rotation while the exporter was down, as long as the old file can
// still be found under rotatedPaths (by inode after a rename, by its first bytes
// after copytruncate); if it was compressed or deleted, its unread tail is lost
// and the new file is read from its beginning. Lines written to a rotated file
// after the follower let go of it (its successor had data, or rotationGraceMs
// passed) are not read.
//
// Standard input (path '-'): same splitting, no positions, no state file; `up`
// is true until the stream ends, when an unfinished last line is handed over.
//
// Errors never escape the poll loop: they are logged and show in `up`.
import { EventEmitter } from 'node:events';
import { promises as fsp, watch, type BigIntStats, type FSWatcher } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { silentLogger, type Logger } from '../log';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter';
import { FINGERPRINT_BYTES, fingerprintOf, readStateFile, writeStateFile, type FollowerState } from './state-file';

export const STDIN_PATH = '-';
export const DEFAULT_POLL_INTERVAL_MS = 250;
export const DEFAULT_ROTATION_GRACE_MS = 30_000;
export const DEFAULT_READ_BUFFER_BYTES = 1 << 20;
/**
 * Bytes just before the read position compared at each poll: enough to span a
 * whole typical log line, so its timestamp and queue ID are in the window.
 */
const TAIL_BYTES = 512;
/** A state file is written at most this often while lines arrive. */
export const STATE_SAVE_INTERVAL_MS = 1000;

export interface FollowerOptions {
  /** The file to follow; '-' = standard input. */
  path: string;
  /** Where to start when there is no saved state; default 'end'. */
  startAt?: 'end' | 'beginning';
  /** Keeps the read position across restarts (ignored for standard input). */
  stateFile?: string;
  /** Default 250; fs.watch may wake it earlier. 0 = no timer and no watcher: the caller calls poll(). */
  pollIntervalMs?: number;
  /** Default 65536: longer lines are cut to this and counted. */
  maxLineBytes?: number;
  /** For path '-': default process.stdin (tests pass a PassThrough). */
  input?: NodeJS.ReadableStream;
  logger?: Logger;
  /** Where logrotate puts the previous file; default [`${path}.1`, `${path}.0`]. */
  rotatedPaths?: string[];
  /** How long a renamed or deleted file is still read while its successor is missing or empty; default 30 s. */
  rotationGraceMs?: number;
  /** Size of the reused read buffer; default 1 MiB. */
  readBufferBytes?: number;
  /** Wake the poll loop on fs.watch events in the file's directory; default true. */
  watch?: boolean;
  /** Milliseconds clock, for the state-save interval and the rotation grace; default Date.now. */
  now?: () => number;
  /** Called with complete lines (no '\n'), in order, in batches; must be synchronous. */
  onLines(lines: string[]): void;
}

export interface FollowerStats {
  bytesRead: number;
  lines: number;
  truncatedLines: number;
  rotations: number;
  up: boolean;
  /** Offset (in the current file) just after the last line handed over; bytes of standard input so far. */
  position: number;
}

type FollowerEvent = 'rotated' | 'up' | 'down';

interface OpenFile {
  fh: FileHandle;
  dev: bigint;
  ino: bigint;
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}

/** Why a path cannot be read, in words; never more than the error code (no secrets, no noise). */
function describe(err: unknown): string {
  const code = errorCode(err);
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTFILE') return 'not a regular file';
  return code;
}

const notRegularFile = Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });

export class Follower {
  readonly stats: FollowerStats = { bytesRead: 0, lines: 0, truncatedLines: 0, rotations: 0, up: false, position: 0 };

  private readonly path: string;
  private readonly isStdin: boolean;
  private readonly startAt: 'end' | 'beginning';
  private readonly stateFile?: string;
  private readonly pollIntervalMs: number;
  private readonly rotatedPaths: string[];
  private readonly graceMs: number;
  private readonly watchEnabled: boolean;
  private readonly now: () => number;
  private readonly onLines: (lines: string[]) => void;
  private readonly logger: Logger;
  private readonly events = new EventEmitter();
  private readonly splitter: LineSplitter;
  private readonly buf: Buffer;
  /** The second read buffer: the next read runs while the previous chunk is split. */
  private readonly buf2: Buffer;

  /** The open file; kept after a rename or deletion until drained. */
  private file?: OpenFile;
  /** The file the position belongs to; outlives `file` (closed after rotation or error). */
  private identity?: { dev: bigint; ino: bigint };
  /** First up-to-256 bytes of the identity's file: detects in-place rewrites and finds copytruncate copies. */
  private readonly head = Buffer.alloc(FINGERPRINT_BYTES);
  private headLength = 0;
  private readonly scratch = Buffer.alloc(Math.max(FINGERPRINT_BYTES, TAIL_BYTES));
  /**
   * The last bytes read, just before readPos: a file truncated and refilled past
   * our position between two polls (same inode, same first bytes) shows here.
   */
  private readonly tail = Buffer.alloc(TAIL_BYTES);
  private tailLength = 0;
  /** Next byte to read from `file`. */
  private readPos = 0;
  /** Offset just after the last complete line handed over. */
  private committed = 0;
  /** Some file was open at some point: the next one at the path is a rotation. */
  private hadFile = false;
  /** When we first saw the path name another file (or nothing) while `file` was still open. */
  private rotationSince?: number;
  /** A saved state whose file was rotated while we were down: read its rest first. */
  private backlog?: FollowerState;
  /** While reading such a file, the state to save is its, not the current file's. */
  private drainSubject?: FollowerState;

  private savedKey?: string;
  private savedAt = -Infinity;
  private saveFailing = false;
  private upKnown = false;
  /** Code of the error of the last poll, so a lasting one is logged once. */
  private lastError?: string;

  private input?: NodeJS.ReadableStream;
  private streamListeners?: { readable: () => void; end: () => void; error: (err: unknown) => void };

  private started = false;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private queued?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private watcher?: FSWatcher;

  constructor(opts: FollowerOptions) {
    if (typeof opts.onLines !== 'function') throw new TypeError('onLines must be a function');
    this.isStdin = opts.path === STDIN_PATH;
    this.path = this.isStdin ? STDIN_PATH : resolve(opts.path);
    this.startAt = opts.startAt ?? 'end';
    this.stateFile = this.isStdin ? undefined : opts.stateFile;
    this.pollIntervalMs = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(this.pollIntervalMs >= 0)) throw new RangeError(`pollIntervalMs must be >= 0, got ${opts.pollIntervalMs}`);
    this.rotatedPaths = (opts.rotatedPaths ?? [`${this.path}.1`, `${this.path}.0`]).map((p) => resolve(p));
    this.graceMs = opts.rotationGraceMs ?? DEFAULT_ROTATION_GRACE_MS;
    this.watchEnabled = opts.watch ?? true;
    this.now = opts.now ?? Date.now;
    this.onLines = opts.onLines;
    this.logger = opts.logger ?? silentLogger;
    this.splitter = new LineSplitter(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const bufferBytes = opts.readBufferBytes ?? DEFAULT_READ_BUFFER_BYTES;
    if (!Number.isInteger(bufferBytes) || bufferBytes < 1) throw new RangeError(`readBufferBytes must be a positive integer, got ${bufferBytes}`);
    this.buf = Buffer.allocUnsafe(bufferBytes);
    this.buf2 = Buffer.allocUnsafe(bufferBytes);
    if (this.isStdin) this.input = opts.input ?? process.stdin;
  }

  on(event: FollowerEvent, fn: () => void): this {
    this.events.on(event, fn);
    return this;
  }

  /** Resolves once the initial open (or "not there yet") is done; never throws for a missing file. */
  start(): Promise<void> {
    if (this.started) return this.running;
    this.started = true;
    if (this.isStdin) {
      this.attachStream();
    } else {
      this.running = this.running.then(() => this.guard(() => this.openInitial()));
    }
    if (this.pollIntervalMs > 0) {
      this.startWatcher();
      this.schedule(0);
    }
    return this.running;
  }

  /** Stops timers and watchers, waits for a running poll, saves the state, closes the file. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.detachStream();
    await this.running;
    await this.saveState(true);
    if (this.file) {
      await this.file.fh.close().catch(() => {});
      this.file = undefined;
    }
  }

  /** Reads everything available now. Calls are serialised; a call made while one is waiting shares it. */
  poll(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(() => {
      this.queued = undefined;
      return this.pollOnce();
    });
    this.queued = next;
    this.running = next;
    return next;
  }

  // ---- the loop -------------------------------------------------------------

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().then(() => this.schedule(this.pollIntervalMs));
    }, delayMs);
  }

  private startWatcher(): void {
    if (this.isStdin || !this.watchEnabled) return;
    const dir = dirname(this.path);
    const names = new Set([basename(this.path), ...this.rotatedPaths.filter((p) => dirname(p) === dir).map((p) => basename(p))]);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (!this.stopped && (filename === null || names.has(filename.toString()))) void this.poll();
      });
      this.watcher.on('error', (err) => {
        this.logger.debug('fs.watch failed; polling only', { path: this.path, err: errorCode(err) });
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      // Directory missing, inotify limits: the timer still polls.
      this.logger.debug('fs.watch unavailable; polling only', { path: this.path, err: errorCode(err) });
    }
  }

  private async pollOnce(): Promise<void> {
    if (!this.started || this.stopped) return;
    if (this.isStdin) {
      try {
        this.readStream();
      } catch (err) {
        this.logger.warn('error reading standard input', { err: errorCode(err) });
        this.setUp(false, describe(err));
      }
      return;
    }
    await this.guard(() => this.pollFile());
  }

  /**
   * Runs a step; an unexpected error is logged (once while it repeats), the file
   * closed, and reopened and resumed at the next poll.
   */
  private async guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
      this.lastError = undefined;
    } catch (err) {
      const code = errorCode(err);
      if (code !== this.lastError) this.logger.warn('error reading log file', { path: this.path, err: code });
      this.lastError = code;
      this.setUp(false, describe(err));
      if (this.file) {
        const fh = this.file.fh;
        this.file = undefined;
        await fh.close().catch(() => {});
      }
      // The unfinished line is read again when the file is reopened at `committed`.
      this.splitter.reset();
      this.readPos = this.committed;
    }
  }

  private async pollFile(): Promise<void> {
    if (this.backlog) {
      const backlog = this.backlog;
      this.backlog = undefined;
      await this.drainBacklog(backlog);
      if (this.stopped) return;
    }
    if (!this.file) {
      await this.openSuccessor();
      if (!this.file) {
        await this.saveState(false);
        return;
      }
    }
    const file: OpenFile = this.file;
    const st = await file.fh.stat({ bigint: true });
    let atPath: BigIntStats | undefined;
    let pathProblem = '';
    try {
      atPath = await fsp.stat(this.path, { bigint: true });
    } catch (err) {
      pathProblem = describe(err);
    }

    if (atPath && atPath.dev === file.dev && atPath.ino === file.ino) {
      this.rotationSince = undefined;
      this.setUp(true);
      const size = Number(st.size);
      if (size < this.readPos || (await this.headChanged(file.fh, size))) {
        await this.restartTruncated(file);
        if (this.stopped) return;
      }
      await this.readCurrentOrRestart(file);
      await this.saveState(false);
      return;
    }

    // The path names another file now, or nothing: finish the one we have first.
    if (atPath) this.setUp(true);
    else this.setUp(false, pathProblem);
    const now = this.now();
    if (this.rotationSince === undefined) {
      this.rotationSince = now;
      this.logger.info(atPath ? 'log file was rotated; reading the rest of the old one' : 'log file was removed; reading the rest of it', { path: this.path });
    }
    await this.readCurrentOrRestart(file);
    if (this.stopped) return;
    const successorHasData = atPath !== undefined && atPath.size > 0n;
    if (successorHasData || now - this.rotationSince >= this.graceMs) {
      await this.closeFinished();
      if (atPath) await this.openSuccessor();
      if (this.file) await this.readCurrent();
    }
    await this.saveState(false);
  }

  // ---- opening --------------------------------------------------------------

  private async openAtPath(): Promise<{ fh: FileHandle; st: BigIntStats } | undefined> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(this.path, 'r');
    } catch (err) {
      this.setUp(false, describe(err));
      return undefined;
    }
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) throw notRegularFile;
      this.setUp(true);
      return { fh, st };
    } catch (err) {
      await fh.close().catch(() => {});
      this.setUp(false, describe(err));
      return undefined;
    }
  }

  /** Makes `fh` the current file at `position`, and reads its first bytes. */
  private async adopt(fh: FileHandle, st: BigIntStats, position: number): Promise<void> {
    this.file = { fh, dev: st.dev, ino: st.ino };
    this.identity = { dev: st.dev, ino: st.ino };
    this.drainSubject = undefined;
    this.hadFile = true;
    this.rotationSince = undefined;
    this.splitter.reset();
    this.headLength = 0;
    this.setPosition(position);
    await this.headChanged(fh, Number(st.size));
  }

  private setPosition(position: number): void {
    this.tailLength = 0;
    this.readPos = position;
    this.committed = position;
    this.stats.position = position;
  }

  private async openInitial(): Promise<void> {
    if (this.stateFile) {
      const saved = await readStateFile(this.stateFile);
      if (saved.kind === 'invalid') {
        this.logger.warn(`ignoring the state file; starting at the ${this.startAt}`, { path: this.path, state_file: this.stateFile, reason: saved.reason });
      } else if (saved.kind === 'ok' && saved.state.path !== this.path) {
        this.logger.warn(`ignoring the state file: it is for another path; starting at the ${this.startAt}`, { path: this.path, state_file: this.stateFile, state_path: saved.state.path });
      } else if (saved.kind === 'ok') {
        await this.restore(saved.state);
        return;
      }
    }
    const opened = await this.openAtPath();
    if (!opened) return; // read from its beginning when it appears
    const size = Number(opened.st.size);
    await this.adopt(opened.fh, opened.st, 0);
    if (this.startAt === 'end') {
      const { position, midLine } = await this.endPosition(opened.fh, size);
      this.setPosition(position);
      await this.primeTail(opened.fh);
      // A last line longer than the scan: its rest is skipped, not handed over as a fragment.
      if (midLine) this.splitter.skipPartialLine();
    }
  }

  /**
   * "Start at the end", without cutting a line: the start of the unfinished last
   * line if there is one (it is handed over once its newline arrives).
   */
  private async endPosition(fh: FileHandle, size: number): Promise<{ position: number; midLine: boolean }> {
    if (size === 0) return { position: 0, midLine: false };
    const span = Math.min(size, this.splitter.maxLineBytes + 1, this.buf.length);
    const { bytesRead } = await fh.read(this.buf, 0, span, size - span);
    const tail = this.buf.subarray(0, bytesRead);
    if (bytesRead > 0 && tail[bytesRead - 1] === 10) return { position: size, midLine: false };
    const nl = tail.lastIndexOf(10);
    if (nl !== -1) return { position: size - span + nl + 1, midLine: false };
    if (span === size) return { position: 0, midLine: false };
    return { position: size, midLine: true };
  }

  /** Start with a saved state: resume if the file at the path is still the one saved. */
  private async restore(saved: FollowerState): Promise<void> {
    const opened = await this.openAtPath();
    if (opened) {
      await this.adopt(opened.fh, opened.st, 0);
      const size = Number(opened.st.size);
      const sameInode = String(opened.st.dev) === saved.dev && String(opened.st.ino) === saved.ino;
      if (this.headMatches(saved) && (sameInode || saved.fingerprintLength > 0) && size >= saved.position) {
        this.setPosition(saved.position);
        await this.primeTail(opened.fh);
        this.savedKey = this.stateKey(saved);
        this.logger.info('resuming at the saved position', { path: this.path, position: saved.position });
        return;
      }
      this.logger.info('log file changed while stopped; reading it from the beginning', { path: this.path });
      this.countRotation();
    } else {
      this.hadFile = true;
    }
    this.backlog = saved;
  }

  private headMatches(saved: FollowerState): boolean {
    if (this.headLength < saved.fingerprintLength) return false;
    return fingerprintOf(this.head.subarray(0, saved.fingerprintLength)) === saved.fingerprint;
  }

  /** A file (re)appeared at the path after a rotation, deletion or error. */
  private async openSuccessor(): Promise<void> {
    const opened = await this.openAtPath();
    if (!opened) return;
    const { fh, st } = opened;
    const size = Number(st.size);
    const prev = this.identity;
    if (prev && st.dev === prev.dev && st.ino === prev.ino && size >= this.committed && (await this.sameHead(fh, size))) {
      // The file we were reading (closed after an error, or moved back): carry on.
      this.file = { fh, dev: st.dev, ino: st.ino };
      this.splitter.reset();
      this.setPosition(this.committed);
      await this.primeTail(fh);
      return;
    }
    const rotated = this.hadFile;
    await this.adopt(fh, st, 0);
    if (rotated) this.countRotation();
  }

  /** Hands over the unfinished last line of the old file, then closes it. */
  private async closeFinished(): Promise<void> {
    this.deliver(this.splitter.flush());
    this.committed = this.readPos;
    this.stats.position = this.committed;
    const fh = this.file?.fh;
    this.file = undefined;
    this.rotationSince = undefined;
    await fh?.close().catch(() => {});
  }

  // ---- first bytes ----------------------------------------------------------

  /**
   * Compares the file's first bytes with those we know; extends what we know while
   * the file is shorter than 256 bytes. True when they differ: truncated and rewritten.
   */
  private async headChanged(fh: FileHandle, size: number): Promise<boolean> {
    const want = Math.min(size, FINGERPRINT_BYTES);
    if (want === 0) return false;
    const { bytesRead } = await fh.read(this.scratch, 0, want, 0);
    const common = Math.min(bytesRead, this.headLength);
    if (common > 0 && this.scratch.compare(this.head, 0, common, 0, common) !== 0) return true;
    if (bytesRead > this.headLength) {
      this.scratch.copy(this.head, 0, 0, bytesRead);
      this.headLength = bytesRead;
    }
    return false;
  }

  private async sameHead(fh: FileHandle, size: number): Promise<boolean> {
    return !(await this.headChanged(fh, size));
  }

  // ---- reading --------------------------------------------------------------

  /**
   * Reads `fh` from `pos` to its current end through the splitter, handing lines
   * over one read at a time; `progress` is told each new position. While a full
   * chunk is split, the next read is already under way (two buffers). Stops
   * early on stop(), never leaving a read in flight.
   *
   * With `checkTail` (the current file), every read starts up to 512 bytes
   * early, at bytes we already read (`tail`), and must find them unchanged: a
   * file truncated and refilled past our position between the poll's checks and
   * the read (or between two reads of a catch-up) shows there, in the same read
   * that would otherwise hand over bytes from the wrong offset. Then nothing of
   * that read is handed over and `changed` is true.
   */
  private async readFrom(
    fh: FileHandle,
    pos: number,
    progress: (pos: number) => void,
    checkTail = false,
  ): Promise<{ end: number; changed: boolean }> {
    let chunk = this.buf;
    let spare = this.buf2;
    let overlap = checkTail ? this.overlapFor(chunk) : 0;
    let pending = fh.read(chunk, 0, chunk.length, pos - overlap);
    try {
      for (;;) {
        const { bytesRead } = await pending;
        if (this.stopped) break;
        if (overlap > 0 && (bytesRead < overlap || chunk.compare(this.tail, this.tailLength - overlap, this.tailLength, 0, overlap) !== 0)) {
          return { end: pos, changed: true };
        }
        const fresh = bytesRead - overlap;
        if (fresh <= 0) break;
        const full = bytesRead === chunk.length;
        if (checkTail) this.rememberTail(chunk, overlap, bytesRead);
        const nextOverlap = checkTail ? this.overlapFor(spare) : 0;
        if (full) pending = fh.read(spare, 0, spare.length, pos + fresh - nextOverlap);
        pos += fresh;
        this.stats.bytesRead += fresh;
        this.deliver(this.splitter.push(chunk, overlap, bytesRead));
        progress(pos);
        await this.saveState(false);
        if (!full) break;
        overlap = nextOverlap;
        [chunk, spare] = [spare, chunk];
      }
    } catch (err) {
      pending.catch(() => {}); // a read ahead of a failure: its own outcome no longer matters
      throw err;
    }
    return { end: pos, changed: false };
  }

  /** How many known bytes a read into `buffer` re-reads: all of `tail`, but never more than half the buffer. */
  private overlapFor(buffer: Buffer): number {
    return Math.min(this.tailLength, buffer.length >> 1);
  }

  /** Reads the current file on; false when it changed under our position (nothing handed over from that read). */
  private async readCurrent(): Promise<boolean> {
    if (!this.file) return true;
    const { changed } = await this.readFrom(
      this.file.fh,
      this.readPos,
      (pos) => {
        this.readPos = pos;
        this.committed = pos - this.splitter.partialBytes;
        this.stats.position = this.committed;
      },
      true,
    );
    return !changed;
  }

  /**
   * Reads on; if the bytes before our position changed meanwhile, the file was
   * truncated and refilled: handled like any truncation, then read from 0. A
   * second change during that read is found by the next poll.
   */
  private async readCurrentOrRestart(file: OpenFile): Promise<void> {
    if (await this.readCurrent()) return;
    await this.restartTruncated(file);
    if (this.stopped) return;
    await this.readCurrent();
  }

  /**
   * Keeps the last TAIL_BYTES read, from the read buffer itself (not a later
   * re-read). chunk[0, overlap) are the last `overlap` bytes of `tail` already.
   */
  private rememberTail(chunk: Buffer, overlap: number, bytesRead: number): void {
    if (bytesRead >= TAIL_BYTES) {
      chunk.copy(this.tail, 0, bytesRead - TAIL_BYTES, bytesRead);
      this.tailLength = TAIL_BYTES;
      return;
    }
    const before = this.tailLength - overlap; // tail bytes older than the chunk
    const keep = Math.min(before, TAIL_BYTES - bytesRead);
    this.tail.copy(this.tail, 0, before - keep, before);
    chunk.copy(this.tail, keep, 0, bytesRead);
    this.tailLength = keep + bytesRead;
  }

  /**
   * After moving to a position without reading up to it (resume from the state
   * file, carry on after an error, start at the end): the bytes before it, as the
   * file has them now, become the known tail.
   */
  private async primeTail(fh: FileHandle): Promise<void> {
    const want = Math.min(TAIL_BYTES, this.readPos);
    if (want === 0) return;
    const { bytesRead } = await fh.read(this.tail, 0, want, this.readPos - want);
    this.tailLength = bytesRead === want ? want : 0;
  }

  private async tailChanged(fh: FileHandle): Promise<boolean> {
    if (this.tailLength === 0) return false;
    const { bytesRead } = await fh.read(this.scratch, 0, this.tailLength, this.readPos - this.tailLength);
    return bytesRead !== this.tailLength || this.scratch.compare(this.tail, 0, bytesRead, 0, bytesRead) !== 0;
  }

  /**
   * The file shrank or was rewritten in place. Lines we had not read yet may be in
   * the copy logrotate made (copytruncate): read them from there, then start over.
   */
  private async restartTruncated(file: OpenFile): Promise<void> {
    this.logger.info('log file was truncated; reading it again from the beginning', { path: this.path });
    await this.readRotatedCopy(file);
    if (this.stopped) return;
    this.deliver(this.splitter.flush());
    this.splitter.reset();
    this.headLength = 0;
    this.setPosition(0);
    const st = await file.fh.stat({ bigint: true });
    await this.headChanged(file.fh, Number(st.size));
    this.countRotation();
  }

  private async readRotatedCopy(file: OpenFile): Promise<void> {
    if (this.headLength === 0) return;
    for (const candidate of this.rotatedPaths) {
      const copy = await this.openCandidate(candidate, file);
      if (!copy) continue;
      try {
        if (Number(copy.st.size) <= this.readPos) continue;
        const { bytesRead } = await copy.fh.read(this.scratch, 0, this.headLength, 0);
        if (bytesRead !== this.headLength || this.scratch.compare(this.head, 0, bytesRead, 0, bytesRead) !== 0) continue;
        // Same start is not enough: a later rotation may have put another file
        // of the same beginning there. Ours also has the bytes we read last,
        // just before our position; reading another file from our offset would
        // hand over lines that were never in ours.
        if (await this.tailChanged(copy.fh)) continue;
        this.logger.info('reading the lines not read yet from the copy', { path: this.path, copy: candidate, position: this.readPos });
        // Same bytes at the same offsets as the file had: our position carries over.
        await this.readFrom(copy.fh, this.readPos, (pos) => {
          this.readPos = pos;
          this.committed = pos - this.splitter.partialBytes;
          this.stats.position = this.committed;
        });
        return;
      } finally {
        await copy.fh.close().catch(() => {});
      }
    }
  }

  /** A saved file rotated while we were down: find it by inode or first bytes, read its rest. */
  private async drainBacklog(saved: FollowerState): Promise<void> {
    for (const candidate of this.rotatedPaths) {
      const old = await this.openCandidate(candidate, this.file);
      if (!old) continue;
      try {
        const sameInode = String(old.st.dev) === saved.dev && String(old.st.ino) === saved.ino;
        if (!sameInode && saved.fingerprintLength === 0) continue;
        const { bytesRead } = await old.fh.read(this.scratch, 0, saved.fingerprintLength, 0);
        if (bytesRead !== saved.fingerprintLength || fingerprintOf(this.scratch.subarray(0, bytesRead)) !== saved.fingerprint) continue;
        if (Number(old.st.size) <= saved.position) return;
        this.logger.info('reading the rest of the rotated file first', { path: this.path, rotated: candidate, position: saved.position });
        const subject: FollowerState = { ...saved };
        this.drainSubject = subject;
        this.splitter.reset();
        let end: number;
        try {
          ({ end } = await this.readFrom(old.fh, saved.position, (pos) => {
            subject.position = pos - this.splitter.partialBytes;
          }));
        } catch (err) {
          // Give up on the old file rather than never reaching the current one.
          this.logger.warn('error reading the rotated file; its rest is skipped', { path: this.path, rotated: candidate, err: errorCode(err) });
          this.splitter.reset();
          if (this.identity) this.drainSubject = undefined;
          return;
        }
        // Interrupted by stop(): drainSubject stays, so stop() saves how far we got.
        if (this.stopped) return;
        this.deliver(this.splitter.flush());
        subject.position = end;
        // Until a file at the path is adopted (adopt() clears it), this is the position to save.
        if (this.identity) this.drainSubject = undefined;
        return;
      } finally {
        await old.fh.close().catch(() => {});
      }
    }
  }

  private async openCandidate(candidate: string, exclude: OpenFile | undefined): Promise<{ fh: FileHandle; st: BigIntStats } | undefined> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(candidate, 'r');
    } catch {
      return undefined;
    }
    try {
      const st = await fh.stat({ bigint: true });
      if (st.isFile() && !(exclude && st.dev === exclude.dev && st.ino === exclude.ino)) return { fh, st };
    } catch {
      // unreadable: not our copy
    }
    await fh.close().catch(() => {});
    return undefined;
  }

  private deliver(lines: string[]): void {
    this.stats.truncatedLines = this.splitter.truncatedLines;
    if (lines.length === 0) return;
    this.stats.lines += lines.length;
    try {
      this.onLines(lines);
    } catch (err) {
      this.logger.warn('log line consumer failed', { path: this.path, err: err instanceof Error ? err.message : String(err) });
    }
  }

  // ---- standard input -------------------------------------------------------

  private attachStream(): void {
    const input = this.input as NodeJS.ReadableStream;
    const listeners = {
      readable: () => this.readStream(),
      end: () => {
        this.readStream();
        this.deliver(this.splitter.flush());
        this.stats.position = this.stats.bytesRead;
        this.setUp(false, 'end of input');
      },
      error: (err: unknown) => {
        this.logger.warn('error reading standard input', { err: errorCode(err) });
        this.setUp(false, describe(err));
      },
    };
    this.streamListeners = listeners;
    input.on('readable', listeners.readable);
    input.on('end', listeners.end);
    input.on('error', listeners.error);
    this.setUp(!(input as { readableEnded?: boolean }).readableEnded, 'end of input');
    this.readStream();
  }

  private detachStream(): void {
    const input = this.input;
    const listeners = this.streamListeners;
    if (!input || !listeners) return;
    input.removeListener('readable', listeners.readable);
    input.removeListener('end', listeners.end);
    input.removeListener('error', listeners.error);
    this.streamListeners = undefined;
    input.pause();
  }

  private readStream(): void {
    const input = this.input;
    if (!input || !this.streamListeners || this.stopped) return;
    let chunk: string | Buffer | null;
    while ((chunk = input.read()) !== null) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      this.stats.bytesRead += bytes.length;
      this.deliver(this.splitter.push(bytes));
      this.stats.position = this.stats.bytesRead - this.splitter.partialBytes;
    }
  }

  // ---- state, status --------------------------------------------------------

  private subject(): FollowerState | undefined {
    // Not yet read the rest of a file rotated while we were down: keep its position.
    if (this.backlog) return this.backlog;
    if (this.drainSubject) return this.drainSubject;
    if (!this.identity) return undefined;
    return {
      version: 1,
      path: this.path,
      dev: String(this.identity.dev),
      ino: String(this.identity.ino),
      position: this.committed,
      fingerprint: fingerprintOf(this.head.subarray(0, this.headLength)),
      fingerprintLength: this.headLength,
    };
  }

  private stateKey(s: FollowerState): string {
    return `${s.dev}:${s.ino}:${s.position}:${s.fingerprint}`;
  }

  /** Writes the state if it changed, at most once a second unless `force`. Never throws. */
  private async saveState(force: boolean): Promise<void> {
    if (!this.stateFile) return;
    const now = this.now();
    if (!force && now - this.savedAt < STATE_SAVE_INTERVAL_MS) return;
    const state = this.subject();
    if (!state) return;
    const key = this.stateKey(state);
    if (key === this.savedKey) return;
    this.savedAt = now;
    try {
      await writeStateFile(this.stateFile, state);
      this.savedKey = key;
      if (this.saveFailing) this.logger.info('state file written again', { path: this.path, state_file: this.stateFile });
      this.saveFailing = false;
    } catch (err) {
      if (!this.saveFailing) this.logger.warn('cannot write the state file', { path: this.path, state_file: this.stateFile, err: errorCode(err) });
      this.saveFailing = true;
    }
  }

  private countRotation(): void {
    this.stats.rotations++;
    this.emit('rotated');
  }

  private setUp(up: boolean, reason = ''): void {
    if (this.upKnown && this.stats.up === up) return;
    this.upKnown = true;
    this.stats.up = up;
    if (up) this.logger.info('log source is up', { path: this.path });
    else this.logger.warn('log source is down', { path: this.path, reason });
    this.emit(up ? 'up' : 'down');
  }

  private emit(event: FollowerEvent): void {
    try {
      this.events.emit(event);
    } catch (err) {
      this.logger.warn('follower event listener failed', { path: this.path, event, err: err instanceof Error ? err.message : String(err) });
    }
  }
}
