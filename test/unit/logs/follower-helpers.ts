// Shared by the follower tests: a follower on a real file in a fresh directory,
// collecting what it hands over, stopped after each test.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Follower, type FollowerOptions } from '../../../src/logs/follower';
import { createLogger, type Logger } from '../../../src/log';
import { tempDir } from '../../helpers/tmp';

// Real Postfix lines (verbatim from the samples) as log content.
export const POSTFIX = [
  'Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E72: from=<noreply@domain.com>, status=expired, returned to sender',
  'Apr 26 10:55:19 tcc1 postfix/smtpd[21126]: warning: laptop.local[192.168.1.2]: SASL PLAIN authentication failed: generic failure',
  'Oct 30 13:19:26 mailgw-out1 postfix/smtpd[27530]: EB4B2C19E2: client=xxx[1.2.3.4], sasl_method=PLAIN, sasl_username=user@domain',
];

/** Numbered, distinct lines: "L<n> " + a Postfix line, so each is recognisable. */
export function numbered(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `L${from + i} ${POSTFIX[(from + i) % POSTFIX.length]}`);
}

export const text = (lines: string[]) => lines.map((l) => l + '\n').join('');

export interface Harness {
  dir: string;
  path: string;
  lines: string[];
  batches: number;
  logs: string[];
  logger: Logger;
  follower: Follower;
  /** Lines received since the last call. */
  take(): string[];
}

const live: Follower[] = [];
afterEach(async () => {
  while (live.length > 0) await live.pop()!.stop();
});

// Created while the test file loads, so its afterAll cleanup is at the top level.
const root = tempDir('mailrep-follower-');
let seq = 0;

/** A fresh directory per call, under one temp dir per test file. */
export function freshDir(): string {
  const dir = join(root, String(++seq));
  mkdirSync(dir);
  return dir;
}

export function makeFollower(opts: Partial<FollowerOptions> & { dir?: string } = {}): Harness {
  const dir = opts.dir ?? freshDir();
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'logfmt', write: (l) => logs.push(l) });
  let taken = 0;
  const h: Harness = {
    dir,
    path: opts.path ?? join(dir, 'mail.log'),
    lines: [],
    batches: 0,
    logs,
    logger,
    follower: undefined as unknown as Follower,
    take() {
      const out = h.lines.slice(taken);
      taken = h.lines.length;
      return out;
    },
  };
  h.follower = new Follower({
    pollIntervalMs: 0,
    logger,
    ...opts,
    path: h.path,
    onLines: (batch) => {
      h.batches++;
      for (const l of batch) h.lines.push(l);
    },
  });
  live.push(h.follower);
  return h;
}

/** Waits for a condition, checking on every turn of the event loop, until a deadline. */
export async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
