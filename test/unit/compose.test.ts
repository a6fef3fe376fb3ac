// The compose stack, checked statically (no Docker engine on the test
// machine): docker-compose.yml parses and every file it mounts exists, the
// services find each other, Prometheus' and Alertmanager's configs pass
// promtool / amtool, the Dockerfile is multi-stage and runs the compiled JS as
// a non-root user, unbound is a recursive resolver without forwarding, and the
// exporter's compose config is valid and points its DNSBL checks at unbound.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseDocument, parse } from 'yaml';
import { loadConfigFile } from '../../src/config/load';
import { REPO_ROOT, amtool, promtool, ruleFiles } from '../helpers/prom-stack';
import { tempDir } from '../helpers/tmp';

const read = (rel: string) => readFileSync(join(REPO_ROOT, rel), 'utf8');

function parseYamlStrict(rel: string): unknown {
  const doc = parseDocument(read(rel), { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${rel}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS();
}

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[] | string;
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  group_add?: string[];
  networks?: Record<string, { ipv4_address?: string } | null> | string[];
  depends_on?: string[];
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
  volumes: Record<string, unknown>;
}

interface Mount { source: string; target: string; readOnly: boolean; bind: boolean }

/** Short volume syntax `SOURCE:TARGET[:ro]`; a bind mount's source starts with . or /. */
export function parseMount(spec: string): Mount {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`volume "${spec}" is not SOURCE:TARGET[:MODE]`);
  const [source, target, mode] = parts;
  return { source, target, readOnly: mode === 'ro', bind: source.startsWith('.') || source.startsWith('/') };
}

/** Where a path inside a service's container comes from on the host (repo-relative for ./ binds). */
function hostPathOf(service: Service, containerPath: string): { mount: Mount; hostPath: string } | undefined {
  const mounts = (service.volumes ?? []).map(parseMount).sort((a, b) => b.target.length - a.target.length);
  for (const m of mounts) {
    if (containerPath === m.target || containerPath.startsWith(m.target + '/')) {
      return { mount: m, hostPath: m.source + containerPath.slice(m.target.length) };
    }
  }
  return undefined;
}

