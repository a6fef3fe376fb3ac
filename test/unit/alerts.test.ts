// The shipped alert rules (alerts/*.rules.yml) against real promtool: syntax,
// the promtool unit tests in alerts/tests/, the alert-name contract, the
// annotations every alert must carry, runbook anchors, and that every rule
// reads only metrics the exporter defines.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import {
  ALERTS_DIR, REPO_ROOT, durationSeconds, exporterMetricNames, extractSelectors, isDefinedMetric, promtool,
  ruleFiles, ruleTestFiles, shortenRuleDurations,
} from '../helpers/prom-stack';
import { tempDir } from '../helpers/tmp';

const RUNBOOK = join(REPO_ROOT, 'docs', 'runbook.md');
const RUNBOOK_URL = 'https://github.com/mail-reputation-exporter/mail-reputation-exporter/blob/main/docs/runbook.md';

/** The alert names of the issue: a contract with on-call, silences and inhibitions. */
const CONTRACT = [
  'MailrepDnsblListed', 'MailrepDnsblListUnhealthy', 'MailrepDnsblChecksFailing', 'MailrepDnsblChecksStale',
  'MailrepSpfTooManyLookups', 'MailrepUserSendRateHigh', 'MailrepUserRecipientRateHigh',
  'MailrepUserSendingAroundTheClock', 'MailrepUserManyClientAddresses', 'MailrepUserBlocklistRejections',
  'MailrepBlocklistRejections', 'MailrepAuthFailuresHigh', 'MailrepEgressSmtpFromHost', 'MailrepLogSourceDown',
  'MailrepLogSourceStale', 'MailrepLogMalformedLines', 'MailrepExporterDown',
];
/** Meta-monitoring beyond the contract. */
const EXTRA = ['MailrepConfigReloadFailed'];

/** Alerts whose limit is configuration: they must read a *threshold* series, never a literal. */
const THRESHOLD_DRIVEN = [
  'MailrepUserSendRateHigh', 'MailrepUserRecipientRateHigh', 'MailrepUserSendingAroundTheClock',
  'MailrepUserManyClientAddresses', 'MailrepUserBlocklistRejections', 'MailrepBlocklistRejections',
  'MailrepAuthFailuresHigh', 'MailrepLogSourceStale', 'MailrepLogMalformedLines',
];

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile { groups: { name: string; rules: Rule[] }[] }

const files = ruleFiles();
const rules: (Rule & { file: string })[] = files.flatMap((f) =>
  (parse(readFileSync(f, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules.map((r) => ({ ...r, file: basename(f) }))));
const alerts = rules.filter((r) => r.alert !== undefined);
const recordings = rules.filter((r) => r.record !== undefined);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}
function runbookAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) anchors.add(githubSlug(m[1]));
  return anchors;
}

/** Query strings inside annotation templates (`printf "…" … | query`), with %q filled in. */
function templateQueries(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/printf "((?:[^"\\]|\\.)*)"[^|}]*\| query/g)) {
    out.push(m[1].replace(/\\"/g, '"').replace(/%q/g, '"x"'));
  }
  return out;
}

