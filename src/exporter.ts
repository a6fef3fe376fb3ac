// Wires configuration, collectors and the HTTP server together and owns the
// reload semantics: a new config is validated in full before anything changes;
// a rejected one leaves the old one running.
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { CliOptions } from './cli';
import { parseListenAddress } from './cli';
import type { Collector, CollectorFactory } from './collector';
import { collectorFactories } from './collectors';
import { ConfigError, loadConfigFile } from './config/load';
import type { Config } from './config/schema';
import type { Logger } from './log';
import { ExporterMetrics } from './metrics/exporter';
import { createRegistry } from './metrics/registry';
import { createWebApp, listen } from './web/server';

export type ReloadResult = { ok: true } | { ok: false; error: string };

export class Exporter {
  readonly registry: Registry;
  readonly metrics: ExporterMetrics;
  readonly collectors: Collector[];
  private config?: Config;
  private server?: Server;
  private ready = false;
  /** Reloads run one at a time: SIGHUP and POST /-/reload may race. */
  private reloadChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly cli: CliOptions,
    private readonly logger: Logger,
    factories: CollectorFactory[] = collectorFactories,
  ) {
    this.registry = createRegistry();
    this.metrics = new ExporterMetrics(this.registry);
    const peers = new Map<string, Collector>();
    this.collectors = factories.map((make) => make({
      registry: this.registry,
      logger: logger,
      exporterMetrics: this.metrics,
      peers,
    }));
    for (const c of this.collectors) peers.set(c.name, c);
  }

  get currentConfig(): Config | undefined { return this.config; }
  get isReady(): boolean { return this.ready; }

  /** Loads the config (throws ConfigError when invalid), starts collectors and the HTTP server. */
  async start(): Promise<{ host?: string; port: number }> {
    const loaded = await loadConfigFile(this.cli.configFile, this.cli.configFileExplicit);
    this.config = loaded.config;
    this.metrics.recordReload(true);
    this.logger.info('configuration loaded', { source: loaded.source });

    const app = createWebApp({
      registry: this.registry,
      telemetryPath: this.cli.telemetryPath,
      isReady: () => this.ready,
      reload: () => this.reload(),
      collectors: this.collectors,
    });
    const address = parseListenAddress(this.cli.listenAddress ?? this.config.web.listen_address);
    this.server = await listen(app, address);
    const bound = this.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : address.port;
    this.logger.info('listening', { address: `${address.host ?? '0.0.0.0'}:${port}`, telemetry_path: this.cli.telemetryPath });

    for (const c of this.collectors) await c.configure(this.config);
    this.ready = true;
    return { host: address.host, port };
  }

  reload(): Promise<ReloadResult> {
    const run = this.reloadChain.then(() => this.doReload());
    this.reloadChain = run.catch(() => undefined);
    return run;
  }

  private async doReload(): Promise<ReloadResult> {
    let next: Config;
    try {
      next = (await loadConfigFile(this.cli.configFile, this.cli.configFileExplicit)).config;
    } catch (err) {
      const error = err instanceof ConfigError ? err.message : String(err);
      this.metrics.recordReload(false);
      this.logger.error('configuration reload rejected; keeping the running configuration', { err: error });
      return { ok: false, error };
    }
    if (this.cli.listenAddress === undefined && next.web.listen_address !== this.config?.web.listen_address) {
      this.logger.warn('web.listen_address changed; it takes effect at the next restart', { listen_address: next.web.listen_address });
    }
    try {
      for (const c of this.collectors) await c.configure(next);
    } catch (err) {
      // A collector refused a config that passed validation (e.g. a key_file that
      // vanished). Put the old one back everywhere so no part runs half-reloaded.
      this.metrics.recordReload(false);
      this.logger.error('configuration reload failed while applying it; restoring the previous configuration', { err });
      if (this.config) for (const c of this.collectors) await c.configure(this.config).catch(() => undefined);
      return { ok: false, error: String((err as Error).message ?? err) };
    }
    this.config = next;
    this.metrics.recordReload(true);
    this.logger.info('configuration reloaded');
    return { ok: true };
  }

  async stop(): Promise<void> {
    this.ready = false;
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
      });
    }
    for (const c of [...this.collectors].reverse()) {
      await c.stop().catch((err) => this.logger.warn('collector did not stop cleanly', { collector: c.name, err }));
    }
  }
}
