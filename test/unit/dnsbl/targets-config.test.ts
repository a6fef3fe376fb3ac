// `dnsbl.targets`: every accepted form normalised, every bad entry an error at
// its path, the CIDR cap checked against the sibling option.
import { z } from 'zod';
import { formatPath } from '../../../src/config/load';
import {
  domainMatches, normalizeDomain, targetsSectionSchema, targetsSchema, validateTargets, type TargetSpec,
} from '../../../src/dnsbl/targets-config';

// The shape the lead's config has: the section under `dnsbl`.
const config = z.strictObject({ dnsbl: targetsSectionSchema.prefault({}) });

function parse(dnsbl: unknown) {
  const r = config.safeParse({ dnsbl });
  if (!r.success) throw new Error(r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
  return r.data.dnsbl;
}
function problems(dnsbl: unknown): string[] {
  const r = config.safeParse({ dnsbl });
  if (r.success) return [];
  return r.error.issues.map((i) => i.code === 'unrecognized_keys'
    ? `${formatPath([...i.path, ...i.keys])}: unknown key` : `${formatPath(i.path)}: ${i.message}`);
}

const domainDefaults = { spf: false, mx: false, checkDomain: true, spfThirdParty: false, spfIncludeAllow: [], spfIncludeDeny: [] };

test('defaults: no targets, cidr cap 256, SPF expansion cap 16', () => {
  expect(parse(undefined)).toEqual({ targets: [], cidr_max_addresses: 256, spf_cidr_max_addresses: 16 });
});

test.each<[unknown, TargetSpec]>([
  ['192.0.2.10', { kind: 'address', address: '192.0.2.10', family: 4 }],
  ['2001:DB8:0:0::1', { kind: 'address', address: '2001:db8::1', family: 6 }],
  ['::ffff:198.51.100.9', { kind: 'address', address: '198.51.100.9', family: 4 }],
  ['198.51.100.0/28', { kind: 'cidr', cidr: '198.51.100.0/28', family: 4 }],
  ['198.51.100.5/28', { kind: 'cidr', cidr: '198.51.100.0/28', family: 4 }],
  ['2001:db8::/120', { kind: 'cidr', cidr: '2001:db8::/120', family: 6 }],
  ['MX1.Example.COM.', { kind: 'hostname', hostname: 'mx1.example.com' }],
  ['mail.bücher.example', { kind: 'hostname', hostname: 'mail.xn--bcher-kva.example' }],
  [{ address: '2001:db8::25' }, { kind: 'address', address: '2001:db8::25', family: 6 }],
  [{ address: '192.0.2.0/30' }, { kind: 'cidr', cidr: '192.0.2.0/30', family: 4 }],
  [{ hostname: 'smtp.example.net' }, { kind: 'hostname', hostname: 'smtp.example.net' }],
  [{ domain: 'Example.com' }, { kind: 'domain', domain: 'example.com', ...domainDefaults }],
  [{ domain: 'bücher.example', spf: true, mx: true }, { kind: 'domain', domain: 'xn--bcher-kva.example', ...domainDefaults, spf: true, mx: true }],
  [{ domain: 'example.com', spf: true, check_domain: false, spf_third_party: true, spf_include_allow: ['SendGrid.net'], spf_include_deny: ['_spf.google.com.'] },
    { kind: 'domain', domain: 'example.com', ...domainDefaults, spf: true, checkDomain: false, spfThirdParty: true, spfIncludeAllow: ['sendgrid.net'], spfIncludeDeny: ['_spf.google.com'] }],
])('%j is accepted', (entry, spec) => {
  expect(parse({ targets: [entry] }).targets).toEqual([spec]);
});

test.each<[unknown, string]>([
  ['192.0.2.300', 'dnsbl.targets[0]: "192.0.2.300" is not an IP address, CIDR or hostname'],
  ['10.0.0.0/33', 'dnsbl.targets[0]: "10.0.0.0/33" is not an IP address, CIDR or hostname'],
  ['localhost', 'dnsbl.targets[0]: "localhost" is not an IP address, CIDR or hostname'],
  ['-bad.example.com', 'dnsbl.targets[0]: "-bad.example.com" is not an IP address, CIDR or hostname'],
  ['a..example.com', 'dnsbl.targets[0]: "a..example.com" is not an IP address, CIDR or hostname'],
  ['mx1.example.com:25', 'dnsbl.targets[0]: "mx1.example.com:25" is not an IP address, CIDR or hostname'],
  [42, 'dnsbl.targets[0]: expected an IP address, CIDR or hostname, or an object with one of the keys domain, address, hostname'],
  [['192.0.2.1'], 'dnsbl.targets[0]: expected an IP address, CIDR or hostname, or an object with one of the keys domain, address, hostname'],
  [{ ip: '192.0.2.1' }, 'dnsbl.targets[0]: expected an IP address, CIDR or hostname, or an object with one of the keys domain, address, hostname'],
  [{ address: 'mx1.example.com' }, 'dnsbl.targets[0].address: "mx1.example.com" is not an IP address or CIDR'],
  [{ hostname: 'not a name' }, 'dnsbl.targets[0].hostname: "not a name" is not a domain name'],
  [{ domain: 'example.com', spff: true }, 'dnsbl.targets[0].spff: unknown key'],
  [{ domain: 'example.com', address: '192.0.2.1' }, 'dnsbl.targets[0].address: unknown key'],
  [{ domain: 'example.com', spf: 'yes' }, 'dnsbl.targets[0].spf: Invalid input: expected boolean, received string'],
  [{ domain: 'example.com', spf_include_deny: ['ok.example', 'bad_'] }, 'dnsbl.targets[0].spf_include_deny[1]: "bad_" is not a domain name'],
])('%j is an error at its path', (entry, message) => {
  expect(problems({ targets: [entry] })).toEqual([message]);
});

test('the CIDR cap is checked against cidr_max_addresses at the entry path', () => {
  expect(problems({ targets: ['192.0.2.1', 'mx.example.com', { domain: 'example.com' }, '10.0.0.0/16'] })).toEqual([
    'dnsbl.targets[3]: 10.0.0.0/16 has 65536 addresses, more than cidr_max_addresses (256)',
  ]);
  expect(problems({ targets: ['10.0.0.0/24', '2001:db8::/119'] })).toEqual([
    'dnsbl.targets[1]: 2001:db8::/119 has 512 addresses, more than cidr_max_addresses (256)',
  ]);
  expect(parse({ targets: ['10.0.0.0/16'], cidr_max_addresses: 65536 }).targets).toEqual([{ kind: 'cidr', cidr: '10.0.0.0/16', family: 4 }]);
  expect(problems({ targets: [{ address: '10.0.0.0/20' }], cidr_max_addresses: 1024 })).toEqual([
    'dnsbl.targets[0]: 10.0.0.0/20 has 4096 addresses, more than cidr_max_addresses (1024)',
  ]);
});

test('the caps themselves are bounded', () => {
  expect(problems({ cidr_max_addresses: 65537 })).toEqual(['dnsbl.cidr_max_addresses: Too big: expected number to be <=65536']);
  expect(problems({ spf_cidr_max_addresses: 0 })).toEqual(['dnsbl.spf_cidr_max_addresses: Too small: expected number to be >=1']);
});

test('validateTargets works on any object holding targets and the cap, under another key too', () => {
  const schema = z.strictObject({ hosts: targetsSchema, cidr_max_addresses: z.number() })
    .superRefine((d, ctx) => validateTargets(d.hosts, d, ctx, ['hosts']));
  const r = schema.safeParse({ hosts: ['192.0.2.0/24', '192.0.2.0/23'], cidr_max_addresses: 256 });
  expect(r.success).toBe(false);
  expect(r.error!.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)).toEqual([
    'hosts[1]: 192.0.2.0/23 has 512 addresses, more than cidr_max_addresses (256)',
  ]);
});

describe('normalizeDomain', () => {
  test.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['_spf.google.com', '_spf.google.com'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['BÜCHER.example', 'xn--bcher-kva.example'],
    ['例え.テスト', 'xn--r8jz45g.xn--zckzah'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('%s → %s', (text, name) => {
    expect(normalizeDomain(text)).toBe(name);
  });
  test.each(['', '.', 'com', 'example..com', '.example.com', 'example.com..', 'exa mple.com', 'a-.example', '-a.example',
    `${'a'.repeat(64)}.example`, `${'a.'.repeat(127)}com`, '192.0.2.1', 'example.123', 'ex%ample.com', 'exam/ple.com', 'e\nx.com'])('rejects %j', (text) => {
    expect(normalizeDomain(text)).toBeUndefined();
  });
  test('domainMatches: the name or a subdomain, on label boundaries', () => {
    expect(domainMatches('sendgrid.net', 'sendgrid.net')).toBe(true);
    expect(domainMatches('u1.wl.sendgrid.net', 'sendgrid.net')).toBe(true);
    expect(domainMatches('notsendgrid.net', 'sendgrid.net')).toBe(false);
    expect(domainMatches('net', 'sendgrid.net')).toBe(false);
  });
});
