// Reading a scrape the way Prometheus does for the fault tests: every sample
// by its exact series text, with the family's TYPE, so a test can sum a
// counter over one label, compare whole scrapes, and tell counters (which must
// never go down nor vanish) from gauges.
import { scrape } from '../helpers/exporter-process';

export interface Sample { family: string; type: string; value: number }

/** The family a sample belongs to: its own name, or the name less a histogram/summary/counter suffix. */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_count', '_sum', '_total', '_created']) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return name;
}

/** Exposition text → series text (`name{labels}`, exactly as rendered) → sample. */
export function parseExposition(text: string): Map<string, Sample> {
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (const line of lines) {
    if (!line.startsWith('# TYPE ')) continue;
    const [name, type] = line.slice(7).split(' ');
    types.set(name, type);
  }
  const out = new Map<string, Sample>();
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    // The value follows the last space outside the label set (label values may hold spaces).
    const close = line.lastIndexOf('}');
    const space = line.indexOf(' ', close === -1 ? 0 : close);
    const series = line.slice(0, space);
    const brace = series.indexOf('{');
    const name = brace === -1 ? series : series.slice(0, brace);
    const family = familyOf(name, types);
    out.set(series, { family, type: types.get(family) ?? 'untyped', value: Number(line.slice(space + 1).split(' ')[0]) });
  }
  return out;
}

export async function scrapeSamples(url: string): Promise<Map<string, Sample>> {
  return parseExposition(await scrape(url));
}

/** The value of one label in a series text, e.g. labelOf('x{a="b"}', 'a') = 'b'. */
export function labelOf(series: string, label: string): string | undefined {
  const m = new RegExp(`[{,]${label}="((?:[^"\\\\]|\\\\.)*)"`).exec(series);
  return m ? m[1] : undefined;
}

/** Sum of every sample of `name` whose labels include all of `where`. */
export function sumOf(samples: Map<string, Sample>, name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, s] of samples) {
    if (!(series === name || series.startsWith(`${name}{`))) continue;
    if (Object.entries(where).every(([k, v]) => labelOf(series, k) === v)) sum += s.value;
  }
  return sum;
}

/** Whether a series only ever grows: counters, and histogram/summary buckets, sums and counts. */
export function isMonotonic(series: string, s: Sample): boolean {
  if (s.type === 'counter') return true;
  if (s.type === 'histogram') return true;
  if (s.type === 'summary') return !series.includes('quantile=');
  return false;
}

/**
 * Compares one scrape with everything seen before: a monotonic series that
 * went down (a reset) or disappeared (a gap) is a violation. `seen` is updated.
 */
export function monotonicViolations(seen: Map<string, number>, samples: Map<string, Sample>): string[] {
  const problems: string[] = [];
  for (const [series, before] of seen) {
    const now = samples.get(series);
    if (now === undefined) problems.push(`${series} disappeared (was ${before})`);
    else if (now.value < before) problems.push(`${series} went down from ${before} to ${now.value}`);
  }
  for (const [series, s] of samples) if (isMonotonic(series, s)) seen.set(series, s.value);
  return problems;
}
