// Turning the configured targets into this round's list of things to check:
// addresses and CIDRs as they are, hostnames re-resolved (A and AAAA) every
// round, domains walked for their SPF senders and MX hosts, and — with nothing
// configured — this host's public interface addresses. Every target carries
// the origins that produced it, for mailrep_dnsbl_target_info{target,origin}.
//
// A lookup that fails is a problem of this round, reported by name; nothing
// from an earlier round is reused here (the caller decides whether to keep
// checking a hostname's old addresses).
import type { DnsLookup, LookupResult } from './dns';
import type { Logger } from '../log';
import { compareAddresses, expandCidr, parseCidr, parseIp } from './ip';
import { publicInterfaceAddresses, type InterfaceAddress } from './interfaces';
import { byPreference, walkSpf, type SpfResult } from './spf';
import { DEFAULT_CIDR_MAX_ADDRESSES, DEFAULT_SPF_CIDR_MAX_ADDRESSES, type DomainTargetSpec, type TargetSpec } from './targets-config';

export interface ResolvedTarget {
  kind: 'ip' | 'domain';
  /** Canonical address text, or the normalised domain. */
  value: string;
  /** Sorted: 'static', 'hostname:<h>', 'spf:<d>', 'mx:<d>', 'interface:<ifname>'. */
  origins: string[];
}

export interface TargetRoundResult {
  /** Deduplicated by kind+value with origins merged; domains first (by name), then IPv4, then IPv6 (numerically). */
  targets: ResolvedTarget[];
  /** One per domain target with spf: true, in config order. */
  spf: SpfResult[];
  /** What went wrong this round, e.g. "hostname mx1.example.com: timeout"; each names its target. */
  problems: string[];
  /** True when no targets were configured and the host's interface addresses were used. */
  fromInterfaces: boolean;
}

export interface ResolveTargetsOptions {
  /** cidr_max_addresses; the config already refuses larger CIDRs. Default 256. */
  cidrMax?: number;
  /** spf_cidr_max_addresses: SPF networks up to this size are expanded. Default 16. */
  spfCidrMax?: number;
  /** The default (no targets configured) is announced at info, SPF notes at debug. */
  log?: Logger;
  /** Where the no-config default comes from; injectable for tests. */
  interfaces?: () => InterfaceAddress[];
}

/** Bounds what one domain's MX set can add (RFC 7208's SPF limit is 10; this is for the mx: option). */
export const MX_HOST_LIMIT = 20;

/** Resolves every spec; never throws. Specs are resolved concurrently (the resolver bounds concurrency). */
export async function resolveTargets(specs: readonly TargetSpec[], lookup: DnsLookup, opts: ResolveTargetsOptions = {}): Promise<TargetRoundResult> {
  const acc = new Accumulator();
  const spf: SpfResult[] = [];
  if (specs.length === 0) {
    const found = (opts.interfaces ?? publicInterfaceAddresses)();
    for (const { address, iface } of found) acc.add('ip', address, `interface:${iface}`);
    if (found.length === 0) {
      acc.problem('no dnsbl.targets configured and this host has no public interface address: configure dnsbl.targets (behind NAT, the public address or the mail domain)');
    } else {
      opts.log?.info('no dnsbl.targets configured: checking this host\'s public interface addresses', {
        addresses: found.map((f) => `${f.address} (${f.iface})`).join(', '),
      });
    }
    return { ...acc.result(), spf, fromInterfaces: true };
  }

  const cidrMax = opts.cidrMax ?? DEFAULT_CIDR_MAX_ADDRESSES;
  const spfCidrMax = opts.spfCidrMax ?? DEFAULT_SPF_CIDR_MAX_ADDRESSES;
  const spfSlots: (SpfResult | undefined)[] = [];
  await Promise.all(specs.map(async (spec) => {
    switch (spec.kind) {
      case 'address':
        acc.add('ip', spec.address, 'static');
        return;
      case 'cidr': {
        const cidr = parseCidr(spec.cidr);
        if (cidr === undefined) return acc.problem(`cidr ${spec.cidr}: not a network`);
        try {
          for (const address of expandCidr(cidr, cidrMax)) acc.add('ip', address, 'static');
        } catch (err) {
          acc.problem(`cidr ${(err as Error).message}`);
        }
        return;
      }
      case 'hostname': {
        const found = await resolveHostname(spec.hostname, lookup);
        for (const address of found.addresses) acc.add('ip', address, `hostname:${spec.hostname}`);
        if (found.problem !== undefined) acc.problem(`hostname ${spec.hostname}: ${found.problem}`);
        return;
      }
      case 'domain': {
        const slot = spfSlots.length;
        if (spec.spf) spfSlots.push(undefined);
        await resolveDomain(spec, lookup, acc, spfCidrMax, opts.log, (result) => { spfSlots[slot] = result; });
        return;
      }
    }
  }));
  for (const r of spfSlots) if (r !== undefined) spf.push(r);
  return { ...acc.result(), spf, fromInterfaces: false };
}

