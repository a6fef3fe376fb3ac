// The correlator and per-user statistics, driven by events (the MTA-neutral
// model every parser emits). Whole-file tests from real log lines through the
// parsers are in mail-pipeline.test.ts.
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MailEvent } from '../../../src/logs/events';
import { MailStats, type MailStatsOptions, UNKNOWN_USER, normaliseUser, recipientDomain } from '../../../src/logs/stats';

const T0 = Date.UTC(2026, 4, 12, 0, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

function makeStats(over: Partial<MailStatsOptions> = {}): MailStats {
  return new MailStats(makeStatsOptions(over));
}

function makeStatsOptions(over: Partial<MailStatsOptions> = {}): MailStatsOptions {
  return {
    maxUsers: 100,
    userIdleTtlMs: 7 * 24 * HOUR,
    maxMessages: 1000,
    messageTtlMs: 6 * 24 * HOUR,
    maxDistinctPerUser: 1000,
    knownUsers: [],
    userLabel: (u) => u,
    classifyReply: (reply) => (reply.includes('zen.spamhaus.org') ? 'zen.spamhaus.org' : undefined),
    ...over,
  };
}

/** One authenticated message: submission, recipient total, one delivery per recipient. */
function message(id: string, user: string, time: number, recipients: string[], status: 'sent' | 'deferred' | 'bounced' = 'sent', client = '192.0.2.1'): MailEvent[] {
  return [
    { type: 'submission', time, messageId: id, user, clientAddress: client },
    { type: 'recipients', time, messageId: id, count: recipients.length, mode: 'total' },
    ...recipients.map((r): MailEvent => ({ type: 'delivery', time: time + 1000, messageId: id, status, recipient: r, reply: '250 2.0.0 Ok' })),
    { type: 'message_done', time: time + 2000, messageId: id },
  ];
}

function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  return undefined;
}

test('a message is attributed to the SASL user: messages, recipients, deliveries', () => {
  const s = makeStats();
  for (const ev of message('A1', 'sam', T0, ['a@x.example', 'b@y.example', 'c@y.example'])) s.apply(ev);
  const u = s.users.get('sam')!;
  expect(u.messages).toBe(1);
  expect(u.recipients).toBe(3);
  expect(u.sent).toBe(3);
  expect(u.domains.count(s.clock)).toBe(2);
  expect(s.deliveries.sent).toBe(3);
  expect(s.openMessages).toBe(0);
});

test('a repeated qmgr total (deferred message re-entering the active queue) is not counted twice', () => {
  const s = makeStats();
  s.apply({ type: 'submission', time: T0, messageId: 'Q', user: 'sam' });
  s.apply({ type: 'recipients', time: T0, messageId: 'Q', count: 5, mode: 'total' });
  s.apply({ type: 'delivery', time: T0, messageId: 'Q', status: 'deferred', recipient: 'a@x.example', reply: '451 try later' });
  s.apply({ type: 'recipients', time: T0 + HOUR, messageId: 'Q', count: 5, mode: 'total' });
  s.apply({ type: 'delivery', time: T0 + HOUR, messageId: 'Q', status: 'sent', recipient: 'a@x.example' });
  const u = s.users.get('sam')!;
  expect(u.recipients).toBe(5);
  expect(u.deferred).toBe(1);
  expect(u.sent).toBe(1);
});

test('increment-mode recipient counts (Exim) add up', () => {
  const s = makeStats();
  s.apply({ type: 'submission', time: T0, messageId: 'E', user: 'info@example.com' });
  for (let i = 0; i < 4; i++) s.apply({ type: 'recipients', time: T0, messageId: 'E', count: 1, mode: 'increment' });
  expect(s.users.get('info@example.com')!.recipients).toBe(4);
});

test('unauthenticated mail and NDRs are never attributed, but count in the totals', () => {
  const s = makeStats();
  s.apply({ type: 'unauthenticated', time: T0, messageId: 'IN1', clientAddress: '198.51.100.7' });
  s.apply({ type: 'recipients', time: T0, messageId: 'IN1', count: 2, mode: 'total' });
  s.apply({ type: 'delivery', time: T0, messageId: 'IN1', status: 'sent', recipient: 'local@example.org' });
  s.apply({ type: 'delivery', time: T0, messageId: 'UNSEEN', status: 'bounced', recipient: 'x@y.example' });
  expect(s.users.size).toBe(0);
  expect(s.deliveries).toEqual({ sent: 1, deferred: 0, bounced: 1 });
});

