// A whole check round against a real rbldnsd through the real resolver: which
// pairs are asked, what each becomes, that a list failing its canaries is not
// queried and costs one shared verdict, and that a second round within the
// TTL is answered from the cache, with the same results.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listsSchema } from '../../src/dnsbl/lists-config';
import { CLEAN, type CheckTarget, type Verdict } from '../../src/dnsbl/model';
import { Resolver } from '../../src/dnsbl/resolver';
import { runRound, type PairResult } from '../../src/dnsbl/round';
import { startRbldnsd, type RunningRbldnsd } from '../helpers/rbldnsd';
import { tempDir } from '../helpers/tmp';

const targets: CheckTarget[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'ip', value: `192.0.2.${i + 1}` }));
const dir = tempDir('mailrep-round-');
let dns: RunningRbldnsd;
let resolver: Resolver;

beforeAll(async () => {
  // ok.test: the RFC 5782 test entry and every 5th target; blind.test: nothing
  // (fails its positive canary); names.test: a domain list (no IP pair applies).
  const listed = targets.filter((_, i) => (i + 1) % 5 === 0).map((t) => t.value);
  writeFileSync(join(dir, 'ok.zone'), `:127.0.0.2:Listed: $\n127.0.0.2\n${listed.join('\n')}\n`);
  writeFileSync(join(dir, 'blind.zone'), '# empty\n');
  writeFileSync(join(dir, 'names.zone'), ':127.0.1.2:test\ntest\n');
  dns = await startRbldnsd(dir, ['ok.test:ip4set:ok.zone', 'blind.test:ip4set:blind.zone', 'names.test:dnset:names.zone']);
  resolver = new Resolver({ servers: [{ host: dns.host, port: dns.port }], timeoutMs: 1000, retries: 0, concurrency: 8 });
});

afterAll(async () => {
  await resolver?.close();
  await dns?.stop();
});

const lists = () => listsSchema.parse([
  { zone: 'ok.test', type: 'ip', canaries: true },
  { zone: 'blind.test', type: 'ip', canaries: true },
  { zone: 'names.test', type: 'domain', canaries: true, codes: { '127.0.1.2': 'listed domain' } },
]);

async function round(): Promise<{ results: PairResult[]; queries: number; healthy: Map<string, boolean> }> {
  const results: PairResult[] = [];
  const r = await runRound({ lookup: resolver, lists: lists(), targets, concurrency: 8, onCheck: (res) => results.push(res) });
  return { results, queries: r.queries, healthy: new Map(r.canaries.map((c) => [c.list.name, c.healthy])) };
}

const on = (results: PairResult[], name: string) => results.filter((r) => r.list.name === name);

test('every applicable pair once; listings with codes and TXT; clean shares CLEAN; a blind list shares one verdict', async () => {
  const { results, queries, healthy } = await round();
  expect(healthy).toEqual(new Map([['ok.test', true], ['blind.test', false], ['names.test', true]]));
  expect(results).toHaveLength(80); // 40 targets × the two IP lists; the domain list applies to none
  expect(on(results, 'names.test')).toHaveLength(0);
  expect(queries).toBe(40 + 3 * 2); // ok.test checks, plus two canary questions per list

  const ok = on(results, 'ok.test');
  expect(new Set(ok.map((r) => r.target)).size).toBe(40);
  const listedOk = ok.filter((r) => r.verdict.state === 'listed');
  expect(listedOk.map((r) => r.target).sort()).toEqual(['192.0.2.10', '192.0.2.15', '192.0.2.20', '192.0.2.25', '192.0.2.30', '192.0.2.35', '192.0.2.40', '192.0.2.5']);
  expect(listedOk[0].verdict).toEqual({ state: 'listed', codes: [{ code: '127.0.0.2', meaning: 'undocumented code 127.0.0.2', class: 'listed' }], txt: `Listed: ${listedOk[0].target}` });
  expect(ok.filter((r) => r.verdict === CLEAN)).toHaveLength(32);

  const blind = on(results, 'blind.test');
  expect(blind).toHaveLength(40);
  const first: Verdict = blind[0].verdict;
  expect(first).toMatchObject({ state: 'unknown', reason: 'list_unhealthy' });
  expect(blind.every((r) => r.verdict === first)).toBe(true);
});

test('a second round within the TTL comes from the cache and gives the same verdicts', async () => {
  const sentBefore = resolver.stats.sent;
  const hitsBefore = resolver.stats.cacheHits;
  const { results } = await round();
  expect(resolver.stats.sent - sentBefore).toBe(0);
  expect(resolver.stats.cacheHits - hitsBefore).toBe(6 + 40 + 8); // canaries, ok.test A, TXT of the 8 listings
  const byPair = (rs: PairResult[]) => rs.map((r) => `${r.target} ${r.list.name} ${r.verdict.state}`).sort();
  expect(on(results, 'ok.test').filter((r) => r.verdict.state === 'listed')).toHaveLength(8);
  expect(byPair(results)).toHaveLength(80);
});
