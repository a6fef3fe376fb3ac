// The secure endpoint end to end: the real built exporter with a web config
// (exporter-toolkit format) — basic auth, TLS, mutual TLS, reloads of all
// three, request limits, and bad files at start — driven over real sockets
// with certificates made by openssl for this run.
import bcrypt from 'bcryptjs';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { REPO_ROOT, runExporter, sampleValue, startExporter, waitFor, type RunningExporter } from '../helpers/exporter-process';
import { freePort } from '../helpers/ports';
import { tempDir } from '../helpers/tmp';
import { makeTestPki, type TestPki } from '../fixtures/tls/make-certs';

const dir = tempDir('mailrep-secure-');
const CONFIG = join(dir, 'exporter.yml');
writeFileSync(CONFIG, 'dnsbl:\n  timeout: 1s\n');
let pki: TestPki;
beforeAll(() => {
  mkdirSync(join(dir, 'pki'));
  pki = makeTestPki(join(dir, 'pki'));
});

interface Reply { status: number; headers: IncomingHttpHeaders; body: string; peerFingerprint?: string }
interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send the body with Transfer-Encoding: chunked, in pieces of this size. */
  chunkSize?: number;
  ca?: string;
  cert?: string;
  key?: string;
}

/** One request on a fresh connection (no agent), plain or TLS by the URL's scheme. */
function request(url: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const common = { method: opts.method ?? 'GET', headers: opts.headers, agent: false as const };
    const req = u.protocol === 'https:'
      ? httpsRequest(u, { ...common, ca: opts.ca, cert: opts.cert, key: opts.key })
      : httpRequest(u, common);
    let peerFingerprint: string | undefined;
    req.on('socket', (socket) => {
      socket.once('secureConnect', () => { peerFingerprint = (socket as TLSSocket).getPeerCertificate().fingerprint256; });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, peerFingerprint }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined && opts.chunkSize) {
      for (let i = 0; i < opts.body.length; i += opts.chunkSize) req.write(opts.body.slice(i, i + opts.chunkSize));
    } else if (opts.body !== undefined) {
      req.setHeader('Content-Length', Buffer.byteLength(opts.body));
      req.write(opts.body);
    }
    req.end();
  });
}

/** The image's HEALTHCHECK program (dist/src/healthcheck.js) against an address: its exit code. */
function healthcheck(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'healthcheck.js'), new URL(url).host], { stdio: 'ignore' });
    proc.on('exit', (code) => resolve(code));
  });
}

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const fingerprint = (file: string) => new X509Certificate(pki.read(file)).fingerprint256;
const REALM = 'Basic realm="mail-reputation-exporter"';

let n = 0;
function writeWebConfig(text: string): string {
  const file = join(dir, `web-${++n}.yml`);
  writeFileSync(file, text);
  return file;
}

