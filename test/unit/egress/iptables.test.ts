// The nf_log parser (iptables, nftables `log`, UFW, Proxmox VE) on every real
// sample line, on lines derived from them, and on every truncation of each.
import { actionFromPrefix, DEFAULT_ACTION_WORDS, type FirewallParseResult, type SmtpAttempt } from '../../../src/egress/attempt';
import { parseIptablesLine } from '../../../src/egress/iptables';
import { clock, fixtureLines, local } from './fixtures';

const parse = (line: string, opts = DEFAULT_ACTION_WORDS) => parseIptablesLine(line, clock(), opts);
const attempt = (a: SmtpAttempt): FirewallParseResult => ({ result: 'parsed', attempt: a });
const IGNORED: FirewallParseResult = { result: 'ignored' };

const samples = fixtureLines('iptables.log');
const derived = fixtureLines('iptables-derived.log');

test('every real sample line', () => {
  expect(samples).toHaveLength(11);
  const expected: FirewallParseResult[] = [
    IGNORED, // INPUT (IN=enp1s0 OUT=): someone connecting to this host
    IGNORED, // UDP on lo, INPUT
    IGNORED, // INPUT to port 25: inbound mail, not egress
    // Proxmox VM firewall, bridged (IN and OUT set): the VM's own connection.
    attempt({ time: Date.UTC(2022, 5, 20, 11, 15, 19), sourceAddress: '10.3.95.200', destinationAddress: '10.3.95.10', destinationPort: 22, protocol: 'tcp', action: 'blocked', direction: 'forward' }),
    // Proxmox host-out: no IN= at all, the host itself.
    attempt({ time: Date.UTC(2022, 5, 20, 11, 16, 23), sourceAddress: '10.3.94.12', destinationAddress: '10.3.94.10', destinationPort: 22, protocol: 'tcp', action: 'blocked', direction: 'output' }),
    IGNORED, // prefix glued to IN=, INPUT, an ACK
    { result: 'malformed', reason: 'SRC= is not an IP address' }, // anonymised "192.168.2.xx"
    { result: 'malformed', reason: 'SRC= is not an IP address' },
    // OUTPUT (IN= empty): this host sending SMTP; "obspamlogd:" names no action.
    attempt({ time: local(2026, 11, 19, 13, 16, 56), sourceAddress: '172.16.116.143', destinationAddress: '172.16.116.134', destinationPort: 25, protocol: 'tcp', action: 'logged', direction: 'output' }),
    IGNORED, // INPUT to port 25
    IGNORED, // RFC 3339 header, INPUT, RST
  ];
  expect(samples.map((l) => parse(l))).toEqual(expected);
});

test('lines derived from the samples: ports, prefixes, flags, IPv6, NAT, Proxmox', () => {
  expect(derived).toHaveLength(10);
  const base = { time: local(2026, 5, 11, 11, 29, 51), sourceAddress: '192.168.2.17', destinationAddress: '195.238.5.128', protocol: 'tcp' as const, direction: 'forward' as const };
  expect(derived.map((l) => parse(l))).toEqual([
    // FORWARD: SRC is the LAN host's own address (SNAT happens after the log, in POSTROUTING).
    attempt({ ...base, destinationPort: 25, action: 'logged' }),
    attempt({ ...base, destinationPort: 587, action: 'logged' }),
    attempt({ ...base, destinationPort: 465, action: 'blocked' }), // [UFW BLOCK]
    attempt({ ...base, destinationPort: 25, action: 'allowed' }), // [UFW ALLOW]
    attempt({ ...base, destinationPort: 443, action: 'logged' }), // the filter drops it, not the parser
    IGNORED, // ACK SYN
    attempt({ time: local(2026, 11, 19, 13, 16, 56), sourceAddress: '192.0.2.25', destinationAddress: '172.16.116.134', destinationPort: 25, protocol: 'tcp', action: 'logged', direction: 'output' }),
    // IPv6, written back in RFC 5952 form.
    attempt({ ...base, sourceAddress: '2001:db8:0:2::17', destinationAddress: '2001:db8:ffff::80', destinationPort: 25, action: 'logged' }),
    // Forwarded inbound to the MX: the parser reports it, the filter drops it (destination is a mail server).
    attempt({ time: local(2026, 2, 24, 21, 58, 55), sourceAddress: '83.23.82.41', destinationAddress: '192.168.0.10', destinationPort: 25, protocol: 'tcp', action: 'logged', direction: 'forward' }),
    attempt({ time: Date.UTC(2022, 5, 20, 11, 16, 23), sourceAddress: '10.3.94.12', destinationAddress: '10.3.94.10', destinationPort: 25, protocol: 'tcp', action: 'blocked', direction: 'output' }),
  ]);
});

test('the action comes from the prefix; the words are configurable and case-insensitive', () => {
  const line = derived[0]; // prefix "Illegal port 25 >"
  expect(parse(line).result === 'parsed' && (parse(line) as { attempt: SmtpAttempt }).attempt.action).toBe('logged');
  const custom = { blockedWords: ['illegal'], allowedWords: [] };
  const r = parse(line, custom);
  expect(r).toEqual(attempt({ time: local(2026, 5, 11, 11, 29, 51), sourceAddress: '192.168.2.17', destinationAddress: '195.238.5.128', destinationPort: 25, protocol: 'tcp', action: 'blocked', direction: 'forward' }));
  // "[UFW ALLOW]" with ALLOW no longer an allowed word: logged.
  expect((parse(derived[3], { blockedWords: ['DROP'], allowedWords: ['ACCEPT'] }) as { attempt: SmtpAttempt }).attempt.action).toBe('logged');
});

