// Discovering a domain's sending addresses from its SPF record (RFC 7208), so
// the DNSBL checker watches the addresses the world sees our mail from. This
// is enumeration, not evaluation: there is no connecting IP, so every
// mechanism is looked at (up to `all`), macros cannot be expanded, and only
// "+" (pass) mechanisms name our senders — "-", "~" and "?" name hosts that
// are NOT ours. The RFC's processing limits are kept all the same: a record
// that needs more than 10 DNS-querying terms is broken for every receiver,
// which is worth a metric of its own (mailrep_dnsbl_spf_lookups).
import { getDomain } from 'tldts';
import type { DnsLookup, LookupResult } from './dns';
import { formatCidr, parseAddressOrCidr, parseCidr, parseIp, expandCidr, type Cidr } from './ip';
import { domainMatches, normalizeDomain } from './targets-config';

export interface SpfResult {
  /** The walked domain, normalised. */
  domain: string;
  /** The domain's own SPF record, when it has exactly one. */
  record?: string;
  /**
   * Sending addresses, in discovery order, deduplicated. Networks of at most
   * `cidrMax` addresses are expanded; a larger one is represented by its
   * network address alone (and listed in `networks`).
   */
  addresses: string[];
  /** Networks too large to expand ("network/prefix"): only their network address is in `addresses`. */
  networks: string[];
  /**
   * Terms that cause DNS lookups (include, a, mx, ptr, exists, redirect; RFC
   * 7208 §4.6.4), over the whole walk. Past the limit the walk stops querying
   * but keeps counting the terms of records it already has, so when
   * `exceededLookupLimit` is set this is a lower bound of the true count (the
   * terms inside includes that were never fetched cannot be counted).
   */
  lookups: number;
  /** Lookups that returned NXDOMAIN or no records (§4.6.4: more than 2 is a permerror; the walk stops). */
  voidLookups: number;
  /** More than 10 lookup terms: receivers answer permerror for this domain's mail. */
  exceededLookupLimit: boolean;
  /** Terms skipped because their domain-spec holds a macro (needs a connecting IP or sender). */
  macrosSkipped: string[];
  /** Include/redirect chains that came back to a domain already being evaluated, "a -> b -> a". */
  loops: string[];
  /** DNS failures and permerrors, each naming the domain and term. Non-empty ⇒ the walk is incomplete. */
  errors: string[];
  /** Includes/redirects not followed, "domain (reason)": third-party, denied, or not a pass qualifier. */
  includesSkipped: string[];
}

export interface WalkSpfOptions {
  /** Follow includes/redirects into other registrable domains (Google, Microsoft, ESPs). */
  followThirdParty: boolean;
  /** Followed even when third-party: these names and their subdomains. Normalised names. */
  includeAllow?: string[];
  /** Never followed, own domain or not: these names and their subdomains. Normalised names. */
  includeDeny?: string[];
  /** Networks of at most this many addresses are expanded. */
  cidrMax: number;
  /** Stop collecting past this many addresses (bounded memory and label cardinality). Default 4096. */
  maxAddresses?: number;
}

/** RFC 7208 §4.6.4 limits. */
export const SPF_LOOKUP_LIMIT = 10;
export const SPF_VOID_LOOKUP_LIMIT = 2;
export const SPF_MX_LIMIT = 10;
const DEFAULT_MAX_ADDRESSES = 4096;
/** Bounds the lists of a result: a hostile record must not grow them without end. */
const MAX_REPORTED = 50;
/** Term text quoted in messages is cut here: it comes from somebody's DNS. */
const MAX_TERM_TEXT = 120;

// ---- parsing (pure) ----------------------------------------------------------

export type Qualifier = '+' | '-' | '~' | '?';

export type SpfTerm =
  | { kind: 'all'; qualifier: Qualifier; text: string }
  | { kind: 'ip4' | 'ip6'; qualifier: Qualifier; cidr: Cidr; text: string }
  /** `domain` undefined = the current domain; `macro` = domain-spec holds a macro (domain is the raw text). */
  | { kind: 'a' | 'mx'; qualifier: Qualifier; domain?: string; macro: boolean; cidr4: number; cidr6: number; text: string }
  | { kind: 'include' | 'exists'; qualifier: Qualifier; domain: string; macro: boolean; text: string }
  | { kind: 'ptr'; qualifier: Qualifier; domain?: string; macro: boolean; text: string }
  | ModifierTerm<'redirect'>
  | ModifierTerm<'exp'>
  /** Unknown modifiers are ignored (§6). */
  | { kind: 'modifier'; name: string; text: string };

