// A cardinality attack through the real mail collector (the path `npm run bench
// -- --only=cardinality` measures at a million lines each): 20,000 failed logins
// with distinct names over Postfix, Dovecot and Exim logs, and 20,000 messages
// with distinct envelope senders, client addresses, PTR names, HELOs, recipient
// domains and bounce texts, half of them authenticated by 110 accounts. The
// caps are lowered through the config (mail.max_users 50,
// mail.max_tracked_messages 100). The exposition has exactly the series the
// caps allow, and no string the attacker chose.
import type { Counter } from 'prom-client';
import { validateConfig } from '../../src/config/load';
import { silentLogger } from '../../src/log';
import { MailCollector } from '../../src/logs/collector';
import { ExporterMetrics } from '../../src/metrics/exporter';
import { createRegistry } from '../../src/metrics/registry';
import { writeAttackLogs } from '../../bench/attack-log';
import { checkExposition } from '../../bench/cardinality';
import { waitFor } from '../helpers/exporter-process';
import { tempDir } from '../helpers/tmp';

const dir = tempDir('mailrep-cardinality-');

test('20,000 distinct failed-login names and 20,000 distinct senders: series within the caps, no attacker string exported', async () => {
  const totals = await writeAttackLogs(dir, {
    failedLogins: 20_000, messages: 20_000, compromised: 10, accounts: 100,
    // Year-less syslog times are read as the latest year not in the future: keep them in the past.
    startMs: Date.now() - 3 * 86_400_000,
  });
  expect(totals.accountNames.size).toBe(110);
  expect(totals.authenticatedMessages).toBe(10_000);
  expect(totals.leftQueued).toBe(5_000);
  const lines = totals.lines.postfix + totals.lines.dovecot + totals.lines.exim;

  const config = validateConfig({
    mail: {
      max_users: 50,
      max_tracked_messages: 100,
      sources: [
        { path: totals.files.postfix, format: 'postfix', start_at: 'beginning' },
        { path: totals.files.dovecot, format: 'dovecot', start_at: 'beginning' },
        { path: totals.files.exim, format: 'exim', start_at: 'beginning' },
      ],
    },
  });
  const registry = createRegistry();
  const collector = new MailCollector({ registry, logger: silentLogger, exporterMetrics: new ExporterMetrics(registry), peers: new Map() });
  const counter = registry.getSingleMetric('mailrep_log_lines_total') as Counter;
  const results = async () => Object.fromEntries((await counter.get()).values.map((v) => [`${v.labels.source}:${v.labels.result}`, v.value]));
  try {
    await collector.configure(config);
    await waitFor('every line read', async () => {
      const r = await results();
      return Object.values(r).reduce((a, b) => a + b, 0) >= lines ? r : undefined;
    });
    // Every line is one the parsers understand; only Postfix's connect and
    // disconnect lines (two per unauthenticated session) are ignored.
    const r = await results();
    const sum = (result: string) => Object.entries(r).filter(([k]) => k.endsWith(`:${result}`)).reduce((a, [, v]) => a + v, 0);
    expect([sum('parsed'), sum('ignored'), sum('malformed')]).toEqual([lines - 20_000, 20_000, 0]);

    const text = collector.renderMetrics();
    const check = checkExposition(text, totals.accountNames, new Set(['zen.spamhaus.org']));
    // 50 users × 11 series (messages, recipients, deliveries × 3 statuses, blocklist
    // rejections {list="zen.spamhaus.org"}, auth failures, active hours, client
    // addresses, recipient domains, last message) = 550
    // + 11 others: auth failures {user="_unknown"}, mail deliveries × 3, mail
    //   rejections {zen}, mail auth failures, relay denied, users tracked, users
    //   evicted, queue tracked, queue dropped
    // + 9 thresholds: 4 per-user (_default only), 4 global, log staleness.
    expect(check.series).toBe(550 + 11 + 9);
    expect(check.foreignLabelValues).toEqual([]);
    expect(check.markersFound).toEqual([]);
    for (const k of [0, 7_777, 19_999]) {
      expect(text).not.toContain(`guess${k}@`);
      expect(text).not.toContain(`s${k}@`);
    }

    const stats = collector.engine!;
    expect(stats.users.size).toBe(50);
    expect(text).toContain('mailrep_users_tracked 50\n');
    // Least recently active first: the 10 compromised accounts (every other
    // authenticated message, one each ~3 s of log time) are never evicted and
    // keep all 500 messages each; the 100 others take turns in the 40 slots
    // left, so each of their 5,000 messages creates its user: 5,010 created,
    // 50 tracked.
    expect(stats.evicted).toBe(4_960);
    expect(text).toContain('mailrep_users_evicted_total 4960\n');
    for (let c = 0; c < 10; c++) expect(stats.users.get(`comp${c}@example.com`)?.messages).toBe(500);
    expect(text).toContain('mailrep_user_auth_failures_total{user="_unknown"} 20000\n');
    expect(text).toContain('mailrep_mail_auth_failures_total 20000\n');
    expect(text).toContain('mailrep_mail_relay_denied_total 10000\n');
    // Every authenticated message has one bounce citing zen.spamhaus.org; the deferral's text cites nothing.
    expect(text).toContain('mailrep_mail_blocklist_rejections_total{list="zen.spamhaus.org"} 10000\n');
    expect(stats.deliveries).toEqual({ sent: 20_000, deferred: 10_000, bounced: 10_000 });
    // The 5,000 messages never removed fill the queue map to its cap; the rest were dropped.
    expect(stats.openMessages).toBe(100);
    expect(stats.messagesDropped).toBe(5_000 - 100);
  } finally {
    await collector.stop();
  }
});
