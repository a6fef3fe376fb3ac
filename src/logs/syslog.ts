// Syslog framing shared by every syslog-borne mail log (Postfix, Exim via
// syslog, Sendmail, OpenSMTPD, Dovecot): the timestamp, host, program[pid] and
// message of one line, and the timestamp forms other formats reuse (Exim's
// "2024-03-21 19:26:06.123 +0100", Dovecot's own log file, multilog TAI64N).
//
// Traditional BSD timestamps carry no year and no zone: they are local time
// (of this machine, TZ env, unless the LogClock is given a zone) and the year
// is inferred by a LogClock, one per file. Parsing is hand-written over char
// codes: this runs once per log line at up to a million lines a second, so no
// regex, and scanSyslogLine/readTimestamp fill reused records instead of
// allocating; parseSyslogLine/parseTimestampPrefix are the convenient forms.

export interface SyslogLine {
  /** Milliseconds since the epoch. */
  time: number;
  /** '' when the line carries no host (e.g. "<134>Jul  3 19:10:30 filterlog[1]: …"). */
  host: string;
  /** The tag: "postfix/submission/smtpd", "exim", "sm-mta", "dovecot", "auth-worker(80180)". */
  program: string;
  pid?: string;
  message: string;
}

const DAY_MS = 86_400_000;
/** A year-less time may lie this far in the future of now() (clock skew, zone mix-ups). */
const FUTURE_TOLERANCE_MS = DAY_MS;
/** Once a file's lines run ahead of now(), their continuation may stay ahead this far. */
const CONTINUATION_TOLERANCE_MS = 7 * DAY_MS;
/** A backwards jump bigger than this between consecutive lines is a year-inference miss, not log order. */
const BACKWARDS_JUMP_MS = 180 * DAY_MS;

/** "Jan".."Dec" keyed by their three char codes. */
const MONTHS = new Map<number, number>();
['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].forEach((m, i) => {
  MONTHS.set((m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i);
});

