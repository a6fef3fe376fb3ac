// Microsoft Exchange message tracking logs (TransportRoles\Logs\MessageTracking\
// MSGTRK*.LOG): CSV, one event per row, with "#Software:", "#Version:",
// "#Log-type:", "#Date:" and "#Fields:" header lines at the top of each file.
// The "#Fields:" line sets the column order for the rows after it; before any
// header the Exchange 2013+ order (30 columns) is assumed. The SMTP receive
// protocol log (…\ProtocolLog\SmtpReceive, 9 columns) is read too, for the
// failed logins message tracking never shows.
//
// Events (message key: network-message-id, the GUID every copy and hop of a
// message keeps; internal-message-id when the log has no such column):
//   RECEIVE, directionality Originating or source STOREDRIVER, with a
//           sender-address              → submission by that sender
//   RECEIVE otherwise (Incoming)        → unauthenticated
//           recipient-count             → recipients ('total')
//   SEND, SENDEXTERNAL, DELIVER         → delivery sent, one per recipient
//   FAIL                                → delivery bounced, reply = recipient-status
//   DEFER                               → delivery deferred, reply = recipient-status
//   protocol log ">" "535 5.7.3 Authentication unsuccessful" → auth_failure (client address only)
// Everything else (SUBMIT, DSN, EXPAND, RESOLVE, TRANSFER, HAREDIRECTFAIL,
// NOTIFYMAPI, AGENTINFO, …) is ignored.
//
// Who is the user? Exchange logs no SASL login name. A RECEIVE is
// "Originating" when the sender authenticated as a member of the organisation
// (a mailbox submission through the store driver: Outlook, OWA, ActiveSync;
// or authenticated SMTP on the client submission connector), and Exchange
// only lets an authenticated client send as its own address (or one it holds
// Send As rights for). So the sender-address of an Originating RECEIVE is the
// best available stand-in for the authenticated user. Inbound internet mail
// is "Incoming" and never attributed. SUBMIT (the mailbox server handing the
// message to transport) is skipped because the same message's RECEIVE
// follows; a second RECEIVE of the same network-message-id (the submission
// log and the transport log both read, or a resubmission) is ignored so a
// message counts once.
//
// Bounds: the seen-message map keeps at most 10,000 network-message-ids and
// forgets one after 1 day of log time.
//
// Quoting: fields holding commas are quoted with doubled inner quotes
// ("MDB:…, Mailbox:…", message subjects); splitCsvRow below is the small
// quote-aware splitter. A row whose field count differs from the header's, or
// whose quote never closes, was cut short and is malformed.
import { isIP } from 'node:net';
import type { DeliveryStatus, MailEvent, MailLogParser, ParseResult } from './events';
import { JoinMap } from './join-map';
import { LogClock, parseTimestampPrefix } from './syslog';

const IGNORED: ParseResult = { result: 'ignored' };

function malformed(reason: string): ParseResult {
  return { result: 'malformed', reason };
}

/** The Exchange 2013/2016/2019 message tracking columns, in order. */
export const EXCHANGE_TRACKING_FIELDS: readonly string[] = [
  'date-time', 'client-ip', 'client-hostname', 'server-ip', 'server-hostname', 'source-context', 'connector-id', 'source',
  'event-id', 'internal-message-id', 'message-id', 'network-message-id', 'recipient-address', 'recipient-status',
  'total-bytes', 'recipient-count', 'related-recipient-address', 'reference', 'message-subject', 'sender-address',
  'return-path', 'message-info', 'directionality', 'tenant-id', 'original-client-ip', 'original-server-ip', 'custom-data',
  'transport-traffic-type', 'log-id', 'schema-version',
];

/** The SMTP send/receive protocol log columns. */
export const EXCHANGE_PROTOCOL_FIELDS: readonly string[] = [
  'date-time', 'connector-id', 'session-id', 'sequence-number', 'local-endpoint', 'remote-endpoint', 'event', 'data', 'context',
];

