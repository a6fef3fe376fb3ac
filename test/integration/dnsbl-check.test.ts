// The DNSBL checker end to end against a real rbldnsd on loopback, through the
// real resolver, with zones served under the real list names: what the
// catalogue knows about zen.spamhaus.org, multi.uribl.com, rep.mailspike.net …
// is proven against answers shaped like theirs (multi-A, TXT, bitmasks,
// refusal codes, REFUSED, silence).
import { join } from 'node:path';
import { checkCanaries, checkTarget } from '../../src/dnsbl/check';
import type { DnsLookup, LookupResult, RecordType } from '../../src/dnsbl/dns';
import { listsSchema } from '../../src/dnsbl/lists-config';
import type { CheckTarget, ListDefinition, Verdict } from '../../src/dnsbl/model';
import { Resolver } from '../../src/dnsbl/resolver';
import { freeUdpPort, startRbldnsd, type RunningRbldnsd } from '../helpers/rbldnsd';

const ZONES = join(__dirname, '..', 'fixtures', 'dnsbl', 'zones');
/** Made-up DQS key; the local zone is served as <key>.zen.dq.spamhaus.net. */
const KEY = 'testkey0123456789abcdefghij';

/** Passes every question to the real resolver and remembers it, to see what was asked. */
class RecordingLookup implements DnsLookup {
  readonly asked: string[] = [];
  constructor(private readonly inner: DnsLookup) {}
  lookup(name: string, type: RecordType): Promise<LookupResult> {
    this.asked.push(`${type} ${name}`);
    return this.inner.lookup(name, type);
  }
}

let dns: RunningRbldnsd;
let resolver: Resolver;
let lookup: RecordingLookup;
let lists: Map<string, ListDefinition>;

beforeAll(async () => {
  dns = await startRbldnsd(ZONES, [
    'zen.spamhaus.org:ip4set:zen-sbl.zone', 'zen.spamhaus.org:ip4set:zen-xbl.zone', 'zen.spamhaus.org:ip4set:zen-pbl.zone',
    'zen.spamhaus.org:ip6trie:zen-v6.zone',
    'sbl.spamhaus.org:ip4trie:sbl-refusing.zone',
    'xbl.spamhaus.org:ip4set:xbl.zone',
    'bl.spamcop.net:ip4set:spamcop.zone',
    'dbl.spamhaus.org:dnset:dbl.zone',
    'multi.uribl.com:dnset:uribl.zone',
    'multi.surbl.org:dnset:surbl.zone',
    'rep.mailspike.net:ip4set:mailspike-rep.zone',
    'bl.ipv6.spameatingmonkey.net:ip6trie:sem-v6.zone',
    'dnsbl-1.uceprotect.net:ip4trie:everything.zone',
    'psbl.surriel.com:ip4set:nothing.zone',
    'all.spamrats.com:ip4set:acl-data.zone', 'all.spamrats.com:acl:acl-refuse.zone',
    'b.barracudacentral.org:ip4set:acl-data.zone', 'b.barracudacentral.org:acl:acl-ignore.zone',
    `${KEY}.zen.dq.spamhaus.net:ip4set:dqs-zen.zone`,
    `${KEY}.dbl.dq.spamhaus.net:dnset:dbl.zone`, `${KEY}.dbl.dq.spamhaus.net:acl:acl-ignore.zone`,
  ]);
  // Short timeout, no retries: the silent zones cost 300 ms each, not seconds.
  resolver = new Resolver({ servers: [{ host: dns.host, port: dns.port }], timeoutMs: 300, retries: 0, concurrency: 8 });
  lookup = new RecordingLookup(resolver);
  // Through the config schema, as a user writes them.
  const parsed = listsSchema.parse([
    'zen.spamhaus.org', 'sbl.spamhaus.org', 'xbl.spamhaus.org', 'bl.spamcop.net', 'dbl.spamhaus.org',
    'multi.uribl.com', 'multi.surbl.org', 'rep.mailspike.net', 'dnsbl-1.uceprotect.net', 'psbl.surriel.com',
    'all.spamrats.com', 'b.barracudacentral.org',
    { zone: 'bl.ipv6.spameatingmonkey.net', canaries: true },
    { zone: 'zen.dq.spamhaus.net', key: KEY },
    { zone: 'dbl.dq.spamhaus.net', name: 'dbl-dqs', key: KEY },
  ]);
  lists = new Map(parsed.map((l) => [l.name, l]));
});

