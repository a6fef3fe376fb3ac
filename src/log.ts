// Structured logging: one line per event, logfmt (default, like Prometheus' own
// binaries) or JSON. Values are escaped so a hostile string (a log line, a login
// name) can never forge a second log line.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';
export type LogFields = Record<string, unknown>;

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line (e.g. component=dnsbl). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

function fieldValue(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** Quote a logfmt value when it needs it; escapes quotes, backslashes and control characters. */
export function logfmtValue(raw: string): string {
  if (raw !== '' && /^[^\s"=\\\x00-\x1f\x7f]+$/.test(raw)) return raw;
  return JSON.stringify(raw);
}

export function formatLine(format: LogFormat, time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const ts = time.toISOString();
  if (format === 'json') {
    const out: Record<string, unknown> = { ts, level, msg };
    for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? v.message : v;
    return JSON.stringify(out);
  }
  let line = `ts=${ts} level=${level} msg=${logfmtValue(msg)}`;
  for (const [k, v] of Object.entries(fields)) line += ` ${k}=${logfmtValue(fieldValue(v))}`;
  return line;
}

export function createLogger(opts: LoggerOptions, base: LogFields = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const min = LEVEL_ORDER[opts.level];
  const emit = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (LEVEL_ORDER[level] < min) return;
    write(formatLine(opts.format, now(), level, msg, { ...base, ...fields }));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** Swallows everything; for unit tests and library use. */
export const silentLogger: Logger = createLogger({ level: 'error', format: 'logfmt', write: () => {} });
