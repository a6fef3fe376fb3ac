// MikroTik RouterOS firewall log lines (a rule with log=yes), as a syslog
// server writes them (topics "firewall,info" where the program goes):
//
//   … gw firewall,info smtp-drop forward: in:bridge out:ether1, connection-state:new src-mac …, proto TCP (SYN), 192.168.88.20:50412->203.0.113.5:25, NAT (192.168.88.20:50412->198.51.100.7:50412)->203.0.113.5:25, len 60
//
// RouterOS logs no action, only the rule's log-prefix (here "smtp-drop"),
// which is mapped with the same words as an iptables prefix. The chain shows in
// the interfaces: `out:(unknown 0)` = addressed to the router (input: never
// egress), `in:(unknown 0)` = sent by the router itself (output), both = forward.
// With NAT, `NAT (A->B)->C` is source NAT from internal A to public B, and
// `NAT A->(C->D)` destination NAT from C to D: the attempt is reported with A,
// the internal address, and C, the destination the host asked for.
//
// Each part is only read when the comma after it is there: a line cut in the
// middle of an address or port is malformed, never a shortened attempt.
import { parseSyslogLine, type LogClock } from '../logs/syslog';
import { canonicalIp } from './address';
import { actionFromPrefix, DEFAULT_ACTION_WORDS, IGNORED, malformed, portAt, type ActionWords, type FirewallParseResult } from './attempt';

interface Endpoint { address: string; port: number }

/** "192.0.2.1:25" or "[2001:db8::1]:25" → address and port; undefined if either is missing or invalid. */
function endpoint(text: string): Endpoint | undefined {
  let addr: string;
  let portFrom: number;
  if (text.charCodeAt(0) === 91 /* [ */) {
    const close = text.indexOf(']');
    if (close < 0 || text.charCodeAt(close + 1) !== 58 /* : */) return undefined;
    addr = text.slice(1, close);
    portFrom = close + 2;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return undefined;
    addr = text.slice(0, colon);
    portFrom = colon + 1;
  }
  const address = canonicalIp(addr);
  const port = portAt(text, portFrom, text.length);
  return address === undefined || port < 0 ? undefined : { address, port };
}

/** "A->B" → both endpoints (a bracketed IPv6 address holds no "->"). */
function endpointPair(text: string): [Endpoint, Endpoint] | undefined {
  const arrow = text.indexOf('->');
  if (arrow < 0) return undefined;
  const a = endpoint(text.slice(0, arrow));
  const b = endpoint(text.slice(arrow + 2));
  return a && b ? [a, b] : undefined;
}

/**
 * The NAT part after "NAT ": "(A->B)->C", "A->(C->D)" or "(A->B)->(C->D)".
 * Returns the original source (A) and the original destination (C).
 */
function natOriginal(text: string): [Endpoint, Endpoint] | undefined {
  let source: Endpoint | undefined;
  let rest: string;
  if (text.charCodeAt(0) === 40 /* ( */) {
    const close = text.indexOf(')');
    if (close < 0 || !text.startsWith('->', close + 1)) return undefined;
    const inner = endpointPair(text.slice(1, close));
    if (!inner) return undefined;
    source = inner[0];
    rest = text.slice(close + 3);
  } else {
    const arrow = text.indexOf('->(');
    if (arrow < 0) return undefined;
    source = endpoint(text.slice(0, arrow));
    rest = text.slice(arrow + 2);
  }
  if (!source) return undefined;
  let destination: Endpoint | undefined;
  if (rest.charCodeAt(0) === 40) {
    if (rest.charCodeAt(rest.length - 1) !== 41 /* ) */) return undefined;
    destination = endpointPair(rest.slice(1, -1))?.[0];
  } else {
    destination = endpoint(rest);
  }
  return destination ? [source, destination] : undefined;
}

/** "(unknown 0)" is RouterOS for "no interface". */
function noInterface(name: string): boolean {
  return name === '' || name.startsWith('(unknown');
}

/** End of a word starting at `from`: the next space or comma; -1 when the line ends first. */
function wordEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 44) return i;
  }
  return -1;
}

