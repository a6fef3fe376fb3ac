// The DNSBL state at scale: the exposition kept as UTF-8 chunks (what /metrics
// writes), the previous text served until a refresh completes, the order of
// the series, and the bookkeeping (size, unknown count, retain) of the
// target → list index.
import { DnsblState } from '../../../src/dnsbl/state';
import { CLEAN, NO_CODES, type ListDefinition, type Verdict } from '../../../src/dnsbl/model';

const list = (name: string): ListDefinition => ({
  name, zone: name, type: 'ip', ipv6: false, query: 'name', codes: {}, tier: 'high', delistUrl: '', canaries: true,
});
const LISTS = [list('c.test'), list('a.test'), list('b.test')];
const listed: Verdict = { state: 'listed', codes: [{ code: '127.0.0.2', meaning: 'spam source', class: 'listed' }], txt: 'why' };
const timeout: Verdict = { state: 'unknown', reason: 'timeout', detail: 'no answer' };

/** 1,000 targets × 3 lists: every 10th target listed on a.test, every 7th timed out on b.test. */
function bigState(): DnsblState {
  const s = new DnsblState();
  s.lists = LISTS;
  s.targets = [];
  for (let i = 0; i < 1000; i++) {
    const target = `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    s.targets.push({ kind: 'ip', value: target, origins: ['static'] });
    for (const l of LISTS) {
      const v = l.name === 'a.test' && i % 10 === 0 ? listed : l.name === 'b.test' && i % 7 === 0 ? timeout : CLEAN;
      s.record(target, l.name, v, 1_700_000_000_000 + i);
    }
  }
  return s;
}

test('30,000-character families are kept as several UTF-8 chunks that add up to the text', () => {
  const s = bigState();
  s.refresh();
  const chunks = s.renderChunks();
  const text = s.render();
  expect(chunks.length).toBeGreaterThan(1);
  expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  // "§" in a help text is two bytes in UTF-8: the chunks are bytes, not characters.
  expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(Buffer.byteLength(text));
  const lines = text.split('\n');
  expect(lines.filter((l) => l.startsWith('mailrep_dnsbl_check_ok{'))).toHaveLength(3000);
  expect(lines.filter((l) => l.startsWith('mailrep_dnsbl_listed{'))).toHaveLength(3000 - 143);
  expect(lines.filter((l) => /^mailrep_dnsbl_listed\{.*\} 1$/.test(l))).toHaveLength(100);
  expect(lines.filter((l) => l.startsWith('mailrep_dnsbl_listing_code{'))).toHaveLength(100);
  expect(lines.filter((l) => /^mailrep_dnsbl_check_ok\{.*\} 0$/.test(l))).toHaveLength(143);
  expect(lines).toContain('mailrep_dnsbl_targets 1000');
  expect(lines).toContain('mailrep_dnsbl_last_check_timestamp_seconds{target="198.18.0.1",list="a.test"} 1700000000');
  expect(lines).toContain('mailrep_dnsbl_last_check_timestamp_seconds{target="198.18.0.2",list="a.test"} 1700000000.001');
});

test('series are ordered by target, then list (code-unit order), whatever the order of recording', () => {
  const s = bigState();
  s.refresh();
  const keys = s.render().split('\n').filter((l) => l.startsWith('mailrep_dnsbl_check_ok{'))
    .map((l) => /target="([^"]+)",list="([^"]+)"/.exec(l)!.slice(1, 3) as [string, string]);
  const sorted = [...keys].sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  expect(keys).toEqual(sorted);
  expect(keys.slice(0, 3)).toEqual([['198.18.0.1', 'a.test'], ['198.18.0.1', 'b.test'], ['198.18.0.1', 'c.test']]);
});

test('a scrape during refreshAsync gets the previous text whole; the new one replaces it when complete', async () => {
  const s = bigState();
  s.refresh();
  const before = s.render();
  s.record('198.18.9.9', 'a.test', listed, 1_800_000_000_000);
  const refreshing = s.refreshAsync();
  let seenDuring = 0;
  // Scrapes between the refresh's chunks, as the event loop interleaves them.
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    if (s.render() === before) seenDuring++;
  }
  expect(seenDuring).toBe(5);
  await refreshing;
  const after = s.render();
  expect(after).toContain('mailrep_dnsbl_listed{target="198.18.9.9",list="a.test"} 1\n');
  expect(after).toContain('mailrep_dnsbl_listed_since_timestamp_seconds{target="198.18.9.9",list="a.test"} 1800000000\n');
  expect(before).not.toContain('198.18.9.9');
});

test('size, unknown count and pairs() follow record and retain', () => {
  const s = bigState();
  expect(s.size).toBe(3000);
  expect(s.unknownCount()).toBe(143);
  expect([...s.pairs()]).toHaveLength(3000);
  const keep = s.targets.slice(0, 10);
  s.retain(keep, [LISTS[1], LISTS[2]]);
  expect(s.size).toBe(20);
  expect(s.unknownCount()).toBe(2); // targets 0 and 7 on b.test
  expect(s.get('198.18.0.1', 'c.test')).toBeUndefined();
  expect(s.get('198.18.0.1', 'a.test')?.listed).toBe(true);
  s.retain([], LISTS);
  expect(s.size).toBe(0);
  expect([...s.pairs()]).toEqual([]);
});

test('a clean result keeps no codes of its own; a listing keeps the verdict\'s', () => {
  const s = new DnsblState();
  const p = s.record('192.0.2.1', 'a.test', listed, 1000);
  expect(p.codes).toBe((listed as { codes: unknown }).codes);
  expect(p.txt).toBe('why');
  s.record('192.0.2.1', 'a.test', CLEAN, 2000);
  expect(p.codes).toBe(NO_CODES);
  expect(p.txt).toBeUndefined();
  expect(p.listedSince).toBeUndefined();
  expect(p.last).toBe(CLEAN);
  expect(Object.isFrozen(CLEAN) && Object.isFrozen(NO_CODES)).toBe(true);
});
