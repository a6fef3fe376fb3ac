// pfSense / OPNsense `filterlog`: one CSV record per logged packet after a
// BSD or RFC 5424 syslog header (/var/log/filter.log, or remote syslog):
//
//   <134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60,10.170.12.50,1.1.1.1,49724,853,0,S,…
//
// Fields (1-based): 5 interface, 7 action (pass|block|reject), 8 direction,
// 9 IP version; IPv4: 16 protocol id, 17 protocol, 19 source, 20 destination,
// 22 destination port, 24 TCP flags; IPv6: 13 protocol, 14 protocol id,
// 16 source, 17 destination, 19 destination port, 21 TCP flags. pf filters on
// ingress, so a LAN host's outbound connection is `in` on the LAN interface
// with its own (pre-NAT) address; `in`/`out` is relative to that interface
// and says nothing about the chain, so attempts carry no direction.
//
// A field is only used when the comma after it is there too: a line cut inside
// the port or the flags is malformed, never an attempt with a shortened value.
import { parseSyslogLine, type LogClock } from '../logs/syslog';
import { canonicalIp } from './address';
import { IGNORED, malformed, portAt, type AttemptAction, type FirewallParseResult } from './attempt';

/** Field positions (0-based) per IP version. */
const V4 = { protoId: 15, src: 18, dst: 19, dport: 21, flags: 23 } as const;
const V6 = { protoId: 13, src: 15, dst: 16, dport: 18, flags: 20 } as const;
/** Enough fields for the TCP flags of an IPv4 record, plus the one after them. */
const MAX_FIELDS = 26;
/** Scratch for fieldStarts: parsing is synchronous, so one buffer serves every call without a per-line allocation. */
const STARTS = new Int32Array(MAX_FIELDS);

/**
 * Start offsets of the first fields of `text`: starts[k] is where field k
 * begins; field k ends at starts[k + 1] - 1. Returns how many fields are known
 * to be complete (followed by a comma), at most MAX_FIELDS - 1.
 */
function fieldStarts(text: string, starts: Int32Array): number {
  starts[0] = 0;
  let n = 1;
  for (let at = text.indexOf(','); at >= 0 && n < MAX_FIELDS; at = text.indexOf(',', at + 1)) starts[n++] = at + 1;
  return n - 1;
}

function action(text: string): AttemptAction {
  if (text === 'pass') return 'allowed';
  if (text === 'block' || text === 'reject') return 'blocked';
  return 'logged';
}

/** One filterlog line → an attempt (a TCP SYN without ACK), ignored, or malformed. */
export function parseFilterlogLine(line: string, clock: LogClock): FirewallParseResult {
  if (line.indexOf('filterlog') < 0) return IGNORED; // another program's line in a shared file
  const sys = parseSyslogLine(line, clock);
  if (!sys) return malformed('no syslog header');
  if (sys.program !== 'filterlog') return IGNORED;
  const csv = sys.message;
  const starts = STARTS;
  const complete = fieldStarts(csv, starts);
  const field = (k: number) => csv.slice(starts[k], starts[k + 1] - 1);
  if (complete < 9) return malformed('fewer than 9 fields');

  const version = field(8);
  const pos = version === '4' ? V4 : version === '6' ? V6 : undefined;
  if (!pos) return malformed('IP version is not 4 or 6');
  if (complete <= pos.protoId) return malformed('cut off before the protocol');
  if (field(pos.protoId) !== '6') return IGNORED; // not TCP
  if (complete <= pos.flags) return malformed('cut off before the TCP flags');

  const flags = field(pos.flags);
  if (flags.indexOf('A') >= 0 || flags.indexOf('S') < 0) return IGNORED; // not a new connection
  const port = portAt(csv, starts[pos.dport], starts[pos.dport + 1] - 1);
  if (port < 0) return malformed('destination port is not a port');
  const sourceAddress = canonicalIp(field(pos.src));
  if (sourceAddress === undefined) return malformed('source is not an IP address');
  const destinationAddress = canonicalIp(field(pos.dst));
  if (destinationAddress === undefined) return malformed('destination is not an IP address');

  return {
    result: 'parsed',
    attempt: {
      time: sys.time,
      sourceAddress,
      destinationAddress,
      destinationPort: port,
      protocol: 'tcp',
      action: action(field(6)),
    },
  };
}
