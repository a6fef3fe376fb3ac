// Generates a realistic Postfix log for the benchmark: interleaved SMTP
// sessions of ~200 authenticated users on submission/smtps, inbound MX
// traffic delivered to mailboxes, password guessing, postscreen and TLS noise,
// deferrals and blacklist bounces. Every line has the shape of a real line in
// test/fixtures/logs/postfix.log. Deterministic (seeded), and it returns the
// exact totals it wrote so the benchmark can check the pipeline's numbers.
import { createWriteStream } from 'node:fs';
import { rng } from './bench-helpers';

export interface GeneratedTotals {
  lines: number;
  messages: Map<string, number>;
  recipients: Map<string, number>;
  sent: number;
  deferred: number;
  bounced: number;
  blocklistBounces: number;
  authFailures: number;
  inbound: number;
}


const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

function syslogTime(ms: number): string {
  const d = new Date(ms);
  const day = d.getUTCDate();
  return `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

type Session = { lines: string[]; next: number };

export async function generatePostfixLog(path: string, targetLines: number, seed = 42, startMs = Date.UTC(2026, 2, 1, 0, 0, 0)): Promise<GeneratedTotals> {
  const rand = rng(seed);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const users = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `user${i}` : `user${i}@example.com`));
  const remoteDomains = ['gmail.com', 'outlook.com', 'yahoo.com', 'mail.ru', 'web.de', 'orange.fr', 'example.net', 'example.org', 'gmx.de', 'icloud.com'];
  const services = ['postfix/submission/smtpd', 'postfix/smtps/smtpd'];
  const totals: GeneratedTotals = { lines: 0, messages: new Map(), recipients: new Map(), sent: 0, deferred: 0, bounced: 0, blocklistBounces: 0, authFailures: 0, inbound: 0 };
  const out = createWriteStream(path);
  let time = startMs;
  let qidCounter = 0x100000;
  let pid = 20000;
  const host = 'mail';
  const active: Session[] = [];
  let buffer: string[] = [];

  const qid = () => (qidCounter++).toString(16).toUpperCase().padStart(10, '0');
  const ip = () => `${1 + Math.floor(rand() * 223)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

  function submission(): string[] {
    const user = users[Math.floor(Math.pow(rand(), 2) * users.length)]; // a few heavy senders
    const id = qid();
    const svc = pick(services);
    const spid = pid++;
    const client = ip();
    const nrcpt = 1 + Math.floor(Math.pow(rand(), 3) * 20);
    add(totals.messages, user, 1);
    add(totals.recipients, user, nrcpt);
    const L: string[] = [
      `${svc}[${spid}]: connect from unknown[${client}]`,
      `${svc}[${spid}]: ${id}: client=unknown[${client}], sasl_method=PLAIN, sasl_username=${user}`,
      `postfix/cleanup[${pid++}]: ${id}: message-id=<${id.toLowerCase()}.${spid}@example.com>`,
      `postfix/qmgr[1337]: ${id}: from=<${user.includes('@') ? user : `${user}@example.com`}>, size=${500 + Math.floor(rand() * 50000)}, nrcpt=${nrcpt} (queue active)`,
      `${svc}[${spid}]: disconnect from unknown[${client}] ehlo=1 auth=1 mail=1 rcpt=${nrcpt} data=1 quit=1 commands=${5 + nrcpt}`,
    ];
    const smtpPid = pid++;
    for (let r = 0; r < nrcpt; r++) {
      const dom = pick(remoteDomains);
      const rcpt = `rcpt${Math.floor(rand() * 100000)}@${dom}`;
      const relayIp = ip();
      const x = rand();
      if (x < 0.9) {
        totals.sent++;
        L.push(`postfix/smtp[${smtpPid}]: ${id}: to=<${rcpt}>, relay=mx.${dom}[${relayIp}]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=2.0.0, status=sent (250 2.0.0 OK id=1SoWf6-0000Dv-Lf)`);
      } else if (x < 0.96) {
        totals.deferred++;
        L.push(`postfix/smtp[${smtpPid}]: ${id}: to=<${rcpt}>, relay=mx.${dom}[${relayIp}]:25, delay=6.2, delays=0.1/0/5.2/0.87, dsn=4.0.0, status=deferred (host mx.${dom}[${relayIp}] said: 451 DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 1514512452, please try again 15min later (in reply to end of DATA command))`);
      } else if (x < 0.98) {
        totals.bounced++;
        totals.blocklistBounces++;
        L.push(`postfix/smtp[${smtpPid}]: ${id}: to=<${rcpt}>, relay=mx.${dom}[${relayIp}]:25, delay=1.2, delays=0.03/0.04/0.81/0.34, dsn=5.7.1, status=bounced (host mx.${dom}[${relayIp}] said: 554 5.7.1 Service unavailable; Client host [78.235.245.102] blocked using zen.spamhaus.org (in reply to RCPT TO command))`);
      } else {
        totals.bounced++;
        L.push(`postfix/smtp[${smtpPid}]: ${id}: to=<${rcpt}>, relay=mx.${dom}[${relayIp}]:25, delay=0.14, delays=0.06/0.02/0.06/0, dsn=5.7.1, status=bounced (host mx.${dom}[${relayIp}] said: 550 5.7.1 Client does not have permissions to send as this sender (in reply to end of DATA command))`);
      }
    }
    L.push(`postfix/qmgr[1337]: ${id}: removed`);
    return L;
  }

  function inbound(): string[] {
    const id = qid();
    const spid = pid++;
    const client = ip();
    totals.inbound++;
    totals.sent++;
    return [
      `postfix/postscreen[1234]: CONNECT from [${client}]:${1024 + Math.floor(rand() * 60000)} to [192.0.2.25]:25`,
      `postfix/postscreen[1234]: PASS OLD [${client}]:${1024 + Math.floor(rand() * 60000)}`,
      `postfix/smtpd[${spid}]: connect from mx.${pick(remoteDomains)}[${client}]`,
      `postfix/smtpd[${spid}]: ${id}: client=mx.${pick(remoteDomains)}[${client}]`,
      `postfix/cleanup[${pid++}]: ${id}: message-id=<${id.toLowerCase()}@${pick(remoteDomains)}>`,
      `postfix/qmgr[1337]: ${id}: from=<news@${pick(remoteDomains)}>, size=${2000 + Math.floor(rand() * 90000)}, nrcpt=1 (queue active)`,
      `postfix/virtual[${pid++}]: ${id}: to=<${pick(users).replace(/@.*/, '')}@example.com>, relay=virtual, delay=0.08, delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)`,
      `postfix/qmgr[1337]: ${id}: removed`,
      `postfix/smtpd[${spid}]: disconnect from mx.${pick(remoteDomains)}[${client}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`,
    ];
  }

  function guessing(): string[] {
    const client = ip();
    const svc = pick(services);
    const spid = pid++;
    totals.authFailures += 2;
    return [
      `${svc}[${spid}]: warning: unknown[${client}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`,
      `${svc}[${spid}]: warning: unknown[${client}]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=guess${Math.floor(rand() * 1e6)}@example.com`,
      `${svc}[${spid}]: lost connection after AUTH from unknown[${client}]`,
    ];
  }

  const flush = async () => {
    if (!out.write(buffer.join(''))) await new Promise<void>((r) => out.once('drain', () => r()));
    buffer = [];
  };

  while (totals.lines < targetLines) {
    // Keep ~40 sessions open and emit one line from a random one: real logs interleave.
    while (active.length < 40) {
      const x = rand();
      const lines = x < 0.55 ? submission() : x < 0.9 ? inbound() : guessing();
      active.push({ lines, next: 0 });
    }
    const i = Math.floor(rand() * active.length);
    const s = active[i];
    time += Math.floor(rand() * 40);
    buffer.push(`${syslogTime(time)} ${host} ${s.lines[s.next++]}\n`);
    totals.lines++;
    if (s.next === s.lines.length) { active[i] = active[active.length - 1]; active.pop(); }
    if (buffer.length >= 10_000) await flush();
  }
  // Finish open sessions so every message is complete in the file.
  for (const s of active) {
    while (s.next < s.lines.length) {
      buffer.push(`${syslogTime(time)} ${host} ${s.lines[s.next++]}\n`);
      totals.lines++;
    }
  }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return totals;
}
