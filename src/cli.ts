// Prometheus-style command-line flags (`--flag=value` or `--flag value`), parsed
// by a pure function so every flag and every error message is unit-tested.
import type { LogFormat, LogLevel } from './log';

export const DEFAULT_CONFIG_FILE = 'mail-reputation-exporter.yml';
export const DEFAULT_LISTEN_ADDRESS = ':9798';
export const DEFAULT_TELEMETRY_PATH = '/metrics';

export interface CliOptions {
  configFile: string;
  /** False when --config.file was not given: a missing default file then means "run with defaults". */
  configFileExplicit: boolean;
  /** Undefined unless given: the flag overrides web.listen_address from the config file. */
  listenAddress?: string;
  telemetryPath: string;
  webConfigFile?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  checkConfig: boolean;
  version: boolean;
  help: boolean;
}

export class CliError extends Error {}

interface FlagSpec {
  help: string;
  boolean?: boolean;
  choices?: readonly string[];
  apply(opts: CliOptions, value: string): void;
}

const FLAGS: Record<string, FlagSpec> = {
  'config.file': {
    help: `Configuration file (YAML). Default "${DEFAULT_CONFIG_FILE}"; when that default is absent the built-in defaults are used.`,
    apply: (o, v) => { o.configFile = v; o.configFileExplicit = true; },
  },
  'web.listen-address': {
    help: `Address to listen on, HOST:PORT or :PORT. Default "${DEFAULT_LISTEN_ADDRESS}" (overrides web.listen_address).`,
    apply: (o, v) => { o.listenAddress = v; },
  },
  'web.telemetry-path': {
    help: `Path under which to expose metrics. Default "${DEFAULT_TELEMETRY_PATH}".`,
    apply: (o, v) => {
      if (!v.startsWith('/')) throw new CliError(`--web.telemetry-path: must start with "/", got "${v}"`);
      o.telemetryPath = v;
    },
  },
  'web.config.file': {
    help: 'Web configuration file (Prometheus exporter-toolkit format): TLS, client certificates, basic-auth users, response headers. Re-read on reload; --check-config validates it too.',
    apply: (o, v) => { o.webConfigFile = v; },
  },
  'log.level': {
    help: 'Only log messages with the given severity or above: debug, info, warn, error. Default "info".',
    choices: ['debug', 'info', 'warn', 'error'],
    apply: (o, v) => { o.logLevel = v as LogLevel; },
  },
  'log.format': {
    help: 'Output format of log messages: logfmt or json. Default "logfmt".',
    choices: ['logfmt', 'json'],
    apply: (o, v) => { o.logFormat = v as LogFormat; },
  },
  'check-config': {
    help: 'Validate the configuration file, print a one-line verdict and exit (0 valid, 1 invalid).',
    boolean: true,
    apply: (o) => { o.checkConfig = true; },
  },
  version: { help: 'Print the version and exit.', boolean: true, apply: (o) => { o.version = true; } },
  help: { help: 'Show this help and exit.', boolean: true, apply: (o) => { o.help = true; } },
};

export function parseArgs(argv: readonly string[]): CliOptions {
  const opts: CliOptions = {
    configFile: DEFAULT_CONFIG_FILE,
    configFileExplicit: false,
    telemetryPath: DEFAULT_TELEMETRY_PATH,
    logLevel: 'info',
    logFormat: 'logfmt',
    checkConfig: false,
    version: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') { opts.help = true; continue; }
    if (!arg.startsWith('--')) throw new CliError(`unexpected argument "${arg}" (flags look like --name=value)`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = FLAGS[name];
    if (!spec) throw new CliError(`unknown flag --${name} (see --help)`);
    let value: string;
    if (spec.boolean) {
      if (eq !== -1) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new CliError(`--${name}: expected true or false, got "${v}"`);
        if (v === 'false') continue;
      }
      value = 'true';
    } else if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new CliError(`--${name}: needs a value`);
      value = argv[++i];
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new CliError(`--${name}: must be one of ${spec.choices.join(', ')}, got "${value}"`);
    }
    spec.apply(opts, value);
  }
  return opts;
}

export function usage(): string {
  const lines = [
    'usage: mail-reputation-exporter [<flags>]',
    '',
    'Prometheus exporter for mail server reputation: DNSBL listings, per-user send rates,',
    'blacklist bounces and direct-to-internet SMTP from internal hosts.',
    '',
    'Flags:',
  ];
  for (const [name, spec] of Object.entries(FLAGS)) {
    lines.push(`  --${name}${spec.boolean ? '' : '=VALUE'}`);
    lines.push(`      ${spec.help}`);
  }
  return lines.join('\n');
}

export interface ListenAddress { host?: string; port: number }

/** ":9798" → all interfaces; "127.0.0.1:9798"; "[::1]:9798". */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:\[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) throw new CliError(`listen address "${text}": expected HOST:PORT, :PORT or [IPv6]:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new CliError(`listen address "${text}": port ${port} is out of range`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}
