// The built-in catalogue: what the exporter knows about live DNSBLs, so a user
// writes `zen.spamhaus.org` and gets the right codes, error codes, IPv6
// support, tier and delisting link. Sources: the operators' documentation,
// RFC 5782, rspamd's rbl.conf and checkers' issue trackers (collected in the
// project's DNSBL reference). The decode table wins over generic rules: on
// hostkarma 127.0.0.1 is "white", on URIBL it means "your resolver is refused".
//
// Tiers (what a listing costs you): critical — big receivers reject on it
// (Spamhaus); high — widely used for rejection (SpamCop, Barracuda, Mailspike
// BL, CBL); medium — policy lists and smaller but common lists; low —
// aggressive or niche lists (UCEPROTECT L2/L3, s5h); info — reputation and
// whitelist zones that never mean "blocked".
import type { CodeMeaning, ListDefinition } from './model';

const listed = (meaning: string): CodeMeaning => ({ meaning, class: 'listed' });
const info = (meaning: string): CodeMeaning => ({ meaning, class: 'informational' });
const white = (meaning: string): CodeMeaning => ({ meaning, class: 'whitelist' });
const error = (meaning: string, reason: CodeMeaning['reason']): CodeMeaning => ({ meaning, class: 'error', reason });

/** Last octet of 127.0.0.x → meaning. */
function lastOctet(table: Record<number, CodeMeaning>): Record<string, CodeMeaning> {
  const out: Record<string, CodeMeaning> = {};
  for (const [octet, m] of Object.entries(table)) out[`127.0.0.${octet}`] = m;
  return out;
}

// Spamhaus answers these on every public zone (and CBL, which it runs) instead
// of NXDOMAIN when it will not answer: https://www.spamhaus.org/resource-hub/dnsbl/
const SPAMHAUS_ERRORS: Record<string, CodeMeaning> = {
  '127.255.255.252': error('Spamhaus: typo in the DNSBL zone name', 'bad_query'),
  '127.255.255.254': error('Spamhaus: query via a public/open resolver or one without attributable reverse DNS', 'blocked_resolver'),
  '127.255.255.255': error('Spamhaus: excessive number of queries', 'rate_limited'),
};
// DQS keys: "the last two codes are associated with invalid DQS keys".
const DQS_ERRORS: Record<string, CodeMeaning> = {
  ...SPAMHAUS_ERRORS,
  '127.255.255.250': error('Spamhaus DQS: key disabled', 'bad_key'),
  '127.255.255.251': error('Spamhaus DQS: key rejected (in use elsewhere or not valid)', 'bad_key'),
};

const SBL = lastOctet({
  2: listed('SBL: Spamhaus Block List (spam source or spam operation)'),
  3: listed('SBL CSS: Spamhaus snowshoe/low-reputation sender'),
  9: listed('SBL DROP/EDROP: hijacked or criminal network'),
  30: listed('SBL BCL: botnet controller'),
});
const XBL = lastOctet({
  4: listed('XBL: exploited host (CBL: malware, botnet, open proxy)'),
  5: listed('XBL: exploited host (reserved code 5)'),
  6: listed('XBL: exploited host (reserved code 6)'),
  7: listed('XBL: exploited host (reserved code 7)'),
});
const PBL = lastOctet({
  10: listed('PBL: end-user range that should not send direct-to-MX (ISP maintained)'),
  11: listed('PBL: end-user range that should not send direct-to-MX (Spamhaus maintained)'),
});
const DBL: Record<string, CodeMeaning> = {
  '127.0.1.2': listed('DBL: spam domain'),
  '127.0.1.4': listed('DBL: phishing domain'),
  '127.0.1.5': listed('DBL: malware domain'),
  '127.0.1.6': listed('DBL: botnet C&C domain'),
  '127.0.1.102': listed('DBL: abused legitimate domain (spam)'),
  '127.0.1.103': listed('DBL: abused legitimate domain (spammed redirector/URL shortener)'),
  '127.0.1.104': listed('DBL: abused legitimate domain (phishing)'),
  '127.0.1.105': listed('DBL: abused legitimate domain (malware)'),
  '127.0.1.106': listed('DBL: abused legitimate domain (botnet C&C)'),
  '127.0.1.255': error('Spamhaus DBL: an IP address was queried against a domain list', 'bad_query'),
};
const ZRD: Record<string, CodeMeaning> = {};
for (let h = 2; h <= 24; h++) ZRD[`127.0.2.${h}`] = listed(`ZRD: newly observed domain, first seen up to ${h} hours ago`);