/** Messages whose RECEIVE was already turned into an event. */
export const EXCHANGE_MAX_SEEN = 10_000;
export const EXCHANGE_SEEN_TTL_MS = 24 * 60 * 60_000;

/**
 * Splits one CSV row into `out` (cleared first). Quoted fields may hold
 * commas and doubled quotes; unquoted fields are taken as they are. Returns
 * false when a quoted field never closes or text follows a closing quote.
 */
export function splitCsvRow(line: string, out: string[]): boolean {
  out.length = 0;
  const n = line.length;
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let j = i + 1;
      let value = '';
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return false;
        if (line.charCodeAt(q + 1) === 34) {
          value += line.slice(j, q + 1);
          j = q + 2;
          continue;
        }
        value += line.slice(j, q);
        i = q + 1;
        break;
      }
      out.push(value);
      if (i >= n) return true;
      if (line.charCodeAt(i) !== 44) return false;
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return true;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
    if (i === n) {
      out.push('');
      return true;
    }
  }
}

interface Layout {
  count: number;
  kind: 'tracking' | 'protocol';
  time: number;
  event: number;
  // tracking
  source: number;
  messageKey: number;
  recipients: number;
  status: number;
  recipientCount: number;
  sender: number;
  directionality: number;
  clientIp: number;
  originalClientIp: number;
  // protocol
  remote: number;
  data: number;
}

/** The layout for a column list, or a reason it cannot be read. */
function layoutOf(fields: readonly string[]): Layout | string {
  const at = (name: string) => fields.indexOf(name);
  const time = at('date-time');
  if (time < 0) return '#Fields: without date-time';
  if (at('event-id') >= 0) {
    let messageKey = at('network-message-id');
    if (messageKey < 0) messageKey = at('internal-message-id');
    if (messageKey < 0) return '#Fields: without a message id';
    return {
      count: fields.length, kind: 'tracking', time, event: at('event-id'), source: at('source'), messageKey,
      recipients: at('recipient-address'), status: at('recipient-status'), recipientCount: at('recipient-count'),
      sender: at('sender-address'), directionality: at('directionality'), clientIp: at('client-ip'),
      originalClientIp: at('original-client-ip'), remote: -1, data: -1,
    };
  }
  if (at('event') >= 0 && at('data') >= 0) {
    return {
      count: fields.length, kind: 'protocol', time, event: at('event'), source: -1, messageKey: -1, recipients: -1, status: -1,
      recipientCount: -1, sender: -1, directionality: -1, clientIp: -1, originalClientIp: -1, remote: at('remote-endpoint'), data: at('data'),
    };
  }
  return '#Fields: is neither a message tracking nor a protocol log header';
}

const TRACKING = layoutOf(EXCHANGE_TRACKING_FIELDS) as Layout;
const PROTOCOL = layoutOf(EXCHANGE_PROTOCOL_FIELDS) as Layout;

/** The event column of a protocol log: receive, send, connect, disconnect, information. */
const DIRECTIONS = new Set(['<', '>', '+', '-', '*']);

const DELIVERIES: Record<string, DeliveryStatus> = {
  SEND: 'sent', SENDEXTERNAL: 'sent', DELIVER: 'sent', FAIL: 'bounced', DEFER: 'deferred',
};

function field(row: string[], i: number): string {
  return i < 0 ? '' : row[i]!;
}

/** "192.0.2.1", "[2001:db8::1]:25", "192.168.9.212:53722" → the address, if it is one. */
function endpointAddress(s: string): string | undefined {
  if (isIP(s) !== 0) return s;
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    const ip = close > 0 ? s.slice(1, close) : '';
    return isIP(ip) !== 0 ? ip : undefined;
  }
  const colon = s.lastIndexOf(':');
  const ip = colon > 0 ? s.slice(0, colon) : '';
  return isIP(ip) === 4 ? ip : undefined;
}

export class ExchangeParser implements MailLogParser {
  readonly format = 'exchange';
  private layout?: Layout;
  private readonly row: string[] = [];
  private readonly seen = new JoinMap<true>(EXCHANGE_MAX_SEEN, EXCHANGE_SEEN_TTL_MS);

