// Metrics about the exporter itself: build, config reloads, and per-collector
// health. A collector that fails shows up here, never as a failed scrape.
import { Gauge, type Registry } from 'prom-client';
import { VERSION } from '../version';

export class ExporterMetrics {
  readonly reloadSuccessful: Gauge;
  readonly reloadSuccessTimestamp: Gauge;
  readonly collectorSuccess: Gauge<'collector'>;
  readonly collectorDuration: Gauge<'collector'>;

  constructor(registry: Registry) {
    const buildInfo = new Gauge({
      name: 'mailrep_build_info',
      help: 'A metric with a constant value 1, labelled by the exporter version and the Node.js version it runs on.',
      labelNames: ['version', 'node_version'],
      registers: [registry],
    });
    buildInfo.set({ version: VERSION, node_version: process.version }, 1);
    this.reloadSuccessful = new Gauge({
      name: 'mailrep_config_last_reload_successful',
      help: 'Whether the last configuration load or reload succeeded (1) or was rejected (0).',
      registers: [registry],
    });
    this.reloadSuccessTimestamp = new Gauge({
      name: 'mailrep_config_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful configuration load or reload.',
      registers: [registry],
    });
    this.collectorSuccess = new Gauge({
      name: 'mailrep_collector_success',
      help: 'Whether the collector\'s last run (a DNSBL round) or current state (log sources readable) is good (1) or failed (0).',
      labelNames: ['collector'],
      registers: [registry],
    });
    this.collectorDuration = new Gauge({
      name: 'mailrep_collector_duration_seconds',
      help: 'How long the collector\'s last run took (a DNSBL round; for streaming collectors, the last batch).',
      labelNames: ['collector'],
      registers: [registry],
    });
  }

  /** Called by collectors after each unit of work. */
  recordRun(collector: string, ok: boolean, seconds: number): void {
    this.collectorSuccess.set({ collector }, ok ? 1 : 0);
    this.collectorDuration.set({ collector }, seconds);
  }

  recordReload(ok: boolean, now = Date.now()): void {
    this.reloadSuccessful.set(ok ? 1 : 0);
    if (ok) this.reloadSuccessTimestamp.set(now / 1000);
  }
}