const SPAMHAUS_LOOKUP = 'https://check.spamhaus.org/results/?query={target}';

function spamhaus(zone: string, codes: Record<string, CodeMeaning>, extra: Partial<ListDefinition>): ListDefinition {
  return {
    name: zone, zone, type: 'ip', ipv6: true, query: 'name', codes: { ...codes, ...SPAMHAUS_ERRORS },
    tier: 'critical', delistUrl: SPAMHAUS_LOOKUP, canaries: true, ...extra,
  };
}

/**
 * A list with an exact code table; a string is the meaning of the usual
 * single code 127.0.0.2. Defaults: IPv4 only, tier medium, no canaries (only
 * lists known to carry the RFC 5782 test entries set them: "unsupported" must
 * not look like "broken").
 */
function list(zone: string, codes: string | Record<string, CodeMeaning>, extra: Partial<ListDefinition>): ListDefinition {
  return {
    name: zone, zone, type: 'ip', ipv6: false, query: 'name',
    codes: typeof codes === 'string' ? { '127.0.0.2': listed(codes) } : codes,
    tier: 'medium', delistUrl: '', canaries: false, ...extra,
  };
}

// dnswl.org: 127.0.<category>.<trust>; every answer is a whitelist entry except
// 127.0.0.255 (over the free-use limit / blocked).
const DNSWL_CATEGORIES: Record<number, string> = {
  2: 'financial services', 3: 'email service providers', 4: 'organisations', 5: 'service/network providers',
  6: 'personal/private servers', 7: 'travel/leisure', 8: 'public sector/governments', 9: 'media and tech companies',
  10: 'special cases', 11: 'education, academic', 12: 'healthcare', 13: 'manufacturing/industrial',
  14: 'retail/wholesale/services', 15: 'email marketing providers', 20: 'added through self-service',
};
const DNSWL_TRUST = ['none', 'low', 'medium', 'high'];
const DNSWL: Record<string, CodeMeaning> = { '127.0.0.255': error('dnswl.org: resolver blocked or over the usage limit', 'blocked_resolver') };
for (const [cat, what] of Object.entries(DNSWL_CATEGORIES)) {
  DNSWL_TRUST.forEach((trust, t) => { DNSWL[`127.0.${cat}.${t}`] = white(`dnswl: ${what}, trust ${trust}`); });
}

const DRONEBL = lastOctet({
  2: listed('DroneBL: sample data (test entry)'),
  3: listed('DroneBL: IRC drone'),
  5: listed('DroneBL: bottler'),
  6: listed('DroneBL: unknown spambot or drone'),
  7: listed('DroneBL: DDoS drone'),
  8: listed('DroneBL: SOCKS proxy'),
  9: listed('DroneBL: HTTP proxy'),
  10: listed('DroneBL: proxy chain'),
  11: listed('DroneBL: web page proxy'),
  12: listed('DroneBL: open DNS resolver'),
  13: listed('DroneBL: brute force attacker'),
  14: listed('DroneBL: open Wingate proxy'),
  15: listed('DroneBL: compromised router/gateway'),
  16: listed('DroneBL: autorooting worm'),
  17: listed('DroneBL: automatically detected botnet IP'),
  18: listed('DroneBL: possibly compromised DNS/MX'),
  19: listed('DroneBL: abused VPN service'),
  255: listed('DroneBL: uncategorised threat'),
});

