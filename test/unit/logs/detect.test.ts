// format: auto and the format → parser map, on the real and composed fixtures
// of every format (those of the Postfix and Exim parsers included).
import fc from 'fast-check';
import { MAIL_SOURCE_FORMATS } from '../../../src/logs/config';
import { DETECT_MAX_LINES, MAIL_FORMATS, createParser, detectFormat } from '../../../src/logs/detect';
import { LogClock } from '../../../src/logs/syslog';
import { fixtureLines } from './parser-totals';

describe('detectFormat on whole fixtures', () => {
  test.each([
    ['postfix.log', 'postfix'],
    ['postfix-composed.log', 'postfix'],
    ['exim_mainlog', 'exim'],
    ['exim-composed.log', 'exim'],
    ['kerio-mail.log', 'kerio'],
    ['kerio-security.log', 'kerio'],
    ['kerio-composed-mail.log', 'kerio'],
    ['kerio-composed-security.log', 'kerio'],
    ['sendmail.log', 'sendmail'],
    ['sendmail-public.log', 'sendmail'],
    ['sendmail-composed.log', 'sendmail'],
    ['opensmtpd.log', 'opensmtpd'],
    ['opensmtpd-public.log', 'opensmtpd'],
    ['opensmtpd-composed.log', 'opensmtpd'],
    ['exchange-messagetracking.log', 'exchange'],
    ['exchange-smtpreceive.log', 'exchange'],
    ['exchange-msgtrk-public.log', 'exchange'],
    ['exchange-composed.log', 'exchange'],
    ['dovecot.log', 'dovecot'],
    ['dovecot-composed.log', 'dovecot'],
  ])('%s is %s', (file, format) => {
    expect(detectFormat(fixtureLines(file))?.format).toBe(format);
  });

  test('confidence is the share of lines the winner recognised', () => {
    expect(detectFormat(fixtureLines('kerio-security.log'))).toEqual({ format: 'kerio', confidence: 1 });
    // Header lines and rows alike.
    expect(detectFormat(fixtureLines('exchange-msgtrk-public.log'))).toEqual({ format: 'exchange', confidence: 1 });
    // 13 of 14: the last line is cut short (malformed).
    expect(detectFormat(fixtureLines('dovecot-composed.log'))).toEqual({ format: 'dovecot', confidence: 13 / 14 });
    expect(detectFormat(fixtureLines('sendmail-composed.log'))).toEqual({ format: 'sendmail', confidence: 25 / 26 });
  });

  test('each format from its first line alone', () => {
    expect(detectFormat(fixtureLines('kerio-mail.log').slice(0, 1))?.format).toBe('kerio');
    expect(detectFormat(fixtureLines('opensmtpd.log').slice(6, 7))?.format).toBe('opensmtpd'); // a bare smtpd -d line
    expect(detectFormat(fixtureLines('exchange-msgtrk-public.log').slice(0, 1))?.format).toBe('exchange'); // "#Software: …"
    expect(detectFormat(fixtureLines('sendmail.log').slice(-1))?.format).toBe('sendmail');
    expect(detectFormat(fixtureLines('dovecot.log').slice(0, 1))?.format).toBe('dovecot');
  });
});

describe('a mail.log shared by the MTA and Dovecot', () => {
  const dovecot = fixtureLines('dovecot.log').filter((l) => / dovecot(\[\d+\])?: /.test(l));
  const postfix = fixtureLines('postfix.log').slice(0, 5);

  test('the MTA wins even when Dovecot has more lines', () => {
    const mixed = [...dovecot.slice(0, 10), ...postfix, ...dovecot.slice(10)];
    expect(dovecot.length).toBeGreaterThan(postfix.length);
    expect(detectFormat(mixed)).toEqual({ format: 'postfix', confidence: postfix.length / mixed.length });
  });

  test('Sendmail with Dovecot, too', () => {
    const mixed = [...dovecot, ...fixtureLines('sendmail.log').slice(-2)];
    expect(detectFormat(mixed)?.format).toBe('sendmail');
  });
});

