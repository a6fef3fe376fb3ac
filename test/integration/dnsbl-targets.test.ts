// SPF walking and target resolution against real DNS servers through the real
// Resolver: rbldnsd (the daemon DNSBLs run) serves the SPF, MX and A data from
// its "generic" dataset in test/fixtures/dnsbl/spf/, and an acl :ignore zone
// for timeouts. rbldnsd cannot serve AAAA (it answers NODATA), so the IPv6
// paths (AAAA of hostnames, a//c6, MX hosts with AAAA) run against a small
// authoritative server built on dns2's UDP server, also over real UDP.
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, Packet, type DnsServer } from 'dns2';
import { startRbldnsd, type RunningRbldnsd } from '../helpers/rbldnsd';
import { tempDir } from '../helpers/tmp';
import { Resolver } from '../../src/dnsbl/resolver';
import type { DnsLookup, RecordType } from '../../src/dnsbl/dns';
import { walkSpf, type SpfResult, type WalkSpfOptions } from '../../src/dnsbl/spf';
import { resolveTargets, type TargetRoundResult } from '../../src/dnsbl/targets';
import { targetsSectionSchema, type TargetSpec } from '../../src/dnsbl/targets-config';
import type { Logger, LogFields } from '../../src/log';
import { compareAddresses } from '../../src/dnsbl/ip';

const FIXTURES = join(__dirname, '../fixtures/dnsbl/spf');

let rbldnsd: RunningRbldnsd;
let v6server: { server: DnsServer; port: number };
let dns: Resolver;
let dns6: Resolver;

const dir = tempDir('mailrep-spf-');

beforeAll(async () => {
  for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(dir, f));
  rbldnsd = await startRbldnsd(dir, [
    'example.com:generic:example.com.zone',
    'example.net:generic:example.net.zone',
    'slow.example.com:generic:slow.example.com.zone',
    'slow.example.com:acl:slow.acl',
  ]);
  dns = new Resolver({ servers: [{ host: rbldnsd.host, port: rbldnsd.port }], timeoutMs: 300, retries: 0, concurrency: 16 });
  v6server = await startZoneServer(V6_ZONE);
  dns6 = new Resolver({ servers: [{ host: '127.0.0.1', port: v6server.port }], timeoutMs: 300, retries: 0, concurrency: 16 });
});

afterAll(async () => {
  await dns?.close();
  await dns6?.close();
  await v6server?.server.close();
  await rbldnsd?.stop();
});

const own: WalkSpfOptions = { followThirdParty: false, cidrMax: 16 };

