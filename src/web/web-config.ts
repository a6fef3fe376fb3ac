// The web configuration file (--web.config.file): TLS, client certificates,
// basic-auth users and response headers, in the format of Prometheus'
// exporter-toolkit, so the web-config.yml that node_exporter reads works here
// too. Everything is read and checked at load: certificates parse, the key
// matches the certificate, the client CA bundle parses, every hash is bcrypt,
// and OpenSSL accepts the combination. Errors name the key; they never quote a
// password hash, a private key or any file content.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssue } from '../config/load';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = typeof CLIENT_AUTH_TYPES[number];

/** exporter-toolkit's names → Node's. TLS 1.0/1.1 are not offered at all. */
const TLS_VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
/** Go's curve names (crypto/tls CurveID) → OpenSSL's. */
const CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

/** Header values end up in every response: no CR/LF (header injection), no control characters. */
const headerValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, { message: 'contains control characters' });

const tlsServerSchema = z.strictObject({
  cert: z.string().optional(),
  key: z.string().optional(),
  client_ca: z.string().optional(),
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  client_ca_file: z.string().min(1).optional(),
  client_auth_type: z.enum(CLIENT_AUTH_TYPES).default('NoClientCert'),
  client_allowed_sans: z.array(z.string().min(1)).optional(),
  min_version: z.enum(['TLS12', 'TLS13']).default('TLS12'),
  max_version: z.enum(['TLS12', 'TLS13']).default('TLS13'),
  cipher_suites: z.array(z.string()).optional(),
  prefer_server_cipher_suites: z.boolean().default(true),
  curve_preferences: z.array(z.enum(Object.keys(CURVES) as [keyof typeof CURVES])).optional(),
});

const headersSchema = z.strictObject({
  'Content-Security-Policy': headerValue.optional(),
  'X-Frame-Options': headerValue.refine((v) => v === '' || /^(deny|sameorigin)$/i.test(v), { message: 'must be deny or sameorigin' }).optional(),
  'X-Content-Type-Options': headerValue.refine((v) => v === '' || /^nosniff$/i.test(v), { message: 'must be nosniff' }).optional(),
  'X-XSS-Protection': headerValue.optional(),
  'Strict-Transport-Security': headerValue.optional(),
});

const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** True for a `$2a$`/`$2b$`/`$2y$` bcrypt hash of cost 4–31 (what bcryptjs can verify). */
export function isBcryptHash(hash: string): boolean {
  const m = BCRYPT_HASH.exec(hash);
  return m !== null && Number(m[1]) >= 4 && Number(m[1]) <= 31;
}

const webConfigFileSchema = z.strictObject({
  tls_server_config: tlsServerSchema.nullish(),
  http_server_config: z.strictObject({
    http2: z.boolean().optional(),
    headers: headersSchema.nullish(),
  }).nullish(),
  // The message never shows the value: it is a password hash.
  basic_auth_users: z.record(z.string(), z.string({ error: 'expected a bcrypt hash (a string)' }).refine(isBcryptHash, {
    message: 'not a bcrypt hash (expected $2a$, $2b$ or $2y$, a cost of 04–31 and 53 characters, e.g. from htpasswd -nBC 10 "")',
  })).nullish(),
  rate_limit: z.strictObject({
    interval: z.union([z.string(), z.number()]).optional(),
    burst: z.number().int().optional(),
  }).nullish(),
});
type WebConfigFile = z.output<typeof webConfigFileSchema>;
type TlsServerConfig = z.output<typeof tlsServerSchema>;

export interface TlsSettings {
  /** For `https.createServer` and `server.setSecureContext`: cert, key, CA, versions, curves. */
  context: SecureContextOptions;
  clientAuth: ClientAuthType;
  /** When set, a client certificate must carry one of these SANs exactly (DNS, IP, email or URI). */
  allowedSans?: readonly string[];
  /** For the log line at load: which certificate is served, until when (ISO 8601). */
  certificate: { subject: string; validTo: string; fingerprint256: string };
}