afterAll(async () => {
  await resolver?.close();
  await dns?.stop();
});

const ip = (value: string): CheckTarget => ({ kind: 'ip', value });
const domain = (value: string): CheckTarget => ({ kind: 'domain', value });
const list = (name: string): ListDefinition => {
  const l = lists.get(name);
  if (!l) throw new Error(`list ${name} not configured`);
  return l;
};
const check = (name: string, target: CheckTarget): Promise<Verdict> => checkTarget(lookup, list(name), target);

describe('zen.spamhaus.org', () => {
  test('three datasets: three A records, each with its meaning, and three TXT records', async () => {
    expect(await check('zen.spamhaus.org', ip('192.0.2.20'))).toEqual({
      state: 'listed',
      codes: [
        { code: '127.0.0.2', meaning: 'SBL: Spamhaus Block List (spam source or spam operation)', class: 'listed' },
        { code: '127.0.0.4', meaning: 'XBL: exploited host (CBL: malware, botnet, open proxy)', class: 'listed' },
        { code: '127.0.0.10', meaning: 'PBL: end-user range that should not send direct-to-MX (ISP maintained)', class: 'listed' },
      ],
      txt: 'SBL listed 192.0.2.20: https://check.spamhaus.org/sbl/query/SBL000000 | XBL listed 192.0.2.20: https://check.spamhaus.org/query/ip/192.0.2.20 | PBL listed 192.0.2.20: https://check.spamhaus.org/query/ip/192.0.2.20',
    });
  });

  test('one dataset: PBL only', async () => {
    expect(await check('zen.spamhaus.org', ip('192.0.2.21'))).toEqual({
      state: 'listed',
      codes: [{ code: '127.0.0.10', meaning: 'PBL: end-user range that should not send direct-to-MX (ISP maintained)', class: 'listed' }],
      txt: 'PBL listed 192.0.2.21: https://check.spamhaus.org/query/ip/192.0.2.21',
    });
  });

  test('not listed: NXDOMAIN is clean, and no TXT is asked', async () => {
    expect(await check('zen.spamhaus.org', ip('192.0.2.99'))).toEqual({ state: 'clean', codes: [] });
    expect(lookup.asked).toContain('A 99.2.0.192.zen.spamhaus.org.');
    expect(lookup.asked).not.toContain('TXT 99.2.0.192.zen.spamhaus.org.');
  });

  test('IPv6 by reversed nibbles; IPv4-mapped IPv6 is checked as IPv4', async () => {
    expect(await check('zen.spamhaus.org', ip('2001:db8:7ca6:22::45'))).toEqual({
      state: 'listed',
      codes: [{ code: '127.0.0.3', meaning: 'SBL CSS: Spamhaus snowshoe/low-reputation sender', class: 'listed' }],
      txt: 'CSS listed 2001:db8:7ca6:22::45',
    });
    expect(await check('zen.spamhaus.org', ip('2001:db8:7ca6:22::46'))).toEqual({ state: 'clean', codes: [] });
    const mapped = await check('zen.spamhaus.org', ip('::ffff:192.0.2.21'));
    expect(mapped.state === 'listed' && mapped.codes.map((c) => c.code)).toEqual(['127.0.0.10']);
  });

  test('canaries pass: 127.0.0.2 listed, 127.0.0.1 not', async () => {
    expect(await checkCanaries(lookup, list('zen.spamhaus.org'))).toEqual({
      healthy: true, detail: 'test entries OK: 127.0.0.2 listed (127.0.0.2, 127.0.0.4, 127.0.0.10), 127.0.0.1 not listed',
    });
  });
});