/** One RouterOS firewall line → an attempt (a new TCP connection forwarded or from the router), ignored, or malformed. */
export function parseMikrotikLine(line: string, clock: LogClock, opts: ActionWords = DEFAULT_ACTION_WORDS): FirewallParseResult {
  if (line.indexOf('firewall') < 0) return IGNORED; // system, dhcp, wireless … topics
  const sys = parseSyslogLine(line, clock);
  if (!sys) return malformed('no syslog header');
  if (!sys.program.startsWith('firewall')) return IGNORED;
  const msg = sys.message;

  const inAt = msg.indexOf(': in:');
  if (inAt < 0) return malformed('no "<chain>: in:"');
  const chainAt = msg.lastIndexOf(' ', inAt - 1) + 1;
  const outAt = msg.indexOf(' out:', inAt + 5);
  if (outAt < 0) return malformed('no out: interface');
  const outEnd = msg.indexOf(',', outAt + 5);
  if (outEnd < 0) return malformed('cut off in out:');
  const noIn = noInterface(msg.slice(inAt + 5, outAt));
  const noOut = noInterface(msg.slice(outAt + 5, outEnd));
  if (noIn && noOut) return malformed('neither in nor out interface');
  if (noOut) return IGNORED; // input: addressed to the router

  const protoAt = msg.indexOf(' proto ', outEnd);
  if (protoAt < 0) return malformed('no proto');
  const protoEnd = wordEnd(msg, protoAt + 7);
  if (protoEnd < 0) return malformed('cut off in proto');
  if (msg.slice(protoAt + 7, protoEnd) !== 'TCP') return IGNORED;

  let after = protoEnd;
  let flags: string | undefined;
  if (msg.startsWith(' (', protoEnd)) {
    const close = msg.indexOf(')', protoEnd);
    if (close < 0) return malformed('cut off in the TCP flags');
    flags = `,${msg.slice(protoEnd + 2, close)},`;
    after = close + 1;
  }
  let state: string | undefined;
  const stateAt = msg.indexOf('connection-state:', outEnd);
  if (stateAt >= 0 && stateAt < protoAt) {
    const end = wordEnd(msg, stateAt + 17);
    if (end < 0) return malformed('cut off in connection-state');
    state = msg.slice(stateAt + 17, end);
  }
  if (state !== undefined && state !== 'new') return IGNORED;
  if (flags !== undefined) {
    if (flags.includes(',ACK,') || !flags.includes(',SYN,')) return IGNORED;
  } else if (state === undefined) {
    return malformed('TCP without flags or connection state');
  }

  if (!msg.startsWith(', ', after)) return malformed('no addresses after proto');
  const pairEnd = msg.indexOf(',', after + 2);
  if (pairEnd < 0) return malformed('cut off in the addresses');
  const pair = endpointPair(msg.slice(after + 2, pairEnd));
  if (!pair) return malformed('addresses are not address:port->address:port');
  let [source, destination] = pair;
  // A line cut just after the addresses may have lost a NAT part that changes them.
  const rest = msg.length - (pairEnd + 1);
  if (rest < 5 && ' NAT '.startsWith(msg.slice(pairEnd + 1))) return malformed('cut off after the addresses');
  if (msg.startsWith(' NAT ', pairEnd + 1)) {
    const natEnd = msg.indexOf(',', pairEnd + 6);
    if (natEnd < 0) return malformed('cut off in NAT');
    const original = natOriginal(msg.slice(pairEnd + 6, natEnd));
    if (!original) return malformed('NAT is not (a->b)->c or a->(b->c)');
    [source, destination] = original;
  }

  return {
    result: 'parsed',
    attempt: {
      time: sys.time,
      sourceAddress: source.address,
      destinationAddress: destination.address,
      destinationPort: destination.port,
      protocol: 'tcp',
      action: actionFromPrefix(msg.slice(0, chainAt).trim(), opts),
      direction: noIn ? 'output' : 'forward',
    },
  };
}