test('a reused queue ID of unauthenticated mail cannot inherit an earlier user', () => {
  const s = makeStats();
  s.apply({ type: 'submission', time: T0, messageId: 'R', user: 'sam' });
  // No message_done seen (log gap); the short queue ID is reused by inbound mail.
  s.apply({ type: 'unauthenticated', time: T0 + HOUR, messageId: 'R' });
  s.apply({ type: 'delivery', time: T0 + HOUR, messageId: 'R', status: 'sent', recipient: 'a@b.example' });
  expect(s.users.get('sam')!.sent).toBe(0);
});

test('a content-filter hop hands the user to the re-queued message without a second message or recipient count', () => {
  const s = makeStats();
  s.apply({ type: 'submission', time: T0, messageId: 'A', user: 'sam' });
  s.apply({ type: 'recipients', time: T0, messageId: 'A', count: 2, mode: 'total' });
  s.apply({ type: 'unauthenticated', time: T0, messageId: 'B', clientAddress: '127.0.0.1' });
  s.apply({ type: 'requeued', time: T0, messageId: 'A', newMessageId: 'B' });
  s.apply({ type: 'recipients', time: T0, messageId: 'B', count: 2, mode: 'total' });
  s.apply({ type: 'delivery', time: T0, messageId: 'B', status: 'sent', recipient: 'a@x.example' });
  s.apply({ type: 'delivery', time: T0, messageId: 'B', status: 'bounced', recipient: 'b@x.example', reply: '554 5.7.1 blocked using zen.spamhaus.org' });
  const u = s.users.get('sam')!;
  expect([u.messages, u.recipients, u.sent, u.bounced]).toEqual([1, 2, 1, 1]);
  expect(u.rejections.get('zen.spamhaus.org')).toBe(1);
});

test('blacklist citations count per list, globally and per user, and ask for a re-check', () => {
  const asked: string[] = [];
  const s = makeStats({ onBlocklistCitation: (l) => asked.push(l) });
  s.apply({ type: 'submission', time: T0, messageId: 'M', user: 'sam' });
  s.apply({ type: 'delivery', time: T0, messageId: 'M', status: 'deferred', recipient: 'a@x.example', reply: '451 4.7.1 Client host blocked using zen.spamhaus.org' });
  s.apply({ type: 'delivery', time: T0, messageId: 'M', status: 'bounced', recipient: 'b@x.example', reply: '550 5.1.1 user unknown' });
  // A sent delivery never counts as a rejection, whatever its text.
  s.apply({ type: 'delivery', time: T0, messageId: 'M', status: 'sent', recipient: 'c@x.example', reply: '250 ok zen.spamhaus.org' });
  expect(s.rejections.get('zen.spamhaus.org')).toBe(1);
  expect(s.users.get('sam')!.rejections.get('zen.spamhaus.org')).toBe(1);
  expect(asked).toEqual(['zen.spamhaus.org']);
});

test('failed logins: unknown names go to _unknown; known, existing and previously authenticated names keep theirs', () => {
  const s = makeStats({ knownUsers: ['Newsletter@Example.com'] });
  for (let i = 0; i < 1000; i++) s.apply({ type: 'auth_failure', time: T0, user: `guess${i}`, clientAddress: '203.0.113.9' });
  s.apply({ type: 'auth_failure', time: T0, user: 'newsletter@example.com' });
  s.apply({ type: 'auth_failure', time: T0, user: 'admin', userExists: true });
  s.apply({ type: 'submission', time: T0, messageId: 'S', user: 'sam' });
  s.apply({ type: 'auth_failure', time: T0, user: 'sam' });
  s.apply({ type: 'auth_failure', time: T0 });
  expect(s.authFailures).toBe(1004);
  expect(s.users.size).toBe(3);
  const text = s.render();
  expect(sample(text, `mailrep_user_auth_failures_total{user="${UNKNOWN_USER}"}`)).toBe(1001);
  expect(sample(text, 'mailrep_user_auth_failures_total{user="newsletter@example.com"}')).toBe(1);
  expect(sample(text, 'mailrep_user_auth_failures_total{user="admin"}')).toBe(1);
  expect(sample(text, 'mailrep_user_auth_failures_total{user="sam"}')).toBe(1);
  expect(text).not.toContain('guess');
});