function spf(over: Partial<SpfResult> & { domain: string }): SpfResult {
  return {
    addresses: [], networks: [], lookups: 0, voidLookups: 0, exceededLookupLimit: false,
    macrosSkipped: [], loops: [], errors: [], includesSkipped: [], ...over,
  };
}

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('walkSpf', () => {
  test('the domain\'s record: ip4, mx hosts, a, an include; ~ip4 and -all collect nothing', async () => {
    const r = await walkSpf('Example.COM.', dns, own);
    // rbldnsd answers a name's A records in an order of its own: compare sorted.
    expect({ ...r, addresses: [...r.addresses].sort(compareAddresses) }).toEqual(spf({
      domain: 'example.com',
      record: 'v=spf1 ip4:192.0.2.10 mx a:relay.example.com include:_spf.example.com ~ip4:192.0.2.99 -all',
      addresses: ['192.0.2.10', '192.0.2.30', '192.0.2.31', '192.0.2.32', '192.0.2.40',
        '198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.3'],
      lookups: 3,
    }));
  });

  test('qualifiers: only + and none collect; terms after "all" are never evaluated', async () => {
    const r = await walkSpf('basic.example.com', dns, own);
    expect(r.addresses).toEqual(['192.0.2.10', '2001:db8::25', '192.0.2.11']);
    expect(r.lookups).toBe(0);
    expect(r.errors).toEqual([]);
  });

  test('nested includes', async () => {
    expect(await walkSpf('nested.example.com', dns, own)).toEqual(spf({
      domain: 'nested.example.com', record: 'v=spf1 include:_spf1.example.com -all',
      addresses: ['192.0.2.11', '192.0.2.12'], lookups: 2,
    }));
  });

  test('redirect= is followed without "all" and ignored with it', async () => {
    const r = await walkSpf('redir.example.com', dns, own);
    expect(r.addresses).toEqual(['192.0.2.13', '192.0.2.12']);
    expect(r.lookups).toBe(1);
    const withAll = await walkSpf('redir-all.example.com', dns, own);
    expect(withAll.addresses).toEqual(['192.0.2.13']);
    expect(withAll.lookups).toBe(0);
  });

  test('a/mx CIDR suffixes widen each address; a large ip4 network is its network address only', async () => {
    const r = await walkSpf('cidr.example.com', dns, own);
    expect(r.addresses).toEqual([
      '192.0.2.40', '192.0.2.41', // a/31
      '192.0.2.48', '192.0.2.49', '192.0.2.50', '192.0.2.51', // a:host/30
      '192.0.2.60', '192.0.2.61', '192.0.2.70', '192.0.2.71', // mx:mxd/31, two hosts
      ...range('198.51.100.', 16, 31), // /28 = 16 ≤ cidrMax
      '198.51.100.64', // /26 = 64 > cidrMax
    ]);
    expect(r.networks).toEqual(['198.51.100.64/26']);
    expect(r.lookups).toBe(3);
    expect(r.errors).toEqual([]);
    const wide = await walkSpf('cidr.example.com', dns, { ...own, cidrMax: 64 });
    expect(wide.addresses.length).toBe(10 + 16 + 64);
    expect(wide.networks).toEqual([]);
  });

  test('an include loop is detected and reported, what was found is kept', async () => {
    expect(await walkSpf('loop-a.example.com', dns, own)).toEqual(spf({
      domain: 'loop-a.example.com', record: 'v=spf1 ip4:192.0.2.80 include:loop-b.example.com -all',
      addresses: ['192.0.2.80', '192.0.2.81'], lookups: 2,
      loops: ['loop-a.example.com -> loop-b.example.com -> loop-a.example.com'],
      errors: ['loop-b.example.com: include:loop-a.example.com loops back (permerror)'],
    }));
  });

  test('more than 10 lookups: stops querying at the 11th, keeps counting the terms it already has', async () => {
    const r = await walkSpf('many.example.com', dns, own);
    expect(r.exceededLookupLimit).toBe(true);
    // i1..i5 each: include + a = 10; include:i6 is the 11th (not fetched), mx the 12th.
    expect(r.lookups).toBe(12);
    expect(r.addresses).toEqual(['101', '111', '102', '112', '103', '113', '104', '114', '105', '115'].map((x) => `192.0.2.${x}`));
    expect(r.errors).toEqual(['more than 10 DNS-querying terms (permerror); the rest was not queried']);
  });

  test('macros are skipped and reported; they still count as lookups', async () => {
    expect(await walkSpf('macro.example.com', dns, own)).toEqual(spf({
      domain: 'macro.example.com',
      record: 'v=spf1 ip4:192.0.2.90 exists:%{i}._spf.example.com include:%{d}.spf.example.com a:%{l}.example.com -all',
      addresses: ['192.0.2.90'], lookups: 3,
      macrosSkipped: [
        'macro.example.com: exists:%{i}._spf.example.com',
        'macro.example.com: include:%{d}.spf.example.com',
        'macro.example.com: a:%{l}.example.com',
      ],
    }));
  });

  test('a third-party include is skipped by default, followed on request or when allow-listed, never when denied', async () => {
    const skipped = await walkSpf('tp.example.com', dns, own);
    expect(skipped.addresses).toEqual(['192.0.2.91']);
    expect(skipped.includesSkipped).toEqual(['_spf.example.net (third-party)']);
    expect(skipped.lookups).toBe(1);

    const followed = await walkSpf('tp.example.com', dns, { ...own, followThirdParty: true });
    expect(followed.addresses).toEqual(['192.0.2.91', '198.51.100.200', '198.51.100.201']);
    expect(followed.includesSkipped).toEqual([]);
    expect(followed.lookups).toBe(2);

    // Allow-listing the provider also follows its own nested include (same registrable domain as the provider).
    const allowed = await walkSpf('tp.example.com', dns, { ...own, includeAllow: ['example.net'] });
    expect(allowed.addresses).toEqual(['192.0.2.91', '198.51.100.200', '198.51.100.201']);

    const denied = await walkSpf('tp.example.com', dns, { ...own, followThirdParty: true, includeDeny: ['_spf2.example.net'] });
    expect(denied.addresses).toEqual(['192.0.2.91', '198.51.100.200']);
    expect(denied.includesSkipped).toEqual(['_spf2.example.net (denied)']);

    const ownDenied = await walkSpf('nested.example.com', dns, { ...own, includeDeny: ['_spf2.example.com'] });
    expect(ownDenied.addresses).toEqual(['192.0.2.11']);
  });

  test('includes and a terms behind -, ~ and ? are not ours: counted, not followed', async () => {
    const r = await walkSpf('neg.example.com', dns, own);
    expect(r.addresses).toEqual(['192.0.2.94']);
    expect(r.includesSkipped).toEqual(['_spf2.example.com (qualifier -)', '_spf1.example.com (qualifier ~)']);
    expect(r.lookups).toBe(3);
  });

  test('two SPF records are a permerror', async () => {
    expect(await walkSpf('two.example.com', dns, own)).toEqual(spf({
      domain: 'two.example.com', errors: ['two.example.com: 2 SPF records (permerror)'],
    }));
  });

  test('no SPF record is no SPF, not an error; a domain that does not exist is', async () => {
    expect(await walkSpf('nospf.example.com', dns, own)).toEqual(spf({ domain: 'nospf.example.com' }));
    expect(await walkSpf('absent.example.com', dns, own)).toEqual(spf({
      domain: 'absent.example.com', errors: ['absent.example.com: domain does not exist'],
    }));
  });

  test('an include target without SPF is a permerror; a void lookup', async () => {
    expect(await walkSpf('inc-nospf.example.com', dns, own)).toEqual(spf({
      domain: 'inc-nospf.example.com', record: 'v=spf1 ip4:192.0.2.95 include:nospf.example.com -all',
      addresses: ['192.0.2.95'], lookups: 1,
      errors: ['nospf.example.com: include target has no SPF record (permerror)'],
    }));
  });

  test('more than two void lookups stop the walk', async () => {
    const r = await walkSpf('void.example.com', dns, own);
    expect(r.voidLookups).toBe(3);
    expect(r.lookups).toBe(3);
    expect(r.addresses).toEqual(['192.0.2.93']);
    expect(r.errors).toEqual(['more than 2 void lookups (permerror, at void.example.com: a:v3.example.com); the rest was not queried']);
  });

  test('an mx term over more than 10 MX records is an error for that term', async () => {
    const r = await walkSpf('mx11.example.com', dns, own);
    expect(r.addresses).toEqual(['192.0.2.92']);
    expect(r.errors).toEqual(['mx11.example.com: mx: 11 MX records, more than 10 (permerror)']);
  });

  test('a syntax error makes the record a permerror', async () => {
    expect(await walkSpf('syntax.example.com', dns, own)).toEqual(spf({
      domain: 'syntax.example.com', record: 'v=spf1 ip4:192.0.2.1 ip4:192.0.2.300 -all',
      errors: ['syntax.example.com: "ip4:192.0.2.300": bad ip4 network (permerror)'],
    }));
  });

  test('a timeout is an error, never "no SPF"', async () => {
    expect(await walkSpf('slow.example.com', dns, own)).toEqual(spf({
      domain: 'slow.example.com', errors: ['slow.example.com: TXT lookup failed: timeout'],
    }));
    const inc = await walkSpf('tmo.example.com', dns, own);
    expect(inc.addresses).toEqual(['192.0.2.89']);
    expect(inc.lookups).toBe(1);
    expect(inc.errors).toEqual(['_spf.slow.example.com: TXT lookup failed: timeout']);
  });

  test('an unreachable resolver is an error too', async () => {
    const dead = new Resolver({ servers: [{ host: '127.0.0.1', port: await closedPort() }], timeoutMs: 300, retries: 0, concurrency: 4 });
    try {
      const r = await walkSpf('example.com', dead, own);
      expect(r.addresses).toEqual([]);
      expect(r.errors).toEqual(['example.com: TXT lookup failed: network']);
    } finally {
      await dead.close();
    }
  });

  test('IPv6: a and mx collect AAAA, the //c6 suffix widens them (dns2 server)', async () => {
    const r = await walkSpf('v6.example.org', dns6, own);
    expect(r.addresses).toEqual([
      '203.0.113.7', '2001:db8:77::7', // a
      '2001:db8:88::', ...Array.from({ length: 15 }, (_, i) => `2001:db8:88::${(i + 1).toString(16)}`), // a:wide.example.org//124
      '203.0.113.9', '2001:db8:99::9', // mx
    ]);
    expect(r.lookups).toBe(3);
    expect(r.errors).toEqual([]);
  });
});

