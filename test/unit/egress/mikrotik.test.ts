// The MikroTik RouterOS firewall-log parser on every real sample line, lines
// derived from them (NAT, prefixes, flags, the router's own traffic), and
// every truncation of each.
import { DEFAULT_ACTION_WORDS, type FirewallParseResult, type SmtpAttempt } from '../../../src/egress/attempt';
import { parseMikrotikLine } from '../../../src/egress/mikrotik';
import { clock, fixtureLines } from './fixtures';

const parse = (line: string, opts = DEFAULT_ACTION_WORDS) => parseMikrotikLine(line, clock(), opts);
const attempt = (a: SmtpAttempt): FirewallParseResult => ({ result: 'parsed', attempt: a });
const IGNORED: FirewallParseResult = { result: 'ignored' };

const samples = fixtureLines('mikrotik.log');
const derived = fixtureLines('mikrotik-derived.log');
const T = Date.UTC(2026, 4, 30, 22, 0, 18, 676);

test('every real sample line', () => {
  expect(samples).toHaveLength(4);
  // UDP to the router, TCP SYN to the router (input), IPv6 TCP to the router,
  // UDP forwarded inbound from the WAN: none is a LAN host going out.
  expect(samples.map((l) => parse(l))).toEqual([IGNORED, IGNORED, IGNORED, IGNORED]);
});

test('lines derived from the samples', () => {
  expect(derived).toHaveLength(7);
  const lan = { time: T, sourceAddress: '192.168.88.20', destinationAddress: '203.0.113.5', protocol: 'tcp' as const, direction: 'forward' as const };
  expect(derived.map((l) => parse(l))).toEqual([
    // Source NAT: reported by the internal address, never the public 198.51.100.7.
    attempt({ ...lan, destinationPort: 25, action: 'logged' }),
    attempt({ ...lan, destinationPort: 587, action: 'allowed' }), // prefix "smtp-accept"
    IGNORED, // (SYN,ACK)
    IGNORED, // connection-state:established
    attempt({ time: T, sourceAddress: '2001:db8:1234::2', destinationAddress: '2001:db8:ffff::25', destinationPort: 25, protocol: 'tcp', action: 'blocked', direction: 'forward' }), // "drop-smtp"
    attempt({ time: T, sourceAddress: '198.51.100.7', destinationAddress: '203.0.113.5', destinationPort: 465, protocol: 'tcp', action: 'logged', direction: 'output' }),
    // Destination NAT to a relay: the destination the host asked for.
    attempt({ time: T, sourceAddress: '192.168.88.21', destinationAddress: '203.0.113.5', destinationPort: 25, protocol: 'tcp', action: 'logged', direction: 'forward' }),
  ]);
});

test('the prefix maps to the action with the configured words', () => {
  const words = { blockedWords: ['smtp-accept'], allowedWords: ['accept'] };
  expect(parse(derived[1], words)).toEqual(attempt({ time: T, sourceAddress: '192.168.88.20', destinationAddress: '203.0.113.5', destinationPort: 587, protocol: 'tcp', action: 'blocked', direction: 'forward' }));
});

const NAT = derived[0];
test.each([
  ['bad source address', NAT.replace('192.168.88.20:50412->203', '192.168.88.300:50412->203'), 'addresses are not address:port->address:port'],
  ['no port', NAT.replace('->203.0.113.5:25, NAT', '->203.0.113.5, NAT'), 'addresses are not address:port->address:port'],
  ['garbled NAT', NAT.replace('NAT (192.168.88.20:50412->198.51.100.7:50412)->', 'NAT 192.168.88.20:50412->198.51.100.7:50412->'), 'NAT is not (a->b)->c or a->(b->c)'],
  ['no chain', NAT.replace('forward: in:LAN', 'forward in:LAN'), 'no "<chain>: in:"'],
  ['no interfaces', NAT.replace('in:LAN out:WAN', 'in:(unknown 0) out:(unknown 0)'), 'neither in nor out interface'],
  ['TCP with neither flags nor state', NAT.replace('connection-state:new ', '').replace('TCP (SYN)', 'TCP'), 'TCP without flags or connection state'],
])('malformed: %s', (_what, line, reason) => {
  expect(parse(line)).toEqual({ result: 'malformed', reason });
});

test.each([
  ['another topic', '2026-05-31T00:00:18.676257+02:00 gw system,info,account user admin logged in from 192.168.88.20 via winbox'],
  ['TCP FIN', NAT.replace('(SYN)', '(FIN)')],
  ['connection-state:invalid with SYN', NAT.replace('connection-state:new', 'connection-state:invalid')],
])('ignored: %s', (_what, line) => {
  expect(parse(line)).toEqual(IGNORED);
});

test('no flags but connection-state:new is a new connection', () => {
  expect(parse(NAT.replace('TCP (SYN)', 'TCP'))).toEqual(parse(NAT));
});

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
    // Parsed once the NAT part is complete (its comma), or without NAT once
    // what follows the addresses cannot be the start of " NAT " (", l").
    const lenAt = text.lastIndexOf(', len');
    const minLength = text.includes(' NAT ') ? lenAt + 1 : lenAt + 3;
    expect(parsed).toBe(text.length - minLength);
    const from = text.indexOf('firewall') + 'firewall'.length;
    let malformedCuts = 0;
    for (let len = from; len < minLength; len++) if (parse(text.slice(0, len)).result === 'malformed') malformedCuts++;
    expect(malformedCuts).toBe(minLength - from);
  });
});