async function resolveDomain(
  spec: DomainTargetSpec, lookup: DnsLookup, acc: Accumulator, spfCidrMax: number, log: Logger | undefined,
  onSpf: (r: SpfResult) => void,
): Promise<void> {
  if (spec.checkDomain) acc.add('domain', spec.domain, 'static');
  const tasks: Promise<void>[] = [];
  if (spec.spf) {
    tasks.push(walkSpf(spec.domain, lookup, {
      followThirdParty: spec.spfThirdParty, includeAllow: spec.spfIncludeAllow, includeDeny: spec.spfIncludeDeny, cidrMax: spfCidrMax,
    }).then((result) => {
      onSpf(result);
      for (const address of result.addresses) acc.add('ip', address, `spf:${spec.domain}`);
      for (const e of result.errors) acc.problem(`spf ${spec.domain}: ${e}`);
      if (result.macrosSkipped.length > 0 || result.includesSkipped.length > 0 || result.networks.length > 0) {
        log?.debug('SPF walk skipped parts of the record', {
          domain: spec.domain, macros: result.macrosSkipped.join(' '), includes: result.includesSkipped.join(' '),
          networks_not_expanded: result.networks.join(' '),
        });
      }
    }));
  }
  if (spec.mx) {
    tasks.push(resolveMx(spec.domain, lookup).then((found) => {
      for (const address of found.addresses) acc.add('ip', address, `mx:${spec.domain}`);
      for (const p of found.problems) acc.problem(`mx ${spec.domain}: ${p}`);
      if (found.nullMx) log?.debug('domain has a null MX (accepts no mail): no MX hosts to check', { domain: spec.domain });
    }));
  }
  await Promise.all(tasks);
}

/**
 * A and AAAA of `name`. `problem` is set when either lookup failed (the other
 * one's addresses are still returned) or when the name has no address at all.
 */
export async function resolveHostname(name: string, lookup: DnsLookup): Promise<{ addresses: string[]; problem?: string }> {
  const [a, aaaa] = await Promise.all([lookup.lookup(name, 'A'), lookup.lookup(name, 'AAAA')]);
  const addresses = [...addressesOf(a, 4), ...addressesOf(aaaa, 6)];
  if (!a.ok && !aaaa.ok) {
    return { addresses, problem: a.reason === aaaa.reason ? a.reason : `A ${a.reason}, AAAA ${aaaa.reason}` };
  }
  if (!a.ok) return { addresses, problem: `A ${a.reason}` };
  if (!aaaa.ok) return { addresses, problem: `AAAA ${aaaa.reason}` };
  if (addresses.length > 0) return { addresses };
  if (a.rcode === 'NXDOMAIN' && aaaa.rcode === 'NXDOMAIN') return { addresses, problem: 'does not exist (NXDOMAIN)' };
  return { addresses, problem: 'no A or AAAA records' };
}

/**
 * The addresses of `domain`'s MX hosts, lowest preference first, at most
 * MX_HOST_LIMIT hosts. A null MX (RFC 7505: one MX of ".") means no mail
 * hosts; no MX at all means the domain itself receives mail (RFC 5321 §5.1
 * implicit MX), so its own A/AAAA are the MX addresses.
 */
export async function resolveMx(domain: string, lookup: DnsLookup): Promise<{ addresses: string[]; problems: string[]; nullMx: boolean }> {
  const mx = await lookup.lookup(domain, 'MX');
  if (!mx.ok) return { addresses: [], problems: [mx.reason], nullMx: false };
  if (mx.rcode === 'NXDOMAIN') return { addresses: [], problems: ['domain does not exist (NXDOMAIN)'], nullMx: false };
  if (mx.records.length === 0) {
    const implicit = await resolveHostname(domain, lookup);
    const problems = implicit.problem === undefined ? [] : [`no MX records, and the domain's own address: ${implicit.problem}`];
    return { addresses: implicit.addresses, problems, nullMx: false };
  }
  const hosts = [...new Set(byPreference(mx.records).filter((h) => h !== '' && h !== '.'))];
  if (hosts.length === 0) return { addresses: [], problems: [], nullMx: true };
  const problems: string[] = [];
  if (hosts.length > MX_HOST_LIMIT) problems.push(`${hosts.length} MX hosts, only the first ${MX_HOST_LIMIT} are checked`);
  const used = hosts.slice(0, MX_HOST_LIMIT);
  const results = await Promise.all(used.map((h) => resolveHostname(h, lookup)));
  const addresses: string[] = [];
  results.forEach((r, i) => {
    addresses.push(...r.addresses);
    if (r.problem !== undefined) problems.push(`host ${used[i]}: ${r.problem}`);
  });
  return { addresses, problems, nullMx: false };
}

function addressesOf(result: LookupResult, family: 4 | 6): string[] {
  if (!result.ok) return [];
  const out: string[] = [];
  for (const r of result.records) {
    const ip = parseIp(r.data);
    if (ip !== undefined && ip.family === family) out.push(ip.address);
  }
  return out;
}

/** Targets keyed by kind+value with their origin sets, and the round's problems. */
class Accumulator {
  private readonly targets = new Map<string, { kind: 'ip' | 'domain'; value: string; origins: Set<string> }>();
  private readonly problems: string[] = [];

  add(kind: 'ip' | 'domain', value: string, origin: string): void {
    const key = `${kind} ${value}`;
    const t = this.targets.get(key);
    if (t) t.origins.add(origin);
    else this.targets.set(key, { kind, value, origins: new Set([origin]) });
  }

  problem(text: string): void {
    if (!this.problems.includes(text)) this.problems.push(text);
  }

  result(): { targets: ResolvedTarget[]; problems: string[] } {
    const targets = [...this.targets.values()].map((t) => ({ kind: t.kind, value: t.value, origins: [...t.origins].sort() }));
    targets.sort((a, b) => {
      if (a.kind !== b.kind) return a.kind === 'domain' ? -1 : 1;
      if (a.kind === 'ip') return compareAddresses(a.value, b.value);
      return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    });
    return { targets, problems: this.problems.sort() };
  }
}
