import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { duration } from '../config/fields';

/** Every mail-log format a source can name; `auto` detects it from the first lines. */
export const MAIL_SOURCE_FORMATS = ['auto', 'postfix', 'exim', 'kerio', 'sendmail', 'opensmtpd', 'exchange', 'dovecot'] as const;

export const mailSourceSchema = z.strictObject({
  /** A file to follow, or "-" for standard input (`journalctl -f … | mail-reputation-exporter`). */
  path: z.string().min(1),
  format: z.enum(MAIL_SOURCE_FORMATS).default('auto'),
  /** Where to start when there is no saved position: `end` (live only) or `beginning` (backfill). */
  start_at: z.enum(['end', 'beginning']).default('end'),
  /** Keeps the read position across restarts. */
  state_file: z.string().min(1).optional(),
});

const thresholdValues = {
  /** Messages per hour above which a user is suspicious (if also above baseline_factor × their baseline). */
  messages_per_hour: z.number().positive(),
  recipients_per_hour: z.number().positive(),
  /** Distinct hours of the last 24 with mail: a human does not send around the clock. */
  active_hours: z.number().int().min(1).max(24),
  /** Distinct client addresses in 24 h: one login used from many places. */
  client_addresses: z.number().int().min(1),
};

const userOverrideSchema = z.strictObject({
  messages_per_hour: thresholdValues.messages_per_hour.optional(),
  recipients_per_hour: thresholdValues.recipients_per_hour.optional(),
  active_hours: thresholdValues.active_hours.optional(),
  client_addresses: thresholdValues.client_addresses.optional(),
});

export const thresholdsSchema = z.strictObject({
  messages_per_hour: thresholdValues.messages_per_hour.default(100),
  recipients_per_hour: thresholdValues.recipients_per_hour.default(500),
  active_hours: thresholdValues.active_hours.default(20),
  client_addresses: thresholdValues.client_addresses.default(10),
  /** "Well above the user's own baseline": above this many times their 7-day hourly average. */
  baseline_factor: z.number().min(1).default(3),
  auth_failures_per_hour: z.number().positive().default(100),
  blocklist_rejections_per_hour: z.number().positive().default(1),
  /** A log source with no event for this long is stale. */
  log_stale_after: duration({ min: 60_000 }).prefault('1h'),
  /** Share of malformed lines (0–1) above which the parser is probably reading the wrong format. */
  log_malformed_ratio: z.number().min(0).max(1).default(0.05),
  /** Per-user limits for known bulk senders (a newsletter account), by login name. */
  overrides: z.record(z.string().min(1), userOverrideSchema).default({}),
});
export type Thresholds = z.output<typeof thresholdsSchema>;

export const mailConfigSchema = z.strictObject({
  /** Omitted: the usual locations are probed at start (see logs/default-sources.ts). */
  sources: z.array(mailSourceSchema).optional(),
  /** Users with their own series at most; the least recently active are evicted beyond it. */
  max_users: z.number().int().min(1).max(1_000_000).default(5000),
  /** Users with no activity for this long (log time) are evicted. */
  user_idle_ttl: duration({ min: 60_000 }).prefault('7d'),
  /** Login names whose failed logins get their own label even before a successful login. */
  known_users: z.array(z.string().min(1)).default([]),
  /** `hmac`: label values are HMAC-SHA256(secret, login) (16 hex digits), for TSDBs that must not hold addresses. */
  user_label: z.enum(['plain', 'hmac']).default('plain'),
  user_label_secret: z.string().min(16, 'must be at least 16 characters').optional(),
  user_label_secret_file: z.string().min(1).optional(),
  /**
   * Distinct client addresses / recipient domains remembered per user (24 h):
   * the count saturates here, so the client_addresses thresholds must be below it.
   */
  max_distinct_per_user: z.number().int().min(1).max(100_000).default(256),
  /** Authenticated messages remembered for attribution (queue ID → user). */
  max_tracked_messages: z.number().int().min(100).max(10_000_000).default(200_000),
  /** How long a message is remembered: at least Postfix's maximal_queue_lifetime (5d). */
  message_ttl: duration({ min: 60_000 }).prefault('6d'),
  /** Extra zones to recognise when a bounce cites them (the DNSBL lists are always recognised). */
  blocklist_zones: z.array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'expected a DNS zone such as bl.example.net')).default([]),
  thresholds: thresholdsSchema.prefault({}),
}).superRefine((mail, ctx) => {
  // A threshold at or above the cap could never be crossed by a count that saturates at it.
  const cap = mail.max_distinct_per_user;
  const belowCap = `must be below mail.max_distinct_per_user (${cap}): the distinct count stops there`;
  if (mail.thresholds.client_addresses >= cap) {
    ctx.addIssue({ code: 'custom', path: ['thresholds', 'client_addresses'], message: belowCap });
  }
  for (const [user, override] of Object.entries(mail.thresholds.overrides)) {
    if (override.client_addresses !== undefined && override.client_addresses >= cap) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', 'overrides', user, 'client_addresses'], message: belowCap });
    }
  }
  if (mail.user_label_secret !== undefined && mail.user_label_secret_file !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['user_label_secret_file'], message: 'give user_label_secret or user_label_secret_file, not both' });
  }
  if (mail.user_label === 'hmac' && mail.user_label_secret === undefined && mail.user_label_secret_file === undefined) {
    ctx.addIssue({ code: 'custom', path: ['user_label'], message: 'hmac needs user_label_secret or user_label_secret_file' });
  }
  if (mail.user_label_secret_file !== undefined) {
    // Read at validation so a missing file rejects the config (and a reload keeps the old one).
    try {
      if (readFileSync(mail.user_label_secret_file, 'utf8').trim().length < 16) {
        ctx.addIssue({ code: 'custom', path: ['user_label_secret_file'], message: 'the secret in the file must be at least 16 characters' });
      }
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['user_label_secret_file'], message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
    }
  }
});
export type MailConfig = z.output<typeof mailConfigSchema>;
export type MailSourceConfig = z.output<typeof mailSourceSchema>;
