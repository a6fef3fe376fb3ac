// Mail logs of a cardinality attack, for bench/cardinality.ts and
// test/fault/cardinality.test.ts: every string an attacker controls is
// distinct on every line, so any of them that reached a label value would mint
// one series per line.
//
//   failed logins with distinct user names: Postfix "SASL LOGIN authentication
//     failed: …, sasl_username=U" (80 %), Dovecot login-process "(auth failed, 1
//     attempts …): user=<U>" and auth-worker "pam(U,IP): unknown user" (10 %),
//     Exim "login authenticator failed for (HELO) [IP]: 535 … (set_id=U)" (10 %)
//   messages with distinct envelope senders, client addresses and recipient
//     domains, half of them from authenticated clients (accounts the attacker
//     got hold of: `compromised` ones send every other authenticated message,
//     the others come from a larger set of `accounts`), half unauthenticated
//     from distinct PTR names and HELOs (with a relay attempt each); every
//     authenticated message has a deferral and a bounce with distinct remote
//     text (the bounce citing zen.spamhaus.org), and every other one stays in
//     the queue (never "removed"), which presses on mail.max_tracked_messages.
//
// Line shapes are those of the real lines in test/fixtures/logs/ (postfix.log,
// dovecot.log, exim_mainlog). Deterministic for a given plan and start time.
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { syslogTime } from './bench-helpers';

/** Substrings of every attacker-chosen string in the files; none may appear in an exposition. */
export const ATTACKER_MARKERS = ['victim.example', 'forged.example', 'attacker.example', 'rcpt.example', 'ZZREPLY'] as const;

export interface AttackPlan {
  failedLogins: number;
  messages: number;
  /** Accounts that send every other authenticated message. */
  compromised: number;
  /** Accounts that send the remaining authenticated messages, round robin. */
  accounts: number;
  /** Log time of the first line; lines are 10 ms apart. */
  startMs: number;
}

export interface AttackTotals {
  files: { postfix: string; dovecot: string; exim: string };
  lines: { postfix: number; dovecot: number; exim: number };
  failedLogins: number;
  authenticatedMessages: number;
  unauthenticatedMessages: number;
  /** Recipients accepted in authenticated messages (each has 2). */
  recipients: number;
  /** Authenticated messages never "removed" (still queued at the end of the log). */
  leftQueued: number;
  relayAttempts: number;
  /** Every login name that authenticates successfully: the only user label values allowed besides _unknown/_default. */
  accountNames: Set<string>;
}

