// The bounded egress series: max_sources addresses with their own series, the
// rest under "_overflow", and what a reload removes.
import { Registry } from 'prom-client';
import type { SmtpAttempt } from '../../../src/egress/attempt';
import { EgressSeries, OVERFLOW_SOURCE } from '../../../src/egress/series';

const T = Date.UTC(2026, 4, 11, 9, 0, 0);
const at = (source: string, port = 25, action: SmtpAttempt['action'] = 'blocked', time = T): SmtpAttempt =>
  ({ time, sourceAddress: source, destinationAddress: '203.0.113.5', destinationPort: port, protocol: 'tcp', action, direction: 'forward' });

async function samples(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name)!;
  const out: Record<string, number> = {};
  for (const v of (await metric.get()).values) {
    const key = Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(',');
    out[key] = v.value;
  }
  return out;
}

test('counts per source, port and action; the last-attempt gauge keeps the newest time', async () => {
  const registry = new Registry();
  const s = new EgressSeries(registry, 10);
  s.record(at('192.168.2.17', 25, 'blocked', T));
  s.record(at('192.168.2.17', 25, 'blocked', T + 5000));
  s.record(at('192.168.2.17', 587, 'allowed', T + 1000)); // older than the newest: the gauge stays
  s.record(at('192.168.2.18', 465, 'logged', T));
  expect(await samples(registry, 'mailrep_egress_smtp_attempts_total')).toEqual({
    'source_address=192.168.2.17,port=25,action=blocked': 2,
    'source_address=192.168.2.17,port=587,action=allowed': 1,
    'source_address=192.168.2.18,port=465,action=logged': 1,
  });
  expect(await samples(registry, 'mailrep_egress_last_attempt_timestamp_seconds')).toEqual({
    'source_address=192.168.2.17': (T + 5000) / 1000,
    'source_address=192.168.2.18': T / 1000,
  });
});

test('beyond max_sources, new addresses go to "_overflow"; tracked ones keep their series', async () => {
  const registry = new Registry();
  const s = new EgressSeries(registry, 3);
  for (let i = 1; i <= 250; i++) s.record(at(`10.0.${i >> 8}.${i & 255}`));
  s.record(at('10.0.0.2')); // tracked: its own series again
  const counts = await samples(registry, 'mailrep_egress_smtp_attempts_total');
  expect(Object.keys(counts)).toHaveLength(4); // 3 addresses + _overflow
  expect(counts).toEqual({
    'source_address=10.0.0.1,port=25,action=blocked': 1,
    'source_address=10.0.0.2,port=25,action=blocked': 2,
    'source_address=10.0.0.3,port=25,action=blocked': 1,
    [`source_address=${OVERFLOW_SOURCE},port=25,action=blocked`]: 247,
  });
  expect(Object.keys(await samples(registry, 'mailrep_egress_last_attempt_timestamp_seconds'))).toHaveLength(4);
  expect(s.trackedSources).toBe(3);
  expect(s.overflowing).toBe(true);
});

test('a reload drops addresses beyond a lower max_sources (newest first), new mail servers, and removed ports', async () => {
  const registry = new Registry();
  const s = new EgressSeries(registry, 5);
  for (const a of ['192.168.1.1', '192.168.1.2', '192.168.1.3', '192.168.1.4']) s.record(at(a));
  s.record(at('192.168.1.1', 587));
  s.reconfigure(3, (a) => a === '192.168.1.2', (p) => p !== 587);
  expect(await samples(registry, 'mailrep_egress_smtp_attempts_total')).toEqual({
    'source_address=192.168.1.1,port=25,action=blocked': 1,
    'source_address=192.168.1.3,port=25,action=blocked': 1,
  });
  expect(Object.keys(await samples(registry, 'mailrep_egress_last_attempt_timestamp_seconds'))).toEqual([
    'source_address=192.168.1.1', 'source_address=192.168.1.3',
  ]);
  // Room again under the new cap: the next new address gets its own series.
  s.record(at('192.168.1.9'));
  expect(s.trackedSources).toBe(3);
  expect(s.overflowing).toBe(false);
});
