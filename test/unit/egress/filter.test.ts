// Which attempts are reported: configured ports only, never from a mail
// server (address or CIDR, IPv4 or IPv6), never to one, and when
// internal_networks is set, only routed traffic from inside it.
import { EgressFilter } from '../../../src/egress/filter';
import { parseFilterlogLine } from '../../../src/egress/filterlog';
import { parseIptablesLine } from '../../../src/egress/iptables';
import { parseMikrotikLine } from '../../../src/egress/mikrotik';
import type { FirewallParseResult, SmtpAttempt } from '../../../src/egress/attempt';
import { validateConfig } from '../../../src/config/load';
import { clock, fixtureLines } from './fixtures';

function attemptOf(r: FirewallParseResult): SmtpAttempt {
  if (r.result !== 'parsed') throw new Error(`expected an attempt, got ${JSON.stringify(r)}`);
  return r.attempt;
}

const iptLines = fixtureLines('iptables-derived.log');
const ipt = (i: number) => attemptOf(parseIptablesLine(iptLines[i], clock()));
const fl = fixtureLines('filterlog-derived.log');
const mt = fixtureLines('mikrotik-derived.log');
const forwardSmtp = ipt(0); // 192.168.2.17 → 195.238.5.128:25, FORWARD
const outputSmtp = ipt(6); // 192.0.2.25 (the host itself) → :25, OUTPUT
const ipv6Smtp = ipt(7); // 2001:db8:0:2::17 → :25
const inboundToMx = ipt(8); // 83.23.82.41 → 192.168.0.10:25, FORWARD
const natSmtp = attemptOf(parseMikrotikLine(mt[0], clock())); // 192.168.88.20, NATed to 198.51.100.7

const filter = (egress: Record<string, unknown>) => new EgressFilter(validateConfig({ egress }).egress);

test('SMTP ports are reported, others are not; the ports are configurable', () => {
  const f = filter({});
  expect([forwardSmtp, ipt(1), ipt(2), ipt(4)].map((a) => [a.destinationPort, f.verdict(a)])).toEqual([
    [25, 'report'], [587, 'report'], [465, 'report'], [443, 'other_port'],
  ]);
  const only2525 = filter({ ports: [2525] });
  expect(only2525.verdict(forwardSmtp)).toBe('other_port');
  expect(only2525.verdict({ ...forwardSmtp, destinationPort: 2525 })).toBe('report');
});

test('a mail server is never reported: by address, by CIDR, IPv6, IPv4-mapped config entries', () => {
  expect(filter({}).verdict(outputSmtp)).toBe('report');
  expect(filter({ mail_servers: ['192.0.2.25'] }).verdict(outputSmtp)).toBe('mail_server');
  expect(filter({ mail_servers: ['192.0.2.0/24'] }).verdict(outputSmtp)).toBe('mail_server');
  expect(filter({ mail_servers: ['::ffff:192.0.2.25'] }).verdict(outputSmtp)).toBe('mail_server');
  expect(filter({ mail_servers: ['192.0.2.26', '192.0.3.0/24'] }).verdict(outputSmtp)).toBe('report');
  expect(filter({ mail_servers: ['2001:db8:0:2::/64'] }).verdict(ipv6Smtp)).toBe('mail_server');
  expect(filter({ mail_servers: ['2001:db8:0:2:0:0:0:17'] }).verdict(ipv6Smtp)).toBe('mail_server');
  expect(filter({ mail_servers: ['2001:db8:0:3::/64'] }).verdict(ipv6Smtp)).toBe('report');
});

test('a NATed host is judged by its internal address, not the public one it is translated to', () => {
  expect(natSmtp.sourceAddress).toBe('192.168.88.20');
  // Listing the router's public address as a mail server must not hide the infected LAN host.
  expect(filter({ mail_servers: ['198.51.100.7'] }).verdict(natSmtp)).toBe('report');
  expect(filter({ mail_servers: ['192.168.88.20'] }).verdict(natSmtp)).toBe('mail_server');
});

test('connections to a mail server (inbound mail forwarded to the MX) are not egress', () => {
  expect(filter({}).verdict(inboundToMx)).toBe('report');
  expect(filter({ mail_servers: ['192.168.0.10'] }).verdict(inboundToMx)).toBe('to_mail_server');
});

test('internal_networks keeps routed traffic from outside out, but never the host itself', () => {
  const f = filter({ internal_networks: ['192.168.0.0/16', '2001:db8:0:2::/64'] });
  expect(f.verdict(forwardSmtp)).toBe('report');
  expect(f.verdict(ipv6Smtp)).toBe('report');
  expect(f.verdict(inboundToMx)).toBe('not_internal'); // a scanner / inbound sender
  expect(f.verdict(outputSmtp)).toBe('report'); // OUTPUT: this host, whatever its address
  const blockedOnWan = attemptOf(parseFilterlogLine(fl[0], clock())); // 10.170.12.50, no direction
  expect(f.verdict(blockedOnWan)).toBe('not_internal');
  expect(filter({ internal_networks: ['10.0.0.0/8'] }).verdict(blockedOnWan)).toBe('report');
});