describe('rule files', () => {
  const mutated = tempDir('mailrep-alerts-');
  test('the rule files are the four concerns', () => {
    expect(files.map((f) => basename(f))).toEqual(['dnsbl.rules.yml', 'egress.rules.yml', 'exporter.rules.yml', 'users.rules.yml']);
  });

  test('promtool check rules passes on every file, with the exact rule counts', () => {
    const r = promtool(['check', 'rules', ...files]);
    expect(r.output).not.toMatch(/FAILED|error/i);
    expect(r.status).toBe(0);
    const counts = [...r.output.matchAll(/SUCCESS: (\d+) rules found/g)].map((m) => Number(m[1]));
    expect(counts).toEqual([6, 2, 5, 19]);
    expect(alerts).toHaveLength(20);
    expect(recordings).toHaveLength(12);
  });

  test('promtool test rules: every unit test file passes', () => {
    const tests = ruleTestFiles();
    expect(tests.map((f) => basename(f))).toEqual(['baselines.test.yml', 'dnsbl.test.yml', 'egress.test.yml', 'exporter.test.yml', 'users.test.yml']);
    const r = promtool(['test', 'rules', ...tests]);
    expect(r.output).not.toContain('FAILED');
    expect(r.status).toBe(0);
    expect(r.output.match(/SUCCESS/g)).toHaveLength(tests.length);
  });

  test('the unit tests have teeth: without `for`/`keep_firing_for` they fail', () => {
    const dir = mutated;
    cpSync(ALERTS_DIR, join(dir, 'alerts'), { recursive: true });
    for (const f of files) {
      const copy = join(dir, 'alerts', basename(f));
      writeFileSync(copy, readFileSync(copy, 'utf8').replace(/^\s*(for|keep_firing_for):.*\n/gm, ''));
    }
    const r = promtool(['test', 'rules', ...ruleTestFiles().map((f) => join(dir, 'alerts', 'tests', basename(f)))]);
    expect(r.status).toBe(1);
    // Each file with a `for` somewhere fails; egress has none.
    for (const name of ['MailrepDnsblListed', 'MailrepUserSendRateHigh', 'MailrepLogSourceDown']) {
      expect(r.output).toContain(`alertname: ${name}`);
    }
  });
});

describe('alert contract', () => {
  test('the alert names are exactly the contract (plus config-reload meta-monitoring)', () => {
    expect([...new Set(alerts.map((a) => a.alert))].sort()).toEqual([...CONTRACT, ...EXTRA].sort());
  });

  test.each(alerts.map((a) => [`${a.alert} (${a.labels?.severity})`, a] as const))('%s has severity, summary, description, runbook_url', (_name, a) => {
    expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
    for (const key of ['summary', 'description', 'runbook_url']) {
      expect(typeof a.annotations?.[key]).toBe('string');
      expect(a.annotations![key].trim().length).toBeGreaterThan(10);
    }
    expect(a.annotations!.runbook_url).toBe(`${RUNBOOK_URL}#alert-name-${a.alert!.toLowerCase()}`);
  });

  test('MailrepDnsblListed pages for critical/high lists, warns for the others, and carries the delisting link', () => {
    const listed = alerts.filter((a) => a.alert === 'MailrepDnsblListed');
    expect(listed.map((a) => a.labels!.severity)).toEqual(['critical', 'warning']);
    expect(listed[0].expr).toContain('tier=~"critical|high"');
    expect(listed[1].expr).toContain('tier!~"critical|high"');
    for (const a of listed) {
      expect(a.for).toBe('10m');
      expect(a.keep_firing_for).toBe('15m');
      expect(a.annotations!.delist_url).toContain('mailrep_dnsbl_list_info');
    }
  });

  test.each(THRESHOLD_DRIVEN)('%s compares against a configured threshold, not a literal', (name) => {
    for (const a of alerts.filter((x) => x.alert === name)) {
      const read = extractSelectors(a.expr).map((s) => s.metric ?? '');
      expect(read.some((m) => m.includes('threshold'))).toBe(true);
    }
  });

  test('recording rules are named mailrep:… and per-user limits pick the override, else _default', () => {
    for (const r of recordings) expect(r.record).toMatch(/^mailrep:[a-z_]+:[a-z0-9_]+$/);
    for (const name of ['messages_per_hour', 'recipients_per_hour', 'active_hours', 'client_addresses']) {
      const rec = recordings.find((r) => r.record === `mailrep:user_${name}:threshold`);
      expect(rec?.expr).toContain(`mailrep_user_${name}_threshold{user!="_default"}`);
      expect(rec?.expr).toContain(`mailrep_user_${name}_threshold{user="_default"}`);
    }
  });

  test('every alert has a promtool test that fires it and one where it stays silent', () => {
    const firing = new Set<string>();
    const silent = new Set<string>();
    for (const f of ruleTestFiles()) {
      const doc = parse(readFileSync(f, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] };
      for (const t of doc.tests) {
        for (const c of t.alert_rule_test ?? []) (c.exp_alerts && c.exp_alerts.length > 0 ? firing : silent).add(c.alertname);
      }
    }
    const names = [...CONTRACT, ...EXTRA].sort();
    expect([...firing].sort()).toEqual(names);
    expect([...silent].sort()).toEqual(names);
  });
});

