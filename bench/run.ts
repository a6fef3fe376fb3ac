// `npm run bench`: the speed and memory figures of the exporter, printed.
//   1. mail pipeline on a generated 1,000,000-line Postfix log (own process: lines/s, CPU s, peak RSS)
//   2. mtail with a one-regex per-user program on the same file, when mtail is installed
//   3. /metrics rendering with 10,000 users
//   4. a DNSBL round of 1,000 targets × 30 lists against local rbldnsd, scraped while it runs
//   5. storm: a rotation storm on the real Follower (lost / doubled lines per rotation style)
//   6. cardinality: a million distinct failed-login names and a million distinct senders
//      through the real mail collector with the default caps (own process: series, peak RSS)
//   7. load: 50 scrapers on the real exporter while it reads 100,000 lines/s and runs DNSBL rounds
// Options: --lines=N (default 1000000), --only=pipeline,mtail,render,dnsbl,storm,cardinality,load,
//   --storm-rotations=N (per style, default 100), --load-seconds=N (default 60)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePostfixLog } from './generate-postfix';
import { benchRender } from './render';
import { benchDnsbl } from './dnsbl';
import { benchStorm } from './storm';
import { benchCardinality } from './cardinality';
import { benchLoad } from './load';

const ROOT = join(__dirname, '..', '..');
const BENCH_DIR = join(ROOT, '.bench');

function arg(name: string, def: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function main(): Promise<void> {
  const lines = Number(arg('lines', '1000000'));
  const only = new Set(arg('only', 'pipeline,mtail,render,dnsbl,storm,cardinality,load').split(','));
  mkdirSync(BENCH_DIR, { recursive: true });
  const file = join(BENCH_DIR, `postfix-${lines}.log`);
  console.log(`mail-reputation-exporter benchmark — node ${process.version}, ${require('node:os').cpus().length} cores`);

  if (only.has('pipeline') || only.has('mtail')) {
    if (!existsSync(file)) {
      const t = performance.now();
      const totals = await generatePostfixLog(file, lines);
      console.log(`generated ${totals.lines} Postfix lines (${(statSync(file).size / 1048576).toFixed(1)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s: ${totals.messages.size} users, ${[...totals.messages.values()].reduce((a, b) => a + b, 0)} authenticated messages, ${totals.authFailures} failed logins`);
      writeFileSync(`${file}.totals.json`, JSON.stringify({ ...totals, messages: Object.fromEntries(totals.messages), recipients: Object.fromEntries(totals.recipients) }));
    }
  }

  let ourRate = 0;
  if (only.has('pipeline')) {
    // Best of three runs in fresh processes: the machine is shared.
    const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, [join(__dirname, 'pipeline.js'), file], { encoding: 'utf8' })));
    const best = runs.sort((a, b) => b.linesPerSecond - a.linesPerSecond)[0];
    const totals = JSON.parse(require('node:fs').readFileSync(`${file}.totals.json`, 'utf8'));
    const expectedMessages = Object.values(totals.messages as Record<string, number>).reduce((a, b) => a + b, 0);
    const ok = best.messages === expectedMessages && best.deliveries.bounced === totals.bounced && best.authFailures === totals.authFailures;
    ourRate = best.linesPerSecond;
    console.log(`\n[pipeline] file → follower → Postfix parser → correlation → per-user stats`);
    console.log(`  ${best.lines} lines in ${best.seconds.toFixed(3)} s = ${best.linesPerSecond.toLocaleString('en')} lines/s (best of 3 fresh processes: ${runs.map((r) => r.linesPerSecond.toLocaleString('en')).join(', ')})`);
    console.log(`  steady state (a second pass in the same process, code already compiled): ${Math.max(...runs.map((r) => r.warmLinesPerSecond)).toLocaleString('en')} lines/s (runs: ${runs.map((r) => r.warmLinesPerSecond.toLocaleString('en')).join(', ')})`);
    console.log(`  CPU ${best.cpuSeconds.toFixed(2)} s, peak RSS ${best.peakRssMiB} MiB, ${best.users} users, ${best.messages} messages, ${best.recipients} recipients`);
    console.log(`  numbers match the generator: ${ok ? 'yes' : `NO (messages ${best.messages} vs ${expectedMessages}, bounced ${best.deliveries.bounced} vs ${totals.bounced}, auth failures ${best.authFailures} vs ${totals.authFailures})`}`);
    console.log(`  goal ≥ 1,000,000 lines/s (first pass) and ≤ 120 MiB: ${best.linesPerSecond >= 1_000_000 ? 'met' : 'NOT met'} / ${best.peakRssMiB <= 120 ? 'met' : 'NOT met'}`);
  }

  if (only.has('mtail')) {
    const mtail = which('mtail');
    if (!mtail) {
      console.log('\n[mtail] not installed (Debian package mtail): comparison skipped');
    } else {
      const progs = mkdtempSync(join(tmpdir(), 'mailrep-mtail-'));
      writeFileSync(join(progs, 'per_user.mtail'), 'counter user_messages by user\n/sasl_username=(?P<user>[^,\\s]+)/ {\n  user_messages[$user]++\n}\n');
      const t = performance.now();
      const r = spawnSync(mtail, ['--one_shot', '--one_shot_format=prometheus', '--progs', progs, '--logs', file, '--logtostderr'], { encoding: 'utf8', maxBuffer: 64 * 1048576 });
      const seconds = (performance.now() - t) / 1000;
      if (r.status !== 0) {
        console.log(`\n[mtail] failed (exit ${r.status}): ${r.stderr.split('\n').slice(-3).join(' ')}`);
      } else {
        const rate = Math.round(lines / seconds);
        console.log(`\n[mtail] one regex, per-user counter, same file: ${seconds.toFixed(2)} s = ${rate.toLocaleString('en')} lines/s${ourRate ? `; mail-reputation-exporter is ${(ourRate / rate).toFixed(1)}× faster` : ''}`);
      }
    }
  }

  if (only.has('render')) await benchRender();
  if (only.has('dnsbl')) await benchDnsbl();
  if (only.has('storm')) await benchStorm({ perStyle: Number(arg('storm-rotations', '100')) });
  if (only.has('cardinality')) await benchCardinality();
  if (only.has('load')) await benchLoad({ seconds: Number(arg('load-seconds', '60')) });
}

main().catch((err) => { console.error(err); process.exit(1); });