function daysInMonth(year: number, month0: number): number {
  if (month0 === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month0 === 3 || month0 === 5 || month0 === 8 || month0 === 10 ? 30 : 31;
}

/** Wall-clock fields of an instant in an IANA zone, via Intl (only on cache misses). */
class ZoneWallClock {
  private readonly fmt: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    // Throws a RangeError naming the zone if it is unknown.
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** Offset of the zone from UTC at instant t, in ms (wall clock − UTC). */
  offsetAt(t: number): number {
    const f: Record<string, number> = {};
    for (const p of this.fmt.formatToParts(t)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    const wall = Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!);
    return wall - (t - (((t % 1000) + 1000) % 1000));
  }

  /** Wall-clock fields → instant, like `new Date(y, m, d, h)` does for the process zone. */
  toUtc(year: number, month0: number, day: number, hour: number): number {
    const asUtc = Date.UTC(year, month0, day, hour);
    // Two passes settle the offset on either side of a DST change.
    const first = asUtc - this.offsetAt(asUtc);
    return asUtc - this.offsetAt(first);
  }

  year(t: number): number {
    return new Date(t + this.offsetAt(t)).getUTCFullYear();
  }
}

/**
 * Turns wall-clock fields into epoch milliseconds and infers the year of
 * year-less (BSD syslog) timestamps. Keep one per log file: it remembers the
 * previous line's time so a file's lines stay in order across New Year.
 *
 * The year chosen is the latest one that puts the time no more than a day in
 * the future of now(): a December line read in January is last year's. If the
 * previous line already ran ahead of now() (a sender's clock fast by more than
 * a day), a line that would otherwise jump back most of a year continues the
 * previous line's year instead, as long as it stays within a week of now().
 *
 * Local times are in `timeZone` (an IANA name, for logs written in another
 * zone than the exporter's) or, by default, this process's zone (TZ env).
 */
/** Longest timestamp the one-entry cache holds ("2024-08-26T01:33:38.572449+00:00" is 32). */
const MAX_CACHED_STAMP = 64;

export class LogClock {
  private readonly zone?: ZoneWallClock;
  private previous?: number;
  // One-entry caches: consecutive lines almost always share their hour.
  private localKey = -1;
  private localBase = 0;
  private yearlessKey = -1;
  private yearlessBase = 0;
  /**
   * readTimestamp's one-entry cache: the characters, time and form of the
   * last timestamp it read with this clock. Consecutive lines nearly always share
   * their second, and comparing 15 characters costs less than reading them.
   * The characters are kept as char codes, not as a string: the line's
   * charCodeAt against a typed array beat startsWith against a slice (~25 ns
   * a line).
   */
  private readonly stampCodes = new Uint16Array(MAX_CACHED_STAMP);
  /** Characters in stampCodes; 0 = nothing cached. */
  private stampLength = 0;
  private stampTime = 0;
  private stampForm: TimestampForm = 'bsd';

  constructor(private readonly now: () => number = Date.now, timeZone?: string) {
    if (timeZone !== undefined) this.zone = new ZoneWallClock(timeZone);
  }

  /** Local wall-clock time → epoch ms, undefined for an impossible date (Feb 30). */
  local(year: number, month0: number, day: number, hour: number, minute: number, second: number, ms: number): number | undefined {
    if (month0 < 0 || month0 > 11 || day < 1 || day > daysInMonth(year, month0) || hour > 23 || minute > 59 || second > 60) return undefined;
    const key = ((year * 12 + month0) * 32 + day) * 24 + hour;
    if (key !== this.localKey) {
      this.localBase = this.zone ? this.zone.toUtc(year, month0, day, hour) : new Date(year, month0, day, hour, 0, 0, 0).getTime();
      this.localKey = key;
    }
    return this.localBase + minute * 60_000 + second * 1000 + ms;
  }

  /** A year-less local time (BSD syslog) → epoch ms with the inferred year. */
  yearless(month0: number, day: number, hour: number, minute: number, second: number, ms: number): number | undefined {
    if (month0 < 0 || month0 > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
    const key = (month0 * 32 + day) * 24 + hour;
    // now() is read only when the hour changes: the year of one (month, day,
    // hour) can only change after a year, and any other hour in between
    // replaces the one-entry cache.
    if (key !== this.yearlessKey) {
      const base = this.inferHour(month0, day, hour, this.now());
      if (base === undefined) return undefined;
      this.yearlessKey = key;
      this.yearlessBase = base;
    }
    const within = minute * 60_000 + second * 1000 + ms;
    let t = this.yearlessBase + within;
    const prev = this.previous;
    if (prev !== undefined && t < prev - BACKWARDS_JUMP_MS) {
      const next = this.local(this.yearOf(t) + 1, month0, day, hour, 0, 0, 0);
      if (next !== undefined && next + within >= prev - DAY_MS && next + within <= this.now() + CONTINUATION_TOLERANCE_MS) {
        this.yearlessKey = -1; // the hint belongs to this file position, not to the cached hour
        t = next + within;
      }
    }
    this.previous = t;
    return t;
  }

  /**
   * The cached reading if text[start…] holds the same timestamp characters as
   * the last one read, followed by a space or the end of the text (where the
   * full reading stops too); fills `out` and returns true.
   */
  cachedStamp(text: string, start: number, out: TimestampMatch): boolean {
    const n = this.stampLength, end = start + n;
    if (n === 0 || end > text.length || (end < text.length && text.charCodeAt(end) !== 32)) return false;
    // From the end: the seconds are what differs from one line to the next.
    const codes = this.stampCodes;
    for (let k = n - 1; k >= 0; k--) if (text.charCodeAt(start + k) !== codes[k]) return false;
    out.time = this.stampTime;
    out.end = end;
    out.form = this.stampForm;
    return true;
  }

  /**
   * Remembers a timestamp just read (bsd and rfc3339 only: they end where
   * their characters end; Exim's iso-space form looks past them for an
   * offset). A year-less time placed by the continuation rule is not cached:
   * its year belongs to that file position, not to its characters.
   */
  rememberStamp(text: string, start: number, m: TimestampMatch): void {
    const n = m.end - start;
    if (m.form === 'iso-space' || m.form === 'tai64n' || (m.form === 'bsd' && this.yearlessKey === -1) || n > MAX_CACHED_STAMP) {
      this.stampLength = 0;
      return;
    }
    // Copied once per distinct timestamp (about once a second of log).
    for (let k = 0; k < n; k++) this.stampCodes[k] = text.charCodeAt(start + k);
    this.stampLength = n;
    this.stampTime = m.time;
    this.stampForm = m.form;
  }

  private yearOf(t: number): number {
    return this.zone ? this.zone.year(t) : new Date(t).getFullYear();
  }

  /** The start of the hour in the latest year that is not more than the tolerance ahead of now. */
  private inferHour(month0: number, day: number, hour: number, now: number): number | undefined {
    const thisYear = this.yearOf(now);
    // Feb 29 may need up to 8 years back (1896 → 1904 had no leap day in 1900).
    for (let year = thisYear + 1; year >= thisYear - 8; year--) {
      const t = this.local(year, month0, day, hour, 0, 0, 0);
      if (t !== undefined && t <= now + FUTURE_TOLERANCE_MS) return t;
    }
    return undefined;
  }
}

export type TimestampForm =
  /** "Feb 24 16:18:40", "Apr  7 15:35:20", "Aug 4 16:47:52" (optionally ".123456"): local time, year inferred. */
  | 'bsd'
  /** RFC 3339 "2024-08-26T01:33:38.572449+00:00"; local time when it has no offset. */
  | 'rfc3339'
  /** Exim / SQL style "2024-03-21 19:26:06[.123][ +0100]"; local time when it has no offset. */
  | 'iso-space'
  /** daemontools multilog "@400000004c91b044077a9e94". */
  | 'tai64n';

export interface TimestampMatch {
  /** Milliseconds since the epoch. */
  time: number;
  /** Index just after the timestamp (its trailing space not included). */
  end: number;
  form: TimestampForm;
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/** Two digits at i as a number, -1 if they are not digits. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function four(s: string, i: number): number {
  const a = two(s, i), b = two(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

// The helpers below return one number and leave the index after what they
// read here, so the per-line path allocates nothing.
let scanEnd = 0;

/** ".ddd…" at i → milliseconds (0 without a fraction), -1 if it is not a fraction; sets scanEnd. */
function fraction(s: string, i: number): number {
  scanEnd = i;
  if (s.charCodeAt(i) !== 46 || !isDigit(s.charCodeAt(i + 1))) return 0;
  let j = i + 1, ms = 0, n = 0;
  while (isDigit(s.charCodeAt(j))) {
    if (n < 3) { ms = ms * 10 + (s.charCodeAt(j) - 48); n++; }
    j++;
    if (j - i > 10) return -1; // more than nanoseconds: not a timestamp
  }
  while (n < 3) { ms *= 10; n++; }
  scanEnd = j;
  return ms;
}

/** An offset "Z", "+hh:mm" or "+hhmm" at i → minutes east of UTC, NaN if none; sets scanEnd. */
function offsetAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */) { scanEnd = i + 1; return 0; }
  if (c !== 43 && c !== 45) return NaN;
  const hh = two(s, i + 1);
  if (hh < 0 || hh > 23) return NaN;
  let mm: number;
  if (s.charCodeAt(i + 3) === 58) { mm = two(s, i + 4); scanEnd = i + 6; } else { mm = two(s, i + 3); scanEnd = i + 5; }
  if (mm < 0 || mm > 59) return NaN;
  return (c === 43 ? 1 : -1) * (hh * 60 + mm);
}

/** True at the end of the text or before a space: where a timestamp may stop. */
function boundary(s: string, i: number): boolean {
  return i >= s.length || s.charCodeAt(i) === 32;
}

/** "hh:mm:ss" at i → seconds of the day, -1 if malformed. */
function clockAt(s: string, i: number): number {
  const h = two(s, i), m = two(s, i + 3), sec = two(s, i + 6);
  if (h < 0 || m < 0 || sec < 0 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return -1;
  return h * 3600 + m * 60 + sec;
}

/**
 * Reads a timestamp starting at `start` into `out` (reused: no allocation):
 * BSD syslog ("Feb 24 16:18:40", day padded with a space or not), RFC 3339
 * ("2024-08-26T01:33:38.572449+00:00"), Exim/SQL ("2024-03-21
 * 19:26:06[.123][ +0100]") or TAI64N ("@4000…", 24 hex digits). Times without
 * a zone are local time of the clock's zone. False when there is none.
 */
export function readTimestamp(text: string, start: number, clock: LogClock, out: TimestampMatch): boolean {
  if (clock.cachedStamp(text, start, out)) return true;
  const c0 = text.charCodeAt(start);
  let ok: boolean;
  if (isDigit(c0)) ok = isoAt(text, start, clock, out);
  else if (c0 === 64 /* @ */) ok = tai64nAt(text, start, out);
  else ok = bsdAt(text, start, clock, out);
  if (ok) clock.rememberStamp(text, start, out);
  return ok;
}

/** readTimestamp returning a fresh match, or undefined. */
export function parseTimestampPrefix(text: string, start: number, clock: LogClock): TimestampMatch | undefined {
  const out: TimestampMatch = { time: 0, end: 0, form: 'bsd' };
  return readTimestamp(text, start, clock, out) ? out : undefined;
}

function bsdAt(s: string, i: number, clock: LogClock, out: TimestampMatch): boolean {
  const month = MONTHS.get((s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2));
  if (month === undefined || s.charCodeAt(i + 3) !== 32) return false;
  let j = i + 4;
  if (s.charCodeAt(j) === 32) j++;
  let day = -1;
  if (isDigit(s.charCodeAt(j)) && isDigit(s.charCodeAt(j + 1))) { day = two(s, j); j += 2; } else if (isDigit(s.charCodeAt(j))) { day = s.charCodeAt(j) - 48; j += 1; }
  if (day < 1 || s.charCodeAt(j) !== 32) return false;
  const secs = clockAt(s, j + 1);
  if (secs < 0) return false;
  const ms = fraction(s, j + 9);
  if (ms < 0 || !boundary(s, scanEnd)) return false;
  const end = scanEnd;
  const time = clock.yearless(month, day, Math.floor(secs / 3600), Math.floor(secs / 60) % 60, secs % 60, ms);
  if (time === undefined) return false;
  out.time = time;
  out.end = end;
  out.form = 'bsd';
  return true;
}

function isoAt(s: string, i: number, clock: LogClock, out: TimestampMatch): boolean {
  const year = four(s, i), month = two(s, i + 5), day = two(s, i + 8);
  if (year < 0 || month < 1 || month > 12 || day < 1 || s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45) return false;
  const sep = s.charCodeAt(i + 10);
  if (sep !== 84 /* T */ && sep !== 32) return false;
  const secs = clockAt(s, i + 11);
  if (secs < 0) return false;
  const ms = fraction(s, i + 19);
  if (ms < 0) return false;
  let j = scanEnd;
  let offset = offsetAt(s, j);
  if (offset === offset) {
    j = scanEnd;
  } else if (sep === 32 && s.charCodeAt(j) === 32) {
    // Exim's " +0100" (log_timezone): only a complete ±hhmm followed by a boundary.
    offset = offsetAt(s, j + 1);
    if (offset === offset && scanEnd === j + 6 && boundary(s, scanEnd)) j = scanEnd;
    else offset = NaN;
  }
  if (!boundary(s, j)) return false;
  const h = Math.floor(secs / 3600), m = Math.floor(secs / 60) % 60, sec = secs % 60;
  let time: number | undefined;
  if (offset !== offset) {
    time = clock.local(year, month - 1, day, h, m, sec, ms);
    if (time === undefined) return false;
  } else {
    if (day > daysInMonth(year, month - 1) || h > 23 || m > 59 || sec > 60) return false;
    time = Date.UTC(year, month - 1, day, h, m, sec, ms) - offset * 60_000;
  }
  out.time = time;
  out.end = j;
  out.form = sep === 84 ? 'rfc3339' : 'iso-space';
  return true;
}

function tai64nAt(s: string, i: number, out: TimestampMatch): boolean {
  // "@" + 16 hex seconds label (2^62 + 10 + unix seconds, the libtai
  // convention tai64nlocal undoes) + 8 hex nanoseconds.
  if (!s.startsWith('40000000', i + 1)) return false;
  let secs = 0, nanos = 0;
  for (let k = 9; k < 17; k++) { const h = hexValue(s.charCodeAt(i + k)); if (h < 0) return false; secs = secs * 16 + h; }
  for (let k = 17; k < 25; k++) { const h = hexValue(s.charCodeAt(i + k)); if (h < 0) return false; nanos = nanos * 16 + h; }
  if (nanos > 999_999_999 || !boundary(s, i + 25)) return false;
  out.time = (secs - 10) * 1000 + Math.floor(nanos / 1e6);
  out.end = i + 25;
  out.form = 'tai64n';
  return true;
}

/**
 * Where the parts of a syslog line are, as indices into the line (filled by
 * scanSyslogLine, reused line after line so parsers slice only what they need).
 * Empty parts have start === end; pidStart is -1 when there is no pid.
 */
export interface SyslogScan {
  time: number;
  hostStart: number;
  hostEnd: number;
  programStart: number;
  programEnd: number;
  pidStart: number;
  pidEnd: number;
  messageStart: number;
  /** The last "/" in the program name ("postfix/submission/smtpd"), -1 if it has none. */
  programSlash: number;
}

export function newSyslogScan(): SyslogScan {
  return { time: 0, hostStart: 0, hostEnd: 0, programStart: 0, programEnd: 0, pidStart: -1, pidEnd: -1, messageStart: 0, programSlash: -1 };
}

const scratchTs: TimestampMatch = { time: 0, end: 0, form: 'bsd' };

/**
 * Splits one syslog line. Accepts an optional "<PRI>", then either RFC 5424
 * ("<134>1 TS HOST APP PROCID MSGID SD MSG") or a BSD/RFC 3339 timestamp,
 * an optional "<facility.level>" (syslog-ng/ sendmail's "<mail.info>"), the
 * host (absent when the first word is already "prog[pid]:" or "prog:") and
 * the tag. Exim-style "YYYY-MM-DD hh:mm:ss" is not syslog framing: Exim's
 * parser reads its own timestamps. Returns undefined when the line is not syslog.
 */
export function parseSyslogLine(line: string, clock: LogClock): SyslogLine | undefined {
  const sc = newSyslogScan();
  if (!scanSyslogLine(line, clock, sc)) return undefined;
  const out: SyslogLine = {
    time: sc.time,
    host: line.slice(sc.hostStart, sc.hostEnd),
    program: line.slice(sc.programStart, sc.programEnd),
    message: line.slice(sc.messageStart),
  };
  if (sc.pidStart >= 0) out.pid = line.slice(sc.pidStart, sc.pidEnd);
  return out;
}

/** parseSyslogLine without allocating: fills `out`, false when the line is not syslog. */
export function scanSyslogLine(line: string, clock: LogClock, out: SyslogScan): boolean {
  let i = 0;
  if (line.charCodeAt(0) === 60 /* < */) {
    let j = 1;
    while (j < 4 && isDigit(line.charCodeAt(j))) j++;
    if (j === 1 || line.charCodeAt(j) !== 62 /* > */) return false;
    i = j + 1;
    if (line.charCodeAt(i) === 49 /* 1 */ && line.charCodeAt(i + 1) === 32) return scan5424(line, i + 2, clock, out);
  }
  const ts = scratchTs;
  if (!readTimestamp(line, i, clock, ts) || ts.form === 'iso-space' || ts.form === 'tai64n') return false;
  out.time = ts.time;
  i = ts.end;
  if (line.charCodeAt(i) !== 32) return false;
  while (line.charCodeAt(i) === 32) i++;
  if (line.charCodeAt(i) === 60 /* < */) {
    // "<mail.info>" inserted by some syslog templates.
    const close = line.indexOf('>', i);
    const space = line.indexOf(' ', i);
    if (close < 0 || (space >= 0 && space < close)) return false;
    i = close + 1;
    while (line.charCodeAt(i) === 32) i++;
  }
  let sp = line.indexOf(' ', i);
  if (sp < 0) sp = line.length;
  if (sp === i) return false;
  if (isTagWord(line, i, sp)) {
    out.hostStart = out.hostEnd = i;
    return scanTag(line, i, out);
  }
  out.hostStart = i;
  out.hostEnd = sp;
  let k = sp;
  while (line.charCodeAt(k) === 32) k++;
  if (k >= line.length) return false;
  return scanTag(line, k, out);
}

/** "prog:" or "prog[pid]" / "prog[pid]:" — a tag where a host was expected. */
function isTagWord(s: string, from: number, to: number): boolean {
  if (s.charCodeAt(to - 1) === 58 /* : */) return true;
  if (s.charCodeAt(to - 1) !== 93 /* ] */) return false;
  const open = s.indexOf('[', from);
  return open > from && open < to;
}

function scanTag(s: string, i: number, out: SyslogScan): boolean {
  let j = i;
  const n = s.length;
  let slash = -1;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === 91 /* [ */ || c === 58 /* : */ || c === 32) break;
    if (c === 47 /* / */) slash = j;
    j++;
  }
  out.programSlash = slash;
  if (j === i) return false;
  out.programStart = i;
  out.programEnd = j;
  out.pidStart = out.pidEnd = -1;
  if (s.charCodeAt(j) === 91) {
    const close = s.indexOf(']', j);
    if (close < 0 || close === j + 1) return false;
    const space = s.indexOf(' ', j);
    if (space >= 0 && space < close) return false;
    out.pidStart = j + 1;
    out.pidEnd = close;
    j = close + 1;
    if (s.charCodeAt(j) === 58) j++;
  } else if (s.charCodeAt(j) === 58) {
    j++;
  }
  if (s.charCodeAt(j) === 32) j++;
  out.messageStart = j >= n ? n : j;
  return true;
}

