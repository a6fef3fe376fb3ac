// Reloads of the real exporter while it follows a Postfix log being appended
// at a steady rate and is scraped every 50 ms: alternately POST /-/reload and
// SIGHUP, half of them with a changed but valid config (thresholds,
// max_users, an extra DNSBL list on a local rbldnsd), the other half
// re-reading the config in force, one with an invalid config (rejected, the
// old one kept, the process up). No counter series may
// go down or vanish in any scrape, and at the end every line written is
// counted exactly once, and every message under its user.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startExporter, waitFor, type RunningExporter } from '../helpers/exporter-process';
import { startRbldnsd, type RunningRbldnsd } from '../helpers/rbldnsd';
import { tempDir } from '../helpers/tmp';
import { labelOf, monotonicViolations, scrapeSamples, sumOf } from './exposition';
import { PostfixTraffic, SteadyWriter, USERS } from './postfix-traffic';

const dir = tempDir('mailrep-reload-');
const LOG = join(dir, 'mail.log');
const CONFIG = join(dir, 'exporter.yml');

const RELOADS = 12;
/** The reload (1-based) whose config is invalid. */
const INVALID_AT = 7;
const RELOAD_EVERY_MS = 250;
const SCRAPE_EVERY_MS = 50;
/** 5 messages (35 lines) every 50 ms: 700 lines/s. */
const MESSAGES_PER_TICK = 5;
const TICK_MS = 50;

const BASE_LIST = 'base.fault.example';
const EXTRA_LIST = 'extra.fault.example';

interface Variant { messagesPerHour: number; maxUsers: number; extraList: boolean }
const BASE: Variant = { messagesPerHour: 100, maxUsers: 5000, extraList: false };

function configYaml(rbl: RunningRbldnsd, v: Variant): string {
  return [
    'dnsbl:',
    '  schedule: "0 0 1 1 *"',
    `  resolvers: ["${rbl.host}:${rbl.port}"]`,
    '  timeout: 200ms',
    '  lists:',
    `    - {zone: ${BASE_LIST}, type: ip, canaries: true}`,
    ...(v.extraList ? [`    - {zone: ${EXTRA_LIST}, type: ip}`] : []),
    '  targets: [192.0.2.10, 192.0.2.11]',
    'mail:',
    '  sources:',
    `    - {path: ${JSON.stringify(LOG)}, format: postfix, start_at: beginning}`,
    // Never below the number of users written: an eviction would (rightly) remove series.
    `  max_users: ${v.maxUsers}`,
    '  thresholds:',
    `    messages_per_hour: ${v.messagesPerHour}`,
    '',
  ].join('\n');
}

/**
 * The config of reload i (1-based), in fours: a changed one (every other time
 * with the extra list), the same again, back to the base, the same again. So
 * half the reloads change something and half reload what is in force.
 */
function variantOf(i: number): Variant {
  const phase = i % 4;
  if (phase === 1 || phase === 2) {
    const first = phase === 1 ? i : i - 1;
    return { messagesPerHour: 100 + first, maxUsers: 5000 - first, extraList: first % 8 === 1 };
  }
  return BASE;
}

