// The Exchange message tracking parser on real rows: every row of the verbatim
// samples (exchange-messagetracking.log, exchange-smtpreceive.log, copied from
// /work/shared/samples) and of exchange-msgtrk-public.log (a real file head
// with its header lines), the quote-aware splitter, #Fields: column orders,
// the seen-message bound, rows cut short, and a composed whole file.
import type { ParseResult } from '../../../src/logs/events';
import { EXCHANGE_MAX_SEEN, EXCHANGE_TRACKING_FIELDS, ExchangeParser, splitCsvRow } from '../../../src/logs/exchange';
import { LogClock } from '../../../src/logs/syslog';
import { expectCutsSafe, expectWellFormed, fixtureLines, runParser, totals } from './parser-totals';

const NOW = Date.parse('2026-06-15T00:00:00Z');
const T = (iso: string) => Date.parse(iso);
const IGNORED: ParseResult = { result: 'ignored' };
const parser = () => new ExchangeParser(new LogClock(() => NOW, 'UTC'));

function parsed(...events: object[]): ParseResult {
  return { result: 'parsed', events } as ParseResult;
}

function split(line: string): string[] | false {
  const out: string[] = [];
  return splitCsvRow(line, out) ? out : false;
}

describe('splitCsvRow', () => {
  test.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c', ['a', '', 'c']],
    [',', ['', '']],
    ['a,', ['a', '']],
    ['', ['']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi"", twice",x', ['say "hi", twice', 'x']],
    ['""', ['']],
    ['"",""', ['', '']],
    ['x,"a,b"', ['x', 'a,b']],
    ['x,"a,b",', ['x', 'a,b', '']],
    ['ab"c,d', ['ab"c', 'd']],
  ])('%s', (line, fields) => {
    expect(split(line)).toEqual(fields);
  });

  test.each(['"a,b', 'x,"a', '"a"b,c', '"a""'])('%s: a quote that never closes or text after it is refused', (line) => {
    expect(split(line)).toBe(false);
  });

  test('the real submission row: a quoted source-context with commas', () => {
    const row = split(fixtureLines('exchange-msgtrk-public.log')[6]!) as string[];
    expect(row).toHaveLength(30);
    expect(row[5]).toBe('MDB:12345678-3232-2323-1111-12345679987, Mailbox:33345678-3232-2323-1111-08da9fd00918, Event:63779422, MessageClass:IPM.Note, CreationTime:2022-09-19T15:02:29.211Z, ClientType:MOMT, SubmissionAssistant:MailboxTransportSubmissionEmailAssistant, ServerMdbConnectionId:08DA9806C5B670C1');
    expect(row[8]).toBe('RECEIVE');
    expect(row[19]).toBe('user.name1@domain.com');
  });

  test('reuses the output array', () => {
    const out = ['stale', 'values', 'here', 'and', 'more'];
    expect(splitCsvRow('a,b', out)).toBe(true);
    expect(out).toEqual(['a', 'b']);
  });
});

