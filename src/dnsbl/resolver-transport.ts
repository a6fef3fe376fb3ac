// The two ways one query attempt reaches one server: a long-lived connected UDP
// socket shared by all queries to that server (a map id → pending query), and a
// one-shot TCP connection for answers that came back truncated.
//
// A connected UDP socket is what makes a closed port fail fast: only then does
// the kernel report the ICMP "port unreachable" (as ECONNREFUSED), and it also
// drops datagrams from any other address before we see them.

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, isIP, type Socket as TcpSocket } from 'node:net';
import { randomInt } from 'node:crypto';
import type { Logger } from '../log';
import {
  decodeHeader, decodeQuestionOnly, decodeResponse, encodeQuery, RCODE, sameQuestion,
  type WireHeader, type WireMessage, type WireQuestion,
} from './resolver-wire';

export interface ServerAddress { host: string; port: number }

/** What one attempt against one server produced. */
export type Attempt =
  | { kind: 'answer'; message: WireMessage }
  | { kind: 'truncated' }
  | { kind: 'timeout' }
  | { kind: 'network'; code: string }
  | { kind: 'malformed'; error: string };

/** Counters shared with Resolver.stats. */
export interface TransportStats {
  sent: number;
  /** Replies dropped because id, source, QR bit or question did not match a pending query. */
  ignored: number;
  /** Replies to a pending query that could not be decoded. */
  malformed: number;
}

export function serverLabel(s: ServerAddress): string {
  return isIP(s.host) === 6 ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

interface Pending {
  name: string;
  qtype: number;
  timer: NodeJS.Timeout;
  /** Set when a reply carried our id but could not be decoded; reported instead of "timeout". */
  malformed?: string;
  finish(result: Attempt): void;
}

/**
 * A reply that carries no question can still be a server's error answer
 * (FORMERR, NOTIMP, REFUSED without echo). It is accepted only with an error
 * rcode: such a reply can at worst move us on to the next server early, never
 * produce a definitive (cacheable) answer.
 */
function questionAcceptable(header: WireHeader, question: WireQuestion | undefined, name: string, qtype: number): boolean {
  if (question === undefined && header.qdcount === 0) return header.rcode !== RCODE.NOERROR && header.rcode !== RCODE.NXDOMAIN;
  return sameQuestion(question, name, qtype);
}

export class UdpChannel {
  private socket: UdpSocket | undefined;
  private ready: Promise<void> | undefined;
  private remote = '';
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly server: ServerAddress,
    private readonly stats: TransportStats,
    private readonly logger: Logger,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one query and waits up to timeoutMs for the matching reply. Never rejects. */
  query(name: string, qtype: number, timeoutMs: number): Promise<Attempt> {
    if (this.closed) return Promise.resolve({ kind: 'network', code: 'resolver closed' });
    const ready = this.ready ?? this.open();
    return ready.then(
      () => this.send(name, qtype, timeoutMs),
      (err: NodeJS.ErrnoException) => ({ kind: 'network', code: err.code ?? err.message }),
    );
  }

  private open(): Promise<void> {
    const socket = createSocket(isIP(this.server.host) === 6 ? 'udp6' : 'udp4');
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.ready = new Promise<void>((resolve, reject) => {
      let connected = false;
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!connected) {
          // Could not even connect (bad address for this host): start afresh on the next query.
          if (this.socket === socket) { this.socket = undefined; this.ready = undefined; }
          socket.close();
          reject(err);
          return;
        }
        this.onSocketError(err);
      });
      socket.connect(this.server.port, this.server.host, () => {
        connected = true;
        this.remote = socket.remoteAddress().address;
        socket.unref(); // an idle resolver must not keep the process alive; pending timers do while queries run
        resolve();
      });
    });
    return this.ready;
  }

  private send(name: string, qtype: number, timeoutMs: number): Promise<Attempt> {
    const socket = this.socket;
    if (this.closed || socket === undefined) return Promise.resolve({ kind: 'network', code: 'resolver closed' });
    if (this.pending.size >= 0x10000) return Promise.resolve({ kind: 'network', code: 'no free query id' });
    let id = randomInt(0x10000);
    while (this.pending.has(id)) id = randomInt(0x10000);
    return new Promise<Attempt>((resolve) => {
      const entry: Pending = {
        name,
        qtype,
        timer: setTimeout(() => {
          this.pending.delete(id);
          resolve(entry.malformed !== undefined ? { kind: 'malformed', error: entry.malformed } : { kind: 'timeout' });
        }, timeoutMs),
        finish: (result) => {
          clearTimeout(entry.timer);
          this.pending.delete(id);
          resolve(result);
        },
      };
      this.pending.set(id, entry);
      this.stats.sent++;
      socket.send(encodeQuery(id, name, qtype), (err) => {
        if (!err) return;
        const code = (err as NodeJS.ErrnoException).code;
        // A connected UDP socket reports the ICMP "port unreachable" of an
        // earlier datagram on the next send: the server is down for every
        // query in flight, not only this one. Failing just this one left the
        // others waiting out their timeout (and ending as timeouts).
        if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') this.onSocketError(err as NodeJS.ErrnoException);
        else if (this.pending.get(id) === entry) entry.finish({ kind: 'network', code: code ?? err.message });
      });
    });
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.port !== this.server.port || rinfo.address !== this.remote) { this.stats.ignored++; return; }
    const header = decodeHeader(msg);
    const entry = header && this.pending.get(header.id);
    if (!header || !entry || !header.qr) { this.stats.ignored++; return; }
    if (header.tc) {
      const head = decodeQuestionOnly(msg);
      if (!head.ok) { this.noteMalformed(entry, head.error); return; }
      if (!questionAcceptable(header, head.value.question, entry.name, entry.qtype)) { this.stats.ignored++; return; }
      entry.finish({ kind: 'truncated' });
      return;
    }
    const decoded = decodeResponse(msg);
    if (!decoded.ok) { this.noteMalformed(entry, decoded.error); return; }
    if (!questionAcceptable(header, decoded.value.question, entry.name, entry.qtype)) { this.stats.ignored++; return; }
    entry.finish({ kind: 'answer', message: decoded.value });
  }

  /** Keep waiting: the real answer may still come (a garbage packet must not be able to cut a query short). */
  private noteMalformed(entry: Pending, error: string): void {
    this.stats.malformed++;
    entry.malformed = error;
  }

  /**
   * An error on the connected socket is the ICMP error of some earlier
   * datagram (ECONNREFUSED: nothing listens on that port; EHOSTUNREACH…). It
   * cannot be tied to one query and is true of the server, so every query
   * waiting on this server fails over now instead of waiting for its timeout.
   */
  private onSocketError(err: NodeJS.ErrnoException): void {
    const code = err.code ?? err.message;
    this.logger.debug('DNS server socket error', { server: serverLabel(this.server), code, pending: this.pending.size });
    for (const entry of [...this.pending.values()]) entry.finish({ kind: 'network', code });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of [...this.pending.values()]) entry.finish({ kind: 'network', code: 'resolver closed' });
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => { try { socket.close(() => resolve()); } catch { resolve(); } });
  }
}

