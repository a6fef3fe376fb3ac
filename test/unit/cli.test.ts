import { CliError, parseArgs, parseListenAddress, usage } from '../../src/cli';

describe('parseArgs', () => {
  test('defaults', () => {
    const o = parseArgs([]);
    expect(o.configFile).toBe('mail-reputation-exporter.yml');
    expect(o.configFileExplicit).toBe(false);
    expect(o.listenAddress).toBeUndefined();
    expect(o.telemetryPath).toBe('/metrics');
    expect(o.logLevel).toBe('info');
    expect(o.logFormat).toBe('logfmt');
    expect(o.checkConfig).toBe(false);
  });

  test.each([
    [['--config.file=/etc/x.yml'], { configFile: '/etc/x.yml', configFileExplicit: true }],
    [['--config.file', '/etc/y.yml'], { configFile: '/etc/y.yml', configFileExplicit: true }],
    [['--web.listen-address=127.0.0.1:9000'], { listenAddress: '127.0.0.1:9000' }],
    [['--web.telemetry-path=/m'], { telemetryPath: '/m' }],
    [['--log.level=debug', '--log.format=json'], { logLevel: 'debug', logFormat: 'json' }],
    [['--check-config'], { checkConfig: true }],
    [['--check-config=false'], { checkConfig: false }],
    [['--version'], { version: true }],
    [['-h'], { help: true }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toMatchObject(expected);
  });

  test.each([
    [['--nope'], 'unknown flag --nope'],
    [['--log.level=loud'], '--log.level: must be one of debug, info, warn, error, got "loud"'],
    [['--config.file'], '--config.file: needs a value'],
    [['stray'], 'unexpected argument "stray"'],
    [['--web.telemetry-path=metrics'], 'must start with "/"'],
    [['--version=maybe'], 'expected true or false'],
  ])('%j is rejected', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(CliError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  test('usage lists every flag', () => {
    for (const f of ['--config.file', '--web.listen-address', '--web.telemetry-path', '--log.level', '--log.format', '--check-config', '--version', '--help']) {
      expect(usage()).toContain(f);
    }
  });
});

describe('parseListenAddress', () => {
  test.each([
    [':9798', { host: undefined, port: 9798 }],
    ['127.0.0.1:9798', { host: '127.0.0.1', port: 9798 }],
    ['[::1]:9798', { host: '::1', port: 9798 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  test.each(['9798', '127.0.0.1', ':70000', '::1:9798', 'host:port'])('%s is rejected', (text) => {
    expect(() => parseListenAddress(text)).toThrow(CliError);
  });
});
