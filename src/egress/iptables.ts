// Kernel nf_log packet lines, written by iptables `-j LOG`, nftables `log`
// and UFW, through syslog (kern.log, messages, ufw.log); also the Proxmox VE
// firewall's own pve-firewall.log, which reuses the same fields:
//
//   May 11 11:29:51 gw kernel: Illegal port 25 > IN=eth2 OUT=eth0 SRC=… DST=… … PROTO=TCP SPT=53827 DPT=25 WINDOW=5840 RES=0x00 SYN URGP=0
//   0 1 PVEFW-HOST-OUT 20/Jun/2022:13:16:23 +0200 REJECT: OUT=vmbr0.94 SRC=… DPT=22 SEQ=… ACK=0 WINDOW=64240 SYN
//
// The chain shows in the interfaces: INPUT has `IN=x OUT=` (someone connecting
// to this host: never egress), OUTPUT `IN= OUT=x` (this host itself), FORWARD
// both (a routed host; SRC is its internal address, since SNAT happens later
// in POSTROUTING). Only a SYN without ACK is a new connection.
//
// Every value is read only when a space follows it, so a line cut in the
// middle of a value is malformed instead of yielding a shortened address or
// port. Cheap indexOf checks come first: most kernel lines are not packets.
import { parseSyslogLine, type LogClock } from '../logs/syslog';
import { canonicalIp } from './address';
import { actionFromPrefix, DEFAULT_ACTION_WORDS, IGNORED, malformed, portAt, type ActionWords, type FirewallParseResult } from './attempt';

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
/** Proxmox: "<vmid> <level> <chain> 20/Jun/2022:13:16:23 +0200 <action>: …". Anchored, no nested quantifiers. */
const PROXMOX_HEADER = /^\d{1,10} \d{1,2} [^ ]{1,64} (\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) /;
/** The kernel's "[ 1234.567890] " uptime stamp in front of the prefix. */
const UPTIME = /^\[ *\d+\.\d+\] ?/;

/** The value after `key` at `at`, up to the next space; undefined when no space follows (cut off). */
function valueAt(line: string, at: number, keyLength: number): string | undefined {
  const start = at + keyLength;
  const end = line.indexOf(' ', start);
  return end < 0 ? undefined : line.slice(start, end);
}

/** "IN=" as a field of its own (not the end of LOGIN= or PHYSIN=): a packet line cut before OUT=. */
function hasInField(line: string): boolean {
  for (let at = line.indexOf('IN='); at >= 0; at = line.indexOf('IN=', at + 3)) {
    const c = at === 0 ? 32 : line.charCodeAt(at - 1);
    const wordChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!wordChar) return true;
  }
  return false;
}

const FLAG_WORDS = new Set(['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN']);

/** 'new' for SYN without ACK, 'other' for any other complete flag set, undefined if cut off or garbled. */
function tcpFlags(line: string, from: number): 'new' | 'other' | undefined {
  let flags = false, urgp = false;
  const n = line.length;
  let i = from;
  while (i < n) {
    let j = line.indexOf(' ', i);
    if (j < 0) j = n;
    if (j > i) {
      const eq = line.indexOf('=', i);
      if (eq >= 0 && eq < j) {
        // WINDOW=, RES=, SEQ=, ACK=0 (a sequence number, not the flag), URGP= ends the flags.
        if (line.startsWith('URGP=', i)) urgp = true;
      } else if (j - i === 3 && line.startsWith('SYN', i)) {
        // Flags print in the order CWR ECE URG ACK PSH RST SYN FIN: an ACK
        // would have come first, so the rest of the line cannot change this.
        return 'new';
      } else if (j === n) {
        // Any other word at the very end may be cut ("ACK" of "ACK=<seq>", "URG" of "URGP=0").
        return undefined;
      } else if (j - i === 3 && line.startsWith('ACK', i)) {
        return 'other';
      } else if (j - i === 3 && FLAG_WORDS.has(line.slice(i, j))) {
        flags = true;
      } else {
        return undefined; // not a flag: a cut-off word or a garbled line
      }
    }
    i = j + 1;
  }
  return flags || urgp ? 'other' : undefined;
}

