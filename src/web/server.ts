// The HTTP side: /metrics, health, reload, landing page, and the collectors'
// own routes. Handlers only render state; none of them waits on DNS or disk.
import express, { type Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { ListenAddress } from '../cli';
import type { Collector } from '../collector';
import type { ReloadResult } from '../exporter';
import { landingPage, type LandingLink } from './landing';

export interface WebAppOptions {
  registry: Registry;
  telemetryPath: string;
  isReady(): boolean;
  reload(): Promise<ReloadResult>;
  collectors: Collector[];
  /** Extra links for the landing page (status pages mounted by collectors). */
  links?: LandingLink[];
}

export function createWebApp(opts: WebAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get(opts.telemetryPath, async (_req, res) => {
    try {
      let body = await opts.registry.metrics();
      for (const c of opts.collectors) if (c.renderMetrics) body += c.renderMetrics();
      res.set('Content-Type', opts.registry.contentType).send(body);
    } catch (err) {
      res.status(500).type('text/plain').send(`error rendering metrics: ${(err as Error).message}\n`);
    }
  });

  app.get('/-/healthy', (_req, res) => { res.type('text/plain').send('Healthy.\n'); });
  app.get('/-/ready', (_req, res) => {
    if (opts.isReady()) res.type('text/plain').send('Ready.\n');
    else res.status(503).type('text/plain').send('Not ready.\n');
  });

  app.post('/-/reload', async (_req, res) => {
    const result = await opts.reload();
    if (result.ok) res.type('text/plain').send('Configuration reloaded.\n');
    else res.status(500).type('text/plain').send(`Configuration reload failed: ${result.error}\n`);
  });
  app.all('/-/reload', (_req, res) => {
    res.set('Allow', 'POST').status(405).type('text/plain').send('Only POST requests allowed.\n');
  });

  for (const c of opts.collectors) c.mountRoutes?.(app);

  const links: LandingLink[] = [
    { href: opts.telemetryPath.replace(/^\//, ''), text: 'Metrics' },
    ...(opts.links ?? []),
    ...opts.collectors.flatMap((c) => c.links ?? []),
    { href: '-/healthy', text: 'Health' },
    { href: '-/ready', text: 'Readiness' },
  ];
  app.get('/', (_req, res) => { res.type('html').send(landingPage(links)); });

  app.use((_req, res) => { res.status(404).type('text/plain').send('Not found.\n'); });
  return app;
}

export function listen(app: Express, address: ListenAddress): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