test('max_users evicts the least recently active user and removes its series', () => {
  const s = makeStats({ maxUsers: 3 });
  // Recency is kept to the minute (see MailStats.touch), so activity here is minutes apart.
  ['u1', 'u2', 'u3'].forEach((u, i) => s.apply({ type: 'submission', time: T0 + i * MIN, messageId: `m${i}`, user: u }));
  s.apply({ type: 'submission', time: T0 + 10 * MIN, messageId: 'm9', user: 'u1' }); // u1 becomes most recent
  s.apply({ type: 'submission', time: T0 + 11 * MIN, messageId: 'm10', user: 'u4' }); // evicts u2
  expect([...s.users.keys()]).toEqual(['u3', 'u1', 'u4']);
  expect(s.evicted).toBe(1);
  const text = s.render();
  expect(text).not.toContain('user="u2"');
  expect(sample(text, 'mailrep_users_tracked')).toBe(3);
  expect(sample(text, 'mailrep_users_evicted_total')).toBe(1);
});

test('users idle past user_idle_ttl are evicted by log time', () => {
  const s = makeStats({ userIdleTtlMs: 24 * HOUR });
  s.apply({ type: 'submission', time: T0, messageId: 'a', user: 'old' });
  s.apply({ type: 'submission', time: T0 + 20 * HOUR, messageId: 'b', user: 'recent' });
  s.apply({ type: 'relay_denied', time: T0 + 25 * HOUR });
  s.maintain();
  expect([...s.users.keys()]).toEqual(['recent']);
});

test('active hours, client addresses and recipient domains cover the last 24 h of log time', () => {
  const s = makeStats();
  // One message at minute 5 of each of 30 consecutive hours, from 30 client addresses.
  for (let h = 0; h < 30; h++) {
    for (const ev of message(`h${h}`, 'sam', T0 + h * HOUR + 5 * MIN, [`r@d${h}.example`], 'sent', `192.0.2.${h + 1}`)) s.apply(ev);
  }
  const u = s.users.get('sam')!;
  expect(u.hours.count(s.clock)).toBe(24);
  expect(u.clients.count(s.clock)).toBe(24);
  expect(u.domains.count(s.clock)).toBe(24);
  // Quiet for 10 hours: the windows decay when the clock moves on.
  s.maintain(T0 + 39 * HOUR + 10 * MIN);
  expect(u.hours.count(s.clock)).toBe(14);
  expect(u.clients.count(s.clock)).toBe(14);
});

test('open messages are bounded by a cap and by log-time expiry', () => {
  const s = makeStats({ maxMessages: 10, messageTtlMs: HOUR });
  for (let i = 0; i < 25; i++) s.apply({ type: 'submission', time: T0 + i * MIN, messageId: `q${i}`, user: 'sam' });
  expect(s.openMessages).toBe(10);
  expect(s.messagesDropped).toBe(15);
  s.maintain(T0 + 24 * MIN + HOUR + 1);
  expect(s.openMessages).toBe(0);
});

test('at the message cap the oldest remembered message goes first, across deletes and re-submissions', () => {
  const s = makeStats({ maxMessages: 3 });
  const submit = (i: number, t: number) => s.apply({ type: 'submission', time: T0 + t * MIN, messageId: `q${i}`, user: `u${i}` });
  submit(0, 0); submit(1, 1); submit(2, 2);
  s.apply({ type: 'message_done', time: T0 + 3 * MIN, messageId: 'q1' });
  submit(3, 4); // 3 open again: nothing dropped
  submit(4, 5); // drops q0
  s.apply({ type: 'submission', time: T0 + 6 * MIN, messageId: 'q2', user: 'u2' }); // q2 again: now the newest
  submit(5, 7); // drops q3, the oldest now
  submit(6, 8); // drops q4
  expect(s.messagesDropped).toBe(3);
  expect(s.openMessages).toBe(3);
  for (let i = 0; i <= 6; i++) s.apply({ type: 'delivery', time: T0 + 9 * MIN, messageId: `q${i}`, status: 'sent', recipient: 'r@x.example' });
  const sent = [0, 1, 2, 3, 4, 5, 6].map((i) => s.users.get(`u${i}`)?.sent);
  expect(sent).toEqual([0, 0, 1, 0, 0, 1, 1]);
});

