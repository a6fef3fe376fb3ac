// Postfix submission traffic for the fault tests, built from the real line
// shapes of test/fixtures/logs/postfix-composed.log (connect, smtpd with
// sasl_username, cleanup, qmgr, smtp status=sent, removed, disconnect), with a
// fresh queue ID, the current time (RFC 3339, as rsyslog writes it) and the
// sending user swapped in. It remembers every line it wrote (its end offset and
// whether it is a submission, and by whom), so a test can say exactly which
// lines and messages lie between two file offsets.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURE = join(__dirname, '..', 'fixtures', 'logs', 'postfix-composed.log');
/** The queue IDs, user and syslog date of the fixture's first submitted message. */
const QUEUE_ID = '4C1D2E3F40';
const NEXT_HOP_ID = '5A6B7C8D90';
const USER = 'alice@example.org';
const SYSLOG_DATE = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d /;

/** The fixture lines of one submitted message, in log order; `submission` marks the sasl_username line. */
function templates(): { text: string; submission: boolean }[] {
  const lines = readFileSync(FIXTURE, 'utf8').split('\n');
  const find = (needle: string) => {
    const line = lines.find((l) => l.includes(needle));
    if (!line) throw new Error(`${FIXTURE} has no line containing ${JSON.stringify(needle)}`);
    return line;
  };
  return [
    { text: find('postfix/submission/smtpd[4101]: connect from unknown[203.0.113.45]'), submission: false },
    { text: find(`${QUEUE_ID}: client=unknown[203.0.113.45], sasl_method=PLAIN, sasl_username=${USER}`), submission: true },
    { text: find(`${QUEUE_ID}: message-id=<`), submission: false },
    { text: find(`${QUEUE_ID}: from=<${USER}>, size=2210, nrcpt=3 (queue active)`), submission: false },
    // The final delivery of the fixture's message (after its content-filter hop), under the same queue ID here.
    { text: find(`${NEXT_HOP_ID}: to=<bob@example.net>, relay=mx.example.net[198.51.100.7]:25`).replace(NEXT_HOP_ID, QUEUE_ID), submission: false },
    { text: find(`${QUEUE_ID}: removed`), submission: false },
    { text: find('postfix/submission/smtpd[4101]: disconnect from unknown[203.0.113.45]'), submission: false },
  ];
}

/** "2026-12-03T17:40:03.123000+00:00": RFC 3339 with microseconds, as rsyslog's default template. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}

export class PostfixTraffic {
  /** Offset just after each line written, in order. */
  readonly lineEnds: number[] = [];
  /** The submitting user of each line that is a submission (the one mailrep_user_messages_total counts), else undefined. */
  readonly submitter: (string | undefined)[] = [];
  /** Messages written per user. */
  readonly perUser = new Map<string, number>();
  messages = 0;
  private bytes = 0;
  private readonly shapes = templates();

  /** Lines per message. */
  get linesPerMessage(): number { return this.shapes.length; }
  get lines(): number { return this.lineEnds.length; }
  get size(): number { return this.bytes; }

  constructor(readonly path: string, private readonly users: readonly string[]) {
    if (users.length === 0) throw new Error('PostfixTraffic needs at least one user');
  }

  /** Appends `count` messages in one write (whole lines only), users taken in turn. */
  append(count: number, now = Date.now()): void {
    let chunk = '';
    const stamp = rfc3339(now);
    for (let m = 0; m < count; m++) {
      const n = this.messages++;
      const user = this.users[n % this.users.length];
      // Postfix's short queue IDs are hex; a counter keeps them distinct.
      const id = (0x1000000000 + n).toString(16).toUpperCase();
      for (const shape of this.shapes) {
        const line = shape.text.replace(SYSLOG_DATE, `${stamp} `).split(QUEUE_ID).join(id).split(USER).join(user) + '\n';
        chunk += line;
        this.bytes += Buffer.byteLength(line);
        this.lineEnds.push(this.bytes);
        this.submitter.push(shape.submission ? user : undefined);
      }
      this.perUser.set(user, (this.perUser.get(user) ?? 0) + 1);
    }
    appendFileSync(this.path, chunk);
  }

  /** Lines that end at or before `offset`, i.e. the index of the first line starting at or after it. Throws off a line boundary. */
  lineAt(offset: number): number {
    if (offset === 0) return 0;
    let lo = 0;
    let hi = this.lineEnds.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.lineEnds[mid] === offset) return mid + 1;
      if (this.lineEnds[mid] < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new Error(`offset ${offset} is not at the end of a line written (file size ${this.bytes})`);
  }

  /** Offset just after the first `lines` lines. */
  offsetAfter(lines: number): number {
    if (lines === 0) return 0;
    if (lines > this.lineEnds.length) throw new Error(`only ${this.lineEnds.length} lines were written, not ${lines}`);
    return this.lineEnds[lines - 1];
  }

  /** Messages per user among lines [from, to) (line indexes). */
  usersIn(from: number, to: number): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = from; i < to; i++) {
      const u = this.submitter[i];
      if (u !== undefined) out.set(u, (out.get(u) ?? 0) + 1);
    }
    return out;
  }
}

/** Appends `messagesPerTick` messages every `intervalMs` until stopped. */
export class SteadyWriter {
  private timer?: NodeJS.Timeout;
  constructor(private readonly traffic: PostfixTraffic, private readonly messagesPerTick: number, private readonly intervalMs: number) {}

  start(): void {
    this.traffic.append(this.messagesPerTick);
    this.timer = setInterval(() => this.traffic.append(this.messagesPerTick), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export const USERS = Array.from({ length: 12 }, (_, i) => `user${String(i + 1).padStart(2, '0')}@example.org`);