export interface WebSettings {
  /** The file these settings came from; undefined for the built-in plain-HTTP, no-auth settings. */
  file?: string;
  /** Undefined: plain HTTP. */
  tls?: TlsSettings;
  /** Login → bcrypt hash; empty: no basic authentication. */
  users: ReadonlyMap<string, string>;
  /** Added to every response. */
  headers: Readonly<Record<string, string>>;
  /** Settings accepted but not applied (exporter-toolkit options this exporter does not implement). */
  warnings: string[];
}

/** No --web.config.file: plain HTTP, no authentication. */
export const PLAIN_WEB_SETTINGS: WebSettings = Object.freeze({ users: new Map(), headers: {}, warnings: [] });

export class WebConfigError extends ConfigError {
  constructor(problems: string[], file: string) {
    super(problems, file);
    this.message = `web.config.file: ${file}: ${problems.join('; ')}`;
  }
}


/** Reads a PEM given inline (`cert`) or as a file (`cert_file`, relative to the web config's directory). */
async function pemSource(
  cfg: TlsServerConfig, inline: 'cert' | 'key' | 'client_ca', fileKey: 'cert_file' | 'key_file' | 'client_ca_file',
  baseDir: string, problems: string[],
): Promise<{ pem: string; from: string } | undefined> {
  const text = cfg[inline];
  const file = cfg[fileKey];
  if (text !== undefined && file !== undefined) {
    problems.push(`tls_server_config: ${inline} and ${fileKey} are mutually exclusive`);
    return undefined;
  }
  if (text !== undefined) return { pem: text, from: `tls_server_config.${inline}` };
  if (file === undefined) return undefined;
  const path = resolve(baseDir, file);
  try {
    return { pem: await readFile(path, 'utf8'), from: `tls_server_config.${fileKey}` };
  } catch (err) {
    problems.push(`tls_server_config.${fileKey}: cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return undefined;
  }
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle, or undefined (with a problem) when one does not parse or there is none. */
function parseCertificates(pem: string, from: string, problems: string[]): X509Certificate[] | undefined {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    problems.push(`${from}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`);
    return undefined;
  }
  const certs: X509Certificate[] = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      certs.push(new X509Certificate(blocks[i]));
    } catch {
      problems.push(`${from}: certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate`);
      return undefined;
    }
  }
  return certs;
}

function parsePrivateKey(pem: string, from: string, problems: string[]): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // OpenSSL's reason is dropped on purpose: it is not needed and the input is a secret.
    problems.push(`${from}: not a PEM private key (or it is encrypted: the key must not need a passphrase)`);
    return undefined;
  }
}

async function tlsSettings(cfg: TlsServerConfig, baseDir: string, problems: string[], warnings: string[], now: Date): Promise<TlsSettings | undefined> {
  const before = problems.length;
  const certSrc = await pemSource(cfg, 'cert', 'cert_file', baseDir, problems);
  const keySrc = await pemSource(cfg, 'key', 'key_file', baseDir, problems);
  const caSrc = await pemSource(cfg, 'client_ca', 'client_ca_file', baseDir, problems);
  const hasCert = cfg.cert !== undefined || cfg.cert_file !== undefined;
  const hasKey = cfg.key !== undefined || cfg.key_file !== undefined;
  if (!hasCert) problems.push('tls_server_config.cert_file: required (or cert)');
  if (!hasKey) problems.push('tls_server_config.key_file: required (or key)');

  const auth = cfg.client_auth_type;
  const hasCa = cfg.client_ca !== undefined || cfg.client_ca_file !== undefined;
  if (hasCa && auth === 'NoClientCert') {
    problems.push('tls_server_config.client_ca_file: set, but client_auth_type is NoClientCert (use RequireAndVerifyClientCert to verify client certificates)');
  }
  if (!hasCa && (auth === 'VerifyClientCertIfGiven' || auth === 'RequireAndVerifyClientCert')) {
    problems.push(`tls_server_config.client_ca_file: required when client_auth_type is ${auth}`);
  }
  if (cfg.client_allowed_sans && auth !== 'RequireAnyClientCert' && auth !== 'RequireAndVerifyClientCert') {
    problems.push('tls_server_config.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert');
  }
  if (cfg.min_version === 'TLS13' && cfg.max_version === 'TLS12') {
    problems.push('tls_server_config.min_version: TLS13 is above max_version TLS12');
  }
  if (cfg.cipher_suites && cfg.cipher_suites.length > 0) {
    warnings.push('tls_server_config.cipher_suites is not implemented and is ignored: OpenSSL\'s default TLS 1.2 suites (all with forward secrecy) are offered');
  }

  const certs = certSrc && parseCertificates(certSrc.pem, certSrc.from, problems);
  const key = keySrc && parsePrivateKey(keySrc.pem, keySrc.from, problems);
  const cas = caSrc && parseCertificates(caSrc.pem, caSrc.from, problems);
  if (certs && key && !certs[0].checkPrivateKey(key)) {
    problems.push(`${keySrc!.from}: does not match the certificate in ${certSrc!.from}`);
  }
  if (problems.length > before || !certs || !key || !certSrc || !keySrc) return undefined;

  const leaf = certs[0];
  if (new Date(leaf.validTo) < now) warnings.push(`${certSrc.from}: the certificate expired on ${new Date(leaf.validTo).toISOString()}`);
  for (const ca of cas ?? []) {
    if (!ca.ca) warnings.push(`${caSrc!.from}: ${ca.subject.replace(/\n/g, ', ')} is not a CA certificate`);
  }

  const context: SecureContextOptions = {
    cert: certSrc.pem,
    key: keySrc.pem,
    minVersion: TLS_VERSIONS[cfg.min_version],
    maxVersion: TLS_VERSIONS[cfg.max_version],
    honorCipherOrder: cfg.prefer_server_cipher_suites,
  };
  if (caSrc) context.ca = caSrc.pem;
  if (cfg.curve_preferences && cfg.curve_preferences.length > 0) {
    context.ecdhCurve = cfg.curve_preferences.map((c) => CURVES[c]).join(':');
  }
  try {
    createSecureContext(context);
  } catch (err) {
    // OpenSSL's reasons ("ee key too small", "ca md too weak") name a property, never key bytes.
    problems.push(`tls_server_config: OpenSSL rejects these settings: ${(err as Error).message}`);
    return undefined;
  }
  return {
    context,
    clientAuth: auth,
    allowedSans: cfg.client_allowed_sans,
    certificate: { subject: leaf.subject.replace(/\n/g, ', '), validTo: new Date(leaf.validTo).toISOString(), fingerprint256: leaf.fingerprint256 },
  };
}

/** Validates a parsed web config and reads the files it names (relative paths: from baseDir). */
export async function webSettingsFromObject(raw: unknown, file: string, baseDir: string, now = new Date()): Promise<WebSettings> {
  const result = webConfigFileSchema.safeParse(raw === null || raw === undefined ? {} : raw);
  if (!result.success) throw new WebConfigError(result.error.issues.flatMap(describeIssue), file);
  const cfg: WebConfigFile = result.data;
  const problems: string[] = [];
  const warnings: string[] = [];

  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(cfg.basic_auth_users ?? {})) {
    // RFC 7617: the user-id cannot contain a colon; an empty one is a typo.
    if (user === '' || user.includes(':')) problems.push(`basic_auth_users: user names must be non-empty and contain no ":"`);
    else users.set(user, hash);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(cfg.http_server_config?.headers ?? {})) {
    if (value !== undefined && value !== '') headers[name] = value;
  }
  if (cfg.http_server_config?.http2 === true) warnings.push('http_server_config.http2 is not implemented: HTTP/1.1 is served');
  if (cfg.rate_limit) warnings.push('rate_limit is not implemented and is ignored: rate-limit at a reverse proxy if needed');

  const tls = cfg.tls_server_config ? await tlsSettings(cfg.tls_server_config, baseDir, problems, warnings, now) : undefined;
  if (problems.length > 0) throw new WebConfigError(problems, file);
  return { file, tls, users, headers, warnings };
}

/** Reads and validates the web config file; throws WebConfigError naming the key and the reason. */
export async function loadWebConfigFile(file: string, now = new Date()): Promise<WebSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WebConfigError([code === 'ENOENT' ? 'file does not exist' : `cannot read: ${code ?? 'error'}`], file);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  // Only the first line of YAML's message: the following lines quote the source, which may hold an inline key.
  if (doc.errors.length > 0) throw new WebConfigError(doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`), file);
  return webSettingsFromObject(doc.toJS(), file, dirname(resolve(file)), now);
}

