// `dnsbl.lists` validation: catalogue names, full definitions, keys, and
// errors that name their path and never contain a key.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { ConfigError, formatPath, validateConfig } from '../../../src/config/load';
import { DEFAULT_LIST_NAMES, findCatalogueList } from '../../../src/dnsbl/catalogue';
import { defaultLists, listsSchema } from '../../../src/dnsbl/lists-config';
import type { ListDefinition } from '../../../src/dnsbl/model';
import { tempDir } from '../../helpers/tmp';

const KEY = 'Dqskey0123456789abcdefghij';
const dir = tempDir('mailrep-lists-');
const keyFile = join(dir, 'dqs.key');
writeFileSync(keyFile, `  ${KEY}\n`);

/** `dnsbl.lists[1].zone: message`, as the config loader prints custom issues. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const at = formatPath(['dnsbl', 'lists', ...issue.path]);
  if (issue.code === 'unrecognized_keys') return `${at}: unknown key ${issue.keys.join(', ')}`;
  return `${at}: ${issue.message}`;
}
function problems(input: unknown): string[] {
  const r = listsSchema.safeParse(input);
  if (r.success) throw new Error(`expected problems, got ${JSON.stringify(r.data)}`);
  return r.error.issues.map(describeIssue);
}
function lists(input: unknown): ListDefinition[] {
  const r = listsSchema.safeParse(input);
  if (!r.success) throw new Error(r.error.issues.map(describeIssue).join('; '));
  return r.data;
}

test('omitted, null or empty means the default set', () => {
  for (const input of [undefined, null, []]) {
    expect(lists(input).map((l) => l.name)).toEqual([...DEFAULT_LIST_NAMES]);
  }
  expect(defaultLists().map((l) => l.name)).toEqual([...DEFAULT_LIST_NAMES]);
});

test('defaults are copies: changing them never changes the catalogue', () => {
  const mine = defaultLists();
  mine[0].codes['127.0.0.2'] = { meaning: 'changed', class: 'listed' };
  mine[0].tier = 'info';
  expect(findCatalogueList(mine[0].zone)!.codes['127.0.0.2'].meaning).not.toBe('changed');
  expect(findCatalogueList(mine[0].zone)!.tier).toBe('critical');
});

test('catalogue names give the catalogue entry', () => {
  const [zen, spamcop] = lists(['zen.spamhaus.org', 'BL.SpamCop.net.']);
  expect(zen).toEqual(findCatalogueList('zen.spamhaus.org'));
  expect(spamcop.zone).toBe('bl.spamcop.net');
});

test('a full definition of a list that is not in the catalogue', () => {
  const [l] = lists([{ zone: 'BL.Example.net.', type: 'ip', codes: { '127.0.0.2': 'listed here', '127.0.0.3': { meaning: 'good', class: 'whitelist' }, '127.0.0.9': { meaning: 'over quota', class: 'error', reason: 'rate_limited' } }, tier: 'low', delist_url: 'https://bl.example.net/lookup?ip={target}' }]);
  expect(l).toEqual({
    name: 'bl.example.net', zone: 'bl.example.net', type: 'ip', ipv6: false, query: 'name',
    codes: {
      '127.0.0.2': { meaning: 'listed here', class: 'listed' },
      '127.0.0.3': { meaning: 'good', class: 'whitelist' },
      '127.0.0.9': { meaning: 'over quota', class: 'error', reason: 'rate_limited' },
    },
    tier: 'low', delistUrl: 'https://bl.example.net/lookup?ip={target}', canaries: false,
  });
  const [d] = lists([{ zone: 'rhsbl.example.org', type: 'domain', query: 'registrable_domain', name: 'my-rhsbl', canaries: true, codes: { '127.0.0.5': { meaning: 'refused', class: 'error' } } }]);
  expect(d).toMatchObject({ name: 'my-rhsbl', type: 'domain', query: 'registrable_domain', canaries: true, tier: 'medium', delistUrl: '' });
  // An error code without a reason is a refusal.
  expect(d.codes['127.0.0.5']).toEqual({ meaning: 'refused', class: 'error', reason: 'blocked_resolver' });
});

test('a definition of a catalogue zone starts from the catalogue and overrides it', () => {
  const [l] = lists([{ zone: 'zen.spamhaus.org', name: 'zen-local', tier: 'high', codes: { '127.0.0.99': 'local addition' } }]);
  const base = findCatalogueList('zen.spamhaus.org')!;
  expect(l.name).toBe('zen-local');
  expect(l.tier).toBe('high');
  expect(l.type).toBe('ip');
  expect(l.ipv6).toBe(true);
  expect(l.codes['127.255.255.254']).toEqual(base.codes['127.255.255.254']);
  expect(l.codes['127.0.0.99']).toEqual({ meaning: 'local addition', class: 'listed' });
  expect(Object.keys(l.codes).length).toBe(Object.keys(base.codes).length + 1);
});

test('keys: inline, from a file (trimmed), required for keyed catalogue zones', () => {
  const [inline, fromFile] = lists([
    { zone: 'zen.dq.spamhaus.net', key: KEY },
    { zone: 'dbl.dq.spamhaus.net', key_file: keyFile },
  ]);
  expect(inline).toMatchObject({ name: 'zen.dq.spamhaus.net', zone: 'zen.dq.spamhaus.net', key: KEY, requiresKey: true, canaries: true });
  expect(fromFile).toMatchObject({ name: 'dbl.dq.spamhaus.net', type: 'domain', key: KEY });
  expect(problems(['zen.dq.spamhaus.net'])).toEqual(['dnsbl.lists[0]: zen.dq.spamhaus.net needs a key: write {zone: zen.dq.spamhaus.net, key_file: /path/to/key} (or key)']);
  expect(problems([{ zone: 'combined.mail.abusix.zone' }])).toEqual(['dnsbl.lists[0]: combined.mail.abusix.zone needs a key: set key or key_file']);
});

describe('errors never contain the key', () => {
  const emptyFile = join(dir, 'empty.key');
  writeFileSync(emptyFile, '\n  \n');
  const badFile = join(dir, 'bad.key');
  writeFileSync(badFile, `${KEY} ${KEY}\n`);
  const keyDir = join(dir, 'a-directory');
  mkdirSync(keyDir);
  const cases: [string, unknown, string][] = [
    ['key and key_file', [{ zone: 'zen.dq.spamhaus.net', key: KEY, key_file: keyFile }], 'dnsbl.lists[0]: key and key_file are exclusive: give one'],
    ['a key that is not a DNS label', [{ zone: 'zen.dq.spamhaus.net', key: `${KEY}.x` }], 'dnsbl.lists[0].key: not a valid key (one DNS label: letters, digits and hyphens, at most 63 characters)'],
    ['a missing key file', [{ zone: 'zen.dq.spamhaus.net', key_file: join(dir, 'absent.key') }], `dnsbl.lists[0].key_file: cannot read ${join(dir, 'absent.key')}: file does not exist`],
    ['an empty key file', [{ zone: 'zen.dq.spamhaus.net', key_file: emptyFile }], `dnsbl.lists[0].key_file: ${emptyFile} is empty`],
    ['a key file with two keys', [{ zone: 'zen.dq.spamhaus.net', key_file: badFile }], `dnsbl.lists[0].key_file: ${badFile} does not hold a valid key (one DNS label: letters, digits and hyphens, at most 63 characters)`],
    ['a directory as key file', [{ zone: 'zen.dq.spamhaus.net', key_file: keyDir }], `dnsbl.lists[0].key_file: cannot read ${keyDir}: is a directory`],
    ['a key pasted into the zone (object)', [{ zone: `${KEY}.zen.dq.spamhaus.net` }], 'dnsbl.lists[0].zone: looks like a key in front of zen.dq.spamhaus.net: set zone to zen.dq.spamhaus.net and put the key in key or key_file (zones are shown in metrics, keys must never be)'],
    ['a key pasted into the zone (string)', ['spamcop', `${KEY}.combined.mail.abusix.zone`], 'dnsbl.lists[1]: looks like a key in front of combined.mail.abusix.zone: set zone to combined.mail.abusix.zone and put the key in key or key_file (zones are shown in metrics, keys must never be)'],
    ['the key in the name', [{ zone: 'zen.dq.spamhaus.net', key: KEY, name: `zen-${KEY}` }], 'dnsbl.lists[0].name: must not contain the key (it would show in metrics and on the status page)'],
    ['the key in the delisting URL', [{ zone: 'zen.dq.spamhaus.net', key: KEY, delist_url: `https://portal.example/?k=${KEY.toLowerCase()}` }], 'dnsbl.lists[0].delist_url: must not contain the key (it would show in metrics and on the status page)'],
    ['a malformed zone holding a key', [{ zone: `${KEY} zen.dq.spamhaus.net`, key: KEY }], 'dnsbl.lists[0].zone: not a valid DNS zone name (host name labels, at least two, at most 117 characters)'],
    ['a key of the wrong type', [{ zone: 'zen.dq.spamhaus.net', key: 12345 }], 'dnsbl.lists[0].key: Invalid input: expected string, received number'],
  ];
  test.each(cases)('%s', (_what, input, expected) => {
    const got = problems(input);
    expect(got).toContain(expected);
    for (const p of got) expect(p.toLowerCase()).not.toContain(KEY.toLowerCase());
  });

  if (process.getuid?.() !== 0) {
    test('an unreadable key file', () => {
      const locked = join(dir, 'locked.key');
      writeFileSync(locked, KEY);
      chmodSync(locked, 0o000);
      expect(problems([{ zone: 'zen.dq.spamhaus.net', key_file: locked }])).toEqual([`dnsbl.lists[0].key_file: cannot read ${locked}: permission denied`]);
    });
  }
});

test.each<[string, unknown, string[]]>([
  ['a dead list by name', ['zen.spamhaus.org', 'dnsbl.sorbs.net'], ['dnsbl.lists[1]: dnsbl.sorbs.net is dead: SORBS was shut down on 2024-06-05; remove it']],
  ['a dead list in a definition', [{ zone: 'ix.dnsbl.manitu.net', type: 'ip' }], ['dnsbl.lists[0].zone: ix.dnsbl.manitu.net is dead: NiX Spam (manitu) is no longer maintained and its zone is dead (dnsbl.com, 2025-01); remove it']],
  ['an unknown zone given by name', ['bl.example.net'], ['dnsbl.lists[0]: "bl.example.net" is not in the catalogue; give a full definition {zone, type}']],
  ['not a zone at all', ['spamhaus please'], ['dnsbl.lists[0]: "spamhaus please" is neither a catalogue list nor a DNS zone name']],
  ['neither string nor object', [42], ['dnsbl.lists[0]: expected a list name such as zen.spamhaus.org or a definition {zone, type, …}']],
  ['not an array', 'zen.spamhaus.org', ['dnsbl.lists: expected a list of DNSBL names or definitions']],
  ['type is required off-catalogue', [{ zone: 'bl.example.net' }], ['dnsbl.lists[0].type: required for a list that is not in the catalogue: "ip" or "domain"']],
  ['zone is required', [{ type: 'ip' }], ['dnsbl.lists[0].zone: Invalid input: expected string, received undefined']],
  ['unknown keys', [{ zone: 'bl.example.net', type: 'ip', tierr: 'low' }], ['dnsbl.lists[0]: unknown key tierr']],
  ['a bad tier', [{ zone: 'bl.example.net', type: 'ip', tier: 'urgent' }], ['dnsbl.lists[0].tier: Invalid option: expected one of "critical"|"high"|"medium"|"low"|"info"']],
  ['a code outside 127/8', [{ zone: 'bl.example.net', type: 'ip', codes: { '10.0.0.2': 'x' } }], ['dnsbl.lists[0].codes.10.0.0.2: a code is an address in 127.0.0.0/8 such as 127.0.0.2']],
  ['a reason on a listed code', [{ zone: 'bl.example.net', type: 'ip', codes: { '127.0.0.2': { meaning: 'x', class: 'listed', reason: 'timeout' } } }], ['dnsbl.lists[0].codes.127.0.0.2.reason: only a code of class "error" has a reason']],
  ['a bad delisting URL', [{ zone: 'bl.example.net', type: 'ip', delist_url: 'javascript:alert(1)' }], ['dnsbl.lists[0].delist_url: expected an http(s) URL ({target} stands for the checked address or domain)']],
  ['a bad name', [{ zone: 'bl.example.net', type: 'ip', name: 'has "quotes"' }], ['dnsbl.lists[0].name: a name is 1–100 letters, digits, ".", "_", ":" or "-" (it becomes a label value)']],
  ['an IPv6-only list must allow IPv6', [{ zone: 'bl.example.net', type: 'ip', ipv4: false }], ['dnsbl.lists[0].ipv6: a list with ipv4: false must have ipv6: true, or it checks nothing']],
  ['duplicate names', ['zen.spamhaus.org', 'bl.spamcop.net', { zone: 'zen.spamhaus.org', tier: 'low' }], ['dnsbl.lists[2]: duplicate list name "zen.spamhaus.org" (entry 0 has it too): give one of them another name']],
  ['duplicate explicit names', [{ zone: 'a.example.net', type: 'ip', name: 'mine' }, { zone: 'b.example.net', type: 'ip', name: 'MINE' }], ['dnsbl.lists[1].name: duplicate list name "MINE" (entry 0 has it too): give one of them another name']],
  ['every problem is reported', ['dnsbl.sorbs.net', { zone: 'bl.example.net' }], [
    'dnsbl.lists[0]: dnsbl.sorbs.net is dead: SORBS was shut down on 2024-06-05; remove it',
    'dnsbl.lists[1].type: required for a list that is not in the catalogue: "ip" or "domain"',
  ]],
])('%s', (_what, input, expected) => {
  expect(problems(input)).toEqual(expected);
});

test('an IPv6-only definition', () => {
  const [l] = lists([{ zone: 'v6.example.net', type: 'ip', ipv4: false, ipv6: true, canaries: true }]);
  expect(l).toMatchObject({ ipv4: false, ipv6: true, canaries: true });
});

describe('through the whole config (validateConfig)', () => {
  function configProblems(raw: unknown): string[] {
    try {
      validateConfig(raw);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    throw new Error('expected a ConfigError');
  }

  test('omitted lists are the default set', () => {
    expect(validateConfig({}).dnsbl.lists.map((l) => l.name)).toEqual([...DEFAULT_LIST_NAMES]);
  });

  test('problems name dnsbl.lists paths, and the key never shows', () => {
    const got = configProblems({ dnsbl: { lists: ['dnsbl.sorbs.net', { zone: 'bl.example.net', type: 'ip', tierr: 'low' }, { zone: `${KEY}.zen.dq.spamhaus.net`, key: KEY }] } });
    expect(got).toEqual([
      'dnsbl.lists[0]: dnsbl.sorbs.net is dead: SORBS was shut down on 2024-06-05; remove it',
      'dnsbl.lists[1].tierr: unknown key',
      'dnsbl.lists[2].zone: looks like a key in front of zen.dq.spamhaus.net: set zone to zen.dq.spamhaus.net and put the key in key or key_file (zones are shown in metrics, keys must never be)',
    ]);
    expect(got.join('\n').toLowerCase()).not.toContain(KEY.toLowerCase());
  });

  test('a keyed list from a key file', () => {
    const [l] = validateConfig({ dnsbl: { lists: [{ zone: 'zen.dq.spamhaus.net', key_file: keyFile }] } }).dnsbl.lists;
    expect(l).toMatchObject({ name: 'zen.dq.spamhaus.net', key: KEY });
  });
});
