// The egress config section: defaults, and errors that name the key.
import { ConfigError, validateConfig } from '../../../src/config/load';

function problems(egress: unknown): string[] {
  try {
    validateConfig({ egress });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('defaults', () => {
  expect(validateConfig({}).egress).toEqual({
    mail_servers: [],
    sources: [],
    ports: [25, 465, 587],
    max_sources: 1000,
    internal_networks: [],
    iptables_actions: { blocked: ['DROP', 'REJECT', 'DENY', 'BLOCK'], allowed: ['ACCEPT', 'ALLOW', 'PASS'] },
  });
});

test('a full section', () => {
  const egress = validateConfig({
    egress: {
      mail_servers: ['192.0.2.25', '2001:db8:25::/48'],
      sources: [
        { path: '/var/log/kern.log', format: 'iptables' },
        { path: '/var/log/filter.log', format: 'filterlog', start_at: 'beginning', state_file: '/var/lib/mre/filter.pos' },
      ],
      ports: [25, 2525],
      max_sources: 50,
      internal_networks: ['10.0.0.0/8'],
      iptables_actions: { blocked: [' smtp-drop '], allowed: [] },
    },
  }).egress;
  expect(egress.sources).toEqual([
    { path: '/var/log/kern.log', format: 'iptables', start_at: 'end' },
    { path: '/var/log/filter.log', format: 'filterlog', start_at: 'beginning', state_file: '/var/lib/mre/filter.pos' },
  ]);
  expect(egress.ports).toEqual([25, 2525]);
  expect(egress.iptables_actions).toEqual({ blocked: ['smtp-drop'], allowed: [] });
});

test.each([
  [{ sources: [{ path: '/var/log/kern.log', format: 'pf' }] }, 'egress.sources[0].format: must be one of "iptables", "filterlog", "mikrotik"'],
  [{ sources: [{ path: '/var/log/kern.log' }] }, 'egress.sources[0].format: must be one of "iptables", "filterlog", "mikrotik"'],
  [{ sources: [{ path: '/var/log/kern.log', format: 'iptables', formt: 'x' }] }, 'egress.sources[0].formt: unknown key'],
  [{ sources: [{ path: '-', format: 'iptables' }] }, 'egress.sources[0].path: egress sources must be files (standard input belongs to mail.sources)'],
  [{ sources: [{ path: '/a', format: 'iptables' }, { path: '/a', format: 'mikrotik' }] }, 'egress.sources[1].path: the same file is already an egress source'],
  [{ ports: [25, 587, 25] }, 'egress.ports[2]: duplicate port 25'],
  [{ ports: [0] }, 'egress.ports[0]: Too small: expected number to be >=1'],
  [{ ports: [65536] }, 'egress.ports[0]: Too big: expected number to be <=65535'],
  [{ ports: [] }, 'egress.ports: Too small: expected array to have >=1 items'],
  [{ max_sources: 0 }, 'egress.max_sources: Too small: expected number to be >=1'],
  [{ max_sources: 100001 }, 'egress.max_sources: Too big: expected number to be <=100000'],
  [{ mail_servers: ['mail.example.com'] }, 'egress.mail_servers[0]: expected an IP address or CIDR such as 192.0.2.10 or 10.0.0.0/8'],
  [{ internal_networks: ['10.0.0.0/33'] }, 'egress.internal_networks[0]: expected an IP address or CIDR such as 192.0.2.10 or 10.0.0.0/8'],
  [{ iptables_actions: { blocked: [''] } }, 'egress.iptables_actions.blocked[0]: must not be empty'],
  [{ iptables_actions: { dropped: ['X'] } }, 'egress.iptables_actions.dropped: unknown key'],
])('%j is rejected naming the key', (egress, problem) => {
  expect(problems(egress)).toEqual([problem]);
});