function proxmoxTime(m: RegExpExecArray): number | undefined {
  const month = MONTHS[m[2]];
  if (month === undefined) return undefined;
  const [day, year, h, min, s] = [Number(m[1]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const t = Date.UTC(year, month, day, h, min, s);
  if (new Date(t).getUTCDate() !== day || h > 23 || min > 59 || s > 60) return undefined;
  return t - offset * 60_000;
}

/**
 * One nf_log line → an attempt (a new TCP connection through FORWARD or from
 * OUTPUT), ignored, or malformed. `opts` map the log prefix to the action.
 */
export function parseIptablesLine(line: string, clock: LogClock, opts: ActionWords = DEFAULT_ACTION_WORDS): FirewallParseResult {
  const outAt = line.indexOf(' OUT=');
  if (outAt < 0) return hasInField(line) ? malformed('cut off before OUT=') : IGNORED;
  const outIf = valueAt(line, outAt, 5);
  if (outIf === undefined) return malformed('cut off in OUT=');
  // IN= is the field right before OUT= (no space inside it); Proxmox host-out lines have none.
  let inIf = '';
  let bodyAt = outAt + 1;
  const inAt = line.lastIndexOf('IN=', outAt);
  if (inAt >= 0 && line.indexOf(' ', inAt) === outAt) {
    inIf = line.slice(inAt + 3, outAt);
    bodyAt = inAt;
  }
  if (inIf !== '' && outIf === '') return IGNORED; // INPUT: addressed to this host
  if (inIf === '' && outIf === '') return malformed('neither IN nor OUT interface');

  const protoAt = line.indexOf(' PROTO=', outAt);
  const srcAt = line.indexOf(' SRC=', outAt);
  if (protoAt < 0) return line.indexOf(' ARP ', outAt) >= 0 ? IGNORED /* not an IP packet */ : malformed('no PROTO=');
  const proto = valueAt(line, protoAt, 7);
  if (proto === undefined) return malformed('cut off in PROTO=');
  if (proto !== 'TCP') return IGNORED;

  const dptAt = line.indexOf(' DPT=', protoAt);
  if (dptAt < 0) {
    // A later fragment or a packet the kernel logged as INCOMPLETE carries no ports: not a new connection.
    return line.indexOf(' FRAG=', outAt) >= 0 || line.indexOf('INCOMPLETE', protoAt) >= 0 ? IGNORED : malformed('no DPT=');
  }
  const dptEnd = line.indexOf(' ', dptAt + 5);
  if (dptEnd < 0) return malformed('cut off in DPT=');
  const port = portAt(line, dptAt + 5, dptEnd);
  if (port < 0) return malformed('DPT= is not a port');
  const flags = tcpFlags(line, dptEnd + 1);
  if (flags === undefined) return malformed('TCP flags missing or garbled');
  if (flags === 'other') return IGNORED;

  if (srcAt < 0 || srcAt > protoAt) return malformed('no SRC=');
  const dstAt = line.indexOf(' DST=', srcAt);
  if (dstAt < 0 || dstAt > protoAt) return malformed('no DST=');
  const src = valueAt(line, srcAt, 5);
  const dst = valueAt(line, dstAt, 5);
  const sourceAddress = src === undefined ? undefined : canonicalIp(src);
  const destinationAddress = dst === undefined ? undefined : canonicalIp(dst);
  if (sourceAddress === undefined) return malformed('SRC= is not an IP address');
  if (destinationAddress === undefined) return malformed('DST= is not an IP address');

  let time: number;
  let prefix: string;
  const sys = parseSyslogLine(line, clock);
  if (sys) {
    const messageAt = line.length - sys.message.length;
    if (bodyAt < messageAt) return malformed('packet fields inside the syslog header');
    prefix = line.slice(messageAt, bodyAt).replace(UPTIME, '');
    // ulogd and some templates put the prefix where the program name goes.
    if (sys.program !== 'kernel' && sys.program !== '') prefix = `${sys.program} ${prefix}`;
    time = sys.time;
  } else {
    const m = PROXMOX_HEADER.exec(line);
    const t = m ? proxmoxTime(m) : undefined;
    if (!m || t === undefined || bodyAt < m[0].length) return malformed('no syslog or Proxmox header');
    prefix = line.slice(m[0].length, bodyAt);
    time = t;
  }

  return {
    result: 'parsed',
    attempt: {
      time,
      sourceAddress,
      destinationAddress,
      destinationPort: port,
      protocol: 'tcp',
      action: actionFromPrefix(prefix.trim(), opts),
      direction: inIf === '' ? 'output' : 'forward',
    },
  };
}
