// The /metrics handler: collectors' pieces written with the right length, and
// scrapes that arrive while a rendering is under way share it (50 concurrent
// scrapers must not render the same snapshots 50 times), while a scrape after
// one finished always gets a fresh rendering.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Gauge } from 'prom-client';
import { createRegistry } from '../../src/metrics/registry';
import { createWebApp, listen } from '../../src/web/server';

let server: Server;
let url: string;
let collects = 0;
let renders = 0;
let release: (() => void) | undefined;
let gate: Promise<void> | undefined;

beforeAll(async () => {
  const registry = createRegistry();
  new Gauge({
    name: 'mailrep_test_collects',
    help: 'Times the registry was collected.',
    registers: [registry],
    async collect() {
      collects++;
      if (gate) await gate;
      this.set(collects);
    },
  });
  const app = createWebApp({
    registry, telemetryPath: '/metrics', isReady: () => true, reload: async () => ({ ok: true }),
    collectors: [
      { name: 'text', configure: async () => {}, stop: async () => {}, renderMetrics: () => { renders++; return `# TYPE mailrep_test_text gauge\nmailrep_test_text ${renders}\n`; } },
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

test('five scrapes arriving during one rendering share it; the next scrape renders afresh', async () => {
  gate = new Promise<void>((r) => { release = r; });
  const before = { collects, renders };
  let arrived = 0;
  const allArrived = new Promise<void>((resolve) => {
    const onRequest = () => { if (++arrived === 5) { server.off('request', onRequest); setImmediate(resolve); } };
    server.on('request', onRequest);
  });
  const bodies = Array.from({ length: 5 }, () => fetch(url).then((r) => r.text()));
  await allArrived;
  release!();
  gate = undefined;
  const texts = await Promise.all(bodies);
  expect(collects - before.collects).toBe(1);
  expect(renders - before.renders).toBe(1);
  expect(new Set(texts).size).toBe(1);

  await fetch(url).then((r) => r.text());
  expect(collects - before.collects).toBe(2);
  expect(renders - before.renders).toBe(2);
});
