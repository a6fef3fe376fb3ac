import { z } from 'zod';
import { validate as validateCron } from 'node-cron';
import { duration, hostPort } from '../config/fields';

export const dnsblConfigSchema = z.strictObject({
  /** node-cron expression; a round also runs once at start. */
  schedule: z.string().refine((s) => validateCron(s), { message: 'not a valid cron expression' }).default('*/10 * * * *'),
  /** Recursive resolvers, tried in order. Deliberately not the system resolver: see README. */
  resolvers: z.array(hostPort(53)).min(1).prefault(['127.0.0.1:53']),
  timeout: duration({ min: 10, max: 60_000 }).prefault('2s'),
  concurrency: z.number().int().min(1).max(1024).default(32),
  lists: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).default([]),
  targets: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).default([]),
});
export type DnsblConfig = z.output<typeof dnsblConfigSchema>;