describe('every row of the real samples', () => {
  test('message tracking rows, without a header (the 2013+ column order is assumed)', () => {
    const p = parser();
    expect(fixtureLines('exchange-messagetracking.log').map((l) => p.parse(l))).toEqual([
      IGNORED, // HAREDIRECTFAIL
      // Incoming: inbound mail from a relay host, never attributed; the proxied client first.
      parsed(
        { type: 'unauthenticated', time: T('2024-01-25T15:16:09.949Z'), messageId: '1e6eb197-c6b4-1234-1b69-56dc1db88f50', clientAddress: '10.11.12.13' },
        { type: 'recipients', time: T('2024-01-25T15:16:09.949Z'), messageId: '1e6eb197-c6b4-1234-1b69-56dc1db88f50', count: 1, mode: 'total' },
      ),
      parsed({ type: 'delivery', time: T('2024-01-07T00:00:07.463Z'), messageId: '0b7099ea-cb95-1234-328e-08dc5f139ac8', status: 'sent', recipient: 'uwe.musterman@example.com' }),
    ]);
  });

  test('a real file head: header lines, then a mailbox submission by its sender', () => {
    const p = parser();
    expect(fixtureLines('exchange-msgtrk-public.log').map((l) => p.parse(l))).toEqual([
      IGNORED, IGNORED, IGNORED, IGNORED, IGNORED, // #Software … #Fields
      IGNORED, // NOTIFYMAPI
      parsed(
        { type: 'submission', time: T('2022-09-19T15:02:29.450Z'), messageId: '6a638d20-1e63-493a-80a2-08da9a4ff8da', user: 'user.name1@domain.com', clientAddress: '95.11.22.33' },
        { type: 'recipients', time: T('2022-09-19T15:02:29.450Z'), messageId: '6a638d20-1e63-493a-80a2-08da9a4ff8da', count: 1, mode: 'total' },
      ),
    ]);
  });

  test('the SMTP receive protocol log: a 535 to the client is a failed login from its address', () => {
    expect(parser().parse(fixtureLines('exchange-smtpreceive.log')[0]!)).toEqual(parsed({ type: 'auth_failure', time: T('2022-07-20T21:12:06.270Z'), clientAddress: '192.168.9.212' }));
  });
});

describe('#Fields: sets the column order', () => {
  // Exchange 2010's 26 columns: no network-message-id, so internal-message-id is the key.
  const FIELDS_2010 = '#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data';
  // Composed in that order from the public submission row's values.
  const ROW_2010 = '2022-09-19T15:02:29.450Z,fe80::1234:5678:4321:1010,SERVER-HOSTNAME.DOMAIN.TEST,,SERVER-HOSTNAME,"MDB:1, Mailbox:2",,STOREDRIVER,RECEIVE,438,<XXX@domain.com>,user.name4@gmail.com,To,3750222,1,,,MAIL SUBJECT,user.name1@domain.com,user.name1@domain.com,04I: ,Originating,,95.11.22.33,,';

  test('a 2010 header and row', () => {
    const p = parser();
    expect(p.parse(FIELDS_2010)).toEqual(IGNORED);
    expect(p.parse(ROW_2010)).toEqual(parsed(
      { type: 'submission', time: T('2022-09-19T15:02:29.450Z'), messageId: '438', user: 'user.name1@domain.com', clientAddress: '95.11.22.33' },
      { type: 'recipients', time: T('2022-09-19T15:02:29.450Z'), messageId: '438', count: 1, mode: 'total' },
    ));
    // A 30-column row no longer fits.
    expect(p.parse(fixtureLines('exchange-messagetracking.log')[1]!)).toEqual({ result: 'malformed', reason: '30 fields where the header has 26' });
  });

  test('a header without date-time or a message id is refused and the previous order stays', () => {
    const p = parser();
    expect(p.parse('#Fields: client-ip,event-id')).toEqual({ result: 'malformed', reason: '#Fields: without date-time' });
    expect(p.parse('#Fields: date-time,event-id,client-ip')).toEqual({ result: 'malformed', reason: '#Fields: without a message id' });
    expect(p.parse(fixtureLines('exchange-messagetracking.log')[1]!).result).toBe('parsed');
  });

  test('a BOM and a CR (Windows line end) are not part of the row', () => {
    const row = fixtureLines('exchange-messagetracking.log')[2]!;
    expect(parser().parse(`\ufeff${row}\r`)).toEqual(parser().parse(row));
  });
});

