import { z } from 'zod';
import { addressOrCidr } from '../config/fields';

export const egressSourceSchema = z.strictObject({
  path: z.string().min(1),
  format: z.string().min(1),
});

export const egressConfigSchema = z.strictObject({
  /** Addresses allowed to send SMTP out (the mail servers themselves). */
  mail_servers: z.array(addressOrCidr).default([]),
  sources: z.array(egressSourceSchema).default([]),
});
export type EgressConfig = z.output<typeof egressConfigSchema>;