/** The index of the last "/" in s[from, to), or -1. */
export function lastSlash(s: string, from: number, to: number): number {
  let k = to - 1;
  while (k >= from && s.charCodeAt(k) !== 47 /* / */) k--;
  return k;
}

/** RFC 5424 after "<PRI>1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]. */
function scan5424(s: string, i: number, clock: LogClock, out: SyslogScan): boolean {
  const ts = scratchTs;
  if (!readTimestamp(s, i, clock, ts) || ts.form !== 'rfc3339' || s.charCodeAt(ts.end) !== 32) return false;
  out.time = ts.time;
  // HOSTNAME APP-NAME PROCID MSGID, each one word, "-" when nil.
  let j = ts.end + 1;
  const starts = [0, 0, 0, 0], ends = [0, 0, 0, 0];
  for (let f = 0; f < 4; f++) {
    const sp = s.indexOf(' ', j);
    if (sp <= j) return false;
    starts[f] = j;
    ends[f] = sp;
    j = sp + 1;
  }
  const nil = (f: number) => ends[f]! - starts[f]! === 1 && s.charCodeAt(starts[f]!) === 45;
  out.hostStart = starts[0]!;
  out.hostEnd = nil(0) ? starts[0]! : ends[0]!;
  out.programStart = starts[1]!;
  out.programEnd = nil(1) ? starts[1]! : ends[1]!;
  out.programSlash = lastSlash(s, out.programStart, out.programEnd);
  out.pidStart = nil(2) ? -1 : starts[2]!;
  out.pidEnd = nil(2) ? -1 : ends[2]!;
  if (s.charCodeAt(j) === 45 /* - */) {
    j++;
  } else if (s.charCodeAt(j) === 91 /* [ */) {
    // SD-ELEMENTs: quoted values may hold "]" escaped as "\]".
    while (s.charCodeAt(j) === 91) {
      let k = j + 1, quoted = false;
      for (; k < s.length; k++) {
        const c = s.charCodeAt(k);
        if (c === 92 /* \ */) { k++; continue; }
        if (c === 34 /* " */) quoted = !quoted;
        else if (c === 93 && !quoted) break;
      }
      if (k >= s.length) return false;
      j = k + 1;
    }
  } else {
    return false;
  }
  if (j >= s.length) {
    out.messageStart = s.length;
    return true;
  }
  if (s.charCodeAt(j) !== 32) return false;
  out.messageStart = s.charCodeAt(j + 1) === 0xfeff ? j + 2 : j + 1;
  return true;
}