test(`${RELOADS} reloads (POST and SIGHUP, one invalid) under load: counters never reset or vanish, every line counted once`, async () => {
  writeFileSync(join(dir, 'base.zone'), '$SOA 60 ns.test.invalid. hostmaster.test.invalid. 0 1h 1h 2d 60\n:127.0.0.2:Listed\n127.0.0.2\n192.0.2.10\n');
  writeFileSync(join(dir, 'extra.zone'), '$SOA 60 ns.test.invalid. hostmaster.test.invalid. 0 1h 1h 2d 60\n:127.0.0.2:Listed\n192.0.2.11\n');
  const rbl = await startRbldnsd(dir, [`${BASE_LIST}:ip4set:base.zone`, `${EXTRA_LIST}:ip4set:extra.zone`]);
  writeFileSync(LOG, '');
  writeFileSync(CONFIG, configYaml(rbl, BASE));
  const traffic = new PostfixTraffic(LOG, USERS);
  const writer = new SteadyWriter(traffic, MESSAGES_PER_TICK, TICK_MS);
  let exp: RunningExporter | undefined;

  const seen = new Map<string, number>();
  const violations: string[] = [];
  let scrapes = 0;
  let scrapeFailures = 0;
  let scraping = true;
  let scraper: Promise<void> = Promise.resolve();
  let rejected = 0;

  try {
    exp = await startExporter([`--config.file=${CONFIG}`]);
    const url = exp.url;
    writer.start();
    scraper = (async () => {
      while (scraping) {
        const started = Date.now();
        try {
          const samples = await scrapeSamples(url);
          scrapes++;
          for (const v of monotonicViolations(seen, samples)) violations.push(`scrape ${scrapes}: ${v}`);
        } catch (err) {
          scrapeFailures++;
          violations.push(`scrape failed: ${String(err)}`);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, SCRAPE_EVERY_MS - (Date.now() - started))));
      }
    })();

    let inForce = BASE;
    for (let i = 1; i <= RELOADS; i++) {
      const since = Date.now();
      await waitFor(`reload ${i} time`, () => Date.now() - since >= RELOAD_EVERY_MS || undefined, RELOAD_EVERY_MS + 5000, 10);
      const invalid = i === INVALID_AT;
      const next = variantOf(i);
      writeFileSync(CONFIG, invalid ? configYaml(rbl, next).replace('  max_users:', '  max_user:') : configYaml(rbl, next));
      const before = (await scrapeSamples(url)).get('mailrep_config_last_reload_success_timestamp_seconds')!.value;
      if (i % 2 === 1) {
        const res = await fetch(`${url}/-/reload`, { method: 'POST' });
        const body = await res.text();
        if (invalid) {
          expect(res.status).toBe(500);
          expect(body).toContain('mail.max_user: unknown key');
        } else {
          expect({ reload: i, status: res.status, body }).toEqual({ reload: i, status: 200, body: 'Configuration reloaded.\n' });
        }
      } else {
        exp.proc.kill('SIGHUP');
      }
      if (invalid) {
        rejected++;
        const s = await waitFor('the rejection to show', async () => {
          const x = await scrapeSamples(url);
          return x.get('mailrep_config_last_reload_successful')?.value === 0 ? x : undefined;
        });
        // The old config stays in force, the process up.
        expect(s.get('mailrep_user_messages_per_hour_threshold{user="_default"}')?.value).toBe(inForce.messagesPerHour);
        expect((await fetch(`${url}/-/healthy`)).status).toBe(200);
        expect((await fetch(`${url}/-/ready`)).status).toBe(200);
        continue;
      }
      // Applied: a newer success timestamp and the new threshold in the scrape.
      const s = await waitFor(`reload ${i} to apply`, async () => {
        const x = await scrapeSamples(url);
        return x.get('mailrep_config_last_reload_success_timestamp_seconds')!.value > before
          && x.get('mailrep_user_messages_per_hour_threshold{user="_default"}')?.value === next.messagesPerHour ? x : undefined;
      });
      expect(s.get('mailrep_config_last_reload_successful')?.value).toBe(1);
      expect(s.has(`mailrep_dnsbl_list_info{list="${EXTRA_LIST}",zone="${EXTRA_LIST}",type="ip",tier="medium",delist_url=""}`)).toBe(next.extraList);
      inForce = next;
    }

    writer.stop();
    const written = traffic.lines;
    // Every line written, counted once: the follower was kept across every reload.
    const end = await waitFor('every line to be counted', async () => {
      const x = await scrapeSamples(url);
      return sumOf(x, 'mailrep_log_lines_total', { source: LOG }) >= written ? x : undefined;
    }, 10_000).catch(() => scrapeSamples(url));
    scraping = false;
    await scraper;

    expect(violations.slice(0, 20)).toEqual([]);
    expect(scrapeFailures).toBe(0);
    const counted = sumOf(end, 'mailrep_log_lines_total', { source: LOG });
    expect(counted).toBe(written);
    expect(sumOf(end, 'mailrep_log_lines_total', { source: LOG, result: 'malformed' })).toBe(0);
    const perUser: Record<string, number> = {};
    for (const [series, sample] of end) if (series.startsWith('mailrep_user_messages_total{')) perUser[labelOf(series, 'user')!] = sample.value;
    expect(perUser).toEqual(Object.fromEntries(traffic.perUser));
    // The extra list's counter series outlived its removal from the config (the last one is the base).
    expect(end.has(`mailrep_dnsbl_queries_total{list="${EXTRA_LIST}",result="clean"}`)).toBe(true);
    expect(end.has(`mailrep_dnsbl_list_info{list="${EXTRA_LIST}",zone="${EXTRA_LIST}",type="ip",tier="medium",delist_url=""}`)).toBe(false);
    expect(exp.proc.exitCode).toBeNull();

    process.stdout.write(`reloads ${RELOADS} (${rejected} rejected), scrapes ${scrapes}, lines written ${written} = counted ${counted}\n`);
  } finally {
    scraping = false;
    writer.stop();
    await scraper;
    await exp?.stop();
    await rbl.stop();
  }
});
