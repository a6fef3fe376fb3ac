// A scripted DNS server on a free loopback port (UDP and TCP), for what a real
// rbldnsd cannot do: SERVFAIL, truncation, garbage, wrong query IDs, slow or
// missing answers. Replies are built with dns2's Packet, an independent
// encoder, so the resolver's own decoding is cross-checked.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Packet } = require('dns2');

export type Behaviour =
  | { kind: 'answer'; addresses: string[]; ttl?: number; delayMs?: number }
  | { kind: 'rcode'; rcode: number }
  | { kind: 'drop' }
  | { kind: 'garbage' }
  | { kind: 'wrong-id-then-answer'; addresses: string[] }
  | { kind: 'truncated'; addresses: string[] };

export interface DnsStub {
  port: number;
  /** Queries received per name (UDP and TCP). */
  received: Map<string, number>;
  tcpQueries: number;
  /** Most queries waiting for a (delayed) answer at once. */
  maxOutstanding: number;
  stop(): Promise<void>;
}

function response(query: Buffer, addresses: string[], ttl: number): any {
  const req = Packet.parse(query);
  const res = new Packet(req);
  res.header.qr = 1;
  res.header.ra = 1;
  res.questions = req.questions;
  res.answers = addresses.map((address) => ({ name: req.questions[0].name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl, address }));
  return res;
}

export async function startDnsStub(behaviour: (name: string) => Behaviour): Promise<DnsStub> {
  const udp: Socket = createSocket('udp4');
  const stub: DnsStub = { port: 0, received: new Map(), tcpQueries: 0, maxOutstanding: 0, stop: async () => {} };
  let outstanding = 0;
  const nameOf = (q: Buffer) => String(Packet.parse(q).questions[0]?.name ?? '').toLowerCase();

  udp.on('message', (msg, rinfo) => {
    let name: string;
    try { name = nameOf(msg); } catch { return; }
    stub.received.set(name, (stub.received.get(name) ?? 0) + 1);
    const b = behaviour(name);
    const send = (buf: Buffer) => udp.send(buf, rinfo.port, rinfo.address);
    switch (b.kind) {
      case 'drop': return;
      case 'garbage': {
        // Our id, then bytes that decode as nothing.
        const g = Buffer.from([msg[0], msg[1], 0x81, 0x80, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff]);
        send(g);
        return;
      }
      case 'rcode': {
        const r = response(msg, [], 0);
        r.header.rcode = b.rcode;
        send(r.toBuffer());
        return;
      }
      case 'wrong-id-then-answer': {
        const wrong = response(msg, ['127.0.0.66'], 60);
        wrong.header.id = (wrong.header.id + 1) & 0xffff;
        send(wrong.toBuffer());
        send(response(msg, b.addresses, 60).toBuffer());
        return;
      }
      case 'truncated': {
        const r = response(msg, [], 0);
        r.header.tc = 1;
        send(r.toBuffer());
        return;
      }
      case 'answer': {
        const buf = response(msg, b.addresses, b.ttl ?? 60).toBuffer();
        if (!b.delayMs) { send(buf); return; }
        outstanding++;
        stub.maxOutstanding = Math.max(stub.maxOutstanding, outstanding);
        setTimeout(() => { outstanding--; send(buf); }, b.delayMs);
      }
    }
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  stub.port = udp.address().port;

  // TCP on the same port number: full answers for truncated names.
  const tcp: Server = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const q = buf.subarray(2, 2 + buf.readUInt16BE(0));
      stub.tcpQueries++;
      const name = nameOf(q);
      const b = behaviour(name);
      const addresses = b.kind === 'truncated' || b.kind === 'answer' || b.kind === 'wrong-id-then-answer' ? b.addresses : [];
      const body: Buffer = response(q, addresses, 60).toBuffer();
      const framed = Buffer.alloc(body.length + 2);
      framed.writeUInt16BE(body.length, 0);
      body.copy(framed, 2);
      sock.end(framed);
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(stub.port, '127.0.0.1', () => resolve()); });

  stub.stop = async () => {
    await new Promise<void>((r) => udp.close(() => r()));
    await new Promise<void>((r) => tcp.close(() => r()));
  };
  return stub;
}
