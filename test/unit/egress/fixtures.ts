// Firewall log lines from test/fixtures/egress: the real samples (verbatim)
// and the lines derived from them ("#" comment lines say how).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogClock } from '../../../src/logs/syslog';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'egress');

/** Non-empty, non-comment lines of a fixture file. */
export function fixtureLines(name: string): string[] {
  return readFileSync(join(FIXTURES, name), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

/** "Now" for year inference: every year-less sample date falls in 2026. */
export const NOW = new Date(2026, 11, 1, 12, 0, 0).getTime();
export const clock = (): LogClock => new LogClock(() => NOW);

/** Local wall-clock time (BSD syslog timestamps carry no zone) in epoch ms. */
export const local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number =>
  new Date(y, mo - 1, d, h, mi, s, ms).getTime();