/** redirect=domain-spec, exp=domain-spec. */
export interface ModifierTerm<K extends 'redirect' | 'exp'> { kind: K; domain: string; macro: boolean; text: string }

export type ParsedTerm = SpfTerm | { kind: 'invalid'; text: string; reason: string };

const MECHANISM = /^([+\-~?]?)(all|ip4|ip6|a|mx|ptr|exists|include)(?=$|[:/])/i;
const MODIFIER = /^([a-z][a-z0-9_.-]*)=/i;
// The dual-cidr-length at the end of an a/mx term: "/24", "//64", "/24//64".
const DUAL_CIDR = /(?:\/(0|[1-9]\d?))?(?:\/\/(0|[1-9]\d{0,2}))?$/;

/** Parses one space-separated term of an SPF record. */
export function parseSpfTerm(text: string): ParsedTerm {
  const invalid = (reason: string): ParsedTerm => ({ kind: 'invalid', text, reason });
  const m = MECHANISM.exec(text);
  if (m) {
    const qualifier = (m[1] || '+') as Qualifier;
    const name = m[2].toLowerCase() as 'all' | 'ip4' | 'ip6' | 'a' | 'mx' | 'ptr' | 'exists' | 'include';
    const rest = text.slice(m[0].length);
    switch (name) {
      case 'all':
        return rest === '' ? { kind: 'all', qualifier, text } : invalid('"all" takes no argument');
      case 'ip4':
      case 'ip6': {
        if (!rest.startsWith(':')) return invalid(`${name} needs an address`);
        const value = rest.slice(1);
        const cidr = parseAddressOrCidr(value);
        // ip4 takes a dotted quad; ip6 a colon form (an IPv4-mapped one is its IPv4 address).
        if (cidr === undefined || (name === 'ip4') !== (value.indexOf(':') === -1)) return invalid(`bad ${name} network`);
        return { kind: name, qualifier, cidr, text };
      }
      case 'a':
      case 'mx': {
        const cidrMatch = DUAL_CIDR.exec(rest)!;
        const cidr4 = cidrMatch[1] === undefined ? 32 : Number(cidrMatch[1]);
        const cidr6 = cidrMatch[2] === undefined ? 128 : Number(cidrMatch[2]);
        if (cidr4 > 32 || cidr6 > 128) return invalid('CIDR length out of range');
        const spec = rest.slice(0, cidrMatch.index);
        if (spec === '') return { kind: name, qualifier, macro: false, cidr4, cidr6, text };
        if (!spec.startsWith(':')) return invalid(`bad ${name} argument`);
        const domain = domainSpec(spec.slice(1));
        if (domain === undefined) return invalid('bad domain');
        return { kind: name, qualifier, domain: domain.value, macro: domain.macro, cidr4, cidr6, text };
      }
      case 'include':
      case 'exists': {
        if (!rest.startsWith(':')) return invalid(`${name} needs a domain`);
        const domain = domainSpec(rest.slice(1));
        if (domain === undefined) return invalid('bad domain');
        return { kind: name, qualifier, domain: domain.value, macro: domain.macro, text };
      }
      case 'ptr': {
        if (rest === '') return { kind: 'ptr', qualifier, macro: false, text };
        if (!rest.startsWith(':')) return invalid('bad ptr argument');
        const domain = domainSpec(rest.slice(1));
        if (domain === undefined) return invalid('bad domain');
        return { kind: 'ptr', qualifier, domain: domain.value, macro: domain.macro, text };
      }
    }
  }
  const mod = MODIFIER.exec(text);
  if (mod) {
    const name = mod[1].toLowerCase();
    if (name !== 'redirect' && name !== 'exp') return { kind: 'modifier', name, text };
    const domain = domainSpec(text.slice(mod[0].length));
    if (domain === undefined) return invalid('bad domain');
    return name === 'redirect'
      ? { kind: 'redirect', domain: domain.value, macro: domain.macro, text }
      : { kind: 'exp', domain: domain.value, macro: domain.macro, text };
  }
  return invalid('unknown mechanism');
}

/** A domain-spec: a normalised name, or (macro: true) the raw macro-string. */
function domainSpec(text: string): { value: string; macro: boolean } | undefined {
  if (text.indexOf('%') !== -1) {
    // Visible ASCII only (§7.1); the expansion itself needs a connecting IP.
    return /^[\x21-\x7e]+$/.test(text) ? { value: text, macro: true } : undefined;
  }
  const name = normalizeDomain(text);
  return name === undefined ? undefined : { value: name, macro: false };
}

