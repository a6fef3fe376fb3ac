// Shared by the parser tests (kerio, sendmail, opensmtpd, exchange, dovecot,
// detect): reading fixtures, running a parser over a whole file, a small
// reference join that turns events into exact per-user totals (the same
// joins the stats engine makes: submission → user, requeued inherits,
// 'total' counts only what exceeds the largest total, 'increment' adds), and
// the checks every parser must pass on lines cut short.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryStatus, MailEvent, MailLogParser, ParseResult } from '../../../src/logs/events';

export const FIXTURES = join(__dirname, '../../fixtures/logs');

/** A fixture's log lines: comments ("# …") and empty lines left out. */
export function fixtureLines(file: string): string[] {
  return readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('# '));
}

export interface LineCounts { parsed: number; ignored: number; malformed: number }

export function runParser(parser: MailLogParser, lines: readonly string[]): { events: MailEvent[]; counts: LineCounts; results: ParseResult[] } {
  const events: MailEvent[] = [];
  const counts: LineCounts = { parsed: 0, ignored: 0, malformed: 0 };
  const results: ParseResult[] = [];
  for (const line of lines) {
    const r = parser.parse(line);
    results.push(r);
    counts[r.result]++;
    if (r.result === 'parsed') events.push(...r.events);
  }
  return { events, counts, results };
}

export interface UserTotals { messages: number; recipients: number; sent: number; deferred: number; bounced: number }

export interface Totals {
  users: Record<string, UserTotals>;
  deliveries: Record<DeliveryStatus, number>;
  /** Failed logins by the name the line gave ("" when it gave none). */
  authFailures: Record<string, number>;
  /** Failed logins whose line said the account exists / does not. */
  userExists: { yes: number; no: number; unknown: number };
  relayDenied: number;
}

export function totals(events: readonly MailEvent[]): Totals {
  const t: Totals = { users: {}, deliveries: { sent: 0, deferred: 0, bounced: 0 }, authFailures: {}, userExists: { yes: 0, no: 0, unknown: 0 }, relayDenied: 0 };
  const owner = new Map<string, { user: string; recipients: number }>();
  const user = (name: string) => (t.users[name] ??= { messages: 0, recipients: 0, sent: 0, deferred: 0, bounced: 0 });
  for (const ev of events) {
    switch (ev.type) {
      case 'submission':
        user(ev.user).messages++;
        owner.set(ev.messageId, { user: ev.user, recipients: 0 });
        break;
      case 'unauthenticated':
        owner.delete(ev.messageId);
        break;
      case 'recipients': {
        const m = owner.get(ev.messageId);
        if (!m) break;
        if (ev.mode === 'increment') {
          user(m.user).recipients += ev.count;
        } else if (ev.count > m.recipients) {
          user(m.user).recipients += ev.count - m.recipients;
          m.recipients = ev.count;
        }
        break;
      }
      case 'delivery': {
        t.deliveries[ev.status]++;
        const m = owner.get(ev.messageId);
        if (m) user(m.user)[ev.status]++;
        break;
      }
      case 'requeued': {
        const m = owner.get(ev.messageId);
        if (m) owner.set(ev.newMessageId, { user: m.user, recipients: Infinity });
        break;
      }
      case 'message_done':
        owner.delete(ev.messageId);
        break;
      case 'auth_failure':
        t.authFailures[ev.user ?? ''] = (t.authFailures[ev.user ?? ''] ?? 0) + 1;
        if (ev.userExists === true) t.userExists.yes++;
        else if (ev.userExists === false) t.userExists.no++;
        else t.userExists.unknown++;
        break;
      case 'relay_denied':
        t.relayDenied++;
        break;
    }
  }
  return t;
}

const MESSAGE_EVENTS = new Set(['submission', 'unauthenticated', 'recipients', 'delivery', 'requeued', 'message_done']);

/** Every event complete: a real time, a message key where one belongs, no empty names. */
export function expectWellFormed(events: readonly MailEvent[]): void {
  for (const ev of events) {
    expect(Number.isFinite(ev.time)).toBe(true);
    if (MESSAGE_EVENTS.has(ev.type)) expect((ev as { messageId: string }).messageId).toMatch(/^\S+$/);
    if (ev.type === 'submission') expect(ev.user).not.toBe('');
    if (ev.type === 'auth_failure' && ev.user !== undefined) expect(ev.user).not.toBe('');
    if (ev.type === 'recipients') expect(Number.isInteger(ev.count) && ev.count > 0).toBe(true);
    if (ev.type === 'requeued') expect(ev.newMessageId).toMatch(/^\S+$/);
    if ('clientAddress' in ev && ev.clientAddress !== undefined) expect(ev.clientAddress).toMatch(/^[0-9a-fA-F.:]+$/);
  }
}

/**
 * Cuts `line` at every position from `from` on and parses each prefix with a
 * fresh parser (after `setup` lines): the result must be malformed, or the
 * same events as the whole line, where only the free-text fields may be cut
 * (a prefix of the whole value, or absent). Returns how many cuts were
 * malformed, so a test can also pin that number.
 */
export function expectCutsSafe(make: () => MailLogParser, line: string, from: number, free: readonly string[] = ['reply'], setup: readonly string[] = []): number {
  const prime = (p: MailLogParser) => { for (const s of setup) p.parse(s); return p; };
  const full = prime(make()).parse(line);
  expect(full.result).toBe('parsed');
  const want = (full as { events: MailEvent[] }).events;
  let malformed = 0;
  for (let k = from; k < line.length; k++) {
    const r = prime(make()).parse(line.slice(0, k));
    if (r.result === 'malformed') { malformed++; continue; }
    if (r.result !== 'parsed') throw new Error(`cut at ${k} gave ${r.result}: ${line.slice(0, k)}`);
    expect(r.events.length).toBe(want.length);
    r.events.forEach((ev, i) => {
      const a = ev as unknown as Record<string, unknown>;
      const b = want[i] as unknown as Record<string, unknown>;
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (free.includes(key)) {
          if (a[key] !== undefined) expect(String(b[key]).startsWith(String(a[key]))).toBe(true);
        } else if (a[key] !== b[key]) {
          throw new Error(`cut at ${k} changed ${key}: ${String(a[key])} vs ${String(b[key])} in ${line.slice(0, k)}`);
        }
      }
    });
  }
  return malformed;
}
