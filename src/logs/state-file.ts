// The follower's saved read position: which file (device + inode, and a hash of
// its first bytes) and how far its lines have been handed over.
//
// Device and inode numbers are kept as decimal strings: inode numbers on XFS and
// btrfs can exceed 2^53, where a JSON number would silently lose precision.
// The fingerprint is SHA-256 of the file's first `fingerprintLength` bytes (at
// most 256): it tells a rotated-in file that got a recycled inode number, or a
// file truncated and rewritten while the exporter was down, from the one we read.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const FINGERPRINT_BYTES = 256;

export interface FollowerState {
  version: 1;
  /** Absolute path of the followed file. */
  path: string;
  dev: string;
  ino: string;
  /** Offset just after the last line handed over. */
  position: number;
  fingerprint: string;
  fingerprintLength: number;
}

export function fingerprintOf(head: Uint8Array): string {
  return createHash('sha256').update(head).digest('hex');
}

/** Validates parsed JSON; returns the problem in words, or the state. */
export function parseState(raw: unknown): FollowerState | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not a JSON object';
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) return `unsupported version ${JSON.stringify(o.version ?? null)}`;
  if (typeof o.path !== 'string' || o.path === '') return 'path: expected a non-empty string';
  for (const key of ['dev', 'ino'] as const) {
    if (typeof o[key] !== 'string' || !/^\d{1,24}$/.test(o[key] as string)) return `${key}: expected a decimal string`;
  }
  if (!Number.isSafeInteger(o.position) || (o.position as number) < 0) return 'position: expected a non-negative integer';
  if (typeof o.fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(o.fingerprint)) return 'fingerprint: expected 64 hex digits';
  const fl = o.fingerprintLength;
  if (!Number.isInteger(fl) || (fl as number) < 0 || (fl as number) > FINGERPRINT_BYTES) return `fingerprintLength: expected an integer 0-${FINGERPRINT_BYTES}`;
  return {
    version: 1,
    path: o.path,
    dev: o.dev as string,
    ino: o.ino as string,
    position: o.position as number,
    fingerprint: o.fingerprint,
    fingerprintLength: fl as number,
  };
}

export type StateReadResult =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; state: FollowerState };

export async function readStateFile(file: string): Promise<StateReadResult> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', reason: `cannot read: ${code ?? 'error'}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not valid JSON' };
  }
  const state = parseState(raw);
  return typeof state === 'string' ? { kind: 'invalid', reason: state } : { kind: 'ok', state };
}

/**
 * Replaces the state file atomically: a reader (or a restart after kill -9)
 * sees the old content or the new, never a half-written file. The temporary
 * file sits in the same directory so the rename cannot cross file systems; its
 * name is fixed (one follower per state file), so a crash mid-write leaves at
 * most one behind, reused by the next write.
 */
export async function writeStateFile(file: string, state: FollowerState): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.tmp`);
  try {
    const fh = await fsp.open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(JSON.stringify(state) + '\n');
      // Survives a power cut too, not only a crash; once a second at most.
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}