/** .dockerignore patterns (the subset used here: names, `*`, `**`/) against a context path. */
export function dockerIgnored(patterns: string[], path: string): boolean {
  const toRegex = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?')}$`);
  const parts = path.split('/');
  return patterns.some((p) => {
    const re = toRegex(p.replace(/^\//, ''));
    for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) return true;
    return false;
  });
}

/** Dockerfile instructions with continuation lines joined. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => { const sp = l.indexOf(' '); return { op: l.slice(0, sp).toUpperCase(), args: l.slice(sp + 1).trim() }; });
}

const compose = parseYamlStrict('docker-compose.yml') as Compose;
const svc = (name: string) => compose.services[name];

describe('docker-compose.yml', () => {
  test('parses (unique keys) and has the five services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'exporter', 'grafana', 'prometheus', 'unbound']);
  });

  test('images are pinned to versions; built services have a Dockerfile', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image).toMatch(/:v?\d+\.\d+\.\d+$/);
      if (s.build !== undefined) {
        const context = typeof s.build === 'string' ? s.build : s.build.context;
        expect(existsSync(join(REPO_ROOT, context, 'Dockerfile'))).toBe(true);
      } else {
        expect(['prometheus', 'alertmanager', 'grafana']).toContain(name);
      }
    }
    expect(svc('exporter').build).toBe('.');
    expect(svc('unbound').build).toBe('./unbound');
  });

  test('every bind-mounted file exists, config mounts are read-only, named volumes are declared', () => {
    let binds = 0;
    for (const [name, s] of Object.entries(compose.services)) {
      for (const spec of s.volumes ?? []) {
        const m = parseMount(spec);
        expect(m.target.startsWith('/')).toBe(true);
        if (!m.bind) { expect(Object.keys(compose.volumes)).toContain(m.source); continue; }
        binds++;
        if (m.source.startsWith('/')) {
          // Host paths: only the logs, read-only.
          expect(`${name}:${spec}`).toBe('exporter:/var/log:/host/var/log:ro');
          continue;
        }
        expect(m.readOnly).toBe(true);
        expect(existsSync(join(REPO_ROOT, m.source))).toBe(true);
      }
    }
    // exporter 2, unbound 1, prometheus 2, alertmanager 1, grafana 2.
    expect(binds).toBe(8);
    expect(Object.keys(compose.volumes).sort()).toEqual(['alertmanager-data', 'exporter-state', 'grafana-data', 'prometheus-data']);
  });

  test('web ports are published on localhost only, and no secret is in the file', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.sort()).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:9090:9090', '127.0.0.1:9093:9093', '127.0.0.1:9798:9798']);
    expect(svc('grafana').environment!.GF_SECURITY_ADMIN_PASSWORD).toBe('${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}');
    for (const s of Object.values(compose.services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) if (/password|secret|token|key/i.test(k)) expect(v).toMatch(/^\$\{[A-Z_]+:\?/);
    }
  });

  test('the exporter reads the mail and firewall logs through a read-only mount, with the adm group', () => {
    const e = svc('exporter');
    expect(e.volumes).toContain('/var/log:/host/var/log:ro');
    expect(e.group_add).toEqual(['4']);
  });
});

describe('the exporter in compose', () => {
  const e = svc('exporter');
  const configArg = (e.command as string[]).find((a) => a.startsWith('--config.file='))!;
  const configPath = configArg.slice('--config.file='.length);
  const configHost = hostPathOf(e, configPath)!;

  test('its config is the mounted examples/compose file, and valid', async () => {
    expect(configHost.hostPath).toBe('./examples/compose/mail-reputation-exporter.yml');
    const loaded = await loadConfigFile(join(REPO_ROOT, configHost.hostPath), true);
    expect(loaded.config.web.listen_address).toBe('0.0.0.0:9798');
  });

  test('dnsbl.resolvers is the unbound service, mail and egress logs come from the read-only mount, positions from the volume', async () => {
    const { config } = await loadConfigFile(join(REPO_ROOT, configHost.hostPath), true);
    const unbound = (svc('unbound').networks as Record<string, { ipv4_address: string }>).mailrep.ipv4_address;
    expect(config.dnsbl.resolvers).toEqual([{ host: unbound, port: 53 }]);
    const subnet = compose.networks.mailrep.ipam!.config![0].subnet;
    expect(subnet).toBe('172.28.53.0/24');
    expect(unbound.startsWith('172.28.53.')).toBe(true);
    const logs = [...(config.mail.sources ?? []), ...config.egress.sources];
    expect(logs.map((s) => s.path)).toEqual(['/host/var/log/mail.log', '/host/var/log/kern.log']);
    for (const s of logs) {
      expect(hostPathOf(e, s.path)!.mount).toMatchObject({ source: '/var/log', readOnly: true });
      expect(hostPathOf(e, s.state_file!)!.mount).toMatchObject({ source: 'exporter-state', bind: false });
    }
  });
});

describe('prometheus/prometheus.yml', () => {
  const p = svc('prometheus');
  const prom = parseYamlStrict('prometheus/prometheus.yml') as {
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  const dir = tempDir('mailrep-compose-');

  test('its rule_files glob, through the compose mount, is exactly the shipped rule files', () => {
    expect(prom.rule_files).toHaveLength(1);
    const mapped = hostPathOf(p, posix.dirname(prom.rule_files[0]))!;
    expect(mapped.mount).toMatchObject({ source: './alerts', readOnly: true });
    const pattern = new RegExp(`^${posix.basename(prom.rule_files[0]).replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
    const matched = readdirSync(join(REPO_ROOT, mapped.hostPath)).filter((f) => pattern.test(f)).map((f) => join(REPO_ROOT, mapped.hostPath, f)).sort();
    expect(matched).toEqual(ruleFiles());
  });

  test('promtool check config passes on a copy whose rule_files point at alerts/', () => {
    const copy = join(dir, 'prometheus.yml');
    writeFileSync(copy, read('prometheus/prometheus.yml').replace(prom.rule_files[0], join(REPO_ROOT, 'alerts', posix.basename(prom.rule_files[0]))));
    const r = promtool(['check', 'config', copy]);
    expect(r.output).toContain('SUCCESS: 4 rule files found');
    expect([...r.output.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((n, m) => n + Number(m[1]), 0)).toBe(32);
    expect(r.status).toBe(0);
  });

  test('it scrapes the exporter as job mail-reputation and alerts through the alertmanager service', () => {
    const job = prom.scrape_configs.find((s) => s.job_name === 'mail-reputation')!;
    expect(job.static_configs[0].targets).toEqual(['exporter:9798']);
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    expect(p.volumes).toContain('./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(p.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  test('Grafana\'s data source interval matches the scrape interval', () => {
    const ds = parse(read('grafana/provisioning/datasources/datasources.yml')) as { datasources: { jsonData?: { timeInterval?: string } }[] };
    const global = (parseYamlStrict('prometheus/prometheus.yml') as { global: { scrape_interval: string } }).global;
    expect(ds.datasources[0].jsonData!.timeInterval).toBe(global.scrape_interval);
  });
});

describe('alertmanager/alertmanager.yml', () => {
  const file = join(REPO_ROOT, 'alertmanager', 'alertmanager.yml');

  test('amtool check-config passes', () => {
    const r = amtool(['check-config', file]);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).toContain('3 inhibit rules');
    expect(r.output).toContain('2 receivers');
    expect(r.status).toBe(0);
  });

  test.each([
    [['severity=critical', 'alertname=MailrepDnsblListed'], 'mail-oncall'],
    [['severity=critical', 'alertname=MailrepUserSendRateHigh', 'user=sam'], 'mail-oncall'],
    [['severity=warning', 'alertname=MailrepDnsblListUnhealthy'], 'mail-admins'],
  ])('routes %j to %s', (labels, receiver) => {
    const r = amtool(['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]);
    expect(r.output.split('\n').filter((l) => !l.startsWith('Warning'))).toEqual([receiver]);
    expect(r.status).toBe(0);
  });

  test('it is mounted where the compose command reads it', () => {
    expect(svc('alertmanager').volumes).toContain('./alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro');
    expect(svc('alertmanager').command).toContain('--config.file=/etc/alertmanager/alertmanager.yml');
  });
});

describe('grafana in compose', () => {
  const g = svc('grafana');

  test('provisioning and dashboards are mounted where Grafana and the provider look', () => {
    expect(hostPathOf(g, '/etc/grafana/provisioning/datasources')!.hostPath).toBe('./grafana/provisioning/datasources');
    const provider = parse(read('grafana/provisioning/dashboards/dashboards.yml')) as { providers: { options: { path: string } }[] };
    const dashboards = hostPathOf(g, provider.providers[0].options.path)!;
    expect(dashboards.hostPath).toBe('./grafana/dashboards');
    expect(readdirSync(join(REPO_ROOT, dashboards.hostPath)).filter((f) => f.endsWith('.json')).length).toBe(2);
    const home = hostPathOf(g, g.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)!;
    expect(statSync(join(REPO_ROOT, home.hostPath)).isFile()).toBe(true);
  });

  test('its data sources are compose services', () => {
    const ds = parse(read('grafana/provisioning/datasources/datasources.yml')) as { datasources: { url: string }[] };
    for (const d of ds.datasources) expect(Object.keys(compose.services)).toContain(new URL(d.url).hostname);
  });
});

describe('Dockerfile', () => {
  const steps = dockerInstructions(read('Dockerfile'));
  const ignore = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const froms = steps.map((s, i) => ({ ...s, i })).filter((s) => s.op === 'FROM');
  const final = steps.slice(froms[froms.length - 1].i);

  test('is multi-stage on pinned Node 20 images', () => {
    expect(froms).toHaveLength(2);
    expect(froms[0].args).toBe('node:20.20.2-bookworm-slim AS build');
    expect(froms[1].args).toBe('node:20.20.2-bookworm-slim');
    expect(final.filter((s) => s.op === 'COPY' && s.args.startsWith('--from=build')).length).toBe(3);
  });

  test('the final stage runs node dist/src/main.js as a non-root user and exposes 9798', () => {
    const users = final.filter((s) => s.op === 'USER').map((s) => s.args);
    expect(users).toEqual(['node']);
    expect(JSON.parse(final.find((s) => s.op === 'ENTRYPOINT')!.args)).toEqual(['node', 'dist/src/main.js']);
    expect(final.find((s) => s.op === 'EXPOSE')!.args).toBe('9798');
    // After USER nothing runs as root again.
    const userAt = final.findIndex((s) => s.op === 'USER');
    expect(final.slice(userAt).filter((s) => s.op === 'RUN')).toEqual([]);
    const pkg = JSON.parse(read('package.json')) as { main: string };
    expect(pkg.main).toBe('dist/src/main.js');
  });

  test('every file it copies from the context exists and is not excluded by .dockerignore', () => {
    const sources = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'examples']);
    for (const src of sources) {
      expect(existsSync(join(REPO_ROOT, src))).toBe(true);
      expect(dockerIgnored(ignore, src)).toBe(false);
    }
    for (const excluded of ['node_modules', 'src/x/node_modules', 'dist/src/main.js', 'test/unit/a.ts', '.git', 'a.log']) {
      expect(dockerIgnored(ignore, excluded)).toBe(true);
    }
  });
});

describe('unbound', () => {
  const conf = read('unbound/unbound.conf');
  const lines = conf.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  const clauses = lines.filter((l) => /^[a-z-]+:$/.test(l));
  const values = (key: string) => lines.filter((l) => l.startsWith(`${key}:`)).map((l) => l.slice(key.length + 1).trim().replace(/^"|"$/g, ''));

  test('is a recursive resolver without forwarding', () => {
    expect(clauses).toEqual(['server:', 'remote-control:']);
    expect(conf).not.toMatch(/^\s*(forward-zone|forward-addr|forward-host|stub-zone)\s*:/m);
    expect(values('interface')).toEqual(['0.0.0.0']);
    expect(values('port')).toEqual(['53']);
    expect(values('do-daemonize')).toEqual(['no']);
  });

  test('answers only loopback and the compose network', () => {
    const subnet = compose.networks.mailrep.ipam!.config![0].subnet;
    expect(values('access-control')).toEqual(['0.0.0.0/0 refuse', '127.0.0.0/8 allow', `${subnet} allow`]);
  });

  test('its image installs Debian\'s unbound and reads the mounted config', () => {
    const steps = dockerInstructions(read('unbound/Dockerfile'));
    expect(steps[0]).toEqual({ op: 'FROM', args: 'debian:12.11-slim' });
    expect(steps.find((s) => s.op === 'RUN')!.args).toContain('apt-get install -y --no-install-recommends unbound dns-root-data');
    expect(JSON.parse(steps.find((s) => s.op === 'CMD')!.args)).toEqual(['unbound', '-d', '-c', '/etc/unbound/unbound.conf']);
    expect(svc('unbound').volumes).toEqual(['./unbound/unbound.conf:/etc/unbound/unbound.conf:ro']);
  });
});
