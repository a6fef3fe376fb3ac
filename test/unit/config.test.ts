import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, formatPath, loadConfigFile, parseConfigText, validateConfig } from '../../src/config/load';
import { tempDir } from '../helpers/tmp';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('formatPath', () => {
  expect(formatPath(['dnsbl', 'lists', 2, 'zone'])).toBe('dnsbl.lists[2].zone');
  expect(formatPath([])).toBe('');
});

test('an empty config gives the documented defaults', () => {
  const c = validateConfig(null);
  expect(c.web.listen_address).toBe(':9798');
  expect(c.dnsbl.schedule).toBe('*/10 * * * *');
  expect(c.dnsbl.resolvers).toEqual([{ host: '127.0.0.1', port: 53 }]);
  expect(c.dnsbl.timeout).toBe(2000);
  expect(c.dnsbl.concurrency).toBe(32);
  // No sources configured: the usual log locations are probed at start.
  expect(c.mail.sources).toBeUndefined();
  expect(c.mail.max_users).toBe(5000);
  expect(c.mail.user_idle_ttl).toBe(7 * 86_400_000);
  expect(c.mail.max_distinct_per_user).toBe(256);
  expect(c.mail.thresholds.messages_per_hour).toBe(100);
  expect(c.egress.mail_servers).toEqual([]);
});

test('every section is optional and keys are parsed', () => {
  const c = parseConfigText(`
dnsbl:
  timeout: 500ms
  resolvers: ["127.0.0.1:5353", "[::1]:53", "192.0.2.53"]
mail:
  sources:
    - path: /var/log/mail.log
`);
  expect(c.dnsbl.timeout).toBe(500);
  expect(c.dnsbl.resolvers).toEqual([{ host: '127.0.0.1', port: 5353 }, { host: '::1', port: 53 }, { host: '192.0.2.53', port: 53 }]);
  expect(c.mail.sources).toEqual([{ path: '/var/log/mail.log', format: 'auto', start_at: 'end' }]);
});

test.each([
  ['dnsbl:\n  timout: 2s\n', 'dnsbl.timout: unknown key'],
  ['bogus: 1\n', 'bogus: unknown key'],
  ['dnsbl:\n  timeout: 2 seconds\n', 'dnsbl.timeout: "2 seconds" is not a duration (use e.g. 500ms, 30s, 5m, 1h, 7d)'],
  ['dnsbl:\n  timeout: 5\n', 'dnsbl.timeout: expected a duration such as 500ms, 30s or 5m'],
  ['dnsbl:\n  concurrency: 0\n', 'dnsbl.concurrency: Too small: expected number to be >=1'],
  ['dnsbl:\n  schedule: "every minute"\n', 'dnsbl.schedule: not a valid cron expression'],
  ['dnsbl:\n  resolvers: ["127.0.0.1:99999"]\n', 'dnsbl.resolvers[0]: "127.0.0.1:99999" is not HOST:PORT (IPv6 as [addr]:port)'],
  ['mail:\n  sources:\n    - format: postfix\n', 'mail.sources[0].path: required'],
  ['mail:\n  sources:\n    - path: /x\n      start_at: middle\n', 'mail.sources[0].start_at: must be one of "end", "beginning"'],
  ['egress:\n  mail_servers: ["10.0.0.0/33"]\n', 'egress.mail_servers[0]: expected an IP address or CIDR such as 192.0.2.10 or 10.0.0.0/8'],
  ['web:\n  listen_address: nope\n', 'web.listen_address: expected HOST:PORT, :PORT or [IPv6]:PORT'],
  ['dnsbl: [1, 2]\n', 'dnsbl: expected object, got array'],
  ['mail:\n  max_distinct_per_user: 0\n', 'mail.max_distinct_per_user: Too small: expected number to be >=1'],
  ['mail:\n  max_distinct_per_user: 10\n', 'mail.thresholds.client_addresses: must be below mail.max_distinct_per_user (10): the distinct count stops there'],
  ['mail:\n  max_distinct_per_user: 20\n  thresholds:\n    overrides:\n      bulk@example.com: {client_addresses: 20}\n', 'mail.thresholds.overrides.bulk@example.com.client_addresses: must be below mail.max_distinct_per_user (20): the distinct count stops there'],
])('%j → %s', (yaml, message) => {
  expect(problems(() => parseConfigText(yaml))).toContain(message);
});

test('YAML syntax errors and duplicate keys are reported', () => {
  expect(problems(() => parseConfigText('dnsbl: [\n'))[0]).toMatch(/^YAML: /);
  expect(problems(() => parseConfigText('web: {}\nweb: {}\n'))[0]).toMatch(/^YAML: .*unique/i);
});

describe('loadConfigFile', () => {
  const dir = tempDir();

  test('a missing default file means built-in defaults', async () => {
    const loaded = await loadConfigFile(join(dir, 'absent.yml'), false);
    expect(loaded.source).toBe('built-in defaults');
    expect(loaded.config.dnsbl.concurrency).toBe(32);
  });

  test('a missing explicit file is an error naming the file', async () => {
    await expect(loadConfigFile(join(dir, 'absent.yml'), true)).rejects.toThrow(`${join(dir, 'absent.yml')}: file does not exist`);
  });

  test('errors name the file', async () => {
    const f = join(dir, 'bad.yml');
    writeFileSync(f, 'dnsbl:\n  concurrency: many\n');
    await expect(loadConfigFile(f, true)).rejects.toThrow(`${f}: dnsbl.concurrency: expected number, got string`);
  });
});

test('the documented example config is valid and states the real defaults', async () => {
  const { config } = await loadConfigFile(require('node:path').join(__dirname, '../../examples/mail-reputation-exporter.yml'), true);
  const defaults = validateConfig({});
  expect(config).toEqual(defaults);
});
