// The egress collector end to end: real firewall-log files in a temp
// directory, the real Follower, a real registry, configs from validateConfig,
// reloads that keep or remove sources. Values are read from the registry.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { EgressCollector, egressCollectorFactory } from '../../src/egress/collector';
import { validateConfig } from '../../src/config/load';
import { silentLogger } from '../../src/log';
import { ExporterMetrics } from '../../src/metrics/exporter';
import { createRegistry } from '../../src/metrics/registry';
import { waitFor } from '../helpers/exporter-process';
import { promtoolCheckMetrics } from '../helpers/tools';
import { tempDir } from '../helpers/tmp';
import { fixtureLines, local, NOW } from '../unit/egress/fixtures';

const dir = tempDir('mailrep-egress-');

function setup(opts: { timers?: boolean } = {}) {
  const registry = createRegistry();
  const ctx = { registry, logger: silentLogger, exporterMetrics: new ExporterMetrics(registry), peers: new Map() };
  const collector = opts.timers ? egressCollectorFactory(ctx) as EgressCollector : new EgressCollector(ctx, { pollIntervalMs: 0, now: () => NOW });
  afterAll(() => collector.stop());
  return { registry, collector };
}

/** Every sample of a family as "k=v,k=v" → value. */
async function series(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const out: Record<string, number> = {};
  for (const v of (await metric.get()).values) out[Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(',')] = v.value;
  return out;
}

/** The samples of one log source (source=path), keyed by the remaining labels. */
async function ofSource(registry: Registry, name: string, path: string): Promise<Record<string, number>> {
  const all = await series(registry, name);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(all)) if (k.startsWith(`source=${path}`)) out[k.slice(`source=${path}`.length).replace(/^,/, '')] = v;
  return out;
}

const egress = (over: Record<string, unknown>) => validateConfig({ egress: over });
const iptSamples = fixtureLines('iptables.log');
const iptDerived = fixtureLines('iptables-derived.log');
const mikrotik = fixtureLines('mikrotik-derived.log');

describe('an iptables source', () => {
  const { registry, collector } = setup();
  const path = join(dir, 'kern.log');
  const config = (mailServers: string[]) => egress({
    mail_servers: mailServers,
    max_sources: 3,
    sources: [{ path, format: 'iptables', start_at: 'beginning' }],
  });

  test('reports SMTP attempts by internal address; never the mail server; counts lines; bounded by max_sources', async () => {
    writeFileSync(path, iptSamples.join('\n') + '\n');
    await collector.configure(config(['192.0.2.25', '192.168.0.10']));
    await collector.poll();
    // From the real samples: one OUTPUT SMTP attempt; the anonymised "192.168.2.xx" lines are malformed.
    expect(await ofSource(registry, 'mailrep_log_lines_total', path)).toEqual({ 'result=parsed': 1, 'result=ignored': 8, 'result=malformed': 2 });

    const cut = iptDerived[0].slice(0, iptDerived[0].indexOf(' SYN'));
    appendFileSync(path, [...iptDerived, cut, ''].join('\n') + '\n');
    await collector.poll();

    expect(await series(registry, 'mailrep_egress_smtp_attempts_total')).toEqual({
      'source_address=172.16.116.143,port=25,action=logged': 1,
      // FORWARD: the LAN host by its own (pre-SNAT) address, on each SMTP port and action.
      'source_address=192.168.2.17,port=25,action=logged': 1,
      'source_address=192.168.2.17,port=587,action=logged': 1,
      'source_address=192.168.2.17,port=465,action=blocked': 1,
      'source_address=192.168.2.17,port=25,action=allowed': 1,
      'source_address=2001:db8:0:2::17,port=25,action=logged': 1,
      // max_sources 3: the fourth address (Proxmox host-out 10.3.94.12) is overflow.
      'source_address=_overflow,port=25,action=blocked': 1,
    });
    expect(await series(registry, 'mailrep_egress_last_attempt_timestamp_seconds')).toEqual({
      'source_address=172.16.116.143': local(2026, 11, 19, 13, 16, 56) / 1000,
      'source_address=192.168.2.17': local(2026, 5, 11, 11, 29, 51) / 1000,
      'source_address=2001:db8:0:2::17': local(2026, 5, 11, 11, 29, 51) / 1000,
      'source_address=_overflow': Date.UTC(2022, 5, 20, 11, 16, 23) / 1000,
    });
    // The mail server (192.0.2.25 sending, 192.168.0.10 receiving) shows nowhere.
    const text = await registry.metrics();
    expect(text).not.toContain('192.0.2.25');
    expect(text).not.toContain('83.23.82.41');
    // +6 parsed; +4 ignored (port 443, SYN-ACK, from the mail server, to the mail server) +1 empty line; +1 malformed (the cut line).
    expect(await ofSource(registry, 'mailrep_log_lines_total', path)).toEqual({ 'result=parsed': 7, 'result=ignored': 13, 'result=malformed': 3 });
    const bytes = [...iptSamples, ...iptDerived, cut, ''].reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(await ofSource(registry, 'mailrep_log_bytes_read_total', path)).toEqual({ '': bytes });
    expect(await ofSource(registry, 'mailrep_log_source_up', path)).toEqual({ '': 1 });
    expect(await ofSource(registry, 'mailrep_log_last_event_timestamp_seconds', path)).toEqual({ '': local(2026, 11, 19, 13, 16, 56) / 1000 });
    expect(await series(registry, 'mailrep_collector_success')).toEqual({ 'collector=egress': 1 });
    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
  });

  test('a reload keeps the follower (nothing read twice) and applies the new mail servers from the next line', async () => {
    await collector.configure(config(['192.0.2.25', '192.168.0.10', '192.168.2.17']));
    await collector.poll();
    // Not re-read from the beginning: the line counts are unchanged.
    expect(await ofSource(registry, 'mailrep_log_lines_total', path)).toEqual({ 'result=parsed': 7, 'result=ignored': 13, 'result=malformed': 3 });
    // 192.168.2.17 is a mail server now: its series are gone, and its next attempt is not counted.
    appendFileSync(path, `${iptDerived[0]}\n${iptDerived[7]}\n`);
    await collector.poll();
    expect(await series(registry, 'mailrep_egress_smtp_attempts_total')).toEqual({
      'source_address=172.16.116.143,port=25,action=logged': 1,
      'source_address=2001:db8:0:2::17,port=25,action=logged': 2,
      'source_address=_overflow,port=25,action=blocked': 1,
    });
    expect(Object.keys(await series(registry, 'mailrep_egress_last_attempt_timestamp_seconds'))).toHaveLength(3);
    expect(await ofSource(registry, 'mailrep_log_lines_total', path)).toEqual({ 'result=parsed': 8, 'result=ignored': 14, 'result=malformed': 3 });
  });

  test('a reload without the source stops it and removes its mailrep_log_* series', async () => {
    await collector.configure(egress({}));
    expect(collector.sourcePaths).toEqual([]);
    for (const name of ['mailrep_log_lines_total', 'mailrep_log_bytes_read_total', 'mailrep_log_source_up', 'mailrep_log_last_event_timestamp_seconds', 'mailrep_log_rotations_total', 'mailrep_log_truncated_lines_total']) {
      expect(await ofSource(registry, name, path)).toEqual({});
    }
    // Lines written now are read by nobody.
    appendFileSync(path, `${iptDerived[2]}\n`);
    await collector.poll();
    expect((await series(registry, 'mailrep_egress_smtp_attempts_total'))['source_address=_overflow,port=25,action=blocked']).toBe(1);
    expect(await series(registry, 'mailrep_collector_success')).toEqual({ 'collector=egress': 1 });
  });
});