describe('Spamhaus error codes', () => {
  test('a zone refusing this resolver (127.255.255.254 for everything) is unknown(blocked_resolver), never listed', async () => {
    expect(await check('sbl.spamhaus.org', ip('203.0.113.5'))).toEqual({
      state: 'unknown', reason: 'blocked_resolver',
      detail: '127.255.255.254: Spamhaus: query via a public/open resolver or one without attributable reverse DNS',
    });
  });

  test('and its canaries fail, naming the reason', async () => {
    const health = await checkCanaries(lookup, list('sbl.spamhaus.org'));
    expect(health.healthy).toBe(false);
    expect(health.detail).toBe(
      'test entry 127.0.0.2 must be listed but is unknown (blocked_resolver: 127.255.255.254: Spamhaus: query via a public/open resolver or one without attributable reverse DNS); '
      + 'test entry 127.0.0.1 must not be listed but is unknown (blocked_resolver: 127.255.255.254: Spamhaus: query via a public/open resolver or one without attributable reverse DNS)',
    );
  });

  test('over the volume limit (127.255.255.255) is unknown(rate_limited)', async () => {
    expect(await check('xbl.spamhaus.org', ip('192.0.2.30'))).toEqual({
      state: 'unknown', reason: 'rate_limited', detail: '127.255.255.255: Spamhaus: excessive number of queries',
    });
  });
});

describe('bl.spamcop.net', () => {
  test('a listed network with an excluded address', async () => {
    expect(await check('bl.spamcop.net', ip('198.51.100.8'))).toEqual({
      state: 'listed',
      codes: [{ code: '127.0.0.2', meaning: 'SpamCop: reported as a spam source (expires automatically)', class: 'listed' }],
      txt: 'Blocked - see https://www.spamcop.net/bl.shtml?198.51.100.8',
    });
    expect(await check('bl.spamcop.net', ip('198.51.100.7'))).toEqual({ state: 'clean', codes: [] });
  });

  test('an IPv6 target does not apply to an IPv4-only list and is never sent', async () => {
    const before = lookup.asked.length;
    expect(await check('bl.spamcop.net', ip('2001:db8::1'))).toEqual({ state: 'unknown', reason: 'bad_query', detail: 'bl.spamcop.net cannot check ip "2001:db8::1"' });
    expect(lookup.asked.length).toBe(before);
  });

  test('canaries pass', async () => {
    expect(await checkCanaries(lookup, list('bl.spamcop.net'))).toEqual({ healthy: true, detail: 'test entries OK: 127.0.0.2 listed (127.0.0.2), 127.0.0.1 not listed' });
  });
});

describe('domain lists', () => {
  test('DBL: the test point, a phish, a wildcard, a clean domain', async () => {
    expect(await check('dbl.spamhaus.org', domain('dbltest.com'))).toEqual({
      state: 'listed', codes: [{ code: '127.0.1.2', meaning: 'DBL: spam domain', class: 'listed' }],
      txt: 'dbltest.com is listed in the DBL: https://check.spamhaus.org/results/?query=dbltest.com',
    });
    expect(await check('dbl.spamhaus.org', domain('phish.example'))).toEqual({
      state: 'listed', codes: [{ code: '127.0.1.4', meaning: 'DBL: phishing domain', class: 'listed' }], txt: 'phish.example is a phishing domain',
    });
    // DBL takes host names as they are: the wildcard entry answers for the host.
    const host = await check('dbl.spamhaus.org', domain('www.evil.example'));
    expect(host.state).toBe('listed');
    expect(lookup.asked).toContain('A www.evil.example.dbl.spamhaus.org.');
    expect(await check('dbl.spamhaus.org', domain('clean.example'))).toEqual({ state: 'clean', codes: [] });
    expect(await checkCanaries(lookup, list('dbl.spamhaus.org'))).toEqual({ healthy: true, detail: 'test entries OK: test listed (127.0.1.2), invalid not listed' });
  });

  test('URIBL: registrable domain, bitmask codes, and 127.0.0.1 as its refusal', async () => {
    expect(await check('multi.uribl.com', domain('www.mail.spammy.example'))).toEqual({
      state: 'listed', codes: [{ code: '127.0.0.2', meaning: 'URIBL black: domain seen in spam', class: 'listed' }], txt: 'black spammy.example',
    });
    expect(lookup.asked).toContain('A spammy.example.multi.uribl.com.');
    expect(await check('multi.uribl.com', domain('all-three.example'))).toEqual({
      state: 'listed',
      codes: [{ code: '127.0.0.14', meaning: 'URIBL black: domain seen in spam; URIBL grey: domain of a bulk sender; URIBL red: domain seen in spam, new listing', class: 'listed' }],
      txt: 'black grey red all-three.example',
    });
    expect(await check('multi.uribl.com', domain('mx.blocked.example'))).toEqual({
      state: 'unknown', reason: 'blocked_resolver', detail: '127.0.0.1: URIBL: query refused (resolver blocked: public or high-volume resolver)',
    });
    expect(await check('multi.uribl.com', domain('clean.example'))).toEqual({ state: 'clean', codes: [] });
  });

  test('SURBL: bitmask codes and its blocked bit', async () => {
    expect(await check('multi.surbl.org', domain('phish-malware.example'))).toEqual({
      state: 'listed', codes: [{ code: '127.0.0.24', meaning: 'SURBL PH: phishing domain; SURBL MW: malware domain', class: 'listed' }],
      txt: 'phish-malware.example is on PH and MW',
    });
    expect(await check('multi.surbl.org', domain('www.cracked.example'))).toEqual({
      state: 'listed', codes: [{ code: '127.0.0.128', meaning: 'SURBL CR: cracked (compromised) site', class: 'listed' }],
      txt: 'cracked.example is a cracked site',
    });
    expect(await check('multi.surbl.org', domain('blocked.example'))).toEqual({
      state: 'unknown', reason: 'blocked_resolver', detail: '127.0.0.1: SURBL: query blocked (resolver over the free-use limit or a public resolver)',
    });
  });
});

