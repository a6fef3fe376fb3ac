// A DNSBL round of 1,000 targets × 30 lists against a local rbldnsd, run by the
// real exporter process (dist/src/main.js), scraped every 20 ms while the round
// runs. Prints queries/s, round time, peak RSS and scrape latency.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';

const ROOT = join(__dirname, '..', '..');

function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve) => {
    if (kind === 'udp') {
      const s = createSocket('udp4');
      s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    } else {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
    }
  });
}

function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function benchDnsbl(targetCount = 1000, listCount = 30): Promise<void> {
  const rbldnsd = spawnSync('sh', ['-c', 'command -v rbldnsd'], { encoding: 'utf8' }).stdout.trim();
  if (!rbldnsd) { console.log('\n[dnsbl] rbldnsd not installed: skipped'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'mailrep-bench-dnsbl-'));
  chmodSync(dir, 0o755);
  const targets = Array.from({ length: targetCount }, (_, i) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  const zones: string[] = [];
  for (let l = 0; l < listCount; l++) {
    // Each list lists the canary and every 20th target (5 % listed, a realistic worst case).
    const listed = targets.filter((_, i) => (i + l) % 20 === 0);
    writeFileSync(join(dir, `list${l}.zone`), `$TTL 60\n:127.0.0.2:Listed on bench list ${l}: $\n127.0.0.2\n${listed.join('\n')}\n`);
    chmodSync(join(dir, `list${l}.zone`), 0o644);
    zones.push(`bench${l}.test:ip4set:list${l}.zone`);
  }
  const dnsPort = await freePort('udp');
  const asRoot = process.getuid?.() === 0 ? ['-u', 'rbldns'] : [];
  const dns = spawn(rbldnsd, ['-n', ...asRoot, '-b', `127.0.0.1/${dnsPort}`, '-w', dir, ...zones], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));

  const config = {
    dnsbl: {
      schedule: '0 0 1 1 *',
      resolvers: [`127.0.0.1:${dnsPort}`],
      timeout: '2s',
      concurrency: 64,
      lists: Array.from({ length: listCount }, (_, l) => ({ zone: `bench${l}.test`, type: 'ip', canaries: true })),
      targets,
    },
    mail: { sources: [] },
  };
  const configFile = join(dir, 'config.json.yml');
  writeFileSync(configFile, JSON.stringify(config));
  const port = await freePort('tcp');
  const exporter = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js'), `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}/metrics`;
  const latencies: number[] = [];
  const slowest: { at: number; ms: number }[] = [];
  const began = performance.now();
  let failed = 0;
  let text = '';
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      const t = performance.now();
      try {
        const res = await fetch(url);
        text = await res.text();
        if (res.status !== 200) failed++;
        else { latencies.push(performance.now() - t); slowest.push({ at: (t - began) / 1000, ms: performance.now() - t }); }
      } catch { /* not listening yet */ }
      if (metric(text, 'mailrep_dnsbl_last_round_timestamp_seconds') !== undefined) break;
      if (Date.now() > deadline) throw new Error('DNSBL round did not finish within 120 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${exporter.pid}/status`, 'utf8'));
    const round = metric(text, 'mailrep_dnsbl_round_duration_seconds')!;
    const listedSeries = (text.match(/^mailrep_dnsbl_listed\{.*\} 1$/gm) ?? []).length;
    const okSeries = (text.match(/^mailrep_dnsbl_check_ok\{.*\} 1$/gm) ?? []).length;
    const queries = targetCount * listCount + listCount * 2;
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    console.log(`\n[dnsbl] ${targetCount} targets × ${listCount} lists (+ canaries) against local rbldnsd, in the real exporter`);
    console.log(`  round ${round.toFixed(2)} s, ${Math.round(queries / round).toLocaleString('en')} queries/s, peak RSS ${hwm ? (Number(hwm[1]) / 1024).toFixed(1) : '?'} MiB`);
    console.log(`  ${okSeries} definitive checks, ${listedSeries} listed (expected ${targetCount * listCount} and ${targetCount * listCount / 20})`);
    console.log(`  scrapes during the round: ${latencies.length} ok, ${failed} failed, median ${q(0.5).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`);
    slowest.sort((a, b) => b.ms - a.ms);
    console.log(`  slowest scrapes: ${slowest.slice(0, 3).map((x) => `${x.ms.toFixed(0)} ms at ${x.at.toFixed(2)} s`).join(', ')} (first ok scrape at ${slowest.length ? Math.min(...slowest.map((x) => x.at)).toFixed(2) : '?'} s)`);
    console.log(`  goal ≤ 10 s, ≤ 150 MiB, scrape < 100 ms: ${round <= 10 ? 'met' : 'NOT met'} / ${hwm && Number(hwm[1]) / 1024 <= 150 ? 'met' : 'NOT met'} / ${latencies[latencies.length - 1] < 100 ? 'met' : 'NOT met'}`);
  } finally {
    exporter.kill('SIGTERM');
    dns.kill('SIGTERM');
  }
}
