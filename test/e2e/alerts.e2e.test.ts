// End to end, all real: the built exporter checks a local rbldnsd and follows
// a Postfix log this test writes; a real Prometheus (1 s scrape and
// evaluation) runs the shipped rules — in a temp copy with every duration
// divided by FACTOR — and a real Alertmanager posts to a webhook listener
// here. A listing and a user's send burst must arrive as firing alerts with
// the right labels and annotations, and resolve when the cause goes away.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { scrape, startExporter, waitFor, type RunningExporter } from '../helpers/exporter-process';
import { ruleFiles, shortenRuleDurations, startPromStack, type PromStack, type WebhookAlert } from '../helpers/prom-stack';
import { startRbldnsd, type RunningRbldnsd } from '../helpers/rbldnsd';
import { tempDir } from '../helpers/tmp';

/** 1 h of rule time = 20 s of test time; `for: 10m` = 4 s. */
const FACTOR = 180;
const ZONE = 'zen.spamhaus.org';
const TARGET = '192.0.2.10';
const RUNBOOK = 'https://github.com/mail-reputation-exporter/mail-reputation-exporter/blob/main/docs/runbook.md';

const dir = tempDir('mailrep-e2e-');
const zoneFile = join(dir, 'zen.zone');
const mailLog = join(dir, 'mail.log');

/** rbldnsd ip4set data: the RFC 5782 canary 127.0.0.2 always, the target while `listed`. */
function writeZone(listed: boolean): void {
  writeFileSync(zoneFile, [
    '$SOA 1 ns.test.invalid. hostmaster.test.invalid. 0 1h 1h 2d 1',
    '$NS 1 ns.test.invalid.',
    '$TTL 1',
    ':127.0.0.2:Listed in the test zone: $',
    '127.0.0.2',
    ...(listed ? [TARGET] : []),
    '',
  ].join('\n'));
}

/** Postfix's RFC 3339 syslog time, as in the samples: 2026-05-12T00:01:47.478629+00:00. */
const logTime = (d = new Date()) => d.toISOString().replace('Z', '000+00:00');

let queueSeq = 0x10000;
/** One authenticated submission with two delivered recipients, the way Postfix logs it. */
function submission(user: string, client: string): string {
  const id = `C0FFEE${(queueSeq++).toString(16).toUpperCase()}`;
  const ts = logTime();
  return [
    `${ts} mail postfix/submission/smtpd[32860]: ${id}: client=unknown[${client}], sasl_method=PLAIN, sasl_username=${user}`,
    `${ts} mail postfix/cleanup[33156]: ${id}: message-id=<${id}.${user}@example.org>`,
    `${ts} mail postfix/qmgr[1337]: ${id}: from=<${user}@example.org>, size=1549, nrcpt=2 (queue active)`,
    `${ts} mail postfix/smtp[16375]: ${id}: to=<a${queueSeq}@example.net>, relay=mx.example.net[198.51.100.20]:25, delay=0.41, delays=0.1/0/0.2/0.11, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Xy${id})`,
    `${ts} mail postfix/smtp[16375]: ${id}: to=<b${queueSeq}@example.com>, relay=mx.example.com[198.51.100.21]:25, delay=0.52, delays=0.1/0/0.3/0.12, dsn=2.0.0, status=sent (250 OK id=1SoWf6-0000Dv-Lf)`,
    `${ts} mail postfix/qmgr[1337]: ${id}: removed`,
    '',
  ].join('\n');
}

/** Labels of one sample line of an exposition, e.g. mailrep_dnsbl_list_info. */
function sampleLabels(text: string, name: string, match: (labels: Record<string, string>) => boolean): Record<string, string> | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels: Record<string, string> = {};
    for (const m of line.slice(name.length + 1, line.lastIndexOf('}')).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2].replace(/\\(.)/g, '$1');
    if (match(labels)) return labels;
  }
  return undefined;
}

let dns: RunningRbldnsd;
let exporter: RunningExporter;
let stack: PromStack;
let instance: string;

beforeAll(async () => {
  writeZone(true);
  writeFileSync(mailLog, '');
  dns = await startRbldnsd(dir, [`${ZONE}:ip4set:${basename(zoneFile)}`], ['-t', '1']);
  const config = join(dir, 'exporter.yml');
  writeFileSync(config, [
    'dnsbl:',
    "  schedule: '*/2 * * * * *'",
    `  resolvers: ['${dns.host}:${dns.port}']`,
    '  timeout: 500ms',
    `  lists: [{ zone: ${ZONE} }]`,
    `  targets: ['${TARGET}']`,
    'mail:',
    `  sources: [{ path: '${mailLog}', format: postfix, start_at: beginning }]`,
    '  thresholds:',
    '    messages_per_hour: 5',
    '',
  ].join('\n'));
  exporter = await startExporter([`--config.file=${config}`]);
  instance = `127.0.0.1:${exporter.port}`;
  const rules = ruleFiles().map((f) => {
    const copy = join(dir, `short-${basename(f)}`);
    writeFileSync(copy, shortenRuleDurations(readFileSync(f, 'utf8'), FACTOR));
    return copy;
  });
  stack = await startPromStack({ dir, ruleFiles: rules, scrapeTargets: [{ job: 'mail-reputation', targets: [instance] }] });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await exporter?.stop();
  await dns?.stop();
});

