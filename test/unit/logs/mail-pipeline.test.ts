// Whole files of real-shaped log lines through the real pipeline pieces the
// collector uses: format auto-detection → parser → correlation → per-user
// statistics → exposition. Every per-user number is asserted exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceParser } from '../../../src/logs/collector';
import { MailStats } from '../../../src/logs/stats';
import { LogClock } from '../../../src/logs/syslog';
import { classifyBlocklistCitation } from '../../../src/logs/bounce';
import { CATALOGUE } from '../../../src/dnsbl/catalogue';
import { createParser } from '../../../src/logs/detect';
import { runParser, totals } from './parser-totals';

const FIXTURES = join(__dirname, '../../fixtures/logs');
const ZONES = new Set(CATALOGUE.map((l) => l.zone));
// Year inference needs a "now": the fixtures are from March 2026.
const NOW = Date.UTC(2026, 5, 1);

function run(file: string) {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('# '));
  const rechecks: string[] = [];
  const stats = new MailStats({
    maxUsers: 100, userIdleTtlMs: 30 * 86_400_000, maxMessages: 1000, messageTtlMs: 10 * 86_400_000,
    maxDistinctPerUser: 100, knownUsers: [], userLabel: (u) => u,
    classifyReply: (r) => classifyBlocklistCitation(r, ZONES),
    onBlocklistCitation: (l) => rechecks.push(l),
  });
  let detected: string | undefined;
  const parser = new SourceParser('auto', new LogClock(() => NOW), (ev) => stats.apply(ev), (f) => { detected = f; });
  const counts = { parsed: 0, ignored: 0, malformed: 0, lastEvent: 0 };
  // Feed in two batches, as a follower would.
  parser.parseBatch(lines.slice(0, 25), counts);
  parser.parseBatch(lines.slice(25), counts);
  parser.flushDetection(counts);
  const users: Record<string, number[]> = {};
  for (const u of stats.users.values()) users[u.name] = [u.messages, u.recipients, u.sent, u.deferred, u.bounced, u.authFailures];
  return { lines, stats, detected, counts, users, rechecks, text: stats.render() };
}

test('postfix-composed.log: detection, line results, per-user numbers, rejections, failed logins', () => {
  const r = run('postfix-composed.log');
  expect(r.detected).toBe('postfix');
  expect(r.lines).toHaveLength(64);
  expect([r.counts.parsed, r.counts.ignored, r.counts.malformed]).toEqual([46, 17, 1]);
  // [messages, recipients, sent, deferred, bounced, auth failures]
  expect(r.users).toEqual({
    'alice@example.org': [1, 3, 1, 1, 1, 0],
    bob: [1, 2, 0, 1, 2, 0],
    'carol@example.org': [1, 2, 1, 1, 0, 0],
  });
  expect(r.stats.deliveries).toEqual({ sent: 6, deferred: 3, bounced: 3 });
  expect(Object.fromEntries(r.stats.rejections)).toEqual({ 'zen.spamhaus.org': 1, microsoft: 1 });
  expect(r.rechecks).toEqual(['zen.spamhaus.org', 'microsoft']);
  expect(r.stats.authFailures).toBe(3);
  expect(r.text).toContain('mailrep_user_auth_failures_total{user="_unknown"} 3\n');
  expect(r.text).not.toContain('user="admin"');
  expect(r.stats.relayDenied).toBe(1);
  expect(r.text).toContain('mailrep_user_blocklist_rejections_total{user="alice@example.org",list="zen.spamhaus.org"} 1\n');
  expect(r.text).toContain('mailrep_user_client_addresses{user="bob"} 0\n');
});

test('exim-composed.log: A=authenticator:id attributes, A= without an id does not, final outcomes count recipients', () => {
  const r = run('exim-composed.log');
  expect(r.detected).toBe('exim');
  expect(r.users).toEqual({
    'alice@example.org': [1, 3, 1, 2, 2, 0],
    bob: [1, 3, 2, 0, 1, 0],
  });
  expect(r.counts.malformed).toBe(1);
  expect(r.stats.relayDenied).toBe(1);
  // Failed logins with set_id= name accounts that never logged in: _unknown.
  expect(r.text).toContain('mailrep_user_auth_failures_total{user="_unknown"} 3\n');
});

// The other formats: auto-detection picks the format, and the engine's per-user
// numbers equal the reference join whose exact figures each parser's own test
// asserts (test/unit/logs/<format>.test.ts, via parser-totals.ts).

test.each([
  ['sendmail-composed.log', 'sendmail'],
  ['opensmtpd-composed.log', 'opensmtpd'],
  ['exchange-composed.log', 'exchange'],
  ['kerio-composed-mail.log', 'kerio'],
  ['kerio-composed-security.log', 'kerio'],
  ['dovecot-composed.log', 'dovecot'],
])('%s: detected as %s; per-user numbers through the engine equal the reference join', (file, format) => {
  const r = run(file);
  expect(r.detected).toBe(format);
  const ref = totals(runParser(createParser(format, new LogClock(() => NOW)), r.lines).events);
  const expected: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(ref.users)) expected[name.toLowerCase()] = [t.messages, t.recipients, t.sent, t.deferred, t.bounced];
  const got: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(r.users)) if (v.slice(0, 5).some((x) => x > 0)) got[name] = v.slice(0, 5);
  if (!/security|dovecot/.test(file)) expect(Object.keys(expected).length).toBeGreaterThan(0);
  expect(got).toEqual(expected);
  expect(r.stats.deliveries).toEqual(ref.deliveries);
  expect(r.stats.authFailures).toBe(Object.values(ref.authFailures).reduce((a, b) => a + b, 0));
  expect(r.stats.relayDenied).toBe(ref.relayDenied);
});