/**
 * One query over a fresh TCP connection (RFC 1035 §4.2.2: 2-byte length
 * framing), with its own timeout covering connect, send and reply. The socket
 * is registered in `open` so close() can cut it.
 */
export function tcpQuery(server: ServerAddress, name: string, qtype: number, timeoutMs: number, stats: TransportStats, open: Set<TcpSocket>): Promise<Attempt> {
  return new Promise<Attempt>((resolve) => {
    const id = randomInt(0x10000);
    const query = encodeQuery(id, name, qtype);
    const framed = Buffer.allocUnsafe(query.length + 2);
    framed.writeUInt16BE(query.length, 0);
    query.copy(framed, 2);

    const socket = tcpConnect({ host: server.host, port: server.port });
    open.add(socket);
    let done = false;
    let malformed: string | undefined;
    const finish = (result: Attempt) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      open.delete(socket);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(malformed !== undefined ? { kind: 'malformed', error: malformed } : { kind: 'timeout' }), timeoutMs);

    let chunks: Buffer[] = [];
    let have = 0;
    socket.on('connect', () => {
      stats.sent++;
      socket.write(framed);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      // A connection may carry several framed messages; look at each complete one.
      // The 2-byte length caps a message at 64 KiB, so the buffer stays bounded.
      for (;;) {
        if (have < 2) return;
        const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
        chunks = [buf];
        const len = buf.readUInt16BE(0);
        if (have < 2 + len) return;
        const message = buf.subarray(2, 2 + len);
        chunks = have > 2 + len ? [buf.subarray(2 + len)] : [];
        have -= 2 + len;
        const header = decodeHeader(message);
        if (!header || header.id !== id || !header.qr) { stats.ignored++; continue; }
        const decoded = decodeResponse(message);
        if (!decoded.ok) { stats.malformed++; malformed = decoded.error; continue; }
        if (!questionAcceptable(header, decoded.value.question, name, qtype)) { stats.ignored++; continue; }
        finish({ kind: 'answer', message: decoded.value });
        return;
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'network', code: `tcp ${err.code ?? err.message}` }));
    socket.on('close', () => finish(malformed !== undefined ? { kind: 'malformed', error: malformed } : { kind: 'network', code: 'tcp connection closed without an answer' }));
  });
}