describe('rep.mailspike.net: reputation codes are not listings', () => {
  test.each<[string, Verdict]>([
    ['192.0.2.40', { state: 'clean', codes: [{ code: '127.0.0.15', meaning: 'Mailspike reputation H0: neutral', class: 'informational' }] }],
    ['192.0.2.41', { state: 'clean', codes: [{ code: '127.0.0.18', meaning: 'Mailspike reputation H3: good', class: 'whitelist' }] }],
    ['192.0.2.42', { state: 'listed', codes: [{ code: '127.0.0.10', meaning: 'Mailspike reputation L5: worst', class: 'listed' }], txt: 'worst' }],
  ])('%s', async (address, expected) => {
    expect(await check('rep.mailspike.net', ip(address))).toEqual(expected);
  });
});

describe('an IPv6-only list', () => {
  test('IPv6 targets are checked, IPv4 ones do not apply', async () => {
    expect(await check('bl.ipv6.spameatingmonkey.net', ip('2001:db8::bad'))).toEqual({
      state: 'listed', codes: [{ code: '127.0.0.2', meaning: 'Spam Eating Monkey (IPv6): seen sending spam', class: 'listed' }], txt: 'IPv6 listed 2001:db8::bad',
    });
    expect(await check('bl.ipv6.spameatingmonkey.net', ip('2001:db8::1'))).toEqual({ state: 'clean', codes: [] });
    expect((await check('bl.ipv6.spameatingmonkey.net', ip('192.0.2.10'))).state).toBe('unknown');
  });

  test('canaries use ::ffff:7f00:2 and ::ffff:7f00:1', async () => {
    expect(await checkCanaries(lookup, list('bl.ipv6.spameatingmonkey.net'))).toEqual({
      healthy: true, detail: 'test entries OK: ::ffff:7f00:2 listed (127.0.0.2), ::ffff:7f00:1 not listed',
    });
  });
});

describe('canaries catch broken lists', () => {
  test('a list that lists everything fails the negative canary', async () => {
    expect(await checkCanaries(lookup, list('dnsbl-1.uceprotect.net'))).toEqual({
      healthy: false, detail: 'test entry 127.0.0.1 must not be listed but is listed (127.0.0.2)',
    });
  });

  test('a list without test entries is not canary-checked (and nothing is asked)', async () => {
    const before = lookup.asked.length;
    expect(await checkCanaries(lookup, list('rep.mailspike.net'))).toEqual({ healthy: true, detail: 'no test entries: not canary-checked' });
    expect(lookup.asked.length).toBe(before);
  });

  test('a list that lists nothing fails the positive canary', async () => {
    expect(await checkCanaries(lookup, list('psbl.surriel.com'))).toEqual({
      healthy: false, detail: 'test entry 127.0.0.2 must be listed but is not listed',
    });
  });
});