/** The k-th address of 10.0.0.0/8 … 126/8 (distinct for k < 2^30). */
function address(k: number): string {
  return `${10 + ((k >>> 24) & 0x3f)}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

class Out {
  lines = 0;
  private buf: string[] = [];
  private readonly stream: WriteStream;
  constructor(readonly path: string) { this.stream = createWriteStream(path); }
  push(line: string): void {
    this.buf.push(line);
    this.lines++;
  }
  /** Writes the buffered lines once there are many (waiting for the stream to drain). */
  async flush(min = 20_000): Promise<void> {
    if (this.buf.length === 0 || this.buf.length < min) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once('drain', () => r()));
  }
  async end(): Promise<void> {
    await this.flush(0);
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

export async function writeAttackLogs(dir: string, plan: AttackPlan): Promise<AttackTotals> {
  const postfix = new Out(join(dir, 'mail.log'));
  const dovecot = new Out(join(dir, 'dovecot.log'));
  const exim = new Out(join(dir, 'exim_mainlog'));
  const totals: AttackTotals = {
    files: { postfix: postfix.path, dovecot: dovecot.path, exim: exim.path },
    lines: { postfix: 0, dovecot: 0, exim: 0 },
    failedLogins: 0, authenticatedMessages: 0, unauthenticatedMessages: 0, recipients: 0, leftQueued: 0, relayAttempts: 0,
    accountNames: new Set(),
  };
  let time = plan.startMs;
  const tick = () => syslogTime((time += 10));
  let qid = 0x1000000;
  let pid = 10_000;
  let authIndex = 0;

  const failedLogin = (k: number) => {
    totals.failedLogins++;
    const name = `guess${k}@victim.example`;
    const ip = address(0x2000000 + k);
    const kind = k % 10;
    if (kind < 8) {
      postfix.push(`${tick()} mail postfix/submission/smtpd[${pid++}]: warning: unknown[${ip}]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=${name}`);
    } else if (kind === 8 && k % 20 === 8) {
      dovecot.push(`${tick()} mail dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<${name}>, method=PLAIN, rip=${ip}, lip=192.0.2.10, TLS, session=<S${k.toString(36)}x>`);
    } else if (kind === 8) {
      dovecot.push(`${tick()} mail dovecot: auth-worker(${pid++}): pam(${name},${ip}): unknown user`);
    } else {
      time += 10;
      exim.push(`${isoTime(time)} login authenticator failed for (helo${k}.attacker.example) [${ip}]: 535 Incorrect authentication data (set_id=${name})`);
    }
  };

  const authenticated = (k: number) => {
    totals.authenticatedMessages++;
    const i = authIndex++;
    const user = i % 2 === 0 ? `comp${(i >>> 1) % plan.compromised}@example.com` : `acct${(i >>> 1) % plan.accounts}@example.com`;
    totals.accountNames.add(user);
    const id = (qid++).toString(16).toUpperCase();
    const spid = pid++;
    const ip = address(k);
    const sender = `s${k}@forged.example`;
    const dom = `d${k}.rcpt.example`;
    const svc = k % 4 === 0 ? 'postfix/smtps/smtpd' : 'postfix/submission/smtpd';
    totals.recipients += 2;
    postfix.push(`${tick()} mail ${svc}[${spid}]: ${id}: client=unknown[${ip}], sasl_method=PLAIN, sasl_username=${user}`);
    postfix.push(`${tick()} mail postfix/qmgr[1337]: ${id}: from=<${sender}>, size=${1000 + (k % 5000)}, nrcpt=2 (queue active)`);
    postfix.push(`${tick()} mail postfix/smtp[${spid + 1}]: ${id}: to=<a@${dom}>, relay=mx.${dom}[${address(0x3000000 + k)}]:25, delay=6.2, delays=0.1/0/5.2/0.87, dsn=4.0.0, status=deferred (host mx.${dom}[${address(0x3000000 + k)}] said: 451 ZZREPLY${k} try again later (in reply to end of DATA command))`);
    postfix.push(`${tick()} mail postfix/smtp[${spid + 1}]: ${id}: to=<b@${dom}>, relay=mx.${dom}[${address(0x3000000 + k)}]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bounced (host mx.${dom}[${address(0x3000000 + k)}] said: 554 5.7.1 Service unavailable; Client host [${ip}] blocked using zen.spamhaus.org; ZZREPLY${k} (in reply to RCPT TO command))`);
    postfix.push(`${tick()} mail postfix/smtp[${spid + 1}]: ${id}: to=<a@${dom}>, relay=mx.${dom}[${address(0x3000000 + k)}]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=2.0.0, status=sent (250 2.0.0 OK ZZREPLY${k})`);
    if (i % 2 === 0) postfix.push(`${tick()} mail postfix/qmgr[1337]: ${id}: removed`);
    else totals.leftQueued++;
  };

  const unauthenticated = (k: number) => {
    totals.unauthenticatedMessages++;
    totals.relayAttempts++;
    const id = (qid++).toString(16).toUpperCase();
    const spid = pid++;
    const ip = address(k);
    const ptr = `ptr${k}.attacker.example`;
    const sender = `s${k}@forged.example`;
    postfix.push(`${tick()} mail postfix/smtpd[${spid}]: connect from ${ptr}[${ip}]`);
    postfix.push(`${tick()} mail postfix/smtpd[${spid}]: NOQUEUE: reject: RCPT from ${ptr}[${ip}]: 554 5.7.1 <x${k}@elsewhere.example>: Relay access denied; from=<${sender}> to=<x${k}@elsewhere.example> proto=ESMTP helo=<helo${k}.attacker.example>`);
    postfix.push(`${tick()} mail postfix/smtpd[${spid}]: ${id}: client=${ptr}[${ip}]`);
    postfix.push(`${tick()} mail postfix/qmgr[1337]: ${id}: from=<${sender}>, size=${2000 + (k % 9000)}, nrcpt=1 (queue active)`);
    postfix.push(`${tick()} mail postfix/virtual[${spid + 1}]: ${id}: to=<info@example.com>, relay=virtual, delay=0.08, delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)`);
    postfix.push(`${tick()} mail postfix/qmgr[1337]: ${id}: removed`);
    postfix.push(`${tick()} mail postfix/smtpd[${spid}]: disconnect from ${ptr}[${ip}] ehlo=1 mail=2 rcpt=1/2 data=1 quit=1 commands=6/7`);
  };

  // Interleaved: after each message, the failed logins due by then.
  let failed = 0;
  for (let k = 0; k < plan.messages; k++) {
    if (k % 2 === 0) authenticated(k);
    else unauthenticated(k);
    const due = Math.floor(((k + 1) * plan.failedLogins) / plan.messages);
    while (failed < due) failedLogin(failed++);
    if (k % 1000 === 999) await Promise.all([postfix.flush(), dovecot.flush(), exim.flush()]);
  }
  while (failed < plan.failedLogins) failedLogin(failed++);
  await Promise.all([postfix.end(), dovecot.end(), exim.end()]);
  totals.lines = { postfix: postfix.lines, dovecot: dovecot.lines, exim: exim.lines };
  return totals;
}
