// A scripted DNS server on a free loopback port (UDP and TCP), for what a real
// rbldnsd cannot do: SERVFAIL, truncation, garbage, wrong query IDs or
// questions, slow or missing answers, CNAME chains, MX. Replies are built with
// dns2's Packet, an independent encoder, so the resolver's own decoding is
// cross-checked.
//
//   const stub = await startDnsStub((name, type) => name === 'x.test' ? { kind: 'rcode', rcode: 2 } : { kind: 'drop' });
//   ... resolver at { host: '127.0.0.1', port: stub.port } ...
//   stub.received.get('x.test')  // queries seen for that name (UDP + TCP)
//   await stub.stop();
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Packet } = require('dns2');

/** A record in a scripted reply; `name` defaults to the query name, `ttl` to 60. */
export type StubRecord = { name?: string; ttl?: number } & (
  | { type: 'A' | 'AAAA'; address: string }
  | { type: 'TXT'; strings: string[] }
  | { type: 'MX'; exchange: string; priority: number }
  | { type: 'CNAME'; target: string }
  | { type: 'SOA'; minimum: number }
);

export type Behaviour =
  /** NOERROR with A records for `addresses` and/or any `records`; optionally after a delay. */
  | { kind: 'answer'; addresses?: string[]; records?: StubRecord[]; authority?: StubRecord[]; rcode?: number; ttl?: number; delayMs?: number }
  /** An empty reply with this rcode (2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED…); `authority` e.g. a SOA for negative caching. */
  | { kind: 'rcode'; rcode: number; authority?: StubRecord[]; delayMs?: number }
  /** No reply at all. */
  | { kind: 'drop' }
  /** Our id and a header promising 5 answers, then bytes that decode as nothing; `short`: 5 bytes, not even a header. */
  | { kind: 'garbage'; short?: boolean }
  /** A reply with another id (ignored by the resolver), then the real one. */
  | { kind: 'wrong-id-then-answer'; addresses: string[] }
  /** Only a reply with another id. */
  | { kind: 'wrong-id'; addresses: string[] }
  /** A reply for another name (our id), then, unless `only`, the real one. */
  | { kind: 'wrong-question'; addresses: string[]; only?: boolean }
  /** UDP: an empty reply with TC set; TCP: the full answer. */
  | { kind: 'truncated'; addresses?: string[]; records?: StubRecord[] };

export interface DnsStub {
  host: string;
  port: number;
  /** Queries received per name, lower case (UDP and TCP). */
  received: Map<string, number>;
  /** Names in the order their queries arrived (UDP and TCP). */
  order: string[];
  tcpQueries: number;
  /** Most queries waiting for a (delayed) reply at once. */
  maxOutstanding: number;
  stop(): Promise<void>;
}

export interface StubOptions {
  /** '127.0.0.1' (default) or '::1'. */
  host?: string;
  /** Listen on TCP as well (default true); false makes a TCP fallback hit a closed port. */
  tcp?: boolean;
}

const TYPE_NAMES: Record<number, string> = { 1: 'A', 28: 'AAAA', 16: 'TXT', 15: 'MX', 5: 'CNAME', 6: 'SOA' };

function resource(qname: string, r: StubRecord, defaultTtl: number): object {
  const base = { name: r.name ?? qname, class: Packet.CLASS.IN, ttl: r.ttl ?? defaultTtl };
  switch (r.type) {
    case 'A': return { ...base, type: Packet.TYPE.A, address: r.address };
    case 'AAAA': return { ...base, type: Packet.TYPE.AAAA, address: r.address };
    case 'TXT': return { ...base, type: Packet.TYPE.TXT, data: r.strings };
    case 'MX': return { ...base, type: Packet.TYPE.MX, exchange: r.exchange, priority: r.priority };
    case 'CNAME': return { ...base, type: Packet.TYPE.CNAME, domain: r.target };
    case 'SOA': return {
      ...base, name: r.name ?? qname.split('.').slice(-2).join('.'), type: Packet.TYPE.SOA,
      primary: 'ns.test.invalid', admin: 'hostmaster.test.invalid', serial: 1, refresh: 3600, retry: 600, expiration: 86400, minimum: r.minimum,
    };
  }
}

function reply(query: Buffer, opts: { addresses?: string[]; records?: StubRecord[]; authority?: StubRecord[]; rcode?: number; ttl?: number; tc?: boolean; id?: number; name?: string }): Buffer {
  const req = Packet.parse(query);
  const res = new Packet();
  res.header = { ...req.header, qr: 1, ra: 1, tc: opts.tc ? 1 : 0, rcode: opts.rcode ?? 0, id: opts.id ?? req.header.id };
  const q = req.questions[0];
  const qname = opts.name ?? q.name;
  res.questions = [{ name: qname, type: q.type, class: q.class }];
  const ttl = opts.ttl ?? 60;
  res.answers = [
    ...(opts.addresses ?? []).map((address) => resource(qname, { type: q.type === Packet.TYPE.AAAA ? 'AAAA' : 'A', address }, ttl)),
    ...(opts.records ?? []).map((r) => resource(qname, r, ttl)),
  ];
  res.authorities = (opts.authority ?? []).map((r) => resource(qname, r, ttl));
  return res.toBuffer();
}