const SPF_VERSION = /^v=spf1(?: |$)/i;

/** Picks the SPF record among a name's TXT strings: none, one, or a permerror for several (§4.5). */
export function selectSpfRecord(txts: readonly string[]): { record?: string; error?: string } {
  const records = txts.filter((t) => SPF_VERSION.test(t));
  if (records.length > 1) return { error: `${records.length} SPF records (permerror)` };
  return records.length === 1 ? { record: records[0] } : {};
}

/** Splits and parses a record; a syntax error or a repeated redirect/exp makes the whole record a permerror. */
export function parseSpfRecord(record: string): { terms: SpfTerm[] } | { error: string } {
  if (!SPF_VERSION.test(record)) return { error: 'not an SPF record' };
  const terms: SpfTerm[] = [];
  const seen = new Set<string>();
  for (const text of record.slice(6).split(' ')) {
    if (text === '') continue;
    const term = parseSpfTerm(text);
    if (term.kind === 'invalid') return { error: `${quote(term.text)}: ${term.reason} (permerror)` };
    if (term.kind === 'redirect' || term.kind === 'exp') {
      if (seen.has(term.kind)) return { error: `more than one ${term.kind}= (permerror)` };
      seen.add(term.kind);
    }
    terms.push(term);
  }
  return { terms };
}

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_TERM_TEXT ? `${text.slice(0, MAX_TERM_TEXT)}…` : text);
}

// ---- walking -----------------------------------------------------------------

/**
 * Walks `domain`'s SPF record and what it includes, collecting the addresses
 * that may send as the domain. Never throws; a DNS failure is in `errors` (so
 * "no SPF" and "could not tell" are never confused).
 *
 * Third-party: an include/redirect whose registrable domain (Public Suffix
 * List) differs from that of the record naming it. Followed only with
 * `followThirdParty` or when allow-listed; the deny list wins over both, and
 * applies to the own domain too.
 */
export async function walkSpf(domain: string, lookup: DnsLookup, opts: WalkSpfOptions): Promise<SpfResult> {
  const walk = new SpfWalk(lookup, opts);
  const name = normalizeDomain(domain);
  if (name === undefined) {
    walk.error(`${quote(domain)} is not a domain name`);
    return walk.result(domain);
  }
  await walk.evaluate(name, [], 'top');
  return walk.result(name);
}

type Role = 'top' | 'include' | 'redirect';

class SpfWalk {
  private readonly addresses = new Set<string>();
  private readonly networks: string[] = [];
  private readonly macrosSkipped: string[] = [];
  private readonly loops: string[] = [];
  private readonly errors: string[] = [];
  private readonly includesSkipped: string[] = [];
  private lookups = 0;
  private voidLookups = 0;
  /** Set once a limit is hit: from then on terms are counted, never queried. */
  private halted = false;
  private capReported = false;
  private record?: string;
  private readonly maxAddresses: number;

  constructor(private readonly dns: DnsLookup, private readonly opts: WalkSpfOptions) {
    this.maxAddresses = opts.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
  }

  result(domain: string): SpfResult {
    return {
      domain,
      ...(this.record !== undefined ? { record: this.record } : {}),
      addresses: [...this.addresses],
      networks: this.networks,
      lookups: this.lookups,
      voidLookups: this.voidLookups,
      exceededLookupLimit: this.lookups > SPF_LOOKUP_LIMIT,
      macrosSkipped: this.macrosSkipped,
      loops: this.loops,
      errors: this.errors,
      includesSkipped: this.includesSkipped,
    };
  }

  error(message: string): void {
    push(this.errors, message);
  }

