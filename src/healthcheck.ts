#!/usr/bin/env node
// Container health check: `node dist/src/healthcheck.js [host:port]` exits 0
// when the exporter answers GET /-/healthy with 200, else 1.
//
// Why a program and not a one-line fetch: once --web.config.file turns TLS on,
// a plain-HTTP probe fails although the exporter is fine, and Docker would
// restart a healthy container. So it asks over HTTP and HTTPS at once and is
// satisfied by either. The HTTPS probe does not verify the certificate: it runs
// inside the container against loopback and checks liveness, not identity (no
// credentials are sent). With client certificates required (mTLS) the probe
// cannot complete a handshake: override HEALTHCHECK for that setup.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const DEFAULT_ADDRESS = '127.0.0.1:9798';
export const HEALTH_PATH = '/-/healthy';
const TIMEOUT_MS = 4000;

function probe(scheme: 'http' | 'https', address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const url = `${scheme}://${address}${HEALTH_PATH}`;
    const options = { agent: false as const, timeout: TIMEOUT_MS, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) };
    const req = (scheme === 'https' ? httpsRequest : httpRequest)(url, options, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function healthy(address = DEFAULT_ADDRESS): Promise<boolean> {
  const results = await Promise.all([probe('http', address), probe('https', address)]);
  return results.includes(true);
}

if (require.main === module) {
  const address = process.argv[2] ?? DEFAULT_ADDRESS;
  healthy(address).then((ok) => process.exit(ok ? 0 : 1), () => process.exit(1));
}
