// The real built exporter as a child process, scraped over HTTP.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExporter, sampleValue, scrape, startExporter, waitFor, type RunningExporter } from '../helpers/exporter-process';
import { promtoolCheckMetrics } from '../helpers/tools';
import { tempDir } from '../helpers/tmp';

const dir = tempDir();
const VALID = 'dnsbl:\n  timeout: 1s\n';

describe('running exporter', () => {
  let exp: RunningExporter;
  const configFile = join(dir, 'running.yml');
  beforeAll(async () => {
    writeFileSync(configFile, VALID);
    exp = await startExporter([`--config.file=${configFile}`]);
  });
  afterAll(async () => { await exp?.stop(); });

  test('the start line says which V8 heap setting is in force', () => {
    expect(exp.output()).toMatch(/msg=starting .*v8="--heap-growing-percent=30"/);
  });

  test('/metrics is non-empty and passes promtool check metrics', async () => {
    const text = await scrape(exp.url);
    expect(text.split('\n').filter((l) => l && !l.startsWith('#')).length).toBeGreaterThan(20);
    const lint = promtoolCheckMetrics(text);
    expect(lint.output).toBe('');
    expect(lint.status).toBe(0);
  });

  test('build info and reload metrics', async () => {
    const text = await scrape(exp.url);
    expect(sampleValue(text, `mailrep_build_info{version="0.1.0",node_version="${process.version}"}`)).toBe(1);
    expect(sampleValue(text, 'mailrep_config_last_reload_successful')).toBe(1);
    const ts = sampleValue(text, 'mailrep_config_last_reload_success_timestamp_seconds')!;
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(120);
    expect(text).not.toMatch(/^nodejs_active_\w+_total/m);
  });

  test('health, readiness, landing page, 404 and reload method', async () => {
    expect((await fetch(exp.url + '/-/healthy')).status).toBe(200);
    expect((await fetch(exp.url + '/-/ready')).status).toBe(200);
    const landing = await fetch(exp.url + '/');
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('href="metrics"');
    expect((await fetch(exp.url + '/nope')).status).toBe(404);
    const get = await fetch(exp.url + '/-/reload');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  test('a broken config on reload is rejected and the old one keeps running', async () => {
    writeFileSync(configFile, 'dnsbl:\n  timeout: 1s\n  lists_typo: []\n');
    const res = await fetch(exp.url + '/-/reload', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('dnsbl.lists_typo: unknown key');
    const text = await scrape(exp.url);
    expect(sampleValue(text, 'mailrep_config_last_reload_successful')).toBe(0);
    expect(exp.output()).toMatch(/level=error msg="configuration reload rejected; keeping the running configuration" err=".*dnsbl.lists_typo: unknown key/);
    expect((await fetch(exp.url + '/-/ready')).status).toBe(200);

    // SIGHUP with a fixed file reloads successfully.
    writeFileSync(configFile, VALID);
    exp.proc.kill('SIGHUP');
    await waitFor('reload via SIGHUP', async () => sampleValue(await scrape(exp.url), 'mailrep_config_last_reload_successful') === 1);
  });

  test('SIGTERM stops gracefully with exit code 0', async () => {
    const code = await exp.stop('SIGTERM');
    expect(code).toBe(0);
    expect(exp.output()).toContain('msg="shutting down" signal=SIGTERM');
  });
});

describe('command line', () => {
  test('--check-config on a valid file exits 0', async () => {
    const f = join(dir, 'ok.yml');
    writeFileSync(f, VALID);
    const r = await runExporter([`--config.file=${f}`, '--check-config']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`OK: ${f} is valid\n`);
  });

  test('--check-config with an unknown key exits 1 and names the key path', async () => {
    const f = join(dir, 'bad.yml');
    writeFileSync(f, 'dnsbl:\n  lists: []\nmail:\n  sources:\n    - path: /var/log/mail.log\n      formt: postfix\n');
    const r = await runExporter([`--config.file=${f}`, '--check-config']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`INVALID: ${f}: mail.sources[0].formt: unknown key\n`);
  });

  test('a malformed MAILREP_HEAP_GROWING_PERCENT: exit 2 with the variable named, before anything starts', async () => {
    const f = join(dir, 'heap-env.yml');
    writeFileSync(f, VALID);
    const r = await runExporter([`--config.file=${f}`, '--web.listen-address=127.0.0.1:0'], { env: { MAILREP_HEAP_GROWING_PERCENT: 'fast' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mail-reputation-exporter: error: MAILREP_HEAP_GROWING_PERCENT: expected a whole number of percent (0 = V8\'s own choice), got "fast"\n');
  });

  test('an invalid config at start: exit 1, the key path in the log', async () => {
    const f = join(dir, 'bad-start.yml');
    writeFileSync(f, 'dnsbl:\n  concurrency: -3\n');
    const r = await runExporter([`--config.file=${f}`, '--web.listen-address=127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dnsbl.concurrency: Too small: expected number to be >=1');
  });

  test('a missing explicit config file is an error; a missing default one is not', async () => {
    const r = await runExporter([`--config.file=${join(dir, 'absent.yml')}`, '--check-config']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('file does not exist');
    const d = await runExporter(['--check-config'], { cwd: dir });
    expect(d.code).toBe(0);
    expect(d.stdout).toBe('OK: built-in defaults is valid\n');
  });

  test('--version, --help and a bad flag', async () => {
    expect((await runExporter(['--version'])).stdout).toMatch(/^mail-reputation-exporter 0\.1\.0 \(node v\d+/);
    const help = await runExporter(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--web.listen-address');
    const bad = await runExporter(['--web.listen-adress=:1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown flag --web.listen-adress');
  });

  test('a custom telemetry path', async () => {
    const e = await startExporter(['--web.telemetry-path=/custom', `--config.file=${join(dir, 'ok.yml')}`], { cwd: dir });
    try {
      expect(await scrape(e.url, '/custom')).toContain('mailrep_build_info');
      expect((await fetch(e.url + '/metrics')).status).toBe(404);
    } finally {
      await e.stop();
    }
  });
});