  /** Evaluates the SPF record of `domain`; `stack` holds the domains being evaluated above it. */
  async evaluate(domain: string, stack: string[], role: Role): Promise<void> {
    const txt = await this.dns.lookup(domain, 'TXT');
    if (!txt.ok) {
      this.error(`${domain}: TXT lookup failed: ${txt.reason}`);
      return;
    }
    const picked = selectSpfRecord(txt.records.map((r) => r.data));
    if (picked.error !== undefined) {
      this.error(`${domain}: ${picked.error}`);
      return;
    }
    if (picked.record === undefined) {
      if (role === 'top') {
        // No SPF record is not an error; a domain that does not exist is.
        if (txt.rcode === 'NXDOMAIN') this.error(`${domain}: domain does not exist`);
        return;
      }
      if (txt.rcode === 'NXDOMAIN' || txt.records.length === 0) this.countVoid(domain);
      this.error(`${domain}: ${role} target has no SPF record (permerror)`);
      return;
    }
    if (role === 'top') this.record = picked.record;
    const parsed = parseSpfRecord(picked.record);
    if ('error' in parsed) {
      this.error(`${domain}: ${parsed.error}`);
      return;
    }
    const inner = [...stack, domain];
    let sawAll = false;
    let redirect: ModifierTerm<'redirect'> | undefined;
    for (const term of parsed.terms) {
      if (term.kind === 'redirect') { redirect = term; continue; }
      if (sawAll) continue; // mechanisms after "all" are never evaluated
      switch (term.kind) {
        case 'all':
          sawAll = true;
          break;
        case 'ip4':
        case 'ip6':
          if (term.qualifier === '+') this.addNetwork(term.cidr);
          break;
        case 'a':
        case 'mx':
          if (this.countLookup() && this.usable(term, domain)) {
            if (term.kind === 'a') await this.collectHost(domain, term, term.domain ?? domain);
            else await this.collectMx(domain, term, term.domain ?? domain);
          }
          break;
        case 'include':
          if (this.countLookup() && this.usable(term, domain) && this.follow(domain, term.domain, inner, 'include')) {
            await this.evaluate(term.domain, inner, 'include');
          }
          break;
        case 'exists':
        case 'ptr':
          // Nothing to collect: exists needs a macro to mean anything, ptr
          // the connecting IP. They count all the same.
          this.countLookup();
          if (term.macro) push(this.macrosSkipped, `${domain}: ${term.text}`);
          break;
        case 'exp':
        case 'modifier':
          break;
      }
    }
    // §6.1: redirect applies only when no "all" mechanism is present.
    if (redirect !== undefined && !sawAll && this.countLookup()) {
      if (redirect.macro) push(this.macrosSkipped, `${domain}: ${redirect.text}`);
      else if (this.follow(domain, redirect.domain, inner, 'redirect')) await this.evaluate(redirect.domain, inner, 'redirect');
    }
  }

  /** Counts a DNS-querying term; false when the walk must not query for it. */
  private countLookup(): boolean {
    this.lookups++;
    if (this.lookups > SPF_LOOKUP_LIMIT && !this.halted) {
      this.halted = true;
      this.error(`more than ${SPF_LOOKUP_LIMIT} DNS-querying terms (permerror); the rest was not queried`);
    }
    return !this.halted;
  }

  private countVoid(what: string): void {
    this.voidLookups++;
    if (this.voidLookups > SPF_VOID_LOOKUP_LIMIT && !this.halted) {
      this.halted = true;
      this.error(`more than ${SPF_VOID_LOOKUP_LIMIT} void lookups (permerror, at ${what}); the rest was not queried`);
    }
  }

  /** A macro term is reported, a non-pass one skipped: neither is queried. */
  private usable(term: { qualifier: Qualifier; macro: boolean; text: string; kind: string; domain?: string }, domain: string): boolean {
    if (term.macro) {
      push(this.macrosSkipped, `${domain}: ${term.text}`);
      return false;
    }
    if (term.qualifier !== '+') {
      if (term.kind === 'include') push(this.includesSkipped, `${term.domain} (qualifier ${term.qualifier})`);
      return false;
    }
    return true;
  }

  /** Whether to descend into `target` named by `from`'s record: deny list, third-party rule, loops. */
  private follow(from: string, target: string, stack: string[], role: 'include' | 'redirect'): boolean {
    const deny = this.opts.includeDeny ?? [];
    if (deny.some((d) => domainMatches(target, d))) {
      push(this.includesSkipped, `${target} (denied)`);
      return false;
    }
    if (!this.opts.followThirdParty && registrable(target) !== registrable(from)) {
      const allow = this.opts.includeAllow ?? [];
      if (!allow.some((d) => domainMatches(target, d))) {
        push(this.includesSkipped, `${target} (third-party)`);
        return false;
      }
    }
    if (stack.includes(target)) {
      push(this.loops, [...stack, target].join(' -> '));
      this.error(`${from}: ${role}:${target} loops back (permerror)`);
      return false;
    }
    return true;
  }

