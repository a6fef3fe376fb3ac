// Wires configuration, collectors and the HTTP server together and owns the
// reload semantics: a new config is validated in full before anything changes;
// a rejected one leaves the old one running.
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
import { BasicAuth } from './web/auth';
import { createWebApp, listen, updateTls, type Server } from './web/server';
import { loadWebConfigFile, PLAIN_WEB_SETTINGS, restartRequired, WebConfigError, type WebSettings } from './web/web-config';

export type ReloadResult = { ok: true } | { ok: false; error: string };

export class Exporter {
  readonly registry: Registry;
  readonly metrics: ExporterMetrics;
  readonly collectors: Collector[];
  private config?: Config;
  private server?: Server;
  /** The web config in force (--web.config.file) and the authenticator built from it. */
  private web: WebSettings = PLAIN_WEB_SETTINGS;
  private auth = new BasicAuth(PLAIN_WEB_SETTINGS.users);
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
    if (this.cli.webConfigFile !== undefined) this.applyWebSettings(await loadWebConfigFile(this.cli.webConfigFile));

    const app = createWebApp({
      registry: this.registry,
      telemetryPath: this.cli.telemetryPath,
      isReady: () => this.ready,
      reload: () => this.reload(),
      collectors: this.collectors,
      access: () => ({ auth: this.auth, headers: this.web.headers }),
      logger: this.logger,
    });
    const address = parseListenAddress(this.cli.listenAddress ?? this.config.web.listen_address);
    this.server = await listen(app, address, { tls: () => this.web.tls, logger: this.logger });
    const bound = this.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : address.port;
    this.logger.info('listening', { address: `${address.host ?? '0.0.0.0'}:${port}`, telemetry_path: this.cli.telemetryPath, tls: this.web.tls !== undefined });

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
    let nextWeb = this.web;
    if (this.cli.webConfigFile !== undefined) {
      try {
        nextWeb = await loadWebConfigFile(this.cli.webConfigFile);
        const why = restartRequired(this.web, nextWeb);
        if (why) throw new WebConfigError([why], this.cli.webConfigFile);
        // New certificates before the collectors: a context OpenSSL refuses leaves nothing half-applied.
        if (nextWeb.tls && this.server) updateTls(this.server, nextWeb.tls);
      } catch (err) {
        const error = err instanceof ConfigError ? err.message : String(err);
        this.metrics.recordReload(false);
        this.logger.error('configuration reload rejected; keeping the running configuration', { err: error });
        return { ok: false, error };
      }
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
      if (this.web.tls && this.server) updateTls(this.server, this.web.tls);
      return { ok: false, error: String((err as Error).message ?? err) };
    }
    if (nextWeb !== this.web) this.applyWebSettings(nextWeb);
    this.config = next;
    this.metrics.recordReload(true);
    this.logger.info('configuration reloaded');
    return { ok: true };
  }

  /** Puts a validated web config in force: a new authenticator (so a changed password counts at once) and headers. */
  private applyWebSettings(web: WebSettings): void {
    this.web = web;
    this.auth = new BasicAuth(web.users);
    for (const warning of web.warnings) this.logger.warn('web configuration setting not applied', { file: web.file, reason: warning });
    this.logger.info('web configuration loaded', {
      file: web.file,
      tls: web.tls !== undefined,
      ...(web.tls ? { client_auth_type: web.tls.clientAuth, certificate: web.tls.certificate.subject, certificate_expires: web.tls.certificate.validTo } : {}),
      basic_auth_users: web.users.size,
    });
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
