// Hand-written Prometheus text exposition for high-volume families (per-user
// series). prom-client formats every sample through generic label handling on
// each scrape; at 10,000 users × 12 series that alone takes longer than a scrape
// should. Collectors that own many series keep plain numbers, pre-escape each
// label set once, and render with string concatenation here.

/** Escapes a label value per the text format: backslash, double quote, newline. */
export function escapeLabelValue(value: string): string {
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `{a="x",b="y"}` with values escaped; '' for no labels. */
export function labelSet(labels: Record<string, string>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Inner part of a label set without braces, to combine with more labels. */
export function labelPairs(labels: Record<string, string>): string {
  const s = labelSet(labels);
  return s === '' ? '' : s.slice(1, -1);
}

export type MetricType = 'counter' | 'gauge';

export function familyHeader(name: string, type: MetricType, help: string): string {
  const escapedHelp = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `# HELP ${name} ${escapedHelp}\n# TYPE ${name} ${type}\n`;
}

/** Prometheus renders numbers like Go's strconv: integers plainly, specials as +Inf/-Inf/NaN. */
export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * Returns `s` as one flat string. V8 keeps `a + b` and template literals as
 * trees of pieces; a tree of 100,000 pieces costs ~100 ms to flatten when the
 * response is encoded. Slicing flattens it once, at a moment we choose.
 */
export function flat(s: string): string {
  return s === '' ? s : (' ' + s).slice(1);
}
