// The whole configuration file. Each concern owns the schema of its own section
// (web/, dnsbl/, logs/, egress/); this file only composes them. Every object is
// strict, so a misspelt key is an error that names its path rather than a
// setting silently ignored.
import { z } from 'zod';
import { webConfigSchema } from '../web/config';
import { dnsblConfigSchema } from '../dnsbl/config';
import { mailConfigSchema } from '../logs/config';
import { egressConfigSchema } from '../egress/config';

export const configSchema = z.strictObject({
  web: webConfigSchema.prefault({}),
  /** Absent section = the DNSBL checker runs on its defaults. */
  dnsbl: dnsblConfigSchema.prefault({}),
  mail: mailConfigSchema.prefault({}),
  egress: egressConfigSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;
