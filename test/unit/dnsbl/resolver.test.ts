// The resolver against a scripted stub server (failures rbldnsd cannot
// produce) and against real rbldnsd (answers, TXT, NXDOMAIN, REFUSED, TTLs).
import { join } from 'node:path';
import { Resolver } from '../../../src/dnsbl/resolver';
import { startDnsStub, type Behaviour, type DnsStub } from '../../helpers/dns-stub';
import { freeUdpPort, startRbldnsd, type RunningRbldnsd } from '../../helpers/rbldnsd';

const stubs: DnsStub[] = [];
const resolvers: Resolver[] = [];
afterAll(async () => {
  await Promise.all(resolvers.map((r) => r.close()));
  await Promise.all(stubs.map((s) => s.stop()));
});

async function stub(b: (name: string) => Behaviour): Promise<DnsStub> {
  const s = await startDnsStub(b);
  stubs.push(s);
  return s;
}
function resolver(ports: number[], extra: Partial<ConstructorParameters<typeof Resolver>[0]> = {}): Resolver {
  const r = new Resolver({ servers: ports.map((port) => ({ host: '127.0.0.1', port })), timeoutMs: 300, retries: 0, ...extra });
  resolvers.push(r);
  return r;
}

describe('against a scripted stub', () => {
  test('an answer: every A record, with its TTL', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2', '127.0.0.4'], ttl: 120 }));
    const r = await resolver([s.port]).lookup('2.0.0.127.zen.test', 'A');
    expect(r).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [{ type: 'A', data: '127.0.0.2', ttl: 120 }, { type: 'A', data: '127.0.0.4', ttl: 120 }] });
  });

  test('SERVFAIL moves on to the next resolver; all failing gives servfail', async () => {
    const bad = await stub(() => ({ kind: 'rcode', rcode: 2 }));
    const good = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }));
    const r = await resolver([bad.port, good.port]).lookup('x.test', 'A');
    expect(r.ok && r.records.map((x) => x.data)).toEqual(['127.0.0.2']);
    const only = await resolver([bad.port]).lookup('y.test', 'A');
    expect(only).toMatchObject({ ok: false, reason: 'servfail' });
  });

  test('a timeout moves on to the next resolver after the retries; all silent gives timeout', async () => {
    const silent = await stub(() => ({ kind: 'drop' }));
    const good = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.3'] }));
    const res = resolver([silent.port, good.port], { retries: 1 });
    const r = await res.lookup('t.test', 'A');
    expect(r.ok && r.records[0].data).toBe('127.0.0.3');
    expect(silent.received.get('t.test')).toBe(2);
    expect(res.stats.retries).toBe(1);
    expect(await resolver([silent.port]).lookup('u.test', 'A')).toMatchObject({ ok: false, reason: 'timeout' });
  });

  test('REFUSED from every resolver is refused, never clean', async () => {
    const s = await stub(() => ({ kind: 'rcode', rcode: 5 }));
    expect(await resolver([s.port]).lookup('r.test', 'A')).toMatchObject({ ok: false, reason: 'refused' });
  });

  test('a garbage reply carrying our id is malformed, and does not crash anything', async () => {
    const s = await stub(() => ({ kind: 'garbage' }));
    expect(await resolver([s.port]).lookup('g.test', 'A')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  test('a reply with the wrong id is ignored and the real one accepted', async () => {
    const s = await stub(() => ({ kind: 'wrong-id-then-answer', addresses: ['127.0.0.10'] }));
    const res = resolver([s.port]);
    const r = await res.lookup('w.test', 'A');
    expect(r.ok && r.records.map((x) => x.data)).toEqual(['127.0.0.10']);
    expect(res.stats.ignored).toBe(1);
  });

  test('a truncated UDP answer is repeated over TCP', async () => {
    const s = await stub(() => ({ kind: 'truncated', addresses: ['127.0.0.2', '127.0.0.4', '127.0.0.10'] }));
    const res = resolver([s.port]);
    const r = await res.lookup('tc.test', 'A');
    expect(r.ok && r.records.map((x) => x.data)).toEqual(['127.0.0.2', '127.0.0.4', '127.0.0.10']);
    expect(res.stats.tcpFallbacks).toBe(1);
    expect(s.tcpQueries).toBe(1);
  });

  test('a closed port is a network error, fast', async () => {
    const port = await freeUdpPort();
    expect(await resolver([port], { timeoutMs: 5000 }).lookup('c.test', 'A')).toMatchObject({ ok: false, reason: 'network' });
  });

  test('an invalid name is malformed without a query', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }));
    const r = await resolver([s.port]).lookup(`${'a'.repeat(64)}.test`, 'A');
    expect(r).toMatchObject({ ok: false, reason: 'malformed' });
    expect(s.received.size).toBe(0);
  });

  test('the cache honours the TTL (injected clock) and identical concurrent lookups share one query', async () => {
    let now = 1_000_000;
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'], ttl: 30 }));
    const res = resolver([s.port], { now: () => now });
    const [a, b] = await Promise.all([res.lookup('c1.test', 'A'), res.lookup('c1.test', 'A')]);
    expect(a).toEqual(b);
    expect(s.received.get('c1.test')).toBe(1);
    now += 29_000;
    expect(await res.lookup('c1.test', 'A')).toMatchObject({ ok: true, fromCache: true });
    expect(s.received.get('c1.test')).toBe(1);
    now += 2_000;
    expect(await res.lookup('c1.test', 'A')).toMatchObject({ ok: true, fromCache: false });
    expect(s.received.get('c1.test')).toBe(2);
    expect(res.stats.deduplicated).toBe(1);
  });

  test('no more than `concurrency` lookups are in flight', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'], delayMs: 40 }));
    const res = resolver([s.port], { concurrency: 3, timeoutMs: 2000 });
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => res.lookup(`n${i}.test`, 'A')));
    expect(all.filter((r) => r.ok)).toHaveLength(12);
    expect(s.maxOutstanding).toBe(3);
  });
});