describe('a MikroTik source with NAT', () => {
  const { registry, collector } = setup();
  const path = join(dir, 'routeros.log');

  test('the NATed host is reported by its internal address, never the public one', async () => {
    writeFileSync(path, 'old line before start\n');
    // start_at end: what was there before is not read.
    await collector.configure(egress({ mail_servers: ['192.0.2.25'], sources: [{ path, format: 'mikrotik' }] }));
    await collector.poll();
    appendFileSync(path, [0, 1, 2, 3, 4, 6].map((i) => mikrotik[i]).join('\n') + '\n');
    await collector.poll();
    expect(await series(registry, 'mailrep_egress_smtp_attempts_total')).toEqual({
      'source_address=192.168.88.20,port=25,action=logged': 1,
      'source_address=192.168.88.20,port=587,action=allowed': 1,
      'source_address=2001:db8:1234::2,port=25,action=blocked': 1,
      'source_address=192.168.88.21,port=25,action=logged': 1,
    });
    expect(await registry.metrics()).not.toContain('198.51.100.7');
    expect(await ofSource(registry, 'mailrep_log_lines_total', path)).toEqual({ 'result=parsed': 4, 'result=ignored': 2, 'result=malformed': 0 });
  });
});

describe('a filterlog source that does not exist yet', () => {
  const { registry, collector } = setup();
  const path = join(dir, 'filter.log');

  test('is down (collector failing) until it appears, then read from its beginning', async () => {
    await collector.configure(egress({ sources: [{ path, format: 'filterlog' }] }));
    await collector.poll();
    expect(await ofSource(registry, 'mailrep_log_source_up', path)).toEqual({ '': 0 });
    expect(await series(registry, 'mailrep_collector_success')).toEqual({ 'collector=egress': 0 });

    const lines = [...fixtureLines('filterlog.log'), ...fixtureLines('filterlog-derived.log')];
    writeFileSync(path, lines.join('\n') + '\n');
    await collector.poll();
    expect(await ofSource(registry, 'mailrep_log_source_up', path)).toEqual({ '': 1 });
    expect(await series(registry, 'mailrep_collector_success')).toEqual({ 'collector=egress': 1 });
    expect(await series(registry, 'mailrep_egress_smtp_attempts_total')).toEqual({
      'source_address=10.170.12.50,port=25,action=blocked': 1,
      'source_address=10.170.12.50,port=587,action=allowed': 1,
      'source_address=2001:db8:27::50,port=25,action=blocked': 1,
      'source_address=192.168.1.1,port=25,action=allowed': 1,
    });
    // 12 lines: 4 SMTP; the other TCP attempts (ports 80, 443, 853) and UDP are ignored.
    expect(await ofSource(registry, 'mailrep_log_lines_total', path)).toEqual({ 'result=parsed': 4, 'result=ignored': 8, 'result=malformed': 0 });
  });
});

describe('with the followers polling on their own', () => {
  const { registry, collector } = setup({ timers: true });
  const path = join(dir, 'ufw.log');

  test('appended lines are counted without an explicit poll', async () => {
    writeFileSync(path, '');
    await collector.configure(egress({ sources: [{ path, format: 'iptables' }] }));
    appendFileSync(path, `${iptDerived[2]}\n`);
    const value = await waitFor('the attempt to be counted', async () =>
      (await series(registry, 'mailrep_egress_smtp_attempts_total'))['source_address=192.168.2.17,port=465,action=blocked']);
    expect(value).toBe(1);
  });
});
