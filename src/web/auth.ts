// HTTP basic authentication against the web config's bcrypt hashes.
//
// Timing: a wrong password and an unknown user both cost exactly one bcrypt
// comparison at the same cost (the unknown user is compared against a dummy
// hash), so response times do not tell which user names exist. Only successes
// are cached, briefly, keyed by an HMAC of user and password under a
// per-process random key: Prometheus scraping every 15 s then costs one bcrypt
// per cache lifetime instead of ~100 ms per scrape, while a failure always pays
// the full comparison. At most `maxConcurrentChecks` comparisons run at once;
// beyond that requests get 429 instead of piling up CPU work (a cached
// credential still gets in).
import bcrypt from 'bcryptjs';
import { createHmac, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log';

export const BASIC_AUTH_REALM = 'mail-reputation-exporter';

/** Resolves true when the password matches the bcrypt hash. */
export type PasswordCompare = (password: string, hash: string) => Promise<boolean>;

export type AuthVerdict = 'ok' | 'denied' | 'busy';

export interface BasicAuthOptions {
  /** Default bcryptjs' asynchronous compare (yields to the event loop while it works). */
  compare?: PasswordCompare;
  /** Milliseconds clock for the cache. */
  now?: () => number;
  /** How long a verified (user, password) is trusted without bcrypt. Default 5 minutes. */
  cacheTtlMs?: number;
  /** Verified credentials remembered at once; the oldest is dropped beyond. Default 64. */
  cacheMaxEntries?: number;
  /** bcrypt comparisons in flight at once; more get 'busy'. Default 8. */
  maxConcurrentChecks?: number;
}

export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;

/**
 * `Basic <base64(user:password)>` → its parts; undefined for anything else
 * (other schemes, bad base64, no colon). The scheme is case-insensitive (RFC 7617).
 */
export function parseBasicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length < 7) return undefined;
  if (header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const token = header.slice(6).trim();
  if (token === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The cost factor of a bcrypt hash (`$2y$10$…` → 10). */
export function bcryptCost(hash: string): number {
  return Number(hash.slice(4, 6));
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A well-formed bcrypt hash of the given cost that no password matches
 * (random salt and digest): comparing against it takes as long as comparing
 * against a real hash of that cost. Costs nothing to make.
 */
export function dummyHash(cost: number): string {
  const bytes = randomBytes(31);
  let digest = '';
  for (const b of bytes) digest += BCRYPT_ALPHABET[b & 63];
  return bcrypt.genSaltSync(cost) + digest;
}

export class BasicAuth {
  private readonly compare: PasswordCompare;
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly maxConcurrent: number;
  /** HMAC(user, password) → expiry (ms); insertion order = age. */
  private readonly verified = new Map<string, number>();
  private readonly cacheKey = randomBytes(32);
  private readonly dummy: string;
  private inFlight = 0;

  constructor(private readonly users: ReadonlyMap<string, string>, opts: BasicAuthOptions = {}) {
    this.compare = opts.compare ?? ((password, hash) => bcrypt.compare(password, hash));
    this.now = opts.now ?? Date.now;
    this.ttl = opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.maxEntries = opts.cacheMaxEntries ?? 64;
    this.maxConcurrent = opts.maxConcurrentChecks ?? 8;
    // The highest cost in use: an unknown user never answers faster than a real one.
    let cost = 4;
    for (const hash of users.values()) cost = Math.max(cost, bcryptCost(hash));
    this.dummy = dummyHash(cost);
  }

  /** False when no users are configured: every request is let through. */
  get enabled(): boolean { return this.users.size > 0; }

  /** Checks an Authorization header value. */
  async check(authorization: string | undefined): Promise<AuthVerdict> {
    const creds = parseBasicCredentials(authorization);
    if (!creds) return 'denied';
    const key = createHmac('sha256', this.cacheKey).update(`${creds.user.length}:${creds.user}`).update(creds.password).digest('base64');
    const expires = this.verified.get(key);
    if (expires !== undefined) {
      if (expires > this.now()) return 'ok';
      this.verified.delete(key);
    }
    if (this.inFlight >= this.maxConcurrent) return 'busy';
    const hash = this.users.get(creds.user);
    this.inFlight++;
    let match: boolean;
    try {
      // The same work whether or not the user exists.
      match = await this.compare(creds.password, hash ?? this.dummy).catch(() => false);
    } finally {
      this.inFlight--;
    }
    if (!match || hash === undefined) return 'denied';
    this.remember(key);
    return 'ok';
  }

  private remember(key: string): void {
    this.verified.delete(key);
    while (this.verified.size >= this.maxEntries) {
      const oldest = this.verified.keys().next().value as string;
      this.verified.delete(oldest);
    }
    this.verified.set(key, this.now() + this.ttl);
  }
}

export interface BasicAuthMiddlewareOptions {
  /** The authenticator in force (replaced on reload). */
  auth(): BasicAuth;
  /** Paths served without credentials. */
  openPaths: ReadonlySet<string>;
  logger?: Logger;
}

/**
 * Express middleware: requests to anything but `openPaths` need valid
 * credentials when users are configured. Default-deny: a path is open only
 * when it equals an open path exactly.
 */
export function basicAuthMiddleware(opts: BasicAuthMiddlewareOptions): RequestHandler {
  return async (req, res, next) => {
    if (opts.openPaths.has(req.path)) return next();
    const auth = opts.auth();
    if (!auth.enabled) return next();
    const verdict = await auth.check(req.headers.authorization);
    if (verdict === 'ok') return next();
    if (verdict === 'busy') {
      res.set('Retry-After', '1').status(429).type('text/plain').send('Too many authentication attempts in progress.\n');
      return;
    }
    // Never the user name: people paste passwords into the wrong field.
    opts.logger?.debug('HTTP request without valid credentials', { remote: req.socket.remoteAddress, path: req.path.slice(0, 200) });
    res.set('WWW-Authenticate', `Basic realm="${BASIC_AUTH_REALM}"`).status(401).type('text/plain').send('Unauthorized.\n');
  };
}