describe('resolveTargets', () => {
  function specs(entries: unknown[]): TargetSpec[] {
    return targetsSectionSchema.parse({ targets: entries }).targets;
  }
  const byValue = (r: TargetRoundResult) => Object.fromEntries(r.targets.map((t) => [`${t.kind} ${t.value}`, t.origins]));

  test('addresses, a CIDR, hostnames and a domain with SPF and MX, deduplicated with merged origins', async () => {
    const r = await resolveTargets(specs([
      '192.0.2.30', '198.51.100.8/30', 'MX1.example.com', { hostname: 'relay.example.com' },
      { domain: 'example.com', spf: true, mx: true },
    ]), dns);
    expect(byValue(r)).toEqual({
      'domain example.com': ['static'],
      'ip 192.0.2.10': ['spf:example.com'],
      'ip 192.0.2.30': ['hostname:mx1.example.com', 'mx:example.com', 'spf:example.com', 'static'],
      'ip 192.0.2.31': ['hostname:mx1.example.com', 'mx:example.com', 'spf:example.com'],
      'ip 192.0.2.32': ['mx:example.com', 'spf:example.com'],
      'ip 192.0.2.40': ['hostname:relay.example.com', 'spf:example.com'],
      'ip 198.51.100.0': ['spf:example.com'],
      'ip 198.51.100.1': ['spf:example.com'],
      'ip 198.51.100.2': ['spf:example.com'],
      'ip 198.51.100.3': ['spf:example.com'],
      'ip 198.51.100.8': ['static'],
      'ip 198.51.100.9': ['static'],
      'ip 198.51.100.10': ['static'],
      'ip 198.51.100.11': ['static'],
    });
    // Sorted: domains, then IPv4 numerically.
    expect(r.targets.map((t) => t.value)).toEqual(['example.com', '192.0.2.10', '192.0.2.30', '192.0.2.31', '192.0.2.32', '192.0.2.40',
      '198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.8', '198.51.100.9', '198.51.100.10', '198.51.100.11']);
    expect(r.spf.map((s) => [s.domain, s.lookups])).toEqual([['example.com', 3]]);
    expect(r.problems).toEqual([]);
    expect(r.fromInterfaces).toBe(false);
  });

  test('check_domain: false leaves the domain itself out; an IDN domain is checked as its A-label', async () => {
    const r = await resolveTargets(specs([{ domain: 'bücher.example.com', mx: true }, { domain: 'nested.example.com', spf: true, check_domain: false }]), dns);
    expect(byValue(r)).toEqual({
      'domain xn--bcher-kva.example.com': ['static'],
      'ip 192.0.2.11': ['spf:nested.example.com'],
      'ip 192.0.2.12': ['spf:nested.example.com'],
      'ip 192.0.2.32': ['mx:xn--bcher-kva.example.com'],
    });
  });

  test('hostname failures are problems naming the hostname; nothing is made up for them', async () => {
    const r = await resolveTargets(specs(['absent.example.com', 'mx.slow.example.com', 'onlytxt.example.com', '192.0.2.1']), dns);
    expect(byValue(r)).toEqual({ 'ip 192.0.2.1': ['static'] });
    expect(r.problems).toEqual([
      'hostname absent.example.com: does not exist (NXDOMAIN)',
      'hostname mx.slow.example.com: timeout',
      'hostname onlytxt.example.com: no A or AAAA records',
    ]);
  });

  test('MX: null MX has no hosts and no problem, no MX means the domain itself, failing hosts are named', async () => {
    const r = await resolveTargets(specs([
      { domain: 'nullmx.example.com', mx: true, check_domain: false },
      { domain: 'nomx.example.com', mx: true, check_domain: false },
      { domain: 'halfmx.example.com', mx: true, check_domain: false },
      { domain: 'slow.example.com', mx: true, check_domain: false },
      { domain: 'absent.example.com', mx: true, check_domain: false },
    ]), dns);
    expect(byValue(r)).toEqual({
      'ip 192.0.2.30': ['mx:halfmx.example.com'],
      'ip 192.0.2.31': ['mx:halfmx.example.com'],
      'ip 192.0.2.120': ['mx:nomx.example.com'],
    });
    expect(r.problems).toEqual([
      'mx absent.example.com: domain does not exist (NXDOMAIN)',
      'mx halfmx.example.com: host ghost.example.com: does not exist (NXDOMAIN)',
      'mx halfmx.example.com: host mx.slow.example.com: timeout',
      'mx slow.example.com: timeout',
    ]);
  });

  test('SPF errors become problems prefixed with the domain; results are in config order', async () => {
    const r = await resolveTargets(specs([
      { domain: 'two.example.com', spf: true, check_domain: false },
      { domain: 'loop-a.example.com', spf: true, check_domain: false },
      { domain: 'tmo.example.com', spf: true, check_domain: false },
    ]), dns);
    expect(r.spf.map((s) => s.domain)).toEqual(['two.example.com', 'loop-a.example.com', 'tmo.example.com']);
    expect(r.problems).toEqual([
      'spf loop-a.example.com: loop-b.example.com: include:loop-a.example.com loops back (permerror)',
      'spf tmo.example.com: _spf.slow.example.com: TXT lookup failed: timeout',
      'spf two.example.com: two.example.com: 2 SPF records (permerror)',
    ]);
    expect(byValue(r)).toEqual({
      'ip 192.0.2.80': ['spf:loop-a.example.com'],
      'ip 192.0.2.81': ['spf:loop-a.example.com'],
      'ip 192.0.2.89': ['spf:tmo.example.com'],
    });
  });

  test('IPv6: hostnames resolve A and AAAA; a failing AAAA keeps the A and says so (dns2 server)', async () => {
    const r = await resolveTargets(specs(['dual.example.org', 'v4only.example.org', 'noaaaa.example.org', { domain: 'v6.example.org', mx: true, check_domain: false }]), dns6);
    expect(byValue(r)).toEqual({
      'ip 203.0.113.7': ['hostname:dual.example.org'],
      'ip 203.0.113.8': ['hostname:v4only.example.org'],
      'ip 203.0.113.10': ['hostname:noaaaa.example.org'],
      'ip 203.0.113.9': ['mx:v6.example.org'],
      'ip 2001:db8:77::7': ['hostname:dual.example.org'],
      'ip 2001:db8:99::9': ['mx:v6.example.org'],
    });
    expect(r.targets.map((t) => t.value)).toEqual(['203.0.113.7', '203.0.113.8', '203.0.113.9', '203.0.113.10', '2001:db8:77::7', '2001:db8:99::9']);
    expect(r.problems).toEqual(['hostname noaaaa.example.org: AAAA servfail']);
  });

  test('no targets configured: the host\'s public interface addresses, logged', async () => {
    const lines: [string, LogFields | undefined][] = [];
    const log = capture(lines);
    const r = await resolveTargets([], dns, {
      log, interfaces: () => [{ address: '93.184.216.34', iface: 'eth0' }, { address: '2a00:1450:4001:80b::200e', iface: 'eth0' }, { address: '185.199.108.153', iface: 'eth1' }],
    });
    expect(r.targets).toEqual([
      { kind: 'ip', value: '93.184.216.34', origins: ['interface:eth0'] },
      { kind: 'ip', value: '185.199.108.153', origins: ['interface:eth1'] },
      { kind: 'ip', value: '2a00:1450:4001:80b::200e', origins: ['interface:eth0'] },
    ]);
    expect(r.fromInterfaces).toBe(true);
    expect(r.problems).toEqual([]);
    expect(lines).toEqual([['info: no dnsbl.targets configured: checking this host\'s public interface addresses',
      { addresses: '93.184.216.34 (eth0), 2a00:1450:4001:80b::200e (eth0), 185.199.108.153 (eth1)' }]]);
  });

  test('no targets and no public interface: a problem that says what to do', async () => {
    const r = await resolveTargets([], dns, { interfaces: () => [] });
    expect(r.targets).toEqual([]);
    expect(r.problems).toEqual(['no dnsbl.targets configured and this host has no public interface address: configure dnsbl.targets (behind NAT, the public address or the mail domain)']);
  });
});