test('a message whose user was evicted brings the user back under a fresh record', () => {
  const s = makeStats({ maxUsers: 1 });
  s.apply({ type: 'submission', time: T0, messageId: 'A', user: 'sam' });
  s.apply({ type: 'submission', time: T0 + MIN, messageId: 'B', user: 'kim' }); // evicts sam
  expect([...s.users.keys()]).toEqual(['kim']);
  s.apply({ type: 'delivery', time: T0 + 2 * MIN, messageId: 'A', status: 'bounced', recipient: 'r@x.example' }); // sam again, evicts kim
  s.apply({ type: 'delivery', time: T0 + 3 * MIN, messageId: 'A', status: 'sent', recipient: 'r@y.example' });
  const sam = s.users.get('sam')!;
  expect([...s.users.keys()]).toEqual(['sam']);
  expect([sam.messages, sam.bounced, sam.sent]).toEqual([0, 1, 1]);
  expect(s.evicted).toBe(2);
  // A new label function starts every series afresh; the open message follows its user there.
  s.reconfigure({ ...makeStatsOptions({ maxUsers: 1 }), userLabel: (u) => `h:${u}` });
  s.apply({ type: 'delivery', time: T0 + 4 * MIN, messageId: 'A', status: 'deferred', recipient: 'r@z.example' });
  const again = s.users.get('sam')!;
  expect(again).not.toBe(sam);
  expect([again.labelValue, again.deferred, again.sent]).toEqual(['h:sam', 1, 0]);
});

test('label values are escaped and hmac labels never show the name', () => {
  const s = makeStats({ userLabel: (u) => `h:${u.length}` });
  s.apply({ type: 'submission', time: T0, messageId: 'x', user: 'sam' });
  expect(s.render()).toContain('mailrep_user_messages_total{user="h:3"} 1');
  const p = makeStats();
  p.apply({ type: 'submission', time: T0, messageId: 'y', user: 'we"ird\\name' });
  expect(p.render()).toContain('mailrep_user_messages_total{user="we\\"ird\\\\name"} 1');
});

test.each([
  ['<a@Example.COM>', 'example.com'],
  ['user@sub.example.org', 'sub.example.org'],
  ['no-at-sign', undefined],
  ['trailing@', undefined],
  ['"a@b"@last.example>', 'last.example'],
  ['x@>', undefined],
  ['x@ÉCOLE.example', 'école.example'],
  [`x@${'a'.repeat(253)}`, 'a'.repeat(253)],
  [`x@${'a'.repeat(254)}`, undefined],
  [`x@${'A'.repeat(253)}>`, 'a'.repeat(253)],
])('recipientDomain(%s) = %s', (input, expected) => {
  expect(recipientDomain(input)).toBe(expected);
});

test.each([
  ['sam', 'sam'],
  ['Sam@Example.COM', 'sam@example.com'],
  ['  sam \t', 'sam'],
  ['\u00a0sam\ufeff', 'sam'],
  ['ÅSA', 'åsa'],
  ['', ''],
  [' ', ''],
  ['x'.repeat(300), 'x'.repeat(256)],
])('normaliseUser(%j) = %j', (input, expected) => {
  expect(normaliseUser(input)).toBe(expected);
});

describe('least-recently-active order under max_users', () => {
  test('a user sending every 20 s among one-off users (three a minute, cap 3) is never evicted: all its messages count', () => {
    const s = makeStats({ maxUsers: 3 });
    const busy: number[] = [];
    for (let i = 0; i <= 60; i++) {
      const t = T0 + i * 20_000;
      s.apply({ type: 'submission', time: t, messageId: `b${i}`, user: 'busy' });
      s.apply({ type: 'delivery', time: t + 1000, messageId: `b${i}`, status: 'sent', recipient: 'r@x.example' });
      busy.push(s.users.has('busy') ? 1 : 0);
      if (i < 60) s.apply({ type: 'submission', time: t + 10_000, messageId: `o${i}`, user: `oneoff${i}` });
    }
    expect(busy.every((b) => b === 1)).toBe(true);
    const u = s.users.get('busy')!;
    expect([u.messages, u.sent]).toEqual([61, 61]);
    // 61 users created (busy + 60 one-offs), 3 left: every eviction was a one-off.
    expect(s.evicted).toBe(58);
    expect([...s.users.keys()].sort()).toEqual(['busy', 'oneoff58', 'oneoff59']);
  });

  test('a user active since its last move gets a second chance before the cap evicts it', () => {
    const s = makeStats({ maxUsers: 2 });
    s.apply({ type: 'submission', time: T0, messageId: 'a', user: 'old' });
    s.apply({ type: 'submission', time: T0 + 1000, messageId: 'b', user: 'mid' });
    // Within the minute: no re-order of "old", but it is the most recently active now.
    s.apply({ type: 'delivery', time: T0 + 2000, messageId: 'a', status: 'sent', recipient: 'r@x.example' });
    s.apply({ type: 'submission', time: T0 + 3000, messageId: 'c', user: 'new' });
    expect([...s.users.keys()]).toEqual(['old', 'new']);
    expect(s.evicted).toBe(1);
  });
});

