// A UDP port on 127.0.0.1 that nothing listens on — and that stays so while
// other tests run side by side. A port from bind(0) that was free a moment ago
// (freeUdpPort) can be handed to the next bind(0), e.g. another test's DNS stub,
// which would then answer the "down" resolver's queries. Ports below the
// kernel's ephemeral range are never handed out by bind(0).
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => { sock.close(); resolve(false); });
    sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
  });
}

export async function closedUdpPort(): Promise<number> {
  const low = ephemeralLow();
  const from = Math.min(20_000, Math.max(1024, low - 10_000));
  for (let tries = 0; tries < 100; tries++) {
    const port = from + randomInt(Math.max(1, low - from));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free UDP port found below the ephemeral range (${low})`);
}