/**
 * Why `next` cannot replace `running` on a reload, or undefined when it can.
 * The listening socket is either HTTP or HTTPS, and Node fixes whether a client
 * certificate is requested when the server is created; new certificates, CAs,
 * users and headers apply at once.
 */
export function restartRequired(running: WebSettings, next: WebSettings): string | undefined {
  if (!running.tls !== !next.tls) {
    return `switching between plain HTTP and TLS needs a restart (now ${running.tls ? 'TLS' : 'plain HTTP'}); the running web configuration stays in force`;
  }
  if (running.tls && next.tls && running.tls.clientAuth !== next.tls.clientAuth) {
    return `tls_server_config.client_auth_type: changing ${running.tls.clientAuth} to ${next.tls.clientAuth} needs a restart; the running web configuration stays in force`;
  }
  return undefined;
}

/** The Node TLS server options for a client-auth policy; what Node cannot express is checked by clientCertificateProblem. */
export function nodeClientAuthOptions(auth: ClientAuthType): { requestCert: boolean; rejectUnauthorized: boolean } {
  return { requestCert: auth !== 'NoClientCert', rejectUnauthorized: auth === 'RequireAndVerifyClientCert' };
}

export interface PeerCertificateFacts {
  /** The client sent a certificate. */
  present: boolean;
  /** It verified against client_ca (Node's `socket.authorized`). */
  authorized: boolean;
  /** Node's `subjectaltname` text: `DNS:a.example, IP Address:192.0.2.1, email:x@y, URI:spiffe://…`. */
  subjectAltName?: string;
}

