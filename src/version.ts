import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Read at start-up from package.json so a release bump has one place to change.
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return JSON.parse(readFileSync(join(__dirname, rel), 'utf8')).version as string;
    } catch {
      /* try the next layout: ts-jest runs from src/, the build from dist/src/ */
    }
  }
  return 'unknown';
}

export const VERSION = readVersion();
export const PROGRAM = 'mail-reputation-exporter';
