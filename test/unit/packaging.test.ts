// Packaging for real hosts: the systemd unit's hardening (parsed here, and
// checked by the real systemd-analyze: `verify` and the offline `security`
// score), the Docker image's non-root user and open health check, and the
// example web config, which must load as shipped once its certificate paths
// point at real files.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEALTH_PATH } from '../../src/healthcheck';
import { OPEN_PATHS } from '../../src/web/server';
import { loadWebConfigFile } from '../../src/web/web-config';
import { makeTestPki } from '../fixtures/tls/make-certs';
import { REPO_ROOT } from '../helpers/exporter-process';
import { requireTool } from '../helpers/tools';
import { tempDir } from '../helpers/tmp';

const UNIT = 'packaging/systemd/mail-reputation-exporter.service';
const read = (rel: string) => readFileSync(join(REPO_ROOT, rel), 'utf8');
const dir = tempDir('mailrep-packaging-');

type Unit = Map<string, [string, string][]>;

/** systemd unit-file syntax: [Section], Key=Value, `#`/`;` comments, `\` continuations; keys may repeat. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: [string, string][] | undefined;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = [];
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 1) throw new Error(`not a unit-file line: ${line}`);
    section.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim().replace(/\s+/g, ' ')]);
  }
  return unit;
}

describe('systemd unit', () => {
  const unit = parseUnit(read(UNIT));
  const service = unit.get('Service')!;
  const values = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);
  const value = (key: string) => {
    const all = values(key);
    if (all.length !== 1) throw new Error(`${key}: expected one setting, found ${all.length}`);
    return all[0];
  };

  test('has the Unit, Service and Install sections', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.get('Install')).toEqual([['WantedBy', 'multi-user.target']]);
  });

  test('runs the built entry point with the config under its ConfigurationDirectory; reload is SIGHUP', () => {
    const pkg = JSON.parse(read('package.json')) as { main: string };
    expect(value('ExecStart')).toBe(`/usr/bin/node /opt/mail-reputation-exporter/${pkg.main} --config.file=/etc/mail-reputation-exporter/mail-reputation-exporter.yml`);
    expect(value('ConfigurationDirectory')).toBe('mail-reputation-exporter');
    expect(value('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(value('Type')).toBe('simple');
    expect(value('Restart')).toBe('on-failure');
  });

  test.each([
    ['DynamicUser', 'yes'],
    ['SupplementaryGroups', 'adm'],
    ['StateDirectory', 'mail-reputation-exporter'],
    ['ProtectSystem', 'strict'],
    ['ReadOnlyPaths', '/var/log'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['PrivateDevices', 'yes'],
    ['NoNewPrivileges', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['AmbientCapabilities', ''],
    ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX AF_NETLINK'],
    ['SystemCallArchitectures', 'native'],
    ['ProtectKernelTunables', 'yes'],
    ['ProtectKernelModules', 'yes'],
    ['ProtectControlGroups', 'yes'],
    ['RestrictNamespaces', 'yes'],
    ['LockPersonality', 'yes'],
    ['UMask', '0077'],
    ['MemoryMax', '512M'],
    ['TasksMax', '64'],
  ])('%s=%s', (key, expected) => {
    expect(value(key)).toBe(expected);
  });

  test('system calls: @system-service without @privileged and @resources; V8 keeps its JIT', () => {
    expect(values('SystemCallFilter')).toEqual(['@system-service', '~@privileged @resources']);
    // MemoryDenyWriteExecute=yes kills node at start.
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
    // Nothing writable but the state directory.
    expect(values('ReadWritePaths')).toEqual([]);
  });

  test('systemd-analyze verify finds nothing to complain about', () => {
    const res = spawnSync(requireTool('systemd-analyze'), ['verify', join(REPO_ROOT, UNIT)], { encoding: 'utf8' });
    expect(res.stderr + res.stdout).toBe('');
    expect(res.status).toBe(0);
  });

  /** systemd-analyze's overall exposure, 0.0 (locked down) … 10.0 (unprotected). */
  function exposure(file: string): number {
    const res = spawnSync(requireTool('systemd-analyze'), ['security', '--offline=yes', '--no-pager', file], { encoding: 'utf8' });
    const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(res.stdout + res.stderr);
    if (!m) throw new Error(`no exposure level in: ${res.stdout}${res.stderr}`);
    return Number(m[1]);
  }

  test('systemd-analyze security rates it at most 2.0 ("OK"); without the hardening it would not be', () => {
    expect(exposure(join(REPO_ROOT, UNIT))).toBeLessThanOrEqual(2.0);
    // The same unit with only its [Unit], ExecStart and [Install] lines: the check can fail.
    const bare = join(dir, 'mail-reputation-exporter.service');
    writeFileSync(bare, `[Unit]\nDescription=x\n\n[Service]\nExecStart=${value('ExecStart')}\n\n[Install]\nWantedBy=multi-user.target\n`);
    expect(exposure(bare)).toBeGreaterThan(8.0);
  });
});

describe('Docker image', () => {
  const instructions = read('Dockerfile').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const finalStage = instructions.slice(instructions.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));

  test('the final stage runs as a non-root user', () => {
    const users = finalStage.filter((l) => /^USER\s/i.test(l)).map((l) => l.slice(5).trim());
    expect(users.length).toBe(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
  });

  test('the HEALTHCHECK runs the bundled health-check program on the default port; it probes a path that stays open with basic auth', () => {
    const check = finalStage.find((l) => /^HEALTHCHECK\s/i.test(l));
    expect(check).toBeDefined();
    const argv = JSON.parse(/CMD\s+(\[.*\])$/.exec(check!)![1]) as string[];
    expect(argv).toEqual(['node', 'dist/src/healthcheck.js', '127.0.0.1:9798']);
    expect(finalStage).toContain('COPY --from=build /src/dist/src ./dist/src');
    expect(HEALTH_PATH).toBe('/-/healthy');
    expect(OPEN_PATHS.has(HEALTH_PATH)).toBe(true);
  });
});

test('examples/web-config.yml loads as shipped (certificate paths pointed at real files)', async () => {
  mkdirSync(join(dir, 'pki'));
  const pki = makeTestPki(join(dir, 'pki'));
  const text = read('examples/web-config.yml')
    .replace('/etc/mail-reputation-exporter/tls/server.crt', pki.serverCert)
    .replace('/etc/mail-reputation-exporter/tls/server.key', pki.serverKey);
  const file = join(dir, 'web-config.yml');
  writeFileSync(file, text);
  const web = await loadWebConfigFile(file);
  expect(web.tls?.clientAuth).toBe('NoClientCert');
  expect(web.tls?.context.minVersion).toBe('TLSv1.2');
  expect([...web.users.keys()]).toEqual(['prometheus']);
  expect(web.headers).toEqual({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'deny' });
  expect(web.warnings).toEqual([]);
});
