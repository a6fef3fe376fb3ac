import { isIP } from 'node:net';
import { z } from 'zod';
import { validate as validateCron } from 'node-cron';
import { duration, hostPort } from '../config/fields';
import { listsSchema } from './lists-config';
import { targetOptionsShape, targetsSchema, validateTargets } from './targets-config';

export const dnsblConfigSchema = z.strictObject({
  /** node-cron expression (5 fields, or 6 with seconds); a round also runs once at start and after each reload. */
  schedule: z.string().refine((s) => validateCron(s), { message: 'not a valid cron expression' }).default('*/10 * * * *'),
  /** Recursive resolvers, tried in order. Deliberately not the system resolver: see README. */
  resolvers: z.array(hostPort(53).refine((h) => isIP(h.host) !== 0, { message: 'must be an IP address (IP:PORT or [IPv6]:PORT): a host name would need the system resolver' })).min(1).prefault(['127.0.0.1:53']),
  /** Per attempt. */
  timeout: duration({ min: 10, max: 60_000 }).prefault('2s'),
  /** Extra attempts per resolver after a timeout. */
  retries: z.number().int().min(0).max(5).default(1),
  /** Checks in flight at once. */
  concurrency: z.number().int().min(1).max(1024).default(32),
  /** Catalogue names or full definitions; empty = the default set. Output: resolved list definitions. */
  lists: listsSchema.prefault([]),
  /** IPs, CIDRs, hostnames, {domain, spf, mx}; empty = this host's public interface addresses. */
  targets: targetsSchema.default([]),
  ...targetOptionsShape,
  /** A bounce citing a list re-checks it at once, at most this often per list. */
  recheck_min_interval: duration({ min: 0 }).prefault('1m'),
}).superRefine((d, ctx) => validateTargets(d.targets, d, ctx));
export type DnsblConfig = z.output<typeof dnsblConfigSchema>;