  constructor(private readonly clock: LogClock = new LogClock()) {}

  parse(raw: string): ParseResult {
    let line = raw;
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.charCodeAt(0) === 35 /* # */) return this.header(line);
    const row = this.row;
    if (!splitCsvRow(line, row)) return malformed('a quoted field never closes');
    // Without a header, the column count (and a protocol row's direction
    // mark) tells the two logs apart; a tracking row cut to 9 columns is no
    // protocol row.
    const layout = this.layout ?? (row.length === TRACKING.count ? TRACKING : row.length === PROTOCOL.count && DIRECTIONS.has(row[PROTOCOL.event]!) ? PROTOCOL : undefined);
    if (layout === undefined) return malformed('not an Exchange message tracking or protocol log row');
    if (row.length !== layout.count) return malformed(`${row.length} fields where the header has ${layout.count}`);
    const stamp = row[layout.time]!;
    const ts = parseTimestampPrefix(stamp, 0, this.clock);
    if (!ts || ts.end !== stamp.length || ts.form !== 'rfc3339') return malformed('date-time is not an ISO 8601 time');
    return layout.kind === 'tracking' ? this.tracking(row, layout, ts.time) : protocol(row, layout, ts.time);
  }

  private header(line: string): ParseResult {
    if (!line.startsWith('#Fields:')) return IGNORED;
    const names = line.slice(8).trim().split(',').map((f) => f.trim());
    const layout = layoutOf(names);
    if (typeof layout === 'string') return malformed(layout);
    this.layout = layout;
    return IGNORED;
  }

  private tracking(row: string[], l: Layout, time: number): ParseResult {
    const event = row[l.event]!;
    const messageId = row[l.messageKey]!;
    const delivery = DELIVERIES[event];
    if (delivery !== undefined) {
      if (messageId === '') return malformed(`${event} without a message id`);
      const reply = delivery === 'sent' ? undefined : field(row, l.status).trim();
      const events: MailEvent[] = [];
      for (const r of field(row, l.recipients).split(';')) {
        const recipient = r.trim();
        if (recipient === '') continue;
        const ev: MailEvent = { type: 'delivery', time, messageId, status: delivery, recipient };
        if (reply) ev.reply = reply;
        events.push(ev);
      }
      if (events.length === 0) return malformed(`${event} without a recipient`);
      return { result: 'parsed', events };
    }
    if (event !== 'RECEIVE') return IGNORED;
    if (messageId === '') return malformed('RECEIVE without a message id');
    if (this.seen.get(messageId, time) !== undefined) return IGNORED;
    this.seen.set(messageId, true, time);
    const sender = field(row, l.sender).trim();
    const originating = field(row, l.directionality) === 'Originating' || field(row, l.source) === 'STOREDRIVER';
    let client = field(row, l.originalClientIp);
    if (isIP(client) === 0) client = field(row, l.clientIp);
    const clientAddress = isIP(client) !== 0 ? client : undefined;
    const ev: MailEvent = originating && sender !== '' && sender !== '<>'
      ? { type: 'submission', time, messageId, user: sender }
      : { type: 'unauthenticated', time, messageId };
    if (clientAddress !== undefined) ev.clientAddress = clientAddress;
    const events: MailEvent[] = [ev];
    const countText = field(row, l.recipientCount);
    if (countText !== '') {
      const count = Number(countText);
      if (!Number.isInteger(count) || count < 0) return malformed('recipient-count is not a number');
      if (count > 0) events.push({ type: 'recipients', time, messageId, count, mode: 'total' });
    }
    return { result: 'parsed', events };
  }
}

function protocol(row: string[], l: Layout, time: number): ParseResult {
  if (row[l.event] !== '>' || !row[l.data]!.startsWith('535 5.7.3 ')) return IGNORED;
  const ev: MailEvent = { type: 'auth_failure', time };
  const address = l.remote < 0 ? undefined : endpointAddress(row[l.remote]!);
  if (address !== undefined) ev.clientAddress = address;
  return { result: 'parsed', events: [ev] };
}
