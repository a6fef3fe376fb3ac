// The DNSBL state machine behind mailrep_dnsbl_listed and friends: only
// definitive answers change "listed"; unknown ones only clear check_ok.
import { DnsblState } from '../../../src/dnsbl/state';
import type { ListDefinition, Verdict } from '../../../src/dnsbl/model';

const zen: ListDefinition = {
  name: 'zen.spamhaus.org', zone: 'zen.spamhaus.org', type: 'ip', ipv6: true, query: 'name', codes: {},
  tier: 'critical', delistUrl: 'https://check.spamhaus.org/results/?query={target}', canaries: true,
};
const listed: Verdict = { state: 'listed', codes: [{ code: '127.0.0.2', meaning: 'SBL', class: 'listed' }, { code: '127.0.0.4', meaning: 'XBL', class: 'listed' }], txt: 'Listed' };
const clean: Verdict = { state: 'clean', codes: [] };
const timeout: Verdict = { state: 'unknown', reason: 'timeout', detail: 'no answer' };

function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  return undefined;
}
const S = 'target="192.0.2.10",list="zen.spamhaus.org"';

function stateWith(...verdicts: [Verdict, number][]): DnsblState {
  const s = new DnsblState();
  s.lists = [zen];
  s.targets = [{ kind: 'ip', value: '192.0.2.10', origins: ['static'] }];
  for (const [v, t] of verdicts) s.record('192.0.2.10', 'zen.spamhaus.org', v, t);
  s.refresh();
  return s;
}

test('listed is absent until a definitive result, and check_ok is 0 for unknown', () => {
  const text = stateWith([timeout, 1000_000]).render();
  expect(sample(text, `mailrep_dnsbl_listed{${S}}`)).toBeUndefined();
  expect(sample(text, `mailrep_dnsbl_check_ok{${S}}`)).toBe(0);
  expect(sample(text, `mailrep_dnsbl_last_check_timestamp_seconds{${S}}`)).toBe(1000);
});

test('a listing shows every code with its meaning and since when', () => {
  const text = stateWith([listed, 2000_000]).render();
  expect(sample(text, `mailrep_dnsbl_listed{${S}}`)).toBe(1);
  expect(sample(text, `mailrep_dnsbl_listing_code{${S},code="127.0.0.2",meaning="SBL"}`)).toBe(1);
  expect(sample(text, `mailrep_dnsbl_listing_code{${S},code="127.0.0.4",meaning="XBL"}`)).toBe(1);
  expect(sample(text, `mailrep_dnsbl_listed_since_timestamp_seconds{${S}}`)).toBe(2000);
});

test('an unknown result never clears a listing nor resets listed-since', () => {
  const text = stateWith([listed, 2000_000], [timeout, 3000_000], [listed, 4000_000]).render();
  expect(sample(text, `mailrep_dnsbl_listed{${S}}`)).toBe(1);
  expect(sample(text, `mailrep_dnsbl_listed_since_timestamp_seconds{${S}}`)).toBe(2000);
  expect(sample(text, `mailrep_dnsbl_check_ok{${S}}`)).toBe(1);
});

test('an unknown result never turns clean into listed', () => {
  const text = stateWith([clean, 2000_000], [timeout, 3000_000]).render();
  expect(sample(text, `mailrep_dnsbl_listed{${S}}`)).toBe(0);
  expect(sample(text, `mailrep_dnsbl_check_ok{${S}}`)).toBe(0);
});

test('delisting clears the codes and listed-since; a new listing starts a new since', () => {
  const text = stateWith([listed, 2000_000], [clean, 3000_000], [listed, 5000_000]).render();
  expect(sample(text, `mailrep_dnsbl_listed_since_timestamp_seconds{${S}}`)).toBe(5000);
  const cleaned = stateWith([listed, 2000_000], [clean, 3000_000]).render();
  expect(cleaned).not.toContain('mailrep_dnsbl_listing_code{');
  expect(sample(cleaned, `mailrep_dnsbl_listed{${S}}`)).toBe(0);
});

test('info series and retain() drop targets that are gone', () => {
  const s = stateWith([listed, 2000_000]);
  s.health.set('zen.spamhaus.org', { healthy: true, detail: 'ok', checkedAt: 0 });
  s.refresh();
  const text = s.render();
  expect(sample(text, 'mailrep_dnsbl_list_info{list="zen.spamhaus.org",zone="zen.spamhaus.org",type="ip",tier="critical",delist_url="https://check.spamhaus.org/results/?query={target}"}')).toBe(1);
  expect(sample(text, 'mailrep_dnsbl_target_info{target="192.0.2.10",origin="static"}')).toBe(1);
  expect(sample(text, 'mailrep_dnsbl_list_healthy{list="zen.spamhaus.org"}')).toBe(1);
  s.retain([], [zen]);
  s.targets = [];
  s.refresh();
  expect(s.render()).not.toContain('192.0.2.10');
});