const MAILSPIKE_BL = lastOctet({
  2: listed('Mailspike: zombie/spam source (Mailspike BL)'),
  10: listed('Mailspike: worst reputation (L5)'),
  11: listed('Mailspike: very bad reputation (L4)'),
  12: listed('Mailspike: bad reputation (L3)'),
});
// rep.mailspike.net is a reputation scale, not a blocklist: only the three
// worst levels are treated as listings; neutral and good levels are reported
// as codes on a clean result.
const MAILSPIKE_REP = lastOctet({
  10: listed('Mailspike reputation L5: worst'),
  11: listed('Mailspike reputation L4: very bad'),
  12: listed('Mailspike reputation L3: bad'),
  13: info('Mailspike reputation L2: suspicious'),
  14: info('Mailspike reputation L1: neutral, probably spam'),
  15: info('Mailspike reputation H0: neutral'),
  16: white('Mailspike reputation H1: neutral, probably legitimate'),
  17: white('Mailspike reputation H2: possibly legitimate'),
  18: white('Mailspike reputation H3: good'),
  19: white('Mailspike reputation H4: very good'),
  20: white('Mailspike reputation H5: excellent'),
});

/** The built-in lists (all live as of the reference; dead ones are in DEAD_LISTS). */
export const CATALOGUE: readonly ListDefinition[] = Object.freeze([
  // --- Spamhaus public mirrors (free for low-volume, non-commercial use; refuse public resolvers)
  spamhaus('zen.spamhaus.org', { ...SBL, ...XBL, ...PBL }, { description: 'Spamhaus ZEN: SBL + CSS + XBL + PBL in one query' }),
  spamhaus('sbl.spamhaus.org', SBL, { description: 'Spamhaus Block List' }),
  spamhaus('xbl.spamhaus.org', XBL, { description: 'Spamhaus Exploits Block List (includes CBL)' }),
  spamhaus('sbl-xbl.spamhaus.org', { ...SBL, ...XBL }, { description: 'Spamhaus SBL + XBL' }),
  spamhaus('pbl.spamhaus.org', PBL, { tier: 'medium', description: 'Spamhaus Policy Block List: a policy, not an accusation, but blocks direct-to-MX mail' }),
  { ...spamhaus('dbl.spamhaus.org', DBL, { description: 'Spamhaus Domain Block List (wildcarded: host names may be queried as they are)' }), type: 'domain', ipv6: false },
  spamhaus('cbl.abuseat.org', lastOctet({ 2: listed('CBL: exploited host (now part of Spamhaus XBL)') }), { tier: 'high', ipv6: false, description: 'Composite Blocking List, run by Spamhaus' }),

  // --- Spamhaus Data Query Service: key-based, works through any resolver
  spamhaus('zen.dq.spamhaus.net', { ...SBL, ...XBL, ...PBL, ...DQS_ERRORS }, { requiresKey: true, description: 'Spamhaus ZEN via DQS (needs a DQS key)' }),
  spamhaus('sbl.dq.spamhaus.net', { ...SBL, ...DQS_ERRORS }, { requiresKey: true, description: 'Spamhaus SBL via DQS (needs a DQS key)' }),
  spamhaus('xbl.dq.spamhaus.net', { ...XBL, ...DQS_ERRORS }, { requiresKey: true, description: 'Spamhaus XBL via DQS (needs a DQS key)' }),
  spamhaus('pbl.dq.spamhaus.net', { ...PBL, ...DQS_ERRORS }, { requiresKey: true, tier: 'medium', description: 'Spamhaus PBL via DQS (needs a DQS key)' }),
  spamhaus('authbl.dq.spamhaus.net', { ...lastOctet({ 20: listed('AuthBL: host seen brute-forcing or abusing SMTP AUTH') }), ...DQS_ERRORS }, { requiresKey: true, tier: 'high', description: 'Spamhaus AuthBL via DQS (needs a DQS key)' }),
  { ...spamhaus('dbl.dq.spamhaus.net', { ...DBL, ...DQS_ERRORS }, { requiresKey: true, description: 'Spamhaus DBL via DQS (needs a DQS key)' }), type: 'domain', ipv6: false },
  { ...spamhaus('zrd.dq.spamhaus.net', { ...ZRD, ...DQS_ERRORS }, { requiresKey: true, tier: 'low', canaries: false, description: 'Spamhaus Zero Reputation Domains via DQS: newly seen domains (needs a DQS key)' }), type: 'domain', ipv6: false },

  // --- Other major IP lists
  list('bl.spamcop.net', 'SpamCop: reported as a spam source (expires automatically)', { tier: 'high', canaries: true, delistUrl: 'https://www.spamcop.net/bl.shtml?{target}' }),
  list('b.barracudacentral.org', 'Barracuda Reputation Block List: poor reputation', {
    tier: 'high', canaries: true, delistUrl: 'https://www.barracudacentral.org/rbl/removal-request',
    description: 'Answers only resolvers registered at barracudacentral.org; unregistered ones time out or get SERVFAIL',
  }),
  list('bl.mailspike.net', MAILSPIKE_BL, { tier: 'high', canaries: true, delistUrl: 'https://mailspike.io/ip_verify' }),
  list('rep.mailspike.net', MAILSPIKE_REP, {
    tier: 'info', delistUrl: 'https://mailspike.io/ip_verify', fallback: info('Mailspike reputation: undocumented level'),
    description: 'Mailspike reputation (not a blocklist)',
  }),
  list('psbl.surriel.com', 'PSBL: seen sending to spam traps (self-service removal)', { canaries: true, delistUrl: 'https://psbl.org/listing?ip={target}' }),
  list('dnsbl-1.uceprotect.net', 'UCEPROTECT level 1: this IP sent to spam traps (expires after 7 days)', { canaries: true, delistUrl: 'https://www.uceprotect.net/en/rblcheck.php?ipr={target}' }),
  list('dnsbl-2.uceprotect.net', 'UCEPROTECT level 2: the surrounding network has many level 1 listings', { tier: 'low', canaries: true, delistUrl: 'https://www.uceprotect.net/en/rblcheck.php?ipr={target}' }),
  list('dnsbl-3.uceprotect.net', 'UCEPROTECT level 3: the whole ASN is listed', { tier: 'low', canaries: true, delistUrl: 'https://www.uceprotect.net/en/rblcheck.php?ipr={target}' }),
  list('ips.backscatterer.org', 'Backscatterer: sends bounces/autoreplies to forged senders', { tier: 'low', canaries: true, delistUrl: 'https://www.backscatterer.org/?ip={target}' }),
  list('all.spamrats.com', lastOctet({
    36: listed('SpamRATS Dyna: dynamic/generic reverse DNS, looks like an end-user host'),
    37: listed('SpamRATS NoPtr: no reverse DNS'),
    38: listed('SpamRATS Spam: seen sending spam'),
    43: listed('SpamRATS Auth: seen brute-forcing SMTP AUTH'),
  }), { canaries: true, delistUrl: 'https://www.spamrats.com/lookup.php?ip={target}' }),
  list('dnsbl.dronebl.org', DRONEBL, { ipv6: true, canaries: true, delistUrl: 'https://dronebl.org/lookup?ip={target}' }),
  list('all.s5h.net', 's5h.net: seen sending spam (aggressive, ASN-wide)', { tier: 'low', ipv6: true, delistUrl: 'https://www.usenix.org.uk/content/rbl.html' }),
  list('bl.0spam.org', '0spam: seen sending spam', { tier: 'low', canaries: true, delistUrl: 'https://0spam.org/' }),
  list('bl.blocklist.de', 'blocklist.de: reported by fail2ban for attacks (SSH, mail, web)', { tier: 'low', delistUrl: 'https://www.blocklist.de/en/search.html?ip={target}' }),
  list('bl.spameatingmonkey.net', 'Spam Eating Monkey: seen sending spam', { tier: 'low', delistUrl: 'https://spameatingmonkey.com/lookup/{target}' }),
  list('bl.ipv6.spameatingmonkey.net', 'Spam Eating Monkey (IPv6): seen sending spam', { tier: 'low', ipv6: true, ipv4: false, delistUrl: 'https://spameatingmonkey.com/lookup/{target}' }),
  list('bl.nordspam.com', 'NordSpam: seen sending spam', { tier: 'low', ipv6: true, delistUrl: 'https://www.nordspam.com/' }),
  list('bl.score.senderscore.com', {
    // The reference reports 127.0.0.1 as SenderScore's "bot" category: RFC 5782 §5
    // notwithstanding, the table wins, so it is a listing here and not an anomaly.
    '127.0.0.1': listed('Sender Score: category 1 (bot)'),
    '127.0.0.2': listed('Sender Score: poor sender score'),
    '127.255.255.255': error('Sender Score: querier not registered', 'blocked_resolver'),
  }, { delistUrl: 'https://senderscore.org/', description: 'Validity Sender Score blocklist (needs a MyValidity account for volume)' }),
  list('hostkarma.junkemailfilter.com', lastOctet({
    1: white('hostkarma: white (good sender)'),
    2: listed('hostkarma: black (spam source)'),
    3: info('hostkarma: yellow (mixed good and spam)'),
    4: listed('hostkarma: brown (mostly spam, not yet black)'),
    5: info('hostkarma: NOBL (do not block)'),
  }), { tier: 'low', delistUrl: 'https://wiki.junkemailfilter.com/index.php/Spam_DNS_Lists' }),
  list('list.dnswl.org', DNSWL, {
    tier: 'info', ipv6: true, delistUrl: 'https://www.dnswl.org/', fallback: white('dnswl: whitelisted (undocumented category)'),
    description: 'dnswl.org whitelist (not a blocklist)',
  }),

  // --- Abusix Mail Intelligence: key-based; no RFC 5782 test entries
  list('combined.mail.abusix.zone', lastOctet({
    2: listed('Abusix black: spam source'),
    3: listed('Abusix exploit: compromised or exploited host'),
    11: listed('Abusix policy: dynamic/residential address'),
    12: listed('Abusix policy: no or generic reverse DNS'),
  }), { tier: 'high', ipv6: true, requiresKey: true, delistUrl: 'https://lookup.abusix.com/search?q={target}', description: 'Abusix Mail Intelligence combined list (needs an Abusix key)' }),
  list('dblack.mail.abusix.zone', 'Abusix dblack: domain seen in spam', {
    type: 'domain', tier: 'high', requiresKey: true, delistUrl: 'https://lookup.abusix.com/search?q={target}', description: 'Abusix domain blocklist (needs an Abusix key)',
  }),

  // --- Domain lists (URI blocklists match the registrable domain only)
  {
    name: 'multi.uribl.com', zone: 'multi.uribl.com', type: 'domain', ipv6: false, query: 'registrable_domain', codes: {},
    bitmask: {
      1: error('URIBL: query refused (resolver blocked: public or high-volume resolver)', 'blocked_resolver'),
      2: listed('URIBL black: domain seen in spam'),
      4: listed('URIBL grey: domain of a bulk sender'),
      8: listed('URIBL red: domain seen in spam, new listing'),
    },
    tier: 'medium', delistUrl: 'https://admin.uribl.com/?section=lookup', canaries: false,
    description: 'URIBL multi (bitmask); refuses public and large ISP resolvers with 127.0.0.1',
  },
  {
    name: 'multi.surbl.org', zone: 'multi.surbl.org', type: 'domain', ipv6: false, query: 'registrable_domain', codes: {},
    bitmask: {
      1: error('SURBL: query blocked (resolver over the free-use limit or a public resolver)', 'blocked_resolver'),
      4: listed('SURBL DM: domain seen in spam'),
      8: listed('SURBL PH: phishing domain'),
      16: listed('SURBL MW: malware domain'),
      32: listed('SURBL CT: domain of a click-tracking/spam service'),
      64: listed('SURBL ABUSE: spam and abuse domain'),
      128: listed('SURBL CR: cracked (compromised) site'),
    },
    tier: 'medium', delistUrl: 'https://www.surbl.org/surbl-analysis', canaries: false,
    description: 'SURBL multi (bitmask)',
  },
  list('dbl.nordspam.com', 'NordSpam DBL: domain seen in spam', { type: 'domain', tier: 'low', delistUrl: 'https://www.nordspam.com/' }),
]);