  /** a[:domain][/c4][//c6]: the A and AAAA of `name`. */
  private async collectHost(domain: string, term: { text: string; cidr4: number; cidr6: number }, name: string): Promise<void> {
    const found = await this.hostAddresses(name);
    for (const e of found.errors) this.error(`${domain}: ${term.text}: ${e}`);
    if (found.void) this.countVoid(`${domain}: ${term.text}`);
    for (const ip of found.addresses) this.addHost(ip, term.cidr4, term.cidr6);
  }

  /** mx[:domain][/c4][//c6]: the A and AAAA of each MX host (at most 10 MX records, §4.6.4). */
  private async collectMx(domain: string, term: { text: string; cidr4: number; cidr6: number }, name: string): Promise<void> {
    const mx = await this.dns.lookup(name, 'MX');
    if (!mx.ok) {
      this.error(`${domain}: ${term.text}: MX lookup failed: ${mx.reason}`);
      return;
    }
    const hosts = byPreference(mx.records).filter((h) => h !== '' && h !== '.'); // "." is a null MX (RFC 7505)
    if (mx.records.length === 0) {
      this.countVoid(`${domain}: ${term.text}`);
      return;
    }
    if (mx.records.length > SPF_MX_LIMIT) {
      this.error(`${domain}: ${term.text}: ${mx.records.length} MX records, more than ${SPF_MX_LIMIT} (permerror)`);
      return;
    }
    const results = await Promise.all(hosts.map((h) => this.hostAddresses(h)));
    results.forEach((found, i) => {
      for (const e of found.errors) this.error(`${domain}: ${term.text}: MX host ${hosts[i]}: ${e}`);
      if (found.void) this.countVoid(`${domain}: ${term.text}: MX host ${hosts[i]}`);
      for (const ip of found.addresses) this.addHost(ip, term.cidr4, term.cidr6);
    });
  }

  private async hostAddresses(name: string): Promise<{ addresses: { family: 4 | 6; address: string }[]; errors: string[]; void: boolean }> {
    const [a, aaaa] = await Promise.all([this.dns.lookup(name, 'A'), this.dns.lookup(name, 'AAAA')]);
    const out = { addresses: [] as { family: 4 | 6; address: string }[], errors: [] as string[], void: false };
    collectAddresses(a, 'A', out);
    collectAddresses(aaaa, 'AAAA', out);
    out.void = a.ok && aaaa.ok && out.addresses.length === 0;
    return out;
  }

  private addHost(ip: { family: 4 | 6; address: string }, cidr4: number, cidr6: number): void {
    const prefix = ip.family === 4 ? cidr4 : cidr6;
    this.addNetwork(parseCidr(`${ip.address}/${prefix}`)!);
  }

  private addNetwork(cidr: Cidr): void {
    if (cidr.size === 1n) this.addAddress(cidr.network);
    else if (cidr.size <= BigInt(this.opts.cidrMax)) for (const a of expandCidr(cidr, this.opts.cidrMax)) this.addAddress(a);
    else {
      const text = formatCidr(cidr);
      if (!this.networks.includes(text) && this.networks.length < MAX_REPORTED) this.networks.push(text);
      this.addAddress(cidr.network);
    }
  }

  private addAddress(address: string): void {
    if (this.addresses.has(address)) return;
    if (this.addresses.size >= this.maxAddresses) {
      if (!this.capReported) this.error(`more than ${this.maxAddresses} addresses; the rest was dropped`);
      this.capReported = true;
      return;
    }
    this.addresses.add(address);
  }
}

function collectAddresses(result: LookupResult, type: 'A' | 'AAAA', out: { addresses: { family: 4 | 6; address: string }[]; errors: string[] }): void {
  if (!result.ok) {
    out.errors.push(`${type} lookup failed: ${result.reason}`);
    return;
  }
  for (const r of result.records) {
    const ip = parseIp(r.data);
    if (ip !== undefined && ip.family === (type === 'A' ? 4 : 6)) out.addresses.push(ip);
  }
}

/** MX exchanges by preference, then name: the order servers send them in is their own. */
export function byPreference(records: readonly { data: string; priority?: number }[]): string[] {
  return [...records]
    .sort((x, y) => (x.priority ?? 0) - (y.priority ?? 0) || (x.data < y.data ? -1 : x.data > y.data ? 1 : 0))
    .map((r) => r.data);
}

function registrable(name: string): string {
  return getDomain(name, { allowPrivateDomains: true }) ?? name;
}

function push(list: string[], item: string): void {
  if (list.length < MAX_REPORTED && !list.includes(item)) list.push(item);
}