// ---- helpers ---------------------------------------------------------------

function capture(lines: [string, LogFields | undefined][]): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => { lines.push([`${level}: ${msg}`, fields]); };
  const logger: Logger = { debug: () => {}, info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

async function closedPort(): Promise<number> {
  const { freeUdpPort } = await import('../helpers/rbldnsd');
  return freeUdpPort();
}

type ZoneRecord = { type: RecordType; data: string; priority?: number } | { type: 'SERVFAIL' };

// What the dns2 server serves: IPv6 data rbldnsd cannot.
const V6_ZONE: Record<string, ZoneRecord[]> = {
  'v6.example.org': [
    { type: 'TXT', data: 'v=spf1 a a:wide.example.org//124 mx -all' },
    { type: 'A', data: '203.0.113.7' }, { type: 'AAAA', data: '2001:db8:77::7' },
    { type: 'MX', data: 'mx.v6.example.org', priority: 10 },
  ],
  'wide.example.org': [{ type: 'AAAA', data: '2001:db8:88::5' }],
  'mx.v6.example.org': [{ type: 'A', data: '203.0.113.9' }, { type: 'AAAA', data: '2001:db8:99::9' }],
  'dual.example.org': [{ type: 'A', data: '203.0.113.7' }, { type: 'AAAA', data: '2001:db8:77::7' }],
  'v4only.example.org': [{ type: 'A', data: '203.0.113.8' }],
  'noaaaa.example.org': [{ type: 'A', data: '203.0.113.10' }, { type: 'SERVFAIL' }],
};

/** An authoritative UDP server for `zone` on a free loopback port: NXDOMAIN outside it, NODATA for missing types. */
async function startZoneServer(zone: Record<string, ZoneRecord[]>): Promise<{ server: DnsServer; port: number }> {
  const typeCode: Record<RecordType, number> = { A: Packet.TYPE.A, AAAA: Packet.TYPE.AAAA, TXT: Packet.TYPE.TXT, MX: Packet.TYPE.MX };
  const server = createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const name = q.name.toLowerCase();
      const records = zone[name];
      if (records === undefined) {
        response.header.rcode = 3; // NXDOMAIN
      } else {
        const qtype = (Object.keys(typeCode) as RecordType[]).find((t) => typeCode[t] === q.type);
        if (qtype === 'AAAA' && records.some((r) => r.type === 'SERVFAIL')) response.header.rcode = 2;
        for (const r of records) {
          if (r.type === 'SERVFAIL' || r.type !== qtype || response.header.rcode !== 0) continue;
          const base = { name: q.name, type: q.type, class: Packet.CLASS.IN, ttl: 60 };
          if (r.type === 'MX') response.answers.push({ ...base, exchange: r.data, priority: r.priority ?? 10 } as never);
          else if (r.type === 'TXT') response.answers.push({ ...base, data: r.data } as never);
          else response.answers.push({ ...base, address: r.data } as never);
        }
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return { server, port: addresses.udp!.port };
}