test.each([
  ['[UFW BLOCK] ', 'blocked'],
  ['[UFW ALLOW] ', 'allowed'],
  ['IPTABLES-DROP: ', 'blocked'],
  ['Firewall-DENY_INPUT: ', 'blocked'],
  ['REJECT: ', 'blocked'],
  ['policy DROP: ', 'blocked'],
  ['smtp-accept ', 'allowed'],
  ['pass-25', 'allowed'],
  ['ACCEPT-then-DROP ', 'blocked'], // a blocked word wins
  ['Illegal port 25 > ', 'logged'],
  ['[wan-lan-default-D]', 'logged'],
  ['', 'logged'],
])('prefix %j → %s', (prefix, action) => {
  expect(actionFromPrefix(prefix, DEFAULT_ACTION_WORDS)).toBe(action);
});

test.each([
  ['no interfaces at all', 'May 11 11:29:51 localhost kernel: X IN= OUT= SRC=192.168.2.17 DST=195.238.5.128 LEN=60 PROTO=TCP SPT=1 DPT=25 WINDOW=5840 RES=0x00 SYN URGP=0', 'neither IN nor OUT interface'],
  ['port 0', 'May 11 11:29:51 localhost kernel: IN=eth2 OUT=eth0 SRC=192.168.2.17 DST=195.238.5.128 LEN=60 PROTO=TCP SPT=1 DPT=0 WINDOW=5840 RES=0x00 SYN URGP=0', 'DPT= is not a port'],
  ['port 70000', 'May 11 11:29:51 localhost kernel: IN=eth2 OUT=eth0 SRC=192.168.2.17 DST=195.238.5.128 LEN=60 PROTO=TCP SPT=1 DPT=70000 WINDOW=5840 RES=0x00 SYN URGP=0', 'DPT= is not a port'],
  ['garbage in the flags', 'May 11 11:29:51 localhost kernel: IN=eth2 OUT=eth0 SRC=192.168.2.17 DST=195.238.5.128 LEN=60 PROTO=TCP SPT=1 DPT=25 WINDOW=5840 RES=0x00 SYNX URGP=0', 'TCP flags missing or garbled'],
  ['DST not an address', 'May 11 11:29:51 localhost kernel: IN=eth2 OUT=eth0 SRC=192.168.2.17 DST=195.238.5.999 LEN=60 PROTO=TCP SPT=1 DPT=25 WINDOW=5840 RES=0x00 SYN URGP=0', 'DST= is not an IP address'],
  ['no header', 'IN=eth2 OUT=eth0 SRC=192.168.2.17 DST=195.238.5.128 LEN=60 PROTO=TCP SPT=1 DPT=25 WINDOW=5840 RES=0x00 SYN URGP=0', 'no syslog or Proxmox header'],
])('malformed: %s', (_what, line, reason) => {
  expect(parse(line)).toEqual({ result: 'malformed', reason });
});

test.each([
  ['another kernel message', 'May 11 11:29:51 localhost kernel: [  184.720584] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex'],
  ['a LOGIN= in some other line', 'May 11 11:29:51 localhost sshd[1]: LOGIN=root from 192.0.2.1'],
  ['a later IPv4 fragment (no ports)', 'May 11 11:29:51 localhost kernel: IN=eth2 OUT=eth0 SRC=192.168.2.17 DST=195.238.5.128 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=29159 FRAG:185 PROTO=TCP '.replace('FRAG:185', 'FRAG=185')],
  ['ARP (no IP fields)', 'May 11 11:29:51 localhost kernel: IN=br0 OUT=br0 MAC=ff:ff:ff:ff:ff:ff ARP HTYPE=1 PTYPE=0x0800 OPCODE=1 '],
  ['a TCP null packet (no flags, URGP= present)', 'May 11 11:29:51 localhost kernel: IN=eth2 OUT=eth0 SRC=192.168.2.17 DST=195.238.5.128 LEN=60 PROTO=TCP SPT=1 DPT=25 WINDOW=5840 RES=0x00 URGP=0'],
])('ignored: %s', (_what, line) => {
  expect(parse(line)).toEqual(IGNORED);
});

describe('truncated lines never give a half-filled attempt', () => {
  test.each([...samples, ...derived].map((l, i) => [i, l]))('line %i, cut at every length', (_i, line) => {
    const full = parse(line as string);
    const text = line as string;
    let parsed = 0;
    for (let len = 0; len < text.length; len++) {
      const r = parse(text.slice(0, len));
      if (r.result !== 'parsed') continue;
      parsed++;
      // A cut line that still parses is the whole attempt: nothing after the flags matters.
      expect(full.result).toBe('parsed');
      expect(r).toEqual(full);
    }
    if (full.result !== 'parsed') {
      expect(parsed).toBe(0);
      return;
    }
    // Parsed exactly when the SYN flag is in; malformed for every cut inside the packet fields before it.
    const minLength = text.indexOf(' SYN') + 4;
    expect(parsed).toBe(text.length - minLength);
    const fieldsAt = text.indexOf(' SRC=');
    let malformedCuts = 0;
    for (let len = fieldsAt; len < minLength; len++) if (parse(text.slice(0, len)).result === 'malformed') malformedCuts++;
    expect(malformedCuts).toBe(minLength - fieldsAt);
  });
});
