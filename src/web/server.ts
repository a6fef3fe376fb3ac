// The HTTP side: /metrics, health, reload, landing page, and the collectors'
// own routes. Handlers only render state; none of them waits on DNS or disk.
// In front of them: the web config's response headers, a request-body limit
// and basic auth; under them an HTTP or HTTPS server with header-size and
// timeout limits, so a slow or oversized client cannot hold memory or sockets.
import express, { type Express, type RequestHandler, type Response } from 'express';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Registry } from 'prom-client';
import type { ListenAddress } from '../cli';
import type { Collector } from '../collector';
import type { ReloadResult } from '../exporter';
import type { Logger } from '../log';
import { BasicAuth, basicAuthMiddleware } from './auth';
import { landingPage, type LandingLink } from './landing';
import { clientCertificateProblem, nodeClientAuthOptions, type TlsSettings } from './web-config';
import { LoopTurns } from './loop-turns';

export type Server = HttpServer | HttpsServer;

/** What the web config decides per request; read anew on every request, so a reload applies at once. */
export interface WebAccess {
  auth: BasicAuth;
  headers: Readonly<Record<string, string>>;
}

/** Served without credentials: liveness probes (Docker HEALTHCHECK, systemd, load balancers) carry none. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/-/healthy']);

/** No route reads a body (POST /-/reload needs none); anything larger is refused with 413. */
export const MAX_REQUEST_BODY_BYTES = 1024;

export const SERVER_LIMITS = {
  /** Request line plus headers; larger gets 431. */
  maxHeaderSize: 16 * 1024,
  /** Time to receive the complete headers, and the complete request. */
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  /** How often Node enforces the two timeouts above (its default, 30 s, would stretch them). */
  connectionsCheckingInterval: 1_000,
  keepAliveTimeout: 5_000,
  /** TLS handshakes that have not finished by then are dropped. */
  handshakeTimeout: 10_000,
  /** Open sockets at once; a scraper needs one. */
  maxConnections: 512,
} as const;

const NO_ACCESS_CONTROL: WebAccess = { auth: new BasicAuth(new Map()), headers: {} };

export interface WebAppOptions {
  registry: Registry;
  telemetryPath: string;
  isReady(): boolean;
  reload(): Promise<ReloadResult>;
  collectors: Collector[];
  /** Extra links for the landing page (status pages mounted by collectors). */
  links?: LandingLink[];
  /** Basic auth and response headers from the web config; default none. */
  access?: () => WebAccess;
  logger?: Logger;
}

function tooLarge(res: Response): void {
  res.set('Connection', 'close').status(413).type('text/plain').send(`Request body too large (limit ${MAX_REQUEST_BODY_BYTES} bytes).\n`);
}

/**
 * Refuses bodies over `max` bytes: by Content-Length at once, a chunked one as
 * soon as it passes the limit. A small body is read (and dropped) before routing.
 */
export function limitRequestBody(max: number): RequestHandler {
  return (req, res, next) => {
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > max) return tooLarge(res);
    if (length === undefined ? req.headers['transfer-encoding'] === undefined : Number(length) === 0) return next();
    let seen = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max && !settled) {
        settled = true;
        tooLarge(res);
      }
    });
    req.on('end', () => { if (!settled) { settled = true; next(); } });
    req.on('error', () => { settled = true; });
  };
}

export function createWebApp(opts: WebAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const access = opts.access ?? (() => NO_ACCESS_CONTROL);
  app.use((_req, res, next) => {
    for (const [name, value] of Object.entries(access().headers)) res.set(name, value);
    next();
  });
  app.use(limitRequestBody(MAX_REQUEST_BODY_BYTES));
  app.use(basicAuthMiddleware({ auth: () => access().auth, openPaths: OPEN_PATHS, logger: opts.logger }));

  // One rendering per event-loop turn. Many concurrent scrapers would
  // otherwise fill every turn with renderings (each a few ms of synchronous
  // work) and starve the rest of the exporter: a DNSBL round gets one DNS
  // reply per worker per turn, and went from 8,000 to 200 checks/s under 50
  // back-to-back scrapers. Queued scrapes take turns; an idle exporter pays
  // one setImmediate.
  const turns = new LoopTurns();
  const render = async (): Promise<Buffer[]> => {
    // Pieces with the total length: concatenating would copy every
    // collector's text into one new string, then into one new Buffer.
    const parts: Buffer[] = [Buffer.from(await opts.registry.metrics(), 'utf8')];
    for (const c of opts.collectors) {
      if (c.renderMetricsChunks) parts.push(...c.renderMetricsChunks());
      else if (c.renderMetrics) parts.push(Buffer.from(c.renderMetrics(), 'utf8'));
    }
    return parts;
  };

  app.get(opts.telemetryPath, async (_req, res) => {
    try {
      await turns.take();
      const parts = await render();
      let length = 0;
      for (const p of parts) length += p.length;
      res.set('Content-Type', opts.registry.contentType).set('Content-Length', String(length));
      for (const p of parts) res.write(p);
      res.end();
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

export interface ListenOptions {
  /** The TLS settings in force (read per connection, so a reload's SAN list applies at once); undefined: plain HTTP. */
  tls?: () => TlsSettings | undefined;
  logger?: Logger;
}

/** Starts HTTP, or HTTPS when `tls` gives settings now; the choice holds until restart. */
export function listen(app: Express, address: ListenAddress, opts: ListenOptions = {}): Promise<Server> {
  return new Promise((resolve, reject) => {
    const { maxConnections, handshakeTimeout, ...httpLimits } = SERVER_LIMITS;
    const tls = opts.tls?.();
    let server: Server;
    if (tls) {
      const https = createHttpsServer({ ...httpLimits, ...tls.context, ...nodeClientAuthOptions(tls.clientAuth), handshakeTimeout }, app);
      // Before the HTTP parser sees a byte: what Node's requestCert/rejectUnauthorized cannot express.
      https.prependListener('secureConnection', (socket: TLSSocket) => {
        const current = opts.tls?.() ?? tls;
        const cert = socket.getPeerCertificate();
        const present = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
        const problem = clientCertificateProblem(current, { present, authorized: socket.authorized, subjectAltName: present ? cert.subjectaltname : undefined });
        if (problem) {
          opts.logger?.debug('TLS client rejected', { remote: socket.remoteAddress, reason: problem });
          socket.destroy();
        }
      });
      https.on('tlsClientError', (err, socket) => {
        opts.logger?.debug('TLS handshake failed', { remote: socket.remoteAddress, err: err.message.trim() });
      });
      server = https;
    } else {
      server = createServer(httpLimits, app);
    }
    server.maxConnections = maxConnections;
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** New certificates, CA and TLS parameters for connections from now on; open ones keep theirs. */
export function updateTls(server: Server, tls: TlsSettings): void {
  if (!('setSecureContext' in server)) throw new Error('the server is plain HTTP: enabling TLS needs a restart');
  server.setSecureContext(tls.context);
}
