// The web config file (--web.config.file) in exporter-toolkit's format, loaded
// from real files with real certificates (openssl, made at test time).
import bcrypt from 'bcryptjs';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clientCertificateProblem, isBcryptHash, loadWebConfigFile, nodeClientAuthOptions, parseSubjectAltName,
  PLAIN_WEB_SETTINGS, restartRequired, WebConfigError, type ClientAuthType, type WebSettings,
} from '../../src/web/web-config';
import { ConfigError } from '../../src/config/load';
import { makeTestPki, type TestPki } from '../fixtures/tls/make-certs';
import { tempDir } from '../helpers/tmp';

const dir = tempDir('mailrep-webcfg-');
let pki: TestPki;
// Real hashes, made here: cost 4 keeps the suite fast.
const ALICE_HASH = bcrypt.hashSync('alice-password', 4);
let n = 0;

beforeAll(() => {
  mkdirSync(join(dir, 'pki'));
  pki = makeTestPki(join(dir, 'pki'));
});

function writeConfig(text: string): string {
  const file = join(dir, `web-${++n}.yml`);
  writeFileSync(file, text);
  return file;
}

async function loadError(text: string): Promise<WebConfigError & { file: string }> {
  const file = writeConfig(text);
  try {
    await loadWebConfigFile(file);
  } catch (err) {
    if (err instanceof WebConfigError) return Object.assign(err, { file });
    throw err;
  }
  throw new Error('expected a WebConfigError');
}