describe('bounded memory under a stream of new users', () => {
  test('evicted users are not kept by their open messages: records are reused and their sightings handed back', () => {
    const s = makeStats({ maxUsers: 3, maxMessages: 10_000 });
    const records = new Set<object>();
    for (let i = 0; i < 200; i++) {
      const t = T0 + i * MIN;
      // Never "removed": every message stays open, pointing at its (soon evicted) user.
      s.apply({ type: 'submission', time: t, messageId: `q${i}`, user: `user${i}@example.com`, clientAddress: `192.0.2.${i % 250}` });
      s.apply({ type: 'delivery', time: t, messageId: `q${i}`, status: 'bounced', recipient: `r@d${i}.example`, reply: '554 blocked using zen.spamhaus.org' });
      records.add(s.users.get(`user${i}@example.com`)!);
    }
    expect(s.openMessages).toBe(200);
    expect(s.evicted).toBe(197);
    // No more records ever exist than max_users, however many users pass through.
    expect(records.size).toBe(3);
    // Only the tracked users' windows hold sightings: 3 users × (1 client + 1 domain).
    expect(s.sightingsUsed).toBe(6);
    // A reused record starts from nothing.
    const last = s.users.get('user199@example.com')!;
    expect([last.messages, last.bounced, [...last.rejections], last.clients.size, last.domains.size]).toEqual([1, 1, [['zen.spamhaus.org', 1]], 1, 1]);
    // A late delivery of an evicted user's message brings that user back under its name.
    s.apply({ type: 'delivery', time: T0 + 300 * MIN, messageId: 'q5', status: 'sent', recipient: 'r@late.example' });
    const back = s.users.get('user5@example.com')!;
    expect([back.messages, back.sent, back.bounced, back.domains.size]).toEqual([0, 1, 0, 1]);
    expect(s.evicted).toBe(198);
  });

  test('the distinct-value windows of all users share one budget of sightings', () => {
    const s = makeStats({ maxUsers: 10, maxDistinctPerUser: 50, maxSightings: 30 });
    for (let u = 0; u < 3; u++) {
      for (let i = 0; i < 20; i++) {
        s.apply({ type: 'submission', time: T0 + i * MIN, messageId: `m${u}-${i}`, user: `u${u}`, clientAddress: `198.51.100.${u * 20 + i}` });
      }
    }
    // u0 took 20, u1 the remaining 10; then each new value replaced the window's own oldest.
    expect(['u0', 'u1', 'u2'].map((u) => s.users.get(u)!.clients.size)).toEqual([20, 10, 1]);
    // An empty window still records one value: the total exceeds the budget by at most one per window.
    expect(s.sightingsUsed).toBe(31);
    expect(s.users.get('u1')!.clients.count(s.clock)).toBe(10);
  });
});

test('kept names, queue IDs, client addresses and domains are copies, not slices keeping their log lines alive', () => {
  // V8 makes a slice of 13+ characters a view into its parent string. 400 lines
  // of 128 KiB (50 MiB) are cut into what the stats keep, then dropped: if the
  // kept strings were views, the heap after a full GC would still hold them all.
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const s = makeStats({ maxUsers: 1000, maxMessages: 1000 });
  const field = (line: string, key: string) => line.slice(line.indexOf(key) + key.length, line.indexOf(' ', line.indexOf(key)));
  gc();
  const before = process.memoryUsage().heapUsed;
  (() => {
    for (let i = 0; i < 400; i++) {
      const line = `${'x'.repeat(128 * 1024)} user=someone${i}@example.com queue=LONGQUEUEID${i}XYZ client=2001:db8:ffff::1:${i.toString(16)} to=<r@domain${i}.example.org> `;
      const id = field(line, 'queue=');
      s.apply({ type: 'submission', time: T0 + i * MIN, messageId: id, user: field(line, 'user='), clientAddress: field(line, 'client=') });
      s.apply({ type: 'delivery', time: T0 + i * MIN, messageId: id, status: 'sent', recipient: field(line, 'to=') });
    }
  })();
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  expect(s.openMessages).toBe(400);
  expect([s.users.size, s.users.get('someone7@example.com')!.clients.size, s.users.get('someone7@example.com')!.domains.size]).toEqual([400, 1, 1]);
  // What is kept is a few hundred bytes per message; the lines were 50 MiB.
  expect(grown).toBeLessThan(8 * 1048576);
});
