import { z } from 'zod';

export const mailSourceSchema = z.strictObject({
  path: z.string().min(1),
  format: z.string().min(1).default('postfix'),
  start_at: z.enum(['end', 'beginning']).default('end'),
});

export const mailConfigSchema = z.strictObject({
  sources: z.array(mailSourceSchema).default([]),
});
export type MailConfig = z.output<typeof mailConfigSchema>;
