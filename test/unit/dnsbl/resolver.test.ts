// The resolver against a scripted stub server (failures rbldnsd cannot
// produce) and against real rbldnsd (answers, TXT, NXDOMAIN, REFUSED, TTLs).
import { join } from 'node:path';
import { Resolver } from '../../../src/dnsbl/resolver';
import { startDnsStub, type Behaviour, type DnsStub, type StubOptions } from '../../helpers/dns-stub';
import { closedUdpPort } from '../../helpers/closed-port';
import { freeUdpPort, startRbldnsd, type RunningRbldnsd } from '../../helpers/rbldnsd';

const stubs: DnsStub[] = [];
const resolvers: Resolver[] = [];
afterAll(async () => {
  await Promise.all(resolvers.map((r) => r.close()));
  await Promise.all(stubs.map((s) => s.stop()));
});

async function stub(b: (name: string, type: string) => Behaviour, opts?: StubOptions): Promise<DnsStub> {
  const s = await startDnsStub(b, opts);
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

  test('a closed port fails every lookup in flight as a network error, not only the one whose send saw the ICMP error', async () => {
    const r = resolver([await closedUdpPort()], { timeoutMs: 5000 });
    const names = ['a.test', 'b.test', 'c.test', 'd.test', 'e.test', 'f.test'];
    const results = await Promise.all(names.map((n) => r.lookup(n, 'A')));
    expect(results.map((x) => (x.ok ? 'ok' : x.reason))).toEqual(names.map(() => 'network'));
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

/** Polls `cond` until it holds (or fails after 5 s): no fixed sleeps. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('records and answers', () => {
  test('TXT character-strings are joined with "", MX exchanges lower case without the dot, AAAA canonical', async () => {
    const s = await stub((name, type) => {
      if (type === 'TXT') return { kind: 'answer', records: [{ type: 'TXT', strings: ['v=spf1 ip4:192.0.2.0/24 ', 'include:_spf.example.net -all'] }, { type: 'TXT', strings: ['second record'] }] };
      if (type === 'MX') return { kind: 'answer', records: [{ type: 'MX', exchange: 'MX1.Example.ORG.', priority: 10 }, { type: 'MX', exchange: 'mx2.example.org', priority: 20, ttl: 30 }] };
      return { kind: 'answer', addresses: ['2001:0db8:0000:0000:0000:0000:0000:0045'] };
    });
    const res = resolver([s.port]);
    expect(await res.lookup('example.org', 'TXT')).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [
      { type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all', ttl: 60 },
      { type: 'TXT', data: 'second record', ttl: 60 },
    ] });
    expect(await res.lookup('example.org', 'MX')).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [
      { type: 'MX', data: 'mx1.example.org', ttl: 60, priority: 10 },
      { type: 'MX', data: 'mx2.example.org', ttl: 30, priority: 20 },
    ] });
    expect(await res.lookup('example.org', 'AAAA')).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [{ type: 'AAAA', data: '2001:db8::45', ttl: 60 }] });
  });

  test('a CNAME chain inside the answer is followed; records of other names and types are dropped', async () => {
    const s = await stub(() => ({ kind: 'answer', records: [
      { type: 'CNAME', target: 'b.example', ttl: 20 },
      { type: 'A', name: 'unrelated.example', address: '192.0.2.99' },
      { type: 'CNAME', name: 'b.example', target: 'c.example' },
      { type: 'TXT', name: 'c.example', strings: ['not an address'] },
      { type: 'A', name: 'c.example', address: '192.0.2.1', ttl: 300 },
    ] }));
    let now = 0;
    const res = resolver([s.port], { now: () => now });
    expect(await res.lookup('a.example', 'A')).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [{ type: 'A', data: '192.0.2.1', ttl: 300 }] });
    // Cached for the smallest TTL on the way (the CNAME's 20 s), not the A record's 300 s.
    now = 19_999;
    expect(await res.lookup('a.example', 'A')).toMatchObject({ fromCache: true });
    now = 20_000;
    expect(await res.lookup('a.example', 'A')).toMatchObject({ fromCache: false });
    expect(s.received.get('a.example')).toBe(2);
  });

  test('names are sent lower case without the trailing dot; the cache key is the normalised name', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }));
    const res = resolver([s.port]);
    expect(await res.lookup('2.0.0.127.ZEN.Test.', 'A')).toMatchObject({ ok: true, fromCache: false });
    expect(await res.lookup('2.0.0.127.zen.test', 'A')).toMatchObject({ ok: true, fromCache: true });
    expect([...s.received.keys()]).toEqual(['2.0.0.127.zen.test']);
  });

  test.each([
    ['', 'invalid query name "": empty query name'],
    ['a..b.test', 'invalid query name "a..b.test": query name has an empty label (label 2)'],
    [`${'x.'.repeat(127)}test`, `invalid query name "${'x.'.repeat(127)}test": query name is 258 characters (maximum 253)`],
    ['bad name.test', 'invalid query name "bad name.test": label 1 has a character other than a-z 0-9 - _'],
  ])('invalid name %j is malformed without a query', async (name, detail) => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }));
    const res = resolver([s.port]);
    expect(await res.lookup(name, 'A')).toEqual({ ok: false, reason: 'malformed', detail });
    expect(res.stats.sent).toBe(0);
    expect(s.received.size).toBe(0);
  });
});

describe('failures and failover', () => {
  test('a reply for another question is ignored and the real one accepted; only that reply is a timeout', async () => {
    const s = await stub((name) => ({ kind: 'wrong-question', addresses: ['127.0.0.4'], only: name.startsWith('only') }));
    const res = resolver([s.port]);
    expect(await res.lookup('q.test', 'A')).toMatchObject({ ok: true, records: [{ type: 'A', data: '127.0.0.4', ttl: 60 }] });
    expect(res.stats.ignored).toBe(1);
    expect(await res.lookup('only.test', 'A')).toEqual({ ok: false, reason: 'timeout', detail: `only.test A: 127.0.0.1:${s.port} timeout after 1 try` });
    expect(res.stats.ignored).toBe(2);
  });

  test('a reply with the wrong id alone is a timeout', async () => {
    const s = await stub(() => ({ kind: 'wrong-id', addresses: ['127.0.0.2'] }));
    const res = resolver([s.port]);
    expect(await res.lookup('w.test', 'A')).toMatchObject({ ok: false, reason: 'timeout' });
    expect(res.stats.ignored).toBe(1);
  });

  test('bytes too short to carry a header cannot be matched: ignored, so a timeout', async () => {
    const s = await stub(() => ({ kind: 'garbage', short: true }));
    const res = resolver([s.port]);
    expect(await res.lookup('g.test', 'A')).toMatchObject({ ok: false, reason: 'timeout' });
    expect(res.stats.ignored).toBe(1);
    expect(res.stats.malformed).toBe(0);
  });

  test('a garbage reply makes that server malformed and the next one is asked', async () => {
    const bad = await stub(() => ({ kind: 'garbage' }));
    const good = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }));
    const res = resolver([bad.port, good.port]);
    expect(await res.lookup('g.test', 'A')).toMatchObject({ ok: true, records: [{ data: '127.0.0.2' }] });
    expect(res.stats.malformed).toBe(1);
  });

  test('retries: every extra attempt is one more query to the same server', async () => {
    const silent = await stub(() => ({ kind: 'drop' }));
    const res = resolver([silent.port], { retries: 2, timeoutMs: 100 });
    expect(await res.lookup('t.test', 'A')).toEqual({ ok: false, reason: 'timeout', detail: `t.test A: 127.0.0.1:${silent.port} timeout after 3 tries` });
    expect(silent.received.get('t.test')).toBe(3);
    expect(res.stats).toMatchObject({ sent: 3, retries: 2 });
  });

  test('a closed port moves on to the next server at once', async () => {
    const closed = await freeUdpPort();
    const good = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }));
    const res = resolver([closed, good.port], { timeoutMs: 10_000 });
    expect(await res.lookup('n.test', 'A')).toMatchObject({ ok: true, records: [{ data: '127.0.0.2' }] });
    expect(await resolver([closed], { timeoutMs: 10_000 }).lookup('n.test', 'A')).toEqual({ ok: false, reason: 'network', detail: `n.test A: 127.0.0.1:${closed} ECONNREFUSED` });
  });

  test('when servers disagree, the reason is the most informative and the detail lists every server', async () => {
    const silent = await stub(() => ({ kind: 'drop' }));
    const servfail = await stub(() => ({ kind: 'rcode', rcode: 2 }));
    const refused = await stub(() => ({ kind: 'rcode', rcode: 5 }));
    const notimp = await stub(() => ({ kind: 'rcode', rcode: 4 }));
    expect(await resolver([silent.port, servfail.port]).lookup('m.test', 'A')).toEqual({
      ok: false, reason: 'servfail', detail: `m.test A: 127.0.0.1:${silent.port} timeout after 1 try; 127.0.0.1:${servfail.port} SERVFAIL`,
    });
    expect(await resolver([servfail.port, refused.port]).lookup('m.test', 'A')).toMatchObject({ ok: false, reason: 'refused' });
    expect(await resolver([notimp.port]).lookup('m.test', 'A')).toEqual({ ok: false, reason: 'servfail', detail: `m.test A: 127.0.0.1:${notimp.port} NOTIMP` });
  });

  test('a truncated answer whose TCP port is closed is a network error', async () => {
    const s = await stub(() => ({ kind: 'truncated', addresses: ['127.0.0.2'] }), { tcp: false });
    const res = resolver([s.port]);
    expect(await res.lookup('tc.test', 'A')).toEqual({ ok: false, reason: 'network', detail: `tc.test A: 127.0.0.1:${s.port} tcp ECONNREFUSED` });
    expect(res.stats.tcpFallbacks).toBe(1);
  });

  test('a long TXT answer truncated over UDP arrives whole over TCP', async () => {
    const long = 'x'.repeat(255);
    const s = await stub(() => ({ kind: 'truncated', records: [{ type: 'TXT', strings: [long, long, long] }] }));
    const res = resolver([s.port]);
    expect(await res.lookup('long.test', 'TXT')).toMatchObject({ ok: true, records: [{ type: 'TXT', data: long.repeat(3) }] });
    expect(s.tcpQueries).toBe(1);
  });

  test('IPv6 transport: a server on [::1]', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }), { host: '::1' });
    const res = new Resolver({ servers: [{ host: '::1', port: s.port }, { host: '127.0.0.1', port: 53 }], timeoutMs: 300, retries: 0 });
    resolvers.push(res);
    expect(res.describe()).toBe(`[::1]:${s.port}, 127.0.0.1:53`);
    expect(await res.lookup('v6.test', 'A')).toMatchObject({ ok: true, records: [{ data: '127.0.0.2' }] });
  });
});

describe('cache', () => {
  test('NXDOMAIN is cached for the SOA minimum (RFC 2308), NODATA without SOA for negativeTtlSeconds', async () => {
    const s = await stub((name) => (name.startsWith('nx')
      ? { kind: 'rcode', rcode: 3, authority: [{ type: 'SOA', minimum: 45, ttl: 600 }] }
      : { kind: 'answer', addresses: [] }));
    let now = 5_000_000;
    const res = resolver([s.port], { now: () => now, cache: { negativeTtlSeconds: 10 } });
    expect(await res.lookup('nx.bl.test', 'A')).toEqual({ ok: true, rcode: 'NXDOMAIN', records: [], fromCache: false });
    expect(await res.lookup('nodata.bl.test', 'A')).toEqual({ ok: true, rcode: 'NOERROR', records: [], fromCache: false });
    now += 9_999;
    expect(await res.lookup('nodata.bl.test', 'A')).toEqual({ ok: true, rcode: 'NOERROR', records: [], fromCache: true });
    now += 1;
    expect(await res.lookup('nodata.bl.test', 'A')).toMatchObject({ fromCache: false });
    now = 5_000_000 + 44_999;
    expect(await res.lookup('nx.bl.test', 'A')).toEqual({ ok: true, rcode: 'NXDOMAIN', records: [], fromCache: true });
    now = 5_000_000 + 45_000;
    expect(await res.lookup('nx.bl.test', 'A')).toMatchObject({ fromCache: false });
    expect(s.received.get('nx.bl.test')).toBe(2);
    expect(s.received.get('nodata.bl.test')).toBe(2);
  });

  test('a cached answer reports the TTL left; maxTtlSeconds caps how long it is kept', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'], ttl: 86_400 }));
    let now = 0;
    const res = resolver([s.port], { now: () => now, cache: { maxTtlSeconds: 100 } });
    await res.lookup('big.test', 'A');
    now = 40_500;
    expect(await res.lookup('big.test', 'A')).toEqual({ ok: true, rcode: 'NOERROR', fromCache: true, records: [{ type: 'A', data: '127.0.0.2', ttl: 86_360 }] });
    now = 100_000;
    expect(await res.lookup('big.test', 'A')).toMatchObject({ fromCache: false, records: [{ ttl: 86_400 }] });
    expect(res.stats.cacheHits).toBe(1);
  });

  test('failures are never cached; cache: false caches nothing', async () => {
    const s = await stub((name) => (name.startsWith('fail') ? { kind: 'rcode', rcode: 2 } : { kind: 'answer', addresses: ['127.0.0.2'] }));
    const res = resolver([s.port]);
    await res.lookup('fail.test', 'A');
    await res.lookup('fail.test', 'A');
    expect(s.received.get('fail.test')).toBe(2);
    const uncached = resolver([s.port], { cache: false });
    await uncached.lookup('ok.test', 'A');
    expect(await uncached.lookup('ok.test', 'A')).toMatchObject({ ok: true, fromCache: false });
    expect(s.received.get('ok.test')).toBe(2);
    expect(uncached.stats.cacheHits).toBe(0);
  });

  test('the cache holds at most maxEntries answers, dropping the oldest', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'] }));
    const res = resolver([s.port], { cache: { maxEntries: 2 } });
    for (const n of ['e1.test', 'e2.test', 'e3.test']) await res.lookup(n, 'A');
    expect(await res.lookup('e3.test', 'A')).toMatchObject({ fromCache: true });
    expect(await res.lookup('e2.test', 'A')).toMatchObject({ fromCache: true });
    expect(await res.lookup('e1.test', 'A')).toMatchObject({ fromCache: false });
    expect(s.received.get('e1.test')).toBe(2);
  });

  test('concurrent identical lookups share one query but each caller gets its own result object', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'], delayMs: 20 }));
    const res = resolver([s.port], { cache: false });
    const results = await Promise.all(Array.from({ length: 5 }, () => res.lookup('d.test', 'A')));
    expect(s.received.get('d.test')).toBe(1);
    expect(res.stats.deduplicated).toBe(4);
    for (const r of results) expect(r).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [{ type: 'A', data: '127.0.0.2', ttl: 60 }] });
    if (results[0].ok) results[0].records[0].data = 'changed by a caller';
    expect(results[1].ok && results[1].records[0].data).toBe('127.0.0.2');
    // Same name, other type: a separate query.
    await res.lookup('d.test', 'TXT');
    expect(s.received.get('d.test')).toBe(2);
  });

  test('the concurrency limit is a FIFO queue: queries reach the server in the order asked', async () => {
    const s = await stub(() => ({ kind: 'answer', addresses: ['127.0.0.2'], delayMs: 5 }));
    const res = resolver([s.port], { concurrency: 1, timeoutMs: 2000 });
    const names = Array.from({ length: 8 }, (_, i) => `f${i}.test`);
    await Promise.all(names.map((n) => res.lookup(n, 'A')));
    expect(s.order).toEqual(names);
    expect(res.stats.maxInFlight).toBe(1);
    expect(s.maxOutstanding).toBe(1);
  });
});

describe('lifecycle and options', () => {
  test('close() ends running and queued lookups as network errors at once; later lookups too', async () => {
    const s = await stub(() => ({ kind: 'drop' }));
    const res = new Resolver({ servers: [{ host: '127.0.0.1', port: s.port }], timeoutMs: 20_000, concurrency: 1 });
    const running = res.lookup('p1.test', 'A');
    const queued = res.lookup('p2.test', 'A');
    await until('the first query to arrive', () => s.received.get('p1.test') === 1);
    await res.close();
    expect(await running).toEqual({ ok: false, reason: 'network', detail: 'resolver closed' });
    expect(await queued).toEqual({ ok: false, reason: 'network', detail: 'resolver closed' });
    expect(await res.lookup('p3.test', 'A')).toEqual({ ok: false, reason: 'network', detail: 'resolver closed' });
    expect(s.received.get('p2.test')).toBeUndefined();
  });

  test.each([
    [{ servers: [] }, 'resolver: at least one server is required'],
    [{ servers: [{ host: 'localhost', port: 53 }] }, 'resolver: server "localhost" is not an IP address (host names would need the system resolver)'],
    [{ servers: [{ host: '127.0.0.1', port: 0 }] }, 'resolver: server 127.0.0.1 has an invalid port 0'],
    [{ timeoutMs: 0 }, 'resolver: timeoutMs must be a positive number, got 0'],
    [{ retries: -1 }, 'resolver: retries must be an integer 0..10, got -1'],
    [{ concurrency: 0 }, 'resolver: concurrency must be an integer 1..8192, got 0'],
    [{ cache: { maxEntries: 0 } }, 'resolver: cache.maxEntries must be a positive integer, got 0'],
  ])('invalid options %j are refused: %s', (bad, message) => {
    expect(() => new Resolver({ servers: [{ host: '127.0.0.1', port: 53 }], timeoutMs: 100, ...bad })).toThrow(message);
  });
});

describe('real rbldnsd: texts and TTLs', () => {
  let dns: RunningRbldnsd;
  beforeAll(async () => {
    dns = await startRbldnsd(join(__dirname, '../../fixtures/dnsbl/resolver'), [
      'bl.test:ip4set:ip.zone', 'zen.test:ip4set:sbl.zone', 'zen.test:ip4set:xbl.zone', 'zen.test:ip4set:pbl.zone',
      'timeout.test:ip4set:sbl.zone', 'timeout.test:acl:acl-ignore.zone',
    ]);
  });
  afterAll(() => dns.stop());

  test('a listed IP: its A record with the zone TTL ($TTL 300) and its TXT reason', async () => {
    const res = resolver([dns.port]);
    expect(await res.lookup('2.0.0.127.bl.test', 'A')).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [{ type: 'A', data: '127.0.0.2', ttl: 300 }] });
    expect(await res.lookup('2.0.0.127.bl.test', 'TXT')).toEqual({ ok: true, rcode: 'NOERROR', fromCache: false, records: [
      { type: 'TXT', data: 'Listed in test bl: https://bl.test.invalid/lookup?ip=127.0.0.2', ttl: 300 },
    ] });
    expect(await res.lookup('10.2.0.192.bl.test', 'A')).toMatchObject({ ok: true, records: [{ type: 'A', data: '127.0.0.4', ttl: 300 }] });
    expect(await res.lookup('10.2.0.192.bl.test', 'TXT')).toMatchObject({ ok: true, records: [{ type: 'TXT', data: 'Exploited host 192.0.2.10' }] });
  });

  test('a network listing with an exclusion', async () => {
    const res = resolver([dns.port]);
    expect(await res.lookup('8.100.51.198.bl.test', 'A')).toMatchObject({ ok: true, rcode: 'NOERROR', records: [{ data: '127.0.0.2' }] });
    expect(await res.lookup('7.100.51.198.bl.test', 'A')).toEqual({ ok: true, rcode: 'NXDOMAIN', records: [], fromCache: false });
  });

  test('three datasets: three A records with the default TTL (-t 60) and their three TXT texts', async () => {
    const res = resolver([dns.port]);
    const a = await res.lookup('2.0.0.127.zen.test', 'A');
    expect(a.ok && a.records).toEqual([
      { type: 'A', data: '127.0.0.2', ttl: 60 }, { type: 'A', data: '127.0.0.4', ttl: 60 }, { type: 'A', data: '127.0.0.10', ttl: 60 },
    ]);
    const txt = await res.lookup('2.0.0.127.zen.test', 'TXT');
    expect(txt.ok && txt.records.map((r) => r.data).sort()).toEqual(['PBL listed 127.0.0.2', 'SBL listed 127.0.0.2', 'XBL listed 127.0.0.2']);
  });

  test('NXDOMAIN is cached for the zone SOA minimum (45 s); without a SOA for negativeTtlSeconds', async () => {
    let now = 0;
    const res = resolver([dns.port], { now: () => now, cache: { negativeTtlSeconds: 5 } });
    await res.lookup('1.0.0.127.bl.test', 'A');
    await res.lookup('1.0.0.127.zen.test', 'A');
    now = 4_999;
    expect(await res.lookup('1.0.0.127.zen.test', 'A')).toMatchObject({ rcode: 'NXDOMAIN', fromCache: true });
    now = 5_000;
    expect(await res.lookup('1.0.0.127.zen.test', 'A')).toMatchObject({ rcode: 'NXDOMAIN', fromCache: false });
    now = 44_999;
    expect(await res.lookup('1.0.0.127.bl.test', 'A')).toMatchObject({ rcode: 'NXDOMAIN', fromCache: true });
    now = 45_000;
    expect(await res.lookup('1.0.0.127.bl.test', 'A')).toMatchObject({ rcode: 'NXDOMAIN', fromCache: false });
    expect(res.stats).toMatchObject({ sent: 4, cacheHits: 2 });
  });

  test('an ignoring ACL: timeout after 1 + retries attempts', async () => {
    const res = resolver([dns.port], { timeoutMs: 150, retries: 1 });
    expect(await res.lookup('2.0.0.127.timeout.test', 'A')).toEqual({
      ok: false, reason: 'timeout', detail: `2.0.0.127.timeout.test A: 127.0.0.1:${dns.port} timeout after 2 tries`,
    });
    expect(res.stats).toMatchObject({ sent: 2, retries: 1 });
  });
});