describe('valid web configs', () => {
  test('an empty file: plain HTTP, no users, no headers', async () => {
    const web = await loadWebConfigFile(writeConfig(''));
    expect(web.tls).toBeUndefined();
    expect(web.users.size).toBe(0);
    expect(web.headers).toEqual({});
    expect(web.warnings).toEqual([]);
  });

  test('basic_auth_users with $2a$, $2b$ and $2y$ hashes (htpasswd writes $2y$)', async () => {
    const b = ALICE_HASH.replace(/^\$2b\$/, '$2b$');
    const y = ALICE_HASH.replace(/^\$2b\$/, '$2y$');
    const a = ALICE_HASH.replace(/^\$2b\$/, '$2a$');
    const web = await loadWebConfigFile(writeConfig(`basic_auth_users:\n  alice: '${b}'\n  bob: '${y}'\n  carol: '${a}'\n`));
    expect([...web.users.entries()]).toEqual([['alice', b], ['bob', y], ['carol', a]]);
    expect(web.tls).toBeUndefined();
  });

  test('TLS with files relative to the web config\'s directory', async () => {
    const web = await loadWebConfigFile(writeConfig('tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/server.key\n'));
    expect(web.tls).toBeDefined();
    const tls = web.tls!;
    expect(tls.clientAuth).toBe('NoClientCert');
    expect(tls.context.cert).toBe(pki.read(pki.serverCert));
    expect(tls.context.key).toBe(pki.read(pki.serverKey));
    expect(tls.context.ca).toBeUndefined();
    expect(tls.context.minVersion).toBe('TLSv1.2');
    expect(tls.context.maxVersion).toBe('TLSv1.3');
    expect(tls.context.honorCipherOrder).toBe(true);
    expect(tls.certificate.subject).toBe('CN=localhost');
    expect(tls.certificate.fingerprint256).toBe(new X509Certificate(pki.read(pki.serverCert)).fingerprint256);
    expect(web.warnings).toEqual([]);
  });

  test('mTLS: RequireAndVerifyClientCert with a client CA, allowed SANs, TLS 1.3 only, curves', async () => {
    const web = await loadWebConfigFile(writeConfig(`tls_server_config:
  cert_file: ${pki.serverCert}
  key_file: ${pki.serverKey}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ${pki.caCert}
  client_allowed_sans: [prometheus.example]
  min_version: TLS13
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: false
`));
    const tls = web.tls!;
    expect(tls.clientAuth).toBe('RequireAndVerifyClientCert');
    expect(tls.context.ca).toBe(pki.read(pki.caCert));
    expect(tls.allowedSans).toEqual(['prometheus.example']);
    expect(tls.context.minVersion).toBe('TLSv1.3');
    expect(tls.context.ecdhCurve).toBe('X25519:P-256');
    expect(tls.context.honorCipherOrder).toBe(false);
  });

  test('inline cert, key and client_ca (PEM text in the file)', async () => {
    const indent = (pem: string) => pem.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
    const web = await loadWebConfigFile(writeConfig(`tls_server_config:
  cert: |
${indent(pki.read(pki.serverCert))}
  key: |
${indent(pki.read(pki.serverKey))}
  client_ca: |
${indent(pki.read(pki.caCert))}
  client_auth_type: VerifyClientCertIfGiven
`));
    expect(web.tls!.context.cert).toBe(pki.read(pki.serverCert));
    expect(web.tls!.context.key).toBe(pki.read(pki.serverKey));
    expect(web.tls!.clientAuth).toBe('VerifyClientCertIfGiven');
  });

  test('response headers; blank ones are unset', async () => {
    const web = await loadWebConfigFile(writeConfig(`http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
    Content-Security-Policy: "default-src 'self'"
    Strict-Transport-Security: ""
`));
    expect(web.headers).toEqual({ 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'self'" });
  });

  test('an expired certificate loads, with a warning', async () => {
    const later = new Date(Date.now() + 30 * 86_400_000);
    const web = await loadWebConfigFile(writeConfig(`tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n`), later);
    const expiry = new X509Certificate(pki.read(pki.serverCert)).validTo;
    expect(web.tls!.certificate.validTo).toBe(new Date(expiry).toISOString());
    expect(web.warnings).toEqual([`tls_server_config.cert_file: the certificate expired on ${new Date(expiry).toISOString()}`]);
  });

  test('exporter-toolkit options that are not implemented are accepted with a warning each', async () => {
    const web = await loadWebConfigFile(writeConfig(`tls_server_config:
  cert_file: ${pki.serverCert}
  key_file: ${pki.serverKey}
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
http_server_config:
  http2: true
rate_limit:
  interval: 1s
  burst: 10
`));
    expect(web.warnings).toEqual([
      'http_server_config.http2 is not implemented: HTTP/1.1 is served',
      'rate_limit is not implemented and is ignored: rate-limit at a reverse proxy if needed',
      "tls_server_config.cipher_suites is not implemented and is ignored: OpenSSL's default TLS 1.2 suites (all with forward secrecy) are offered",
    ]);
    expect(web.tls).toBeDefined();
  });
});

describe('invalid web configs: the error names the key', () => {
  const tls = (extra: string) => `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n${extra}`;

  test.each<[string, () => string, string]>([
    ['unknown top-level key', () => 'basic_auth:\n  alice: x\n', 'basic_auth: unknown key'],
    ['unknown TLS key', () => tls('  client_cert_file: x\n'), 'tls_server_config.client_cert_file: unknown key'],
    ['unknown header', () => 'http_server_config:\n  headers:\n    X-Powered-By: me\n', 'http_server_config.headers.X-Powered-By: unknown key'],
    ['bad client_auth_type', () => tls('  client_auth_type: Require\n'),
      'tls_server_config.client_auth_type: must be one of "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"'],
    ['TLS 1.0', () => tls('  min_version: TLS10\n'), 'tls_server_config.min_version: must be one of "TLS12", "TLS13"'],
    ['min above max', () => tls('  min_version: TLS13\n  max_version: TLS12\n'), 'tls_server_config.min_version: TLS13 is above max_version TLS12'],
    ['unknown curve', () => tls('  curve_preferences: [P256]\n'), 'tls_server_config.curve_preferences[0]: must be one of "CurveP256", "CurveP384", "CurveP521", "X25519"'],
    ['missing key_file', () => `tls_server_config:\n  cert_file: ${pki.serverCert}\n`, 'tls_server_config.key_file: required (or key)'],
    ['missing cert_file', () => `tls_server_config:\n  key_file: ${pki.serverKey}\n`, 'tls_server_config.cert_file: required (or cert)'],
    ['cert and cert_file', () => tls('  cert: x\n'), 'tls_server_config: cert and cert_file are mutually exclusive'],
    ['unreadable key_file', () => `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: /nonexistent/tls.key\n`,
      'tls_server_config.key_file: cannot read "/nonexistent/tls.key": ENOENT'],
    ['a key as cert_file', () => `tls_server_config:\n  cert_file: ${pki.serverKey}\n  key_file: ${pki.serverKey}\n`,
      'tls_server_config.cert_file: no PEM certificate (-----BEGIN CERTIFICATE-----) found'],
    ['a certificate as key_file', () => `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverCert}\n`,
      'tls_server_config.key_file: not a PEM private key (or it is encrypted: the key must not need a passphrase)'],
    ['key of another certificate', () => `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.server2Key}\n`,
      'tls_server_config.key_file: does not match the certificate in tls_server_config.cert_file'],
    ['client CA without a policy', () => tls(`  client_ca_file: ${pki.caCert}\n`),
      'tls_server_config.client_ca_file: set, but client_auth_type is NoClientCert (use RequireAndVerifyClientCert to verify client certificates)'],
    ['verification without a CA', () => tls('  client_auth_type: RequireAndVerifyClientCert\n'),
      'tls_server_config.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert'],
    ['SANs without a required certificate', () => tls(`  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ${pki.caCert}\n  client_allowed_sans: [a]\n`),
      'tls_server_config.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert'],
    ['a server key as client CA', () => tls(`  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.serverKey}\n`),
      'tls_server_config.client_ca_file: no PEM certificate (-----BEGIN CERTIFICATE-----) found'],
    ['user name with a colon', () => `basic_auth_users:\n  "a:b": '${ALICE_HASH}'\n`, 'basic_auth_users: user names must be non-empty and contain no ":"'],
    ['hash not a string', () => 'basic_auth_users:\n  alice: 12345\n', 'basic_auth_users.alice: expected a bcrypt hash (a string)'],
    ['bad X-Frame-Options', () => 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', 'http_server_config.headers.X-Frame-Options: must be deny or sameorigin'],
    ['header with a line break', () => 'http_server_config:\n  headers:\n    Content-Security-Policy: "a\\r\\nSet-Cookie: x"\n',
      'http_server_config.headers.Content-Security-Policy: contains control characters'],
    ['YAML syntax', () => 'basic_auth_users:\n  alice: [\n', 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:'],
    ['duplicate key', () => `basic_auth_users:\n  alice: '${ALICE_HASH}'\n  alice: '${ALICE_HASH}'\n`, 'YAML: Map keys must be unique at line 3, column 3:'],
  ])('%s', async (_what, text, problem) => {
    const err = await loadError(text());
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([problem]);
    expect(err.message).toBe(`web.config.file: ${err.file}: ${problem}`);
  });

  test('a missing file', async () => {
    await expect(loadWebConfigFile(join(dir, 'absent.yml'))).rejects.toThrow(`web.config.file: ${join(dir, 'absent.yml')}: file does not exist`);
  });

  test('all problems at once', async () => {
    const err = await loadError(`tls_server_config:\n  cert_file: /nonexistent/c.pem\n  key_file: /nonexistent/k.pem\n  client_auth_type: RequireAndVerifyClientCert\n`);
    expect(err.problems).toEqual([
      'tls_server_config.cert_file: cannot read "/nonexistent/c.pem": ENOENT',
      'tls_server_config.key_file: cannot read "/nonexistent/k.pem": ENOENT',
      'tls_server_config.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert',
    ]);
  });
});

describe('secrets never appear in errors', () => {
  test('a bad bcrypt hash is named by its user, never shown', async () => {
    const almost = ALICE_HASH.slice(0, 50);
    const err = await loadError(`basic_auth_users:\n  alice: '${almost}'\n  bob: '${ALICE_HASH}'\n`);
    expect(err.problems).toEqual(['basic_auth_users.alice: not a bcrypt hash (expected $2a$, $2b$ or $2y$, a cost of 04–31 and 53 characters, e.g. from htpasswd -nBC 10 "")']);
    expect(err.message).not.toContain(almost.slice(7));
    expect(err.message).not.toContain(ALICE_HASH.slice(7));
  });

  test('a corrupt private key: the error quotes none of it', async () => {
    const body = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET';
    const keyFile = join(dir, 'corrupt.key');
    writeFileSync(keyFile, `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`);
    const err = await loadError(`tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${keyFile}\n`);
    expect(err.problems).toEqual(['tls_server_config.key_file: not a PEM private key (or it is encrypted: the key must not need a passphrase)']);
    expect(err.message).not.toContain('SECRET');
    expect(err.message).not.toContain(body.slice(0, 20));
  });

  test('an inline key with a YAML error is not echoed', async () => {
    const key = pki.read(pki.serverKey);
    const secretLine = key.split('\n')[1];
    const err = await loadError(`tls_server_config:\n  key: "${key.replace(/\n/g, ' ')}\n  cert_file: x\n`);
    expect(err.problems.length).toBe(1);
    expect(err.problems[0]).toMatch(/^YAML: /);
    expect(err.message).not.toContain(secretLine);
  });
});

test('isBcryptHash', () => {
  expect(isBcryptHash(ALICE_HASH)).toBe(true);
  expect(isBcryptHash(ALICE_HASH.replace('$04$', '$03$'))).toBe(false);
  expect(isBcryptHash(ALICE_HASH.replace('$04$', '$32$'))).toBe(false);
  expect(isBcryptHash(ALICE_HASH.replace('$2b$', '$2x$'))).toBe(false);
  expect(isBcryptHash(ALICE_HASH + 'a')).toBe(false);
  expect(isBcryptHash('{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=')).toBe(false);
});

describe('reload compatibility', () => {
  const withTls = (clientAuth: ClientAuthType): WebSettings => ({
    ...PLAIN_WEB_SETTINGS,
    tls: { context: {}, clientAuth, certificate: { subject: 'CN=x', validTo: '', fingerprint256: '' } },
  });

  test.each<[string, WebSettings, WebSettings, string | undefined]>([
    ['plain → plain', PLAIN_WEB_SETTINGS, PLAIN_WEB_SETTINGS, undefined],
    ['TLS → TLS, same policy', withTls('NoClientCert'), withTls('NoClientCert'), undefined],
    ['plain → TLS', PLAIN_WEB_SETTINGS, withTls('NoClientCert'),
      'switching between plain HTTP and TLS needs a restart (now plain HTTP); the running web configuration stays in force'],
    ['TLS → plain', withTls('NoClientCert'), PLAIN_WEB_SETTINGS,
      'switching between plain HTTP and TLS needs a restart (now TLS); the running web configuration stays in force'],
    ['client auth changes', withTls('NoClientCert'), withTls('RequireAndVerifyClientCert'),
      'tls_server_config.client_auth_type: changing NoClientCert to RequireAndVerifyClientCert needs a restart; the running web configuration stays in force'],
  ])('%s', (_what, running, next, expected) => {
    expect(restartRequired(running, next)).toBe(expected);
  });
});

describe('client certificate policy', () => {
  test.each<[ClientAuthType, boolean, boolean]>([
    ['NoClientCert', false, false],
    ['RequestClientCert', true, false],
    ['RequireAnyClientCert', true, false],
    ['VerifyClientCertIfGiven', true, false],
    ['RequireAndVerifyClientCert', true, true],
  ])('Node options for %s', (auth, requestCert, rejectUnauthorized) => {
    expect(nodeClientAuthOptions(auth)).toEqual({ requestCert, rejectUnauthorized });
  });

  const none = { present: false, authorized: false };
  const unverified = { present: true, authorized: false, subjectAltName: 'DNS:prometheus.example' };
  const verified = { present: true, authorized: true, subjectAltName: 'DNS:prometheus.example, IP Address:0:0:0:0:0:0:0:1' };
  test.each<[ClientAuthType, string[] | undefined, typeof verified | typeof none, string | undefined]>([
    ['NoClientCert', undefined, none, undefined],
    ['RequestClientCert', undefined, unverified, undefined],
    ['RequireAnyClientCert', undefined, none, 'no client certificate'],
    ['RequireAnyClientCert', undefined, unverified, undefined],
    ['VerifyClientCertIfGiven', undefined, none, undefined],
    ['VerifyClientCertIfGiven', undefined, unverified, 'client certificate not signed by client_ca'],
    ['VerifyClientCertIfGiven', undefined, verified, undefined],
    ['RequireAndVerifyClientCert', undefined, none, 'no client certificate'],
    ['RequireAndVerifyClientCert', undefined, unverified, 'client certificate not signed by client_ca'],
    ['RequireAndVerifyClientCert', undefined, verified, undefined],
    ['RequireAndVerifyClientCert', ['prometheus.example'], verified, undefined],
    ['RequireAndVerifyClientCert', ['::1'], verified, undefined],
    ['RequireAndVerifyClientCert', ['other.example', 'prometheus'], verified, 'client certificate SANs not in client_allowed_sans'],
    ['RequireAnyClientCert', ['prometheus.example'], unverified, undefined],
    ['RequireAnyClientCert', ['other.example'], unverified, 'client certificate SANs not in client_allowed_sans'],
  ])('%s, allowed SANs %j, peer %j', (clientAuth, allowedSans, peer, expected) => {
    expect(clientCertificateProblem({ clientAuth, allowedSans }, peer)).toBe(expected);
  });

  test.each<[string, { type: string; value: string }[]]>([
    ['', []],
    ['DNS:localhost', [{ type: 'DNS', value: 'localhost' }]],
    ['DNS:localhost, IP Address:127.0.0.1, email:ops@example.com, URI:spiffe://example.com/prom',
      [{ type: 'DNS', value: 'localhost' }, { type: 'IP Address', value: '127.0.0.1' }, { type: 'email', value: 'ops@example.com' }, { type: 'URI', value: 'spiffe://example.com/prom' }]],
    // Node quotes values with special characters: the comma does not start a forged entry.
    ['URI:"http://a, DNS:prometheus.example", DNS:b', [{ type: 'URI', value: 'http://a, DNS:prometheus.example' }, { type: 'DNS', value: 'b' }]],
  ])('parseSubjectAltName(%j)', (text, expected) => {
    expect(parseSubjectAltName(text)).toEqual(expected);
  });
});