function framed(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length + 2);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

/**
 * Starts the stub; `behaviour(name, type)` decides the reply per query (name
 * lower case without trailing dot, type as 'A', 'TXT', …).
 */
export async function startDnsStub(behaviour: (name: string, type: string) => Behaviour, opts: StubOptions = {}): Promise<DnsStub> {
  const host = opts.host ?? '127.0.0.1';
  const newUdp = (): Socket => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.on('message', (msg, rinfo) => onQuery(msg, (buf) => sock.send(buf, rinfo.port, rinfo.address)));
    return sock;
  };
  const stub: DnsStub = { host, port: 0, received: new Map(), order: [], tcpQueries: 0, maxOutstanding: 0, stop: async () => {} };
  const timers = new Set<NodeJS.Timeout>();
  let outstanding = 0;

  const question = (q: Buffer): { name: string; type: string } | undefined => {
    try {
      const parsed = Packet.parse(q).questions[0];
      if (!parsed) return undefined;
      return { name: String(parsed.name).toLowerCase(), type: TYPE_NAMES[parsed.type] ?? String(parsed.type) };
    } catch {
      return undefined;
    }
  };
  const count = (name: string) => {
    stub.received.set(name, (stub.received.get(name) ?? 0) + 1);
    stub.order.push(name);
  };
  const later = (delayMs: number | undefined, send: () => void) => {
    if (!delayMs) { send(); return; }
    outstanding++;
    stub.maxOutstanding = Math.max(stub.maxOutstanding, outstanding);
    const t = setTimeout(() => { timers.delete(t); outstanding--; send(); }, delayMs);
    timers.add(t);
  };

  function onQuery(msg: Buffer, send: (buf: Buffer) => void): void {
    const q = question(msg);
    if (!q) return;
    count(q.name);
    const b = behaviour(q.name, q.type);
    const otherId = (msg.readUInt16BE(0) + 1) & 0xffff;
    switch (b.kind) {
      case 'drop': return;
      case 'garbage':
        send(b.short
          ? Buffer.from([msg[0], msg[1], 0x81, 0x80, 0x00])
          : Buffer.from([msg[0], msg[1], 0x81, 0x80, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff]));
        return;
      case 'rcode':
        later(b.delayMs, () => send(reply(msg, { rcode: b.rcode, authority: b.authority })));
        return;
      case 'wrong-id':
        send(reply(msg, { addresses: b.addresses, id: otherId }));
        return;
      case 'wrong-id-then-answer':
        send(reply(msg, { addresses: ['127.0.0.66'], id: otherId }));
        send(reply(msg, { addresses: b.addresses }));
        return;
      case 'wrong-question':
        send(reply(msg, { addresses: ['127.0.0.66'], name: `other.${q.name}` }));
        if (!b.only) send(reply(msg, { addresses: b.addresses }));
        return;
      case 'truncated':
        send(reply(msg, { tc: true }));
        return;
      case 'answer':
        later(b.delayMs, () => send(reply(msg, b)));
    }
  }
  let udp = newUdp();

  // TCP on the same port number: full answers for truncated names.
  const conns = new Set<TcpSocket>();
  const tcp: Server | undefined = opts.tcp === false ? undefined : createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      stub.tcpQueries++;
      const q = question(msg);
      if (!q) { sock.destroy(); return; }
      count(q.name);
      const b = behaviour(q.name, q.type);
      if (b.kind === 'drop') return;
      const body = b.kind === 'rcode' ? reply(msg, { rcode: b.rcode, authority: b.authority })
        : b.kind === 'truncated' || b.kind === 'answer' ? reply(msg, b)
          : reply(msg, { addresses: 'addresses' in b ? b.addresses : [] });
      sock.end(framed(body));
    });
    sock.on('error', () => {});
  });
  // UDP on a free port, then TCP on the same number; if that TCP port is taken, try another.
  for (let tries = 1; ; tries++) {
    await new Promise<void>((resolve) => udp.bind(0, host, () => resolve()));
    stub.port = udp.address().port;
    if (!tcp) break;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(stub.port, host, () => { tcp.off('error', reject); resolve(); });
      });
      break;
    } catch (err) {
      if (tries >= 10) throw err;
      // A dgram socket cannot be re-bound: start over with a fresh one.
      await new Promise<void>((r) => udp.close(() => r()));
      udp = newUdp();
    }
  }

  stub.stop = async () => {
    for (const t of timers) clearTimeout(t);
    for (const c of conns) c.destroy();
    await new Promise<void>((r) => udp.close(() => r()));
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  };
  return stub;
}
