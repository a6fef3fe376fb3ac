// `format: auto`: which parser a source needs, judged from its first lines, and
// the one place that maps a format name to its parser.
//
// Every candidate parser reads the same lines (a fresh instance each, so no
// join state leaks). A line counts for a format when its parser does not call
// it malformed and either turns it into events or carries the format's
// signature (the program name in the syslog tag, Kerio's "[DD/Mon/YYYY …]"
// stamp, an Exchange header or row shape, OpenSMTPD's session id, Exim's
// message id): plenty of a format's lines are understood but ignored
// ("connect from", "smtp envelope", HAREDIRECTFAIL), and they still say which
// format this is. The format with the most such lines wins; ties go to the
// order of MAIL_FORMATS.
//
// Dovecot shares /var/log/mail.log with the MTA on most systems, and only the
// MTA's parser yields per-user mail numbers, so Dovecot is chosen only when no
// MTA format recognised a single line. `confidence` is the winner's share of
// the non-empty lines read.
import type { MailLogParser, ParseResult } from './events';
import { DovecotParser, dovecotText } from './dovecot';
import { ExchangeParser } from './exchange';
import { EximParser, eximMessageIdLength } from './exim';
import { KerioParser, kerioTime } from './kerio';
import { OpensmtpdParser, isOpensmtpdText } from './opensmtpd';
import { PostfixParser, postfixService } from './postfix';
import { SendmailParser, isSendmailProgram } from './sendmail';
import { LogClock, parseSyslogLine, parseTimestampPrefix } from './syslog';

export const MAIL_FORMATS: readonly string[] = ['postfix', 'exim', 'kerio', 'sendmail', 'opensmtpd', 'exchange', 'dovecot'];

/** Lines read for a decision; later ones are not looked at. */
export const DETECT_MAX_LINES = 200;

export function createParser(format: string, clock: LogClock = new LogClock()): MailLogParser {
  switch (format) {
    case 'postfix': return new PostfixParser(clock);
    case 'exim': return new EximParser(clock);
    case 'kerio': return new KerioParser(clock);
    case 'sendmail': return new SendmailParser(clock);
    case 'opensmtpd': return new OpensmtpdParser(clock);
    case 'exchange': return new ExchangeParser(clock);
    case 'dovecot': return new DovecotParser(clock);
    default: throw new Error(`unknown mail log format "${format}" (known: ${MAIL_FORMATS.join(', ')})`);
  }
}

/** The syslog tag of a line, if it is a syslog line. */
function program(line: string, clock: LogClock): string | undefined {
  return parseSyslogLine(line, clock)?.program;
}

/** Processes whose names start a line of Dovecot's own log file. */
const DOVECOT_PROCESSES = /^(?:auth|auth-worker|imap|imap-login|pop3|pop3-login|submission|submission-login|managesieve|managesieve-login|lmtp|lda|master|config|anvil|log|stats|indexer|indexer-worker|doveadm|dict|director|replicator|aggregator|quota-status)(?:[:(]| \()/;

/** Lines that belong to a format even when its parser ignores them. */
const SIGNATURES: Record<string, (line: string, clock: LogClock) => boolean> = {
  postfix: (line, clock) => {
    const p = program(line, clock);
    return p !== undefined && (p.startsWith('postfix') || postfixService(p) !== undefined);
  },
  exim: (line, clock) => {
    const ts = parseTimestampPrefix(line, 0, clock);
    if (ts && ts.form === 'iso-space') {
      let i = ts.end + 1;
      if (line.charCodeAt(i) === 91 /* [ */) i = line.indexOf('] ', i) + 2;
      return i > 1 && eximMessageIdLength(line, i) > 0;
    }
    const p = program(line, clock);
    return p !== undefined && p.startsWith('exim');
  },
  kerio: (line, clock) => kerioTime(line, clock) !== undefined,
  sendmail: (line, clock) => {
    const p = program(line, clock);
    return p !== undefined && isSendmailProgram(p);
  },
  opensmtpd: (line, clock) => {
    if (isOpensmtpdText(line)) return true;
    const sl = parseSyslogLine(line, clock);
    return sl !== undefined && sl.program === 'smtpd' && isOpensmtpdText(sl.message);
  },
  exchange: (line) => line.startsWith('#Software: Microsoft Exchange') || line.startsWith('#Fields: date-time,') || line.startsWith('#Log-type: ')
    || line.startsWith('#Version: ') || line.startsWith('#Date: ')
    || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z,/.test(line),
  dovecot: (line, clock) => {
    const d = dovecotText(line, clock);
    return d !== undefined && d !== null && DOVECOT_PROCESSES.test(d.text);
  },
};

/**
 * The format of a source from its first lines, or undefined when no line is
 * recognisable (the caller waits for more). Empty lines are skipped.
 */
export function detectFormat(lines: string[]): { format: string; confidence: number } | undefined {
  const sample: string[] = [];
  for (const l of lines) {
    if (l.length > 0) sample.push(l);
    if (sample.length >= DETECT_MAX_LINES) break;
  }
  if (sample.length === 0) return undefined;
  let best: { format: string; hits: number } | undefined;
  let bestMta: { format: string; hits: number } | undefined;
  for (const format of MAIL_FORMATS) {
    const clock = new LogClock();
    const parser = createParser(format, clock);
    const signature = SIGNATURES[format]!;
    const sigClock = new LogClock();
    let hits = 0;
    for (const line of sample) {
      let r: ParseResult;
      try {
        r = parser.parse(line);
      } catch {
        continue;
      }
      if (r.result === 'malformed') continue;
      if (r.result === 'parsed' || signature(line, sigClock)) hits++;
    }
    if (hits === 0) continue;
    if (!best || hits > best.hits) best = { format, hits };
    if (format !== 'dovecot' && (!bestMta || hits > bestMta.hits)) bestMta = { format, hits };
  }
  const chosen = bestMta ?? best;
  return chosen === undefined ? undefined : { format: chosen.format, confidence: chosen.hits / sample.length };
}
