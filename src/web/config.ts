import { z } from 'zod';
import { CliError, parseListenAddress } from '../cli';

export const webConfigSchema = z.strictObject({
  /** HOST:PORT; the --web.listen-address flag overrides it. */
  listen_address: z.string().refine((s) => {
    try { parseListenAddress(s); return true; } catch (e) { return !(e instanceof CliError); }
  }, { message: 'expected HOST:PORT, :PORT or [IPv6]:PORT' }).default(':9798'),
});
export type WebConfig = z.output<typeof webConfigSchema>;