/** Why a connection with this client certificate must be dropped, or undefined to accept it. */
export function clientCertificateProblem(tls: Pick<TlsSettings, 'clientAuth' | 'allowedSans'>, peer: PeerCertificateFacts): string | undefined {
  switch (tls.clientAuth) {
    case 'NoClientCert':
    case 'RequestClientCert':
      return undefined;
    case 'RequireAnyClientCert':
      if (!peer.present) return 'no client certificate';
      break;
    case 'VerifyClientCertIfGiven':
      if (peer.present && !peer.authorized) return 'client certificate not signed by client_ca';
      return undefined;
    case 'RequireAndVerifyClientCert':
      if (!peer.present) return 'no client certificate';
      if (!peer.authorized) return 'client certificate not signed by client_ca';
      break;
  }
  if (tls.allowedSans && tls.allowedSans.length > 0) {
    const sans = parseSubjectAltName(peer.subjectAltName ?? '').map((s) => canonicalSan(s.value));
    if (!tls.allowedSans.some((allowed) => sans.includes(canonicalSan(allowed)))) return 'client certificate SANs not in client_allowed_sans';
  }
  return undefined;
}

/** IPv6 SANs are compared in one spelling: Node prints 0:0:0:0:0:0:0:1 where Go and people write ::1. */
function canonicalSan(value: string): string {
  if (isIP(value) === 6) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return value;
}

/**
 * Splits Node's `subjectaltname` string into entries. Values with special
 * characters are JSON-quoted by Node (`URI:"a, b"`), so a comma inside one
 * cannot fake a second entry.
 */
export function parseSubjectAltName(text: string): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon === -1) break;
    const type = text.slice(i, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      try { value = JSON.parse(text.slice(colon + 1, j + 1)) as string; } catch { break; }
      end = j + 1;
    } else {
      const comma = text.indexOf(', ', colon + 1);
      end = comma === -1 ? text.length : comma;
      value = text.slice(colon + 1, end);
    }
    out.push({ type, value });
    i = end;
    if (text.startsWith(', ', i)) i += 2;
    else break;
  }
  return out;
}