describe('no definitive answer is unknown, never clean', () => {
  test('REFUSED', async () => {
    const v = await check('all.spamrats.com', ip('192.0.2.10'));
    expect(v.state === 'unknown' && v.reason).toBe('refused');
    const health = await checkCanaries(lookup, list('all.spamrats.com'));
    expect(health.healthy).toBe(false);
    expect(health.detail).toMatch(/^test entry 127\.0\.0\.2 must be listed but is unknown \(refused: .+\); test entry 127\.0\.0\.1 must not be listed but is unknown \(refused: .+\)$/);
  });

  test('a listing stays listed when only its TXT lookup fails', async () => {
    // A from rbldnsd, TXT from a real resolver pointed at a closed port (network error).
    const closed = new Resolver({ servers: [{ host: '127.0.0.1', port: await freeUdpPort() }], timeoutMs: 300, retries: 0, concurrency: 1 });
    try {
      const split: DnsLookup = { lookup: (name, type) => (type === 'TXT' ? closed : resolver).lookup(name, type) };
      const txtFailure = await closed.lookup('20.2.0.192.zen.spamhaus.org.', 'TXT');
      expect(txtFailure.ok).toBe(false);
      const v = await checkTarget(split, list('zen.spamhaus.org'), ip('192.0.2.21'));
      expect(v).toEqual({ state: 'listed', codes: [{ code: '127.0.0.10', meaning: 'PBL: end-user range that should not send direct-to-MX (ISP maintained)', class: 'listed' }] });
    } finally {
      await closed.close();
    }
  });

  test('no answer at all (timeout)', async () => {
    const v = await check('b.barracudacentral.org', ip('192.0.2.10'));
    expect(v.state === 'unknown' && v.reason).toBe('timeout');
  });
});

describe('a keyed zone (Spamhaus DQS)', () => {
  const secretFree = (v: unknown) => expect(JSON.stringify(v).toLowerCase()).not.toContain(KEY.toLowerCase());

  test('the key is used in the query and appears in no verdict', async () => {
    const v = await check('zen.dq.spamhaus.net', ip('192.0.2.10'));
    expect(lookup.asked).toContain(`A 10.2.0.192.${KEY}.zen.dq.spamhaus.net.`);
    expect(lookup.asked).toContain(`TXT 10.2.0.192.${KEY}.zen.dq.spamhaus.net.`);
    expect(v).toEqual({
      state: 'listed',
      codes: [{ code: '127.0.0.2', meaning: 'SBL: Spamhaus Block List (spam source or spam operation)', class: 'listed' }],
      txt: 'DQS listed 192.0.2.10 (key <key>)',
    });
    secretFree(v);
  });

  test('a rejected key is unknown(bad_key)', async () => {
    const v = await check('zen.dq.spamhaus.net', ip('192.0.2.51'));
    expect(v).toEqual({ state: 'unknown', reason: 'bad_key', detail: '127.255.255.251: Spamhaus DQS: key rejected (in use elsewhere or not valid)' });
    secretFree(v);
  });

  test('a timeout on a keyed domain zone: the detail is redacted', async () => {
    const v = await check('dbl-dqs', domain('dbltest.com'));
    expect(lookup.asked).toContain(`A dbltest.com.${KEY}.dbl.dq.spamhaus.net.`);
    expect(v.state === 'unknown' && v.reason).toBe('timeout');
    // The resolver's detail names the query; the key in it is replaced.
    expect(v.state === 'unknown' && v.detail).toContain('dbltest.com.<key>.dbl.dq.spamhaus.net');
    secretFree(v);
  });

  test('canaries pass through the key, and their detail is key-free', async () => {
    const health = await checkCanaries(lookup, list('zen.dq.spamhaus.net'));
    expect(health).toEqual({ healthy: true, detail: 'test entries OK: 127.0.0.2 listed (127.0.0.2), 127.0.0.1 not listed' });
    expect(lookup.asked).toContain(`A 2.0.0.127.${KEY}.zen.dq.spamhaus.net.`);
    const failing = await checkCanaries(lookup, list('dbl-dqs'));
    expect(failing.healthy).toBe(false);
    secretFree(failing);
  });
});