describe('which RECEIVE is a submission', () => {
  const row = (over: Record<string, string>) => {
    const base: Record<string, string> = {
      'date-time': '2026-03-02T10:00:00.000Z', 'client-ip': '10.0.0.21', source: 'SMTP', 'event-id': 'RECEIVE', 'internal-message-id': '1',
      'network-message-id': 'aaaaaaaa-0000-0000-0000-000000000001', 'recipient-count': '2', 'sender-address': 'alice@example.org', directionality: 'Originating',
    };
    const v = { ...base, ...over };
    return EXCHANGE_TRACKING_FIELDS.map((f) => v[f] ?? '').join(',');
  };

  test.each([
    [{}, 'submission'],
    [{ directionality: 'Incoming' }, 'unauthenticated'],
    [{ directionality: 'Incoming', source: 'STOREDRIVER' }, 'submission'],
    [{ 'sender-address': '' }, 'unauthenticated'],
    [{ 'sender-address': '<>' }, 'unauthenticated'],
  ])('%j → %s', (over, type) => {
    const r = parser().parse(row(over));
    expect(r.result === 'parsed' && r.events[0]!.type).toBe(type);
  });

  test('the same network-message-id received twice counts once', () => {
    const p = parser();
    expect(p.parse(row({})).result).toBe('parsed');
    expect(p.parse(row({ source: 'STOREDRIVER', 'internal-message-id': '2' }))).toEqual(IGNORED);
  });

  test(`at most ${EXCHANGE_MAX_SEEN} message ids are remembered`, () => {
    const p = parser();
    const id = (n: number) => `aaaaaaaa-0000-0000-0000-${String(n).padStart(12, '0')}`;
    for (let n = 1; n <= EXCHANGE_MAX_SEEN + 1; n++) p.parse(row({ 'network-message-id': id(n) }));
    expect(p.parse(row({ 'network-message-id': id(1) })).result).toBe('parsed');
    expect(p.parse(row({ 'network-message-id': id(EXCHANGE_MAX_SEEN + 1) }))).toEqual(IGNORED);
  });

  test('a recipient-count that is no number is malformed', () => {
    expect(parser().parse(row({ 'recipient-count': 'x' }))).toEqual({ result: 'malformed', reason: 'recipient-count is not a number' });
  });
});

describe('malformed and cut-short rows', () => {
  test.each([
    ['2024-01-25T15:16:09.949Z,10.11.12.14,exchange-mail', 'not an Exchange message tracking or protocol log row'],
    ['2024-01-25 15:16:09' + ',x'.repeat(29), 'date-time is not an ISO 8601 time'],
    ['Jul 10 13:23:50 srv24-s-st postfix/smtp[16375]: EC1ECDF0510: to=<1680827@mail.ru>, status=sent (250 OK)', 'not an Exchange message tracking or protocol log row'],
    ['2022-09-19T15:02:29.450Z,fe80::1,SERVER,"MDB:1, Mailbox:2', 'a quoted field never closes'],
  ])('%s → %s', (line, reason) => {
    expect(parser().parse(line)).toEqual({ result: 'malformed', reason });
  });

  test.each([fixtureLines('exchange-messagetracking.log')[1]!, fixtureLines('exchange-messagetracking.log')[2]!, fixtureLines('exchange-msgtrk-public.log')[6]!])('every cut of %s is malformed or the same events', (line) => {
    const malformed = expectCutsSafe(parser, line, 1);
    // Only cuts inside the last column (schema-version, never read) keep the row whole.
    expect(malformed).toBe(line.lastIndexOf(',') + 1 - 1);
  });
});

test('a composed whole file: exact per-user totals', () => {
  const { events, counts } = runParser(parser(), fixtureLines('exchange-composed.log'));
  expectWellFormed(events);
  expect(counts).toEqual({ parsed: 12, ignored: 9, malformed: 1 });
  const t = totals(events);
  expect(t.users).toEqual({
    'alice@example.org': { messages: 3, recipients: 5, sent: 4, deferred: 1, bounced: 1 },
    'bob@example.org': { messages: 1, recipients: 2, sent: 2, deferred: 0, bounced: 0 },
  });
  expect(t.deliveries).toEqual({ sent: 7, deferred: 1, bounced: 1 });
  expect(events.find((e) => e.type === 'delivery' && e.status === 'bounced')).toEqual({
    type: 'delivery', time: T('2026-03-02T11:00:02.000Z'), messageId: '1f0c7a2e-0003-4a5b-9c8d-08de58a10003', status: 'bounced', recipient: 'frank@example.com',
    reply: '550 5.7.1 Service unavailable, Client host [203.0.113.2] blocked using zen.spamhaus.org',
  });
});
