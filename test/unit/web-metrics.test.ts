// The /metrics handler: collectors' pieces written with the right length, and
// concurrent scrapes rendered one per event-loop turn (50 back-to-back
// scrapers must not starve the DNSBL round), each afresh.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Gauge } from 'prom-client';
import { createRegistry } from '../../src/metrics/registry';
import { LoopTurns } from '../../src/web/loop-turns';
import { createWebApp, listen } from '../../src/web/server';

let server: Server;
let url: string;
let collects = 0;
let renders = 0;
let noteTurn: (() => void) | undefined;

beforeAll(async () => {
  const registry = createRegistry();
  new Gauge({
    name: 'mailrep_test_collects',
    help: 'Times the registry was collected.',
    registers: [registry],
    async collect() {
      collects++;
      this.set(collects);
    },
  });
  const app = createWebApp({
    registry, telemetryPath: '/metrics', isReady: () => true, reload: async () => ({ ok: true }),
    collectors: [
      { name: 'text', configure: async () => {}, stop: async () => {}, renderMetrics: () => { renders++; noteTurn?.(); return `# TYPE mailrep_test_text gauge\nmailrep_test_text ${renders}\n`; } },
      { name: 'chunks', configure: async () => {}, stop: async () => {}, renderMetricsChunks: () => [Buffer.from('# TYPE mailrep_test_chunks gauge\n'), Buffer.from('mailrep_test_chunks{x="§"} 1\n')] },
    ],
  });
  server = await listen(app, { host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('the pieces of every collector, with a Content-Length that counts bytes', async () => {
  const res = await fetch(url);
  const body = await res.text();
  expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(body));
  expect(body).toMatch(/^mailrep_test_text \d+$/m);
  expect(body).toContain('mailrep_test_chunks{x="§"} 1\n');
});

test('five concurrent scrapes are rendered one per event-loop turn, each afresh', async () => {
  // A background loop counts turns; each rendering notes the turn it ran in.
  let turn = 0;
  let counting = true;
  const tick = () => { turn++; if (counting) setImmediate(tick); };
  setImmediate(tick);
  const turns: number[] = [];
  const before = renders;
  noteTurn = () => turns.push(turn);
  const texts = await Promise.all(Array.from({ length: 5 }, () => fetch(url).then((r) => r.text())));
  counting = false;
  noteTurn = undefined;
  expect(renders - before).toBe(5);
  expect(new Set(turns).size).toBe(5);
  // Each its own rendering: the collector's counter differs in every answer.
  expect(new Set(texts.map((t) => /^mailrep_test_text (\d+)$/m.exec(t)![1])).size).toBe(5);
});

test('LoopTurns: five takes at once resolve in five successive event-loop turns', async () => {
  const turnsTaken = new LoopTurns();
  let turn = 0;
  let counting = true;
  const tick = () => { turn++; if (counting) setImmediate(tick); };
  setImmediate(tick);
  const seen = await Promise.all(Array.from({ length: 5 }, () => turnsTaken.take().then(() => turn)));
  counting = false;
  expect(seen.length).toBe(5);
  for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
});
