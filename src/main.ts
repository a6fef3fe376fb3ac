#!/usr/bin/env node
// Entry point: flags → config → exporter; signals for reload and graceful stop.
import { CliError, parseArgs, usage } from './cli';
import { ConfigError, loadConfigFile } from './config/load';
import { Exporter } from './exporter';
import { tuneHeap } from './heap';
import { createLogger } from './log';
import { loadWebConfigFile } from './web/web-config';
import { PROGRAM, VERSION } from './version';

async function main(argv: string[]): Promise<number> {
  let cli;
  try {
    cli = parseArgs(argv);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`${PROGRAM}: error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (cli.help) { process.stdout.write(usage() + '\n'); return 0; }
  if (cli.version) { process.stdout.write(`${PROGRAM} ${VERSION} (node ${process.version})\n`); return 0; }

  if (cli.checkConfig) {
    try {
      const loaded = await loadConfigFile(cli.configFile, cli.configFileExplicit);
      let verdict = `OK: ${loaded.source} is valid`;
      if (cli.webConfigFile !== undefined) {
        const web = await loadWebConfigFile(cli.webConfigFile);
        for (const warning of web.warnings) process.stderr.write(`warning: web.config.file: ${cli.webConfigFile}: ${warning}\n`);
        verdict += `; web config ${cli.webConfigFile} is valid (${web.tls ? `TLS, client_auth_type ${web.tls.clientAuth}` : 'plain HTTP'}, ${web.users.size} basic-auth users)`;
      }
      process.stdout.write(`${verdict}\n`);
      return 0;
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : String(err);
      process.stdout.write(`INVALID: ${message}\n`);
      return 1;
    }
  }

  let heapFlag: string | undefined;
  try {
    heapFlag = tuneHeap();
  } catch (err) {
    process.stderr.write(`${PROGRAM}: error: ${(err as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: cli.logLevel, format: cli.logFormat });
  logger.info('starting', { version: VERSION, node: process.version, ...(heapFlag ? { v8: heapFlag } : {}) });
  const exporter = new Exporter(cli, logger);
  try {
    await exporter.start();
  } catch (err) {
    logger.error('cannot start', { err: err instanceof Error ? err.message : String(err) });
    await exporter.stop().catch(() => undefined);
    return 1;
  }

  process.on('SIGHUP', () => { void exporter.reload(); });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    exporter.stop().then(() => process.exit(0), () => process.exit(1));
    // Do not hang forever on a stuck collector.
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Never crash on a bug in one event handler: log it and keep exporting.
  process.on('uncaughtException', (err) => logger.error('uncaught exception', { err: err.stack ?? String(err) }));
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', { err: String(err) }));
  return -1;
}

main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
}, (err) => {
  process.stderr.write(`${PROGRAM}: fatal: ${err?.stack ?? err}\n`);
  process.exit(1);
});
