// The `dnsbl.targets` config: what the exporter checks on the DNSBLs. Entries
// are validated and normalised here (canonical addresses, CIDRs, A-label
// lower-case names), so a typo fails at load with its path, e.g.
// `dnsbl.targets[3]: 10.0.0.0/16 has 65536 addresses, more than cidr_max_addresses (256)`.
//
//   targets:
//     - 192.0.2.10                 # an address (IPv4 or IPv6)
//     - 198.51.100.0/28            # a small network, every address checked
//     - mx1.example.com            # a hostname, A and AAAA re-resolved every round
//     - { domain: example.com, spf: true, mx: true }
//     - { address: 2001:db8::25 }
//     - { hostname: smtp.example.net }
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { formatCidr, parseCidr, parseIp } from './ip';

export type TargetSpec =
  /** A single address, canonical text (see parseIp). */
  | { kind: 'address'; address: string; family: 4 | 6 }
  /** A network, canonical "network/prefix"; expanded to its addresses each round. */
  | { kind: 'cidr'; cidr: string; family: 4 | 6 }
  /** Resolved (A and AAAA) every round. */
  | { kind: 'hostname'; hostname: string }
  | DomainTargetSpec;

export interface DomainTargetSpec {
  kind: 'domain';
  domain: string;
  /** Walk the domain's SPF record for its sending addresses (origin spf:<domain>). */
  spf: boolean;
  /** Check the domain's MX hosts' addresses (origin mx:<domain>). */
  mx: boolean;
  /** Check the domain itself on domain lists (origin static). */
  checkDomain: boolean;
  /** Follow SPF includes of other registrable domains (ESPs, Google, Microsoft). */
  spfThirdParty: boolean;
  /** Include/redirect domains followed even when third-party (the name or any subdomain of it). */
  spfIncludeAllow: string[];
  /** Include/redirect domains never followed (the name or any subdomain of it). */
  spfIncludeDeny: string[];
}

export const DEFAULT_CIDR_MAX_ADDRESSES = 256;
export const DEFAULT_SPF_CIDR_MAX_ADDRESSES = 16;
/** Hard ceiling for both caps: 65,536 queries per list per round is already a lot. */
export const CIDR_MAX_ADDRESSES_LIMIT = 65536;

/**
 * Options that go with `targets`, for the lead to merge into the dnsbl section
 * (`z.strictObject({ ...targetOptionsShape, targets: targetsSchema, ... })`).
 */
export const targetOptionsShape = {
  /** A configured CIDR with more addresses is a config error (a typo such as /16 for /28). */
  cidr_max_addresses: z.number().int().min(1).max(CIDR_MAX_ADDRESSES_LIMIT).default(DEFAULT_CIDR_MAX_ADDRESSES),
  /**
   * An SPF ip4:/ip6: network (or a/mx with a CIDR suffix) of at most this many
   * addresses is expanded; a larger one is checked by its network address only
   * and reported in SpfResult.networks. Not an error: the record is not ours to fix.
   */
  spf_cidr_max_addresses: z.number().int().min(1).max(CIDR_MAX_ADDRESSES_LIMIT).default(DEFAULT_SPF_CIDR_MAX_ADDRESSES),
};
export interface TargetOptions { cidr_max_addresses: number; spf_cidr_max_addresses: number }

/**
 * A DNS name as the exporter uses it: IDN → A-label (punycode), lower case, no
 * trailing dot, labels 1–63 of a-z 0-9 - _ (underscore for _spf and similar),
 * at most 253 characters, at least two labels, a top label that is not all
 * digits (so "192.0.2.300" is not taken for a name). Undefined otherwise.
 */
export function normalizeDomain(text: string): string | undefined {
  if (text.length === 0 || text.length > 253 * 4) return undefined;
  let name = text.endsWith('.') ? text.slice(0, -1) : text;
  // domainToASCII lower-cases and punycodes; it rejects underscores, which
  // ASCII names may carry (_spf.google.com), so it only sees non-ASCII input.
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(name)) name = domainToASCII(name);
  else name = name.toLowerCase();
  if (name === '' || name.length > 253) return undefined;
  const labels = name.split('.');
  if (labels.length < 2) return undefined;
  for (const label of labels) {
    if (!/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) return undefined;
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return undefined;
  return name;
}