const diagnostics = () => `\n--- exporter ---\n${exporter.output().slice(-4000)}\n--- prometheus/alertmanager ---\n${stack.output().slice(-4000)}`;

test('a DNSBL listing arrives as a firing alert with its delisting link, and resolves once delisted', async () => {
  // The exporter's own view first: which list name and tier the zone got, and its delisting URL.
  const info = await waitFor('the exporter to report the list and the listing', async () => {
    const text = await scrape(exporter.url);
    const list = sampleLabels(text, 'mailrep_dnsbl_list_info', (l) => l.zone === ZONE);
    if (!list) return undefined;
    const listed = sampleLabels(text, 'mailrep_dnsbl_listed', (l) => l.target === TARGET && l.list === list.list);
    return listed && text.includes(`mailrep_dnsbl_listed{target="${TARGET}",list="${list.list}"} 1`) ? list : undefined;
  }, 20_000).catch((err: Error) => { throw new Error(`${err.message} (is the DNSBL collector registered in src/collectors.ts?)${diagnostics()}`); });

  const severity = ['critical', 'high'].includes(info.tier) ? 'critical' : 'warning';
  const isListing = (a: WebhookAlert) => a.labels.alertname === 'MailrepDnsblListed' && a.labels.target === TARGET;
  const firing = await stack.webhook.waitForAlert('firing', isListing, 60_000).catch((err: Error) => { throw new Error(err.message + diagnostics()); });

  expect(firing.labels).toEqual({ alertname: 'MailrepDnsblListed', severity, instance, job: 'mail-reputation', target: TARGET, list: info.list, tier: info.tier });
  expect(firing.annotations.summary).toBe(`${TARGET} is listed on ${info.list}`);
  expect(firing.annotations.delist_url).toBe(info.delist_url === '' ? 'no delisting link configured for this list' : info.delist_url.split('{target}').join(encodeURIComponent(TARGET)));
  expect(firing.annotations.description).toMatch(new RegExp(
    `^${TARGET.replace(/\./g, '\\.')} is listed on ${info.list.replace(/\./g, '\\.')} \\(zone zen\\.spamhaus\\.org, tier ${info.tier}\\) since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\+0000 UTC; codes: 127\\.0\\.0\\.2 \\(.*\\) \\(checked by ${instance.replace(/\./g, '\\.')}\\)\\. `));
  expect(firing.annotations.runbook_url).toBe(`${RUNBOOK}#alert-name-mailrepdnsbllisted`);

  // Delisted: rbldnsd re-reads the zone within a second (-c 1), the next round finds the target clean.
  writeZone(false);
  const resolved = await stack.webhook.waitForAlert('resolved', isListing, 60_000).catch((err: Error) => { throw new Error(err.message + diagnostics()); });
  expect(resolved.labels).toEqual(firing.labels);
  expect(Date.parse(resolved.endsAt)).toBeGreaterThan(Date.parse(firing.startsAt));
}, 150_000);

test('a send burst of one user fires MailrepUserSendRateHigh, and it resolves when the burst stops', async () => {
  // A normal user first: one message.
  appendFileSync(mailLog, submission('alice', '198.51.100.77'));
  // sam: 15 messages a second from a botnet address, until the alert arrives.
  const burst = setInterval(() => {
    appendFileSync(mailLog, submission('sam', '203.0.113.7') + submission('sam', '203.0.113.7') + submission('sam', '203.0.113.7'));
  }, 200);
  const isSam = (a: WebhookAlert) => a.labels.alertname === 'MailrepUserSendRateHigh' && a.labels.user === 'sam';
  let firing: WebhookAlert;
  try {
    firing = await stack.webhook.waitForAlert('firing', isSam, 60_000);
  } catch (err) {
    throw new Error(`${(err as Error).message} (is the mail collector registered in src/collectors.ts?)${diagnostics()}`);
  } finally {
    clearInterval(burst);
  }

  expect(firing.labels).toEqual({ alertname: 'MailrepUserSendRateHigh', severity: 'critical', instance, job: 'mail-reputation', user: 'sam' });
  expect(firing.annotations.summary).toMatch(/^sam sent \d+ messages in the last hour$/);
  const count = Number(/^sam sent (\d+)/.exec(firing.annotations.summary)![1]);
  expect(count).toBeGreaterThan(5);
  expect(firing.annotations.description).toBe(
    `sam submitted ${count} messages in the last hour on ${instance}, above the limit of 5 (no 7-day baseline yet: the limit alone decides). `
    + 'A burst from one login usually means a stolen password: lock the account, then check the client addresses it logged in from.');
  expect(firing.annotations.runbook_url).toBe(`${RUNBOOK}#alert-name-mailrepusersendratehigh`);

  const resolved = await stack.webhook.waitForAlert('resolved', isSam, 60_000).catch((err: Error) => { throw new Error(err.message + diagnostics()); });
  expect(resolved.labels).toEqual(firing.labels);
  // alice's single message never alerted.
  expect(stack.webhook.alerts().filter((a) => a.labels.user === 'alice')).toEqual([]);
}, 150_000);