describe('runbook', () => {
  const markdown = readFileSync(RUNBOOK, 'utf8');
  const anchors = runbookAnchors(markdown);

  test('github slugs', () => {
    expect(githubSlug('Alert name: MailrepDnsblListed')).toBe('alert-name-mailrepdnsbllisted');
    expect(githubSlug('DNSBL listings and checks')).toBe('dnsbl-listings-and-checks');
  });

  test('every runbook_url anchor exists in docs/runbook.md, and every alert section belongs to an alert', () => {
    for (const a of alerts) expect(anchors).toContain(a.annotations!.runbook_url.split('#')[1]);
    const sections = [...markdown.matchAll(/^### Alert name: (\S+)$/gm)].map((m) => m[1]);
    expect(sections.sort()).toEqual([...CONTRACT, ...EXTRA].sort());
  });

  test('internal links of the runbook point at existing anchors', () => {
    const links = [...markdown.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    for (const l of links) expect(anchors).toContain(l);
  });
});

describe('metrics the rules read', () => {
  const defined = exporterMetricNames();
  const recorded = new Set(recordings.map((r) => r.record!));
  // Prometheus' own `up` and prom-client's default process metrics.
  const external = new Set(['up', 'process_start_time_seconds']);

  test('every selector in an expression or an annotation query names a defined metric', () => {
    const unknown: string[] = [];
    let checked = 0;
    for (const r of rules) {
      const exprs = [r.expr, ...Object.values(r.annotations ?? {}).flatMap(templateQueries)];
      for (const e of exprs) {
        for (const s of extractSelectors(e)) {
          checked++;
          if (!s.metric) { unknown.push(`${r.alert ?? r.record}: selector without a metric name in ${e}`); continue; }
          if (!isDefinedMetric(s.metric, defined) && !recorded.has(s.metric) && !external.has(s.metric)) unknown.push(`${r.alert ?? r.record}: ${s.metric}`);
        }
      }
    }
    expect(unknown).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});

describe('shortened copies for the end-to-end test', () => {
  const shortDir = tempDir('mailrep-short-');
  test('every duration shrinks by the factor, at least to 1s', () => {
    const text = 'for: 10m\n  keep_firing_for: 15m\nexpr: avg_over_time(x[7d:1h] offset 1h) and y offset 1d\nq: increase(z[30m])\nfor: 0m\n';
    expect(shortenRuleDurations(text, 180)).toBe('for: 4s\n  keep_firing_for: 5s\nexpr: avg_over_time(x[3360s:20s] offset 20s) and y offset 480s\nq: increase(z[10s])\nfor: 0s\n');
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('soon')).toBeUndefined();
  });

  test('the shortened rules still pass promtool check rules and keep no long duration', () => {
    const dir = shortDir;
    const copies = files.map((f) => {
      const copy = join(dir, basename(f));
      writeFileSync(copy, shortenRuleDurations(readFileSync(f, 'utf8'), 180));
      return copy;
    });
    const r = promtool(['check', 'rules', ...copies]);
    expect(r.status).toBe(0);
    for (const c of copies) {
      const text = readFileSync(c, 'utf8');
      for (const m of text.matchAll(/^\s*(?:for|keep_firing_for):\s*(\S+)$/gm)) expect(durationSeconds(m[1])!).toBeLessThanOrEqual(10);
      expect(text).not.toMatch(/\[\d+[mhd]|offset \d+[mhd]/);
    }
  });
});
