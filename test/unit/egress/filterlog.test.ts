// The pfSense/OPNsense filterlog parser on every real sample line, lines
// derived from them, and every truncation of each.
import type { FirewallParseResult, SmtpAttempt } from '../../../src/egress/attempt';
import { parseFilterlogLine } from '../../../src/egress/filterlog';
import { clock, fixtureLines, local } from './fixtures';

const parse = (line: string) => parseFilterlogLine(line, clock());
const attempt = (a: SmtpAttempt): FirewallParseResult => ({ result: 'parsed', attempt: a });
const IGNORED: FirewallParseResult = { result: 'ignored' };

const samples = fixtureLines('filterlog.log');
const derived = fixtureLines('filterlog-derived.log');

test('every real sample line', () => {
  expect(samples).toHaveLength(7);
  expect(samples.map(parse)).toEqual([
    attempt({ time: Date.UTC(2025, 10, 6, 11, 32, 42, 868), sourceAddress: '192.168.5.6', destinationAddress: '192.168.1.100', destinationPort: 80, protocol: 'tcp', action: 'blocked' }),
    attempt({ time: Date.UTC(2025, 10, 6, 11, 42, 14, 270), sourceAddress: '192.168.10.110', destinationAddress: '192.168.5.6', destinationPort: 443, protocol: 'tcp', action: 'blocked' }),
    attempt({ time: local(2026, 7, 3, 19, 10, 30), sourceAddress: '10.170.12.50', destinationAddress: '1.1.1.1', destinationPort: 853, protocol: 'tcp', action: 'blocked' }),
    IGNORED, // UDP
    IGNORED, // IPv6 UDP
    attempt({ time: local(2026, 1, 1, 2, 21, 38), sourceAddress: '10.170.12.50', destinationAddress: '175.16.199.1', destinationPort: 853, protocol: 'tcp', action: 'blocked' }),
    // RFC 5424 with structured data, "pass": allowed.
    attempt({ time: Date.UTC(2022, 5, 9, 20, 44, 11), sourceAddress: '192.168.1.1', destinationAddress: '10.10.10.10', destinationPort: 80, protocol: 'tcp', action: 'allowed' }),
  ]);
});

test('lines derived from the samples: SMTP ports, pass, SYN-ACK, IPv6 TCP', () => {
  expect(derived).toHaveLength(5);
  const base = { time: local(2026, 7, 3, 19, 10, 30), sourceAddress: '10.170.12.50', destinationAddress: '1.1.1.1', protocol: 'tcp' as const };
  expect(derived.map(parse)).toEqual([
    attempt({ ...base, destinationPort: 25, action: 'blocked' }),
    attempt({ ...base, destinationPort: 587, action: 'allowed' }),
    IGNORED, // flags SA
    // IPv6 positions: source 16, destination 17, port 19, flags 21; "2001:db8:27:0::50" written canonically.
    attempt({ time: local(2026, 7, 3, 19, 10, 31), sourceAddress: '2001:db8:27::50', destinationAddress: '2001:db8:ffff::25', destinationPort: 25, protocol: 'tcp', action: 'blocked' }),
    attempt({ time: Date.UTC(2022, 5, 9, 20, 44, 11), sourceAddress: '192.168.1.1', destinationAddress: '10.10.10.10', destinationPort: 25, protocol: 'tcp', action: 'allowed' }),
  ]);
});

const SMTP = derived[0];
test.each([
  ['IP version 5', SMTP.replace(',in,4,', ',in,5,'), 'IP version is not 4 or 6'],
  ['source not an address', SMTP.replace('10.170.12.50', '10.170.12.500'), 'source is not an IP address'],
  ['destination not an address', SMTP.replace(',1.1.1.1,', ',one.one,'), 'destination is not an IP address'],
  ['port not a number', SMTP.replace(',49724,25,', ',49724,2x,'), 'destination port is not a port'],
  ['a header that is not syslog', SMTP.replace('<134>Jul  3 19:10:30 ', 'garbage '), 'no syslog header'],
])('malformed: %s', (_what, line, reason) => {
  expect(parse(line)).toEqual({ result: 'malformed', reason });
});

test.each([
  ['another program', '<134>Jul  3 19:10:30 sshd[4242]: Accepted publickey for admin from 192.0.2.1 port 50000 ssh2'],
  ['another program mentioning filterlog', '<134>Jul  3 19:10:30 php-fpm[411]: /rc.filter_configure_sync: filterlog restarted'],
])('ignored: %s', (_what, line) => {
  expect(parse(line)).toEqual(IGNORED);
});

/** Index just after the n-th comma of the line (the header has none). */
function afterComma(line: string, n: number): number {
  let at = -1;
  for (let k = 0; k < n; k++) at = line.indexOf(',', at + 1);
  return at + 1;
}

describe('truncated lines never give a half-filled attempt', () => {
  test.each([...samples, ...derived].map((l, i) => [i, l]))('line %i, cut at every length', (_i, line) => {
    const text = line as string;
    const full = parse(text);
    let parsed = 0;
    for (let len = 0; len < text.length; len++) {
      const r = parse(text.slice(0, len));
      if (r.result !== 'parsed') continue;
      parsed++;
      expect(r).toEqual(full);
    }
    if (full.result !== 'parsed') {
      expect(parsed).toBe(0);
      return;
    }
    // Parsed once the comma after the TCP flags (field 24 for IPv4, 21 for IPv6) is in.
    const minLength = afterComma(text, text.includes(',in,6,') ? 21 : 24);
    expect(parsed).toBe(text.length - minLength);
    // Malformed for every cut from the program name on.
    const from = text.indexOf('filterlog') + 'filterlog'.length;
    let malformedCuts = 0;
    for (let len = from; len < minLength; len++) if (parse(text.slice(0, len)).result === 'malformed') malformedCuts++;
    expect(malformedCuts).toBe(minLength - from);
  });
});
