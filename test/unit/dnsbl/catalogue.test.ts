// The built-in catalogue: enough live lists, internally consistent tables,
// no dead lists, and defaults a fresh install can use without a key.
import { CATALOGUE, DEAD_LISTS, DEFAULT_LIST_NAMES, KEYED_ZONES, deadListReason, findCatalogueList } from '../../../src/dnsbl/catalogue';
import { codeMeaning } from '../../../src/dnsbl/classify';
import { CODE_CLASSES, TIERS, UNKNOWN_REASONS } from '../../../src/dnsbl/model';

const CODE = /^127\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

test('at least 25 live lists, IP and domain, with unique names and zones', () => {
  expect(CATALOGUE.length).toBeGreaterThanOrEqual(25);
  expect(CATALOGUE.filter((l) => l.type === 'ip').length).toBeGreaterThanOrEqual(20);
  expect(CATALOGUE.filter((l) => l.type === 'domain').length).toBeGreaterThanOrEqual(5);
  expect(new Set(CATALOGUE.map((l) => l.zone)).size).toBe(CATALOGUE.length);
  expect(new Set(CATALOGUE.map((l) => l.name)).size).toBe(CATALOGUE.length);
});

test.each(CATALOGUE.map((l) => [l.zone, l] as const))('%s is consistent', (_zone, l) => {
  expect(l.zone).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
  expect(TIERS).toContain(l.tier);
  expect(['name', 'registrable_domain']).toContain(l.query);
  if (l.type === 'ip') expect(l.query).toBe('name');
  if (l.type === 'domain') expect(l.ipv6).toBe(false);
  if (l.ipv4 === false) expect(l.ipv6).toBe(true);
  if (l.delistUrl !== '') expect(() => new URL(l.delistUrl.replace('{target}', '192.0.2.10'))).not.toThrow();
  expect(l.key).toBeUndefined();
  expect(deadListReason(l.zone)).toBeUndefined();
  const meanings = [...Object.values(l.codes), ...Object.values(l.bitmask ?? {}), ...(l.fallback ? [l.fallback] : [])];
  expect(meanings.length).toBeGreaterThan(0);
  for (const code of Object.keys(l.codes)) expect(code).toMatch(CODE);
  for (const bit of Object.keys(l.bitmask ?? {})) expect([1, 2, 4, 8, 16, 32, 64, 128]).toContain(Number(bit));
  for (const m of meanings) {
    expect(CODE_CLASSES).toContain(m.class);
    expect(m.meaning.length).toBeGreaterThan(0);
    if (m.class === 'error') expect(UNKNOWN_REASONS).toContain(m.reason);
    else expect(m.reason).toBeUndefined();
  }
  // A list checked with canaries must read its positive test entry as a
  // listing (or an undocumented code, which counts as one) and must not define
  // the negative one as a listing.
  if (l.canaries) {
    const positive = l.type === 'domain' ? undefined : codeMeaning(l, '127.0.0.2');
    if (positive) expect(positive.class).toBe('listed');
    expect(codeMeaning(l, '127.0.0.1')?.class).not.toBe('listed');
  }
});

test('catalogue knowledge the checker relies on', () => {
  const zen = findCatalogueList('zen.spamhaus.org')!;
  expect(zen).toMatchObject({ type: 'ip', ipv6: true, tier: 'critical', canaries: true });
  expect(zen.codes['127.255.255.254']).toEqual({ meaning: expect.any(String), class: 'error', reason: 'blocked_resolver' });
  expect(zen.codes['127.255.255.255'].reason).toBe('rate_limited');
  expect(findCatalogueList('dbl.spamhaus.org')).toMatchObject({ type: 'domain', query: 'name' });
  expect(findCatalogueList('multi.uribl.com')).toMatchObject({ type: 'domain', query: 'registrable_domain' });
  expect(findCatalogueList('multi.surbl.org')!.bitmask![1].reason).toBe('blocked_resolver');
  expect(findCatalogueList('rep.mailspike.net')!.codes['127.0.0.15'].class).toBe('informational');
  expect(findCatalogueList('zen.dq.spamhaus.net')!.codes['127.255.255.250'].reason).toBe('bad_key');
});

test('keyed zones (Spamhaus DQS, Abusix) require a key and are not defaults', () => {
  expect(KEYED_ZONES).toEqual(expect.arrayContaining(['zen.dq.spamhaus.net', 'dbl.dq.spamhaus.net', 'combined.mail.abusix.zone', 'dblack.mail.abusix.zone']));
  for (const z of KEYED_ZONES) expect(findCatalogueList(z)!.requiresKey).toBe(true);
  for (const n of DEFAULT_LIST_NAMES) expect(KEYED_ZONES).not.toContain(n);
});

test('defaults are catalogue lists, IP and domain', () => {
  const defaults = DEFAULT_LIST_NAMES.map((n) => findCatalogueList(n));
  expect(defaults.every((d) => d !== undefined)).toBe(true);
  expect(defaults.some((d) => d!.type === 'ip')).toBe(true);
  expect(defaults.some((d) => d!.type === 'domain')).toBe(true);
  expect(DEFAULT_LIST_NAMES).toContain('zen.spamhaus.org');
});

test('findCatalogueList ignores case and a trailing dot', () => {
  expect(findCatalogueList('ZEN.Spamhaus.org.')!.zone).toBe('zen.spamhaus.org');
  expect(findCatalogueList('bl.example.invalid')).toBeUndefined();
});

test.each([
  ['dnsbl.sorbs.net', 'SORBS was shut down on 2024-06-05'],
  ['spam.dnsbl.sorbs.net', 'SORBS was shut down on 2024-06-05'],
  ['sorbs.net', 'SORBS was shut down on 2024-06-05'],
  ['IX.dnsbl.manitu.net.', DEAD_LISTS['ix.dnsbl.manitu.net']],
  ['db.wpbl.info', 'WPBL has shut down'],
  ['bl.nszones.com', DEAD_LISTS['*.nszones.com']],
  ['notsorbs.net', undefined],
  ['zen.spamhaus.org', undefined],
])('deadListReason(%s)', (zone, why) => {
  expect(deadListReason(zone)).toBe(why);
});