describe('nothing recognisable', () => {
  test.each([
    [[]],
    [['', '']],
    [['hello world', 'GET / HTTP/1.1', '{"json": true}']],
    // Firewall lines are syslog, but no mail format's.
    [['May 11 11:29:51 localhost kernel: Illegal port 25 > IN=eth2 OUT=eth0 SRC=192.168.2.10 DST=195.238.5.128 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=29159 DF PROTO=TCP SPT=53827 DPT=25 WINDOW=5840 RES=0x00 SYN URGP=0 ']],
  ])('%j → undefined', (lines) => {
    expect(detectFormat(lines)).toBeUndefined();
  });

  test(`only the first ${DETECT_MAX_LINES} non-empty lines are read`, () => {
    const lines = [...Array.from({ length: DETECT_MAX_LINES }, () => 'noise'), fixtureLines('kerio-mail.log')[0]!];
    expect(detectFormat(lines)).toBeUndefined();
    expect(detectFormat(['', ...lines.slice(1)])?.format).toBe('kerio');
  });
});

describe('createParser', () => {
  test('every format a source can name, except auto, has a parser that says its name', () => {
    expect([...MAIL_FORMATS]).toEqual(MAIL_SOURCE_FORMATS.filter((f) => f !== 'auto'));
    for (const f of MAIL_FORMATS) expect(createParser(f, new LogClock()).format).toBe(f);
  });

  test('an unknown name is an error that lists the known ones', () => {
    expect(() => createParser('qmail')).toThrow('unknown mail log format "qmail" (known: postfix, exim, kerio, sendmail, opensmtpd, exchange, dovecot)');
    expect(() => createParser('auto')).toThrow('unknown mail log format "auto"');
  });

  test('the detected parser reads the lines detection saw', () => {
    const lines = fixtureLines('kerio-mail.log');
    const p = createParser(detectFormat(lines)!.format, new LogClock(() => Date.parse('2026-06-15T00:00:00Z'), 'UTC'));
    expect(lines.map((l) => p.parse(l).result)).toEqual(['parsed', 'parsed', 'parsed', 'parsed', 'parsed', 'ignored', 'ignored']);
  });
});

describe('no input crashes a parser or yields a half-filled event', () => {
  // Real lines of every format, cut, spliced and sprinkled with the
  // characters the parsers look for; and plain arbitrary text.
  const real = ['postfix.log', 'exim_mainlog', 'kerio-mail.log', 'kerio-security.log', 'sendmail.log', 'sendmail-public.log', 'opensmtpd-public.log', 'exchange-msgtrk-public.log', 'exchange-messagetracking.log', 'dovecot.log'].flatMap(fixtureLines);
  const noise = fc.constantFrom('', ',', '"', '""', '<', '>', '[', ']', '(', ')', ': ', '=', ', ', ' ', ';', '\\', '\u0000', 'user=<', 'result=', ', relay=', ', User: ', '(auth failed, ', '#Fields: date-time,event-id');
  const mutated = fc.tuple(fc.constantFrom(...real), fc.nat(), fc.nat(), noise, fc.constantFrom(...real)).map(([a, i, j, n, b]) => {
    const x = i % (a.length + 1);
    return a.slice(0, x) + n + b.slice(j % (b.length + 1));
  });

  test.each(MAIL_FORMATS)('%s', (format) => {
    const p = createParser(format, new LogClock(() => Date.parse('2026-06-15T00:00:00Z'), 'UTC'));
    fc.assert(fc.property(fc.oneof(mutated, fc.string(), fc.string({ unit: 'grapheme' })), (line) => {
      const r = p.parse(line);
      if (r.result === 'malformed') return typeof r.reason === 'string' && r.reason.length > 0;
      if (r.result === 'ignored') return true;
      return r.events.every((ev) => Number.isFinite(ev.time)
        && (!('messageId' in ev) || (typeof ev.messageId === 'string' && ev.messageId !== ''))
        && (ev.type !== 'submission' || ev.user !== '')
        && (ev.type !== 'recipients' || (Number.isInteger(ev.count) && ev.count > 0)));
    }), { seed: 20260302, numRuns: 3000 });
  });
});