describe('against real rbldnsd', () => {
  let dns: RunningRbldnsd;
  let res: Resolver;
  beforeAll(async () => {
    dns = await startRbldnsd(join(__dirname, '../../fixtures/dnsbl/resolver'), [
      'bl.test:ip4set:ip.zone', 'zen.test:ip4set:sbl.zone', 'zen.test:ip4set:xbl.zone', 'zen.test:ip4set:pbl.zone',
      'timeout.test:ip4set:sbl.zone', 'timeout.test:acl:acl-ignore.zone',
    ]);
    res = resolver([dns.port], { timeoutMs: 400 });
  });
  afterAll(() => dns.stop());

  test('three datasets of one zone answer three A records and three TXT records', async () => {
    const a = await res.lookup('2.0.0.127.zen.test', 'A');
    expect(a.ok && a.records.map((r) => r.data).sort()).toEqual(['127.0.0.10', '127.0.0.2', '127.0.0.4']);
    const txt = await res.lookup('2.0.0.127.zen.test.', 'TXT');
    expect(txt.ok && txt.records).toHaveLength(3);
  });

  test('NXDOMAIN, NODATA for AAAA, REFUSED outside the zones, and an ignoring ACL as timeout', async () => {
    expect(await res.lookup('1.0.0.127.bl.test', 'A')).toMatchObject({ ok: true, rcode: 'NXDOMAIN', records: [] });
    expect(await res.lookup('2.0.0.127.bl.test', 'AAAA')).toMatchObject({ ok: true, rcode: 'NOERROR', records: [] });
    expect(await res.lookup('x.notmyzone.test', 'A')).toMatchObject({ ok: false, reason: 'refused' });
    expect(await res.lookup('2.0.0.127.timeout.test', 'A')).toMatchObject({ ok: false, reason: 'timeout' });
  });
});