/** True when `name` is `base` or a subdomain of it (both normalised). */
export function domainMatches(name: string, base: string): boolean {
  return name === base || (name.length > base.length && name.endsWith(base) && name[name.length - base.length - 1] === '.');
}

const domainName = z.string().transform((text, ctx) => {
  const name = normalizeDomain(text);
  if (name === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a domain name` });
    return z.NEVER;
  }
  return name;
});

const addressOrNetwork = z.string().transform((text, ctx): TargetSpec => {
  const spec = addressSpec(text);
  if (spec === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not an IP address or CIDR` });
    return z.NEVER;
  }
  return spec;
});

const hostnameObject = z.strictObject({ hostname: domainName }).transform((o): TargetSpec => ({ kind: 'hostname', hostname: o.hostname }));
const addressObject = z.strictObject({ address: addressOrNetwork }).transform((o) => o.address);
const domainObject = z.strictObject({
  domain: domainName,
  spf: z.boolean().default(false),
  mx: z.boolean().default(false),
  check_domain: z.boolean().default(true),
  spf_third_party: z.boolean().default(false),
  spf_include_allow: z.array(domainName).max(100).default([]),
  spf_include_deny: z.array(domainName).max(100).default([]),
}).transform((o): TargetSpec => ({
  kind: 'domain', domain: o.domain, spf: o.spf, mx: o.mx, checkDomain: o.check_domain,
  spfThirdParty: o.spf_third_party, spfIncludeAllow: o.spf_include_allow, spfIncludeDeny: o.spf_include_deny,
}));

function addressSpec(text: string): TargetSpec | undefined {
  if (text.indexOf('/') !== -1) {
    const cidr = parseCidr(text);
    return cidr && { kind: 'cidr', cidr: formatCidr(cidr), family: cidr.family };
  }
  const ip = parseIp(text);
  return ip && { kind: 'address', address: ip.address, family: ip.family };
}

/** One `targets` entry: a string (address, CIDR or hostname) or one of the three object forms. */
export const targetEntrySchema = z.unknown().transform((value, ctx): TargetSpec => {
  if (typeof value === 'string') {
    const spec = addressSpec(value);
    if (spec) return spec;
    const hostname = normalizeDomain(value);
    if (hostname !== undefined) return { kind: 'hostname', hostname };
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not an IP address, CIDR or hostname` });
    return z.NEVER;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const schema = 'domain' in value ? domainObject : 'address' in value ? addressObject : 'hostname' in value ? hostnameObject : undefined;
    if (schema) {
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
      return z.NEVER;
    }
  }
  ctx.addIssue({ code: 'custom', message: 'expected an IP address, CIDR or hostname, or an object with one of the keys domain, address, hostname' });
  return z.NEVER;
});

/** `dnsbl.targets`: empty (the default) means "this host's public interface addresses". */
export const targetsSchema = z.array(targetEntrySchema).max(10_000);

/**
 * The checks that need a sibling option (zod cannot see `cidr_max_addresses`
 * from inside an array element). Attach it to the object that holds both keys:
 *
 *   dnsblConfigSchema.superRefine((d, ctx) => validateTargets(d.targets, d, ctx))
 *
 * Issues are added at path ['targets', i] relative to that object, so they
 * read `dnsbl.targets[3]: …`. `path` changes the array key if it is not `targets`.
 */
export function validateTargets(entries: readonly TargetSpec[], options: Pick<TargetOptions, 'cidr_max_addresses'>, ctx: z.RefinementCtx, path: PropertyKey[] = ['targets']): void {
  const max = options.cidr_max_addresses;
  entries.forEach((entry, i) => {
    if (entry.kind !== 'cidr') return;
    const cidr = parseCidr(entry.cidr)!;
    if (cidr.size > BigInt(max)) {
      ctx.addIssue({ code: 'custom', path: [...path, i], message: `${entry.cidr} has ${cidr.size} addresses, more than cidr_max_addresses (${max})` });
    }
  });
}

/**
 * The targets keys as a section of their own, with validateTargets attached:
 * what the lead's dnsbl schema must behave like, and what the tests use.
 */
export const targetsSectionSchema = z.strictObject({ targets: targetsSchema.default([]), ...targetOptionsShape })
  .superRefine((d, ctx) => validateTargets(d.targets, d, ctx));