/**
 * Lists that no longer work. Naming one is a config error that says why: a
 * dead zone either answers nothing (a blind check that looks "clean") or, once
 * its domain lapses, "listed" for everything. `*.zone` matches the zone and
 * every name under it.
 */
export const DEAD_LISTS: Readonly<Record<string, string>> = Object.freeze({
  '*.sorbs.net': 'SORBS was shut down on 2024-06-05',
  'ix.dnsbl.manitu.net': 'NiX Spam (manitu) is no longer maintained and its zone is dead (dnsbl.com, 2025-01)',
  'db.wpbl.info': 'WPBL has shut down',
  'virbl.dnsbl.bit.nl': 'VirBL (BIT) has been discontinued',
  'dnsbl.cyberlogic.net': 'the Cyberlogic DNSBL is dead',
  '*.nszones.com': 'nszones.com is a fake "pay-to-delist" DNSBL (Spamhaus statement 008); it is not a real blocklist',
  '*.msrbl.net': 'MSRBL is defunct (its zones are unmaintained)',
  '*.njabl.org': 'NJABL shut down in 2013',
  '*.ahbl.org': 'AHBL shut down in 2015 and its zones answer "listed" for everything',
  '*.ordb.org': 'ORDB shut down in 2006',
  '*.spamcannibal.org': 'SpamCannibal shut down; its domain lapsed and answers "listed" for everything',
});