describe('basic auth', () => {
  const ALICE_OLD = bcrypt.hashSync('old-password', 4);
  const ALICE_NEW = bcrypt.hashSync('new-password', 4);
  const BAD_HASH = ALICE_NEW.slice(0, 40);
  const webConfig = join(dir, 'web-basic.yml');
  const usersYaml = (hash: string) => `basic_auth_users:\n  alice: '${hash}'\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n`;
  let exp: RunningExporter;
  let password = 'old-password';

  beforeAll(async () => {
    writeFileSync(webConfig, usersYaml(ALICE_OLD));
    exp = await startExporter([`--config.file=${CONFIG}`, `--web.config.file=${webConfig}`, '--log.level=debug'], {
      probeReady: async (url) => (await request(`${url}/-/ready`, { headers: basic('alice', password) })).status === 200,
    });
  });
  afterAll(async () => { await exp?.stop(); });

  test('/-/healthy is open', async () => {
    const r = await request(`${exp.url}/-/healthy`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('Healthy.\n');
  });

  test("the image's health check passes over plain HTTP with basic auth on, and fails when nothing listens", async () => {
    expect(await healthcheck(exp.url)).toBe(0);
    expect(await healthcheck(`http://127.0.0.1:${await freePort()}`)).toBe(1);
  });

  test.each([
    ['GET', '/metrics'], ['GET', '/METRICS'], ['GET', '/'], ['GET', '/-/ready'], ['GET', '/status'], ['GET', '/api/v1/status'],
    ['POST', '/-/reload'], ['GET', '/nope'],
  ])('%s %s without credentials: 401 with the realm', async (method, path) => {
    const r = await request(exp.url + path, { method });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(REALM);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.body).toBe('Unauthorized.\n');
  });

  test('wrong password, unknown user, other scheme: 401; the right password: 200', async () => {
    for (const headers of [basic('alice', 'wrong'), basic('mallory', 'old-password'), basic('', ''), { Authorization: 'Bearer old-password' }]) {
      const r = await request(`${exp.url}/metrics`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe(REALM);
    }
    const ok = await request(`${exp.url}/metrics`, { headers: basic('alice', 'old-password') });
    expect(ok.status).toBe(200);
    expect(sampleValue(ok.body, 'mailrep_config_last_reload_successful')).toBe(1);
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
  });

  test('a header block over 16 KiB: 431', async () => {
    const r = await request(`${exp.url}/metrics`, { headers: { ...basic('alice', 'old-password'), 'X-Padding': 'a'.repeat(17 * 1024) } });
    expect(r.status).toBe(431);
  });

  test('a body over 1 KiB on /-/reload: 413, by length or chunked; a small one is fine', async () => {
    const auth = basic('alice', 'old-password');
    const big = await request(`${exp.url}/-/reload`, { method: 'POST', headers: auth, body: 'x'.repeat(1025) });
    expect(big.status).toBe(413);
    expect(big.body).toBe('Request body too large (limit 1024 bytes).\n');
    const chunked = await request(`${exp.url}/-/reload`, { method: 'POST', headers: auth, body: 'y'.repeat(4096), chunkSize: 512 });
    expect(chunked.status).toBe(413);
    const small = await request(`${exp.url}/-/reload`, { method: 'POST', headers: auth, body: 'reload=1' });
    expect(small.status).toBe(200);
    expect(small.body).toBe('Configuration reloaded.\n');
  });

  test('reload with a changed password: the old one stops working at once, the new one works', async () => {
    writeFileSync(webConfig, usersYaml(ALICE_NEW));
    const r = await request(`${exp.url}/-/reload`, { method: 'POST', headers: basic('alice', 'old-password') });
    expect(r.status).toBe(200);
    password = 'new-password';
    expect((await request(`${exp.url}/metrics`, { headers: basic('alice', 'old-password') })).status).toBe(401);
    expect((await request(`${exp.url}/metrics`, { headers: basic('alice', 'new-password') })).status).toBe(200);
  });

  test('a broken web config on reload is rejected, names the key, hides the hash, and the running one stays', async () => {
    writeFileSync(webConfig, `basic_auth_users:\n  alice: '${BAD_HASH}'\n`);
    const r = await request(`${exp.url}/-/reload`, { method: 'POST', headers: basic('alice', 'new-password') });
    expect(r.status).toBe(500);
    expect(r.body).toBe(`Configuration reload failed: web.config.file: ${webConfig}: basic_auth_users.alice: not a bcrypt hash `
      + '(expected $2a$, $2b$ or $2y$, a cost of 04–31 and 53 characters, e.g. from htpasswd -nBC 10 "")\n');
    expect((await request(`${exp.url}/metrics`, { headers: basic('alice', 'old-password') })).status).toBe(401);
    const m = await request(`${exp.url}/metrics`, { headers: basic('alice', 'new-password') });
    expect(m.status).toBe(200);
    expect(sampleValue(m.body, 'mailrep_config_last_reload_successful')).toBe(0);
    expect(exp.output()).toContain('level=error msg="configuration reload rejected; keeping the running configuration" err="web.config.file: ');

    // Switching to TLS needs a restart: rejected too, still plain HTTP.
    writeFileSync(webConfig, `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n`);
    const tls = await request(`${exp.url}/-/reload`, { method: 'POST', headers: basic('alice', 'new-password') });
    expect(tls.status).toBe(500);
    expect(tls.body).toBe(`Configuration reload failed: web.config.file: ${webConfig}: switching between plain HTTP and TLS needs a restart (now plain HTTP); the running web configuration stays in force\n`);

    // Fixed, and SIGHUP: reloaded.
    writeFileSync(webConfig, usersYaml(ALICE_NEW));
    exp.proc.kill('SIGHUP');
    await waitFor('reload via SIGHUP', async () => {
      const res = await request(`${exp.url}/metrics`, { headers: basic('alice', 'new-password') });
      return sampleValue(res.body, 'mailrep_config_last_reload_successful') === 1;
    });
  });

  test('no password, hash or fragment of one is ever logged, even at debug', () => {
    const out = exp.output();
    expect(out).toContain('msg="web configuration loaded"');
    expect(out).toContain('basic_auth_users=1');
    for (const secret of ['old-password', 'new-password', ALICE_OLD.slice(7), ALICE_NEW.slice(7), BAD_HASH.slice(7), 'mallory']) {
      expect(out).not.toContain(secret);
    }
  });
});

describe('TLS', () => {
  const webConfig = join(dir, 'web-tls.yml');
  let exp: RunningExporter;
  let ca: string;

  beforeAll(async () => {
    ca = pki.read(pki.caCert);
    writeFileSync(webConfig, `tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/server.key\n`);
    exp = await startExporter([`--config.file=${CONFIG}`, `--web.config.file=${webConfig}`], {
      scheme: 'https',
      probeReady: async (url) => (await request(`${url}/-/ready`, { ca })).status === 200,
    });
  });
  afterAll(async () => { await exp?.stop(); });

  test('metrics over HTTPS with the generated certificate', async () => {
    const r = await request(`${exp.url}/metrics`, { ca });
    expect(r.status).toBe(200);
    expect(r.peerFingerprint).toBe(fingerprint(pki.serverCert));
    expect(sampleValue(r.body, 'mailrep_config_last_reload_successful')).toBe(1);
    expect(exp.output()).toMatch(/msg=listening address=127\.0\.0\.1:\d+ telemetry_path=\/metrics tls=true/);
    expect(exp.output()).toMatch(/msg="web configuration loaded" file=\S+ tls=true client_auth_type=NoClientCert certificate="CN=localhost" certificate_expires=\d{4}-\d\d-\d\dT[\d:.]+Z basic_auth_users=0/);
  });

  test("the image's health check passes once TLS is on (it tries HTTPS too)", async () => {
    expect(await healthcheck(exp.url)).toBe(0);
  });

  test('plain HTTP to the TLS port gets no HTTP answer; an unknown CA is refused by the client', async () => {
    await expect(request(exp.url.replace('https:', 'http:') + '/metrics')).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(request(`${exp.url}/metrics`)).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  });

  test('a renewed certificate on reload is served to new connections', async () => {
    writeFileSync(webConfig, `tls_server_config:\n  cert_file: pki/server2.crt\n  key_file: pki/server2.key\n`);
    const r = await request(`${exp.url}/-/reload`, { method: 'POST', ca });
    expect(r.status).toBe(200);
    expect(r.peerFingerprint).toBe(fingerprint(pki.serverCert));
    const after = await request(`${exp.url}/metrics`, { ca });
    expect(after.status).toBe(200);
    expect(after.peerFingerprint).toBe(fingerprint(pki.server2Cert));
    expect(after.peerFingerprint).not.toBe(fingerprint(pki.serverCert));
  });

  test('a key that does not match on reload is rejected; the running certificate stays', async () => {
    writeFileSync(webConfig, `tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/server2.key\n`);
    const r = await request(`${exp.url}/-/reload`, { method: 'POST', ca });
    expect(r.status).toBe(500);
    expect(r.body).toBe(`Configuration reload failed: web.config.file: ${webConfig}: tls_server_config.key_file: does not match the certificate in tls_server_config.cert_file\n`);
    const after = await request(`${exp.url}/metrics`, { ca });
    expect(after.peerFingerprint).toBe(fingerprint(pki.server2Cert));
    expect(sampleValue(after.body, 'mailrep_config_last_reload_successful')).toBe(0);
  });
});

describe('mutual TLS (RequireAndVerifyClientCert)', () => {
  const webConfig = join(dir, 'web-mtls.yml');
  const mtls = (sans: string) => `tls_server_config:
  cert_file: pki/server.crt
  key_file: pki/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: pki/ca.crt
  client_allowed_sans: [${sans}]
`;
  let exp: RunningExporter;
  let client: { ca: string; cert: string; key: string };

  beforeAll(async () => {
    client = { ca: pki.read(pki.caCert), cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) };
    writeFileSync(webConfig, mtls('prometheus.example'));
    exp = await startExporter([`--config.file=${CONFIG}`, `--web.config.file=${webConfig}`, '--log.level=debug'], {
      scheme: 'https',
      probeReady: async (url) => (await request(`${url}/-/ready`, client)).status === 200,
    });
  });
  afterAll(async () => { await exp?.stop(); });

  test('a valid client certificate: 200', async () => {
    const r = await request(`${exp.url}/metrics`, client);
    expect(r.status).toBe(200);
    expect(r.body).toContain('mailrep_build_info{');
  });

  test('no client certificate, or one from another CA: the handshake is refused, no HTTP answer', async () => {
    const required = { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' };
    await expect(request(`${exp.url}/metrics`, { ca: client.ca })).rejects.toMatchObject(required);
    await expect(request(`${exp.url}/-/healthy`, { ca: client.ca })).rejects.toMatchObject(required);
    await expect(request(`${exp.url}/metrics`, { ca: client.ca, cert: pki.read(pki.strangerCert), key: pki.read(pki.strangerKey) }))
      // Node verifies after the handshake and drops the connection.
      .rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  test("the image's health check cannot pass without a client certificate (documented: override HEALTHCHECK for mTLS)", async () => {
    expect(await healthcheck(exp.url)).toBe(1);
  });

  test('client_allowed_sans changes on reload apply to new connections', async () => {
    writeFileSync(webConfig, mtls('grafana.example'));
    const r = await request(`${exp.url}/-/reload`, { method: 'POST', ...client });
    expect(r.status).toBe(200);
    // Dropped right after the handshake, before a byte of HTTP.
    await expect(request(`${exp.url}/metrics`, client)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await waitFor('the rejection is logged', () => exp.output().includes('msg="TLS client rejected" remote=127.0.0.1 reason="client certificate SANs not in client_allowed_sans"'));
    // Switching the policy itself needs a restart.
    writeFileSync(webConfig, `tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/server.key\n`);
    exp.proc.kill('SIGHUP');
    await waitFor('the rejected reload is logged', () => exp.output().includes('tls_server_config.client_auth_type: changing RequireAndVerifyClientCert to NoClientCert needs a restart'));
    await expect(request(`${exp.url}/metrics`, { ca: client.ca })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
  });
});

describe('a bad web config at start', () => {
  const run = (webConfig: string, extra: string[] = []) =>
    runExporter([`--config.file=${CONFIG}`, `--web.config.file=${webConfig}`, '--web.listen-address=127.0.0.1:0', ...extra]);

  test('a corrupt key: exit 1, the key is named, none of its content is shown', async () => {
    const keyBody = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTOPSECRETKEYMATERIAL';
    writeFileSync(join(dir, 'corrupt.key'), `-----BEGIN PRIVATE KEY-----\n${keyBody}\n-----END PRIVATE KEY-----\n`);
    const file = writeWebConfig(`tls_server_config:\n  cert_file: pki/server.crt\n  key_file: corrupt.key\n`);
    const r = await run(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`level=error msg="cannot start" err="web.config.file: ${file}: tls_server_config.key_file: not a PEM private key (or it is encrypted: the key must not need a passphrase)"`);
    expect(r.stderr + r.stdout).not.toContain('TOPSECRET');
    expect(r.stderr + r.stdout).not.toContain(keyBody.slice(0, 16));
  });

  test('a missing key file: exit 1 with the path and ENOENT', async () => {
    const file = writeWebConfig(`tls_server_config:\n  cert_file: pki/server.crt\n  key_file: /nonexistent/tls.key\n`);
    const r = await run(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`err="web.config.file: ${file}: tls_server_config.key_file: cannot read \\"/nonexistent/tls.key\\": ENOENT"`);
  });

  test('a bad hash next to a good one: exit 1, the user is named, neither hash is shown', async () => {
    const good = bcrypt.hashSync('pw', 4);
    const bad = good.slice(0, 59) + '!';
    const file = writeWebConfig(`basic_auth_users:\n  alice: '${good}'\n  bob: '${bad}'\n`);
    const r = await run(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`err="web.config.file: ${file}: basic_auth_users.bob: not a bcrypt hash`);
    expect(r.stderr).not.toContain(good.slice(7, 40));
    expect(r.stderr).not.toContain('alice');
  });

  test('a missing web config file: exit 1', async () => {
    const r = await run(join(dir, 'absent.yml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`err="web.config.file: ${join(dir, 'absent.yml')}: file does not exist"`);
  });

  test('--check-config validates the web config too', async () => {
    const good = writeWebConfig(`tls_server_config:\n  cert_file: pki/server.crt\n  key_file: pki/server.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\nbasic_auth_users:\n  alice: '${bcrypt.hashSync('pw', 4)}'\n`);
    const ok = await runExporter([`--config.file=${CONFIG}`, `--web.config.file=${good}`, '--check-config']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`OK: ${CONFIG} is valid; web config ${good} is valid (TLS, client_auth_type NoClientCert, 1 basic-auth users)\n`);
    expect(ok.stderr).toBe(`warning: web.config.file: ${good}: tls_server_config.cipher_suites is not implemented and is ignored: OpenSSL's default TLS 1.2 suites (all with forward secrecy) are offered\n`);

    const bad = writeWebConfig('tls_server_config:\n  cert_file: pki/server.crt\n  keyfile: pki/server.key\n');
    const invalid = await runExporter([`--config.file=${CONFIG}`, `--web.config.file=${bad}`, '--check-config']);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe(`INVALID: web.config.file: ${bad}: tls_server_config.keyfile: unknown key\n`);
  });

  test('--help documents the flag', async () => {
    const r = await runExporter(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--web.config.file=VALUE\n      Web configuration file (Prometheus exporter-toolkit format)');
  });
});
