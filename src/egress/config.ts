import { z } from 'zod';
import { addressOrCidr } from '../config/fields';
import { DEFAULT_ALLOWED_WORDS, DEFAULT_BLOCKED_WORDS } from './attempt';

/** The firewall log formats a source can name. */
export const EGRESS_FORMATS = ['iptables', 'filterlog', 'mikrotik'] as const;
export type EgressFormat = (typeof EGRESS_FORMATS)[number];

export const DEFAULT_EGRESS_PORTS: readonly number[] = [25, 465, 587];

export const egressSourceSchema = z.strictObject({
  /** A firewall log file: kern.log / ufw.log (iptables, nftables), filter.log (pfSense, OPNsense), the syslog file a router logs to. */
  path: z.string().min(1).refine((p) => p !== '-', 'egress sources must be files (standard input belongs to mail.sources)'),
  format: z.enum(EGRESS_FORMATS),
  /** Where to start when there is no saved position: `end` (live only) or `beginning` (backfill). */
  start_at: z.enum(['end', 'beginning']).default('end'),
  /** Keeps the read position across restarts. */
  state_file: z.string().min(1).optional(),
});

const actionWord = z.string().trim().min(1, 'must not be empty');

export const egressConfigSchema = z.strictObject({
  /** Addresses allowed to send SMTP out (the mail servers themselves). */
  mail_servers: z.array(addressOrCidr).default([]),
  sources: z.array(egressSourceSchema).default([]),
  /** Destination ports that count as SMTP. */
  ports: z.array(z.number().int().min(1).max(65535)).min(1).default([...DEFAULT_EGRESS_PORTS]),
  /** Source addresses with their own series at most; later ones are counted under "_overflow". */
  max_sources: z.number().int().min(1).max(100_000).default(1000),
  /**
   * When set, only sources inside these networks are reported (the firewall
   * host's own OUTPUT traffic always is): keeps internet scanners that a
   * logged default-deny rule sees out of the per-address series.
   */
  internal_networks: z.array(addressOrCidr).default([]),
  /** Words of an iptables/nftables/MikroTik log prefix that name the action, matched case-insensitively. */
  iptables_actions: z.strictObject({
    blocked: z.array(actionWord).default([...DEFAULT_BLOCKED_WORDS]),
    allowed: z.array(actionWord).default([...DEFAULT_ALLOWED_WORDS]),
  }).prefault({}),
}).superRefine((egress, ctx) => {
  const ports = new Set<number>();
  egress.ports.forEach((port, i) => {
    if (ports.has(port)) ctx.addIssue({ code: 'custom', path: ['ports', i], message: `duplicate port ${port}` });
    ports.add(port);
  });
  const paths = new Set<string>();
  egress.sources.forEach((source, i) => {
    if (paths.has(source.path)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'path'], message: 'the same file is already an egress source' });
    paths.add(source.path);
  });
});
export type EgressConfig = z.output<typeof egressConfigSchema>;
export type EgressSourceConfig = z.output<typeof egressSourceSchema>;