/** Why `zone` is dead, or undefined. Matches exact patterns and `*.` suffix patterns. */
export function deadListReason(zone: string): string | undefined {
  const z = zone.toLowerCase().replace(/\.$/, '');
  for (const [pattern, why] of Object.entries(DEAD_LISTS)) {
    if (pattern.startsWith('*.')) {
      const base = pattern.slice(2);
      if (z === base || z.endsWith(`.${base}`)) return why;
    } else if (z === pattern) {
      return why;
    }
  }
  return undefined;
}

/**
 * The lists a fresh install checks when `dnsbl.lists` is omitted: the lists
 * big receivers actually reject on, that are free for a mail server's own
 * low-volume use, need no key or registration, and answer an own recursive
 * resolver (the default 127.0.0.1:53). Left out on purpose: Barracuda
 * (answers only registered resolvers, so a fresh install would see nothing
 * but timeouts), keyed zones (DQS, Abusix), UCEPROTECT L2/L3 and other
 * aggressive lists (a page for a neighbour's spam is noise), reputation and
 * whitelist zones (not blocklists).
 */
export const DEFAULT_LIST_NAMES: readonly string[] = Object.freeze([
  'zen.spamhaus.org',
  'dbl.spamhaus.org',
  'bl.spamcop.net',
  'bl.mailspike.net',
  'psbl.surriel.com',
  'dnsbl-1.uceprotect.net',
  'all.spamrats.com',
  'dnsbl.dronebl.org',
  'multi.uribl.com',
  'multi.surbl.org',
]);

const byKey = new Map<string, ListDefinition>();
for (const l of CATALOGUE) {
  byKey.set(l.zone, l);
  byKey.set(l.name, l);
}

/** The catalogue entry with this name or zone (case-insensitive, trailing dot ignored). */
export function findCatalogueList(nameOrZone: string): ListDefinition | undefined {
  return byKey.get(nameOrZone.trim().toLowerCase().replace(/\.$/, ''));
}

/** Keyed catalogue zones, for spotting a key pasted into the zone (`<key>.zen.dq.spamhaus.net`). */
export const KEYED_ZONES: readonly string[] = CATALOGUE.filter((l) => l.requiresKey).map((l) => l.zone);
