// The Grafana dashboards in grafana/dashboards/, checked without a Grafana:
// the JSON model (uid, title, schemaVersion, a 24-column grid without
// overlaps), the grafana/dashboard-linter rules that apply (ported below as
// small functions, each with a table of bad examples it must catch), every
// PromQL expression parsed by promtool, and every metric a panel reads
// defined by the exporter (or by the recording rules in alerts/).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  REPO_ROOT, exporterMetricNames, extractSelectors, isDefinedMetric, promtool, ruleFiles, type PromqlSelector,
} from '../helpers/prom-stack';
import { tempDir } from '../helpers/tmp';

const DASHBOARDS_DIR = join(REPO_ROOT, 'grafana', 'dashboards');

// ---- The dashboard model (the parts the checks read) ----------------------------

interface Target { expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }
interface FieldConfig { defaults?: { unit?: string }; overrides?: { properties?: { id: string; value?: unknown }[] }[] }
interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  fieldConfig?: FieldConfig;
  panels?: Panel[];
}
interface Variable {
  name: string;
  label?: string;
  type: string;
  query?: unknown;
  datasource?: { type?: string; uid?: string } | string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  refresh?: number;
}
interface Dashboard {
  id?: unknown;
  uid?: unknown;
  title?: unknown;
  schemaVersion?: unknown;
  editable?: boolean;
  tags?: string[];
  panels: Panel[];
  templating: { list: Variable[] };
  annotations?: { list: { expr?: string; datasource?: { uid?: string } }[] };
  __inputs?: unknown;
}

/** Panels including those nested in collapsed rows. */
function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}
const QUERY_PANELS = new Set(['stat', 'singlestat', 'graph', 'table', 'timeseries', 'gauge', 'bargauge', 'piechart', 'heatmap']);
const queryPanels = (d: Dashboard) => allPanels(d).filter((p) => QUERY_PANELS.has(p.type));
const targetsOf = (d: Dashboard) => queryPanels(d).flatMap((p) => (p.targets ?? []).map((t, i) => ({ panel: p, target: t, idx: i })));
const TEMPLATED_DS = new Set(['$datasource', '${datasource}']);

// ---- Structure ---------------------------------------------------------------------

export function structureProblems(d: Dashboard): string[] {
  const out: string[] = [];
  if (typeof d.uid !== 'string' || !/^[a-zA-Z0-9_-]{8,40}$/.test(d.uid)) out.push(`uid ${JSON.stringify(d.uid)} is not 8-40 characters of [a-zA-Z0-9_-]`);
  if (typeof d.title !== 'string' || d.title.trim() === '') out.push('title is missing');
  if (!Number.isInteger(d.schemaVersion) || (d.schemaVersion as number) < 36) out.push(`schemaVersion ${JSON.stringify(d.schemaVersion)} is not an integer >= 36`);
  if (d.id !== null) out.push('id must be null (the database assigns it)');
  if (d.__inputs !== undefined || /\$\{DS_/.test(JSON.stringify(d))) out.push('export placeholders (__inputs / ${DS_…}) do not resolve under file provisioning');
  const ids = new Set<number>();
  const boxes: { title: string; x: number; y: number; w: number; h: number }[] = [];
  for (const p of allPanels(d)) {
    const name = p.title ?? `#${p.id}`;
    if (!Number.isInteger(p.id) || ids.has(p.id!)) out.push(`panel '${name}' has a missing or duplicate id ${p.id}`);
    ids.add(p.id!);
    const g = p.gridPos;
    if (!g || ![g.x, g.y, g.w, g.h].every(Number.isInteger)) { out.push(`panel '${name}' has no integer gridPos`); continue; }
    if (g.x < 0 || g.y < 0 || g.w < 1 || g.h < 1 || g.x + g.w > 24) out.push(`panel '${name}' gridPos ${JSON.stringify(g)} is outside the 24-column grid`);
    for (const b of boxes) {
      if (g.x < b.x + b.w && b.x < g.x + g.w && g.y < b.y + b.h && b.y < g.y + g.h) out.push(`panel '${name}' overlaps '${b.title}'`);
    }
    boxes.push({ title: name, ...g });
    const refIds = (p.targets ?? []).map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length) out.push(`panel '${name}' repeats a refId`);
  }
  return out;
}

// ---- Ported dashboard-linter rules -------------------------------------------------
// Names as in grafana/dashboard-linter; each returns its problems.

type LintRule = (d: Dashboard) => string[];

const titleCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const varDatasourceUid = (v: Variable) => (typeof v.datasource === 'string' ? v.datasource : v.datasource?.uid);

/** template-datasource-rule: one `datasource` variable of type datasource, on Prometheus, labelled "Data source". */
export const templateDatasourceRule: LintRule = (d) => {
  const ds = d.templating.list.filter((v) => v.type === 'datasource');
  if (ds.length === 0) return ['does not have a templated data source'];
  const out: string[] = [];
  for (const v of ds) {
    if (v.query !== 'prometheus') out.push(`data source variable '${v.name}' should query 'prometheus', is '${String(v.query)}'`);
    const names = ds.length === 1 ? ['datasource', 'prometheus_datasource'] : ['prometheus_datasource'];
    if (!names.includes(v.name)) out.push(`templated data source variable named '${v.name}', should be named '${names.join("' or '")}'`);
    const labels = ds.length === 1 ? ['Data source', 'Prometheus data source'] : ['Prometheus data source'];
    if (!labels.includes(v.label ?? '')) out.push(`templated data source variable labeled '${v.label}', should be labeled '${labels.join("' or '")}'`);
  }
  return out;
};

function checkTemplate(d: Dashboard, name: string): string[] {
  const v = d.templating.list.find((x) => x.name === name);
  if (!v) return [`is missing the ${name} template`];
  const out: string[] = [];
  if (!TEMPLATED_DS.has(varDatasourceUid(v) ?? '')) out.push(`${name} template should use datasource '$datasource', is currently '${varDatasourceUid(v)}'`);
  if (v.type !== 'query') out.push(`${name} template should be a Prometheus query, is currently '${v.type}'`);
  if (v.label !== titleCase(name)) out.push(`${name} template should be labeled '${titleCase(name)}', is currently '${v.label}'`);
  if (!v.multi) out.push(`${name} template should be a multi select`);
  if (v.allValue !== '.+') out.push(`${name} template allValue should be '.+', is currently '${v.allValue}'`);
  return out;
}
/** template-job-rule */
export const templateJobRule: LintRule = (d) => checkTemplate(d, 'job');
/** template-instance-rule */
export const templateInstanceRule: LintRule = (d) => checkTemplate(d, 'instance');

const TEMPLATE_QUERY = /^([a-z_]+)\((.+)\)$/s;
/** template-label-promql-rule: query variables use label_values/label_names/metrics/query_result over PromQL. */
export const templateLabelPromqlRule: LintRule = (d) => {
  const out: string[] = [];
  for (const v of d.templating.list.filter((x) => x.type === 'query')) {
    const q = typeof v.query === 'string' ? v.query.trim() : '';
    const m = TEMPLATE_QUERY.exec(q);
    if (!m) { out.push(`template '${v.name}' invalid 'query': ${q}`); continue; }
    if (!['label_names', 'label_values', 'metrics', 'query_result'].includes(m[1])) { out.push(`template '${v.name}' invalid 'function': ${m[1]}`); continue; }
    try {
      extractSelectors(variableQueryExpr(q));
    } catch (err) {
      out.push(`template '${v.name}' invalid PromQL: ${(err as Error).message}`);
    }
  }
  return out;
};
/** The PromQL part of a query variable: `label_values(EXPR, label)` → EXPR. */
function variableQueryExpr(query: string): string {
  const m = TEMPLATE_QUERY.exec(query.trim());
  if (!m) return query;
  if (m[1] === 'label_values') {
    const comma = m[2].lastIndexOf(',');
    return comma < 0 ? 'up' : m[2].slice(0, comma);
  }
  return m[1] === 'query_result' ? m[2] : 'up';
}

/** template-on-time-change-reload-rule: query variables refresh on time range change (2). */
export const templateOnTimeChangeReloadRule: LintRule = (d) =>
  d.templating.list.filter((v) => v.type === 'query' && v.refresh !== 2)
    .map((v) => `template '${v.name}' should be refreshed 'On Time Range Change (value 2)', is currently '${v.refresh}'`);

/** panel-datasource-rule (and target-datasource): panels and their targets use the templated data source. */
export const panelDatasourceRule: LintRule = (d) => {
  const out: string[] = [];
  for (const p of queryPanels(d)) {
    if (!TEMPLATED_DS.has(p.datasource?.uid ?? '')) out.push(`panel '${p.title}' does not use a templated datasource, uses '${p.datasource?.uid}'`);
    for (const t of p.targets ?? []) {
      if (t.datasource && !TEMPLATED_DS.has(t.datasource.uid ?? '')) out.push(`panel '${p.title}' target ${t.refId} does not use a templated datasource, uses '${t.datasource.uid}'`);
    }
  }
  return out;
};

/** panel-title-description-rule */
export const panelTitleDescriptionRule: LintRule = (d) =>
  allPanels(d).filter((p) => p.type !== 'row' && (!p.title?.trim() || !p.description?.trim()))
    .map((p) => `panel '${p.title ?? p.id}' has missing title or description`);

/** Grafana's unit ids, as enumerated by dashboard-linter's panel-units-rule. */
const VALID_UNITS = new Set([
  'none', 'string', 'short', 'percent', 'percentunit', 'humidity', 'dB', 'hex0x', 'hex', 'sci', 'locale', 'pixel',
  'bytes', 'decbytes', 'bits', 'decbits', 'kbytes', 'deckbytes', 'mbytes', 'decmbytes', 'gbytes', 'decgbytes',
  'pps', 'binBps', 'Bps', 'binbps', 'bps', 'KiBs', 'Kibits', 'KBs', 'Kbits', 'MiBs', 'Mibits', 'MBs', 'Mbits',
  'dateTimeAsIso', 'dateTimeAsIsoNoDateIfToday', 'dateTimeAsUS', 'dateTimeAsUSNoDateIfToday', 'dateTimeAsLocal',
  'dateTimeAsLocalNoDateIfToday', 'dateTimeAsSystem', 'dateTimeFromNow',
  'hertz', 'ns', 'µs', 'ms', 's', 'm', 'h', 'd', 'dtdurationms', 'dtdurations', 'dthms', 'dtdhms', 'timeticks', 'clockms', 'clocks',
  'cps', 'ops', 'reqps', 'rps', 'wps', 'iops', 'cpm', 'opm', 'rpm', 'wpm',
  'bool', 'bool_yes_no', 'bool_on_off',
]);
/** panel-units-rule: a valid unit on every panel that shows numbers (overrides included). */
export const panelUnitsRule: LintRule = (d) => {
  const out: string[] = [];
  for (const p of queryPanels(d)) {
    const unit = p.fieldConfig?.defaults?.unit;
    if (!unit || !VALID_UNITS.has(unit)) out.push(`panel '${p.title}' has no or invalid units defined: '${unit ?? ''}'`);
    for (const o of p.fieldConfig?.overrides ?? []) {
      for (const prop of o.properties ?? []) {
        if (prop.id === 'unit' && !VALID_UNITS.has(String(prop.value))) out.push(`panel '${p.title}' has an override with invalid unit '${String(prop.value)}'`);
      }
    }
  }
  return out;
};

/** panel-no-targets-rule */
export const panelNoTargetsRule: LintRule = (d) =>
  queryPanels(d).filter((p) => (p.targets ?? []).filter((t) => t.expr?.trim()).length === 0).map((p) => `panel '${p.title}' has no targets`);

function selectorsOf(expr: string): PromqlSelector[] {
  try { return extractSelectors(expr); } catch { return []; /* invalid PromQL is target-promql-rule's business */ }
}

/** target-rate-interval-rule: rate/irate over $__rate_interval. */
export const targetRateIntervalRule: LintRule = (d) =>
  targetsOf(d).flatMap(({ panel, target }) => selectorsOf(target.expr ?? '')
    .filter((s) => s.range !== undefined && ['rate', 'irate'].includes(s.parentCall) && s.range !== '$__rate_interval' && s.range !== '${__rate_interval}')
    .map((s) => `panel '${panel.title}' target ${target.refId}: ${s.parentCall}(${s.metric}[${s.range}]) should use $__rate_interval`));

function requiredMatcherRule(label: string): LintRule {
  return (d) => targetsOf(d).flatMap(({ panel, target }) => selectorsOf(target.expr ?? '')
    .filter((s) => !s.matchers.some((m) => m.name === label && m.op === '=~' && m.value === `$${label}`))
    .map((s) => `panel '${panel.title}' target ${target.refId}: selector ${s.metric ?? '{…}'} has no ${label}=~"$${label}" matcher`));
}
/** target-job-rule */
export const targetJobRule = requiredMatcherRule('job');
/** target-instance-rule */
export const targetInstanceRule = requiredMatcherRule('instance');

/** target-counter-agg-rule: a counter (…_total) only inside rate, irate or increase. */
export const targetCounterAggRule: LintRule = (d) =>
  targetsOf(d).flatMap(({ panel, target }) => selectorsOf(target.expr ?? '')
    .filter((s) => s.metric?.endsWith('_total') && (s.range === undefined || !['rate', 'irate', 'increase'].includes(s.parentCall)))
    .map((s) => `panel '${panel.title}' target ${target.refId}: counter metric '${s.metric}' is not aggregated with rate, irate, or increase`));

/** uneditable-dashboard: provisioned dashboards are changed in git, not in the UI. */
export const uneditableRule: LintRule = (d) => (d.editable === false ? [] : ['is editable; provisioned dashboards should have "editable": false']);

const RULES: Record<string, LintRule> = {
  'template-datasource-rule': templateDatasourceRule,
  'template-job-rule': templateJobRule,
  'template-instance-rule': templateInstanceRule,
  'template-label-promql-rule': templateLabelPromqlRule,
  'template-on-time-change-reload-rule': templateOnTimeChangeReloadRule,
  'panel-datasource-rule': panelDatasourceRule,
  'panel-title-description-rule': panelTitleDescriptionRule,
  'panel-units-rule': panelUnitsRule,
  'panel-no-targets-rule': panelNoTargetsRule,
  'target-rate-interval-rule': targetRateIntervalRule,
  'target-job-rule': targetJobRule,
  'target-instance-rule': targetInstanceRule,
  'target-counter-agg-rule': targetCounterAggRule,
  'uneditable-dashboard': uneditableRule,
};

// ---- Grafana variables → PromQL promtool can parse -----------------------------------

/**
 * `$__rate_interval` and friends become durations; `$job`-style variables
 * inside strings match anything. Regex back-references (`"$1"`) are no
 * variables and stay.
 */
export function expandVariables(expr: string): string {
  return expr
    .replace(/\$\{?__(rate_interval|interval|range)\}?/g, (_m, v: string) => ({ rate_interval: '5m', interval: '1m', range: '1d' } as Record<string, string>)[v])
    .replace(/"\$\{?[A-Za-z_]\w*\}?"/g, '".+"');
}

// ---- A known-good minimal dashboard, and the bad examples each rule must catch ----------

function goodDashboard(): Dashboard {
  const ds = { type: 'prometheus', uid: '${datasource}' };
  return {
    id: null, uid: 'example-dash', title: 'Example', schemaVersion: 39, editable: false, tags: ['mail-reputation'],
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        { name: 'job', label: 'Job', type: 'query', datasource: ds, query: 'label_values(mailrep_build_info, job)', multi: true, includeAll: true, allValue: '.+', refresh: 2 },
        { name: 'instance', label: 'Instance', type: 'query', datasource: ds, query: 'label_values(mailrep_build_info{job=~"$job"}, instance)', multi: true, includeAll: true, allValue: '.+', refresh: 2 },
      ],
    },
    panels: [
      { id: 1, type: 'row', title: 'Row', gridPos: { x: 0, y: 0, w: 24, h: 1 }, panels: [] },
      {
        id: 2, type: 'timeseries', title: 'Messages', description: 'Messages per hour.', datasource: ds, gridPos: { x: 0, y: 1, w: 12, h: 8 },
        fieldConfig: { defaults: { unit: 'short' }, overrides: [] },
        targets: [{ refId: 'A', datasource: ds, expr: 'sum(rate(mailrep_user_messages_total{job=~"$job", instance=~"$instance"}[$__rate_interval])) * 3600' }],
      },
    ],
  };
}

type Mutation = (d: Dashboard) => void;
const panel2 = (d: Dashboard) => d.panels[1];
const setExpr = (expr: string): Mutation => (d) => { panel2(d).targets![0].expr = expr; };

const BAD_EXAMPLES: [rule: string, what: string, mutate: Mutation, message: string][] = [
  ['template-datasource-rule', 'no datasource variable', (d) => { d.templating.list.shift(); }, 'does not have a templated data source'],
  ['template-datasource-rule', 'misnamed', (d) => { d.templating.list[0].name = 'ds'; }, "variable named 'ds'"],
  ['template-datasource-rule', 'mislabelled', (d) => { d.templating.list[0].label = 'DS'; }, "labeled 'DS'"],
  ['template-datasource-rule', 'not prometheus', (d) => { d.templating.list[0].query = 'loki'; }, "should query 'prometheus'"],
  ['template-job-rule', 'missing', (d) => { d.templating.list.splice(1, 1); }, 'is missing the job template'],
  ['template-job-rule', 'fixed data source', (d) => { d.templating.list[1].datasource = { type: 'prometheus', uid: 'prometheus' }; }, "should use datasource '$datasource'"],
  ['template-job-rule', 'single select', (d) => { d.templating.list[1].multi = false; }, 'job template should be a multi select'],
  ['template-job-rule', 'allValue', (d) => { d.templating.list[1].allValue = '.*'; }, "allValue should be '.+'"],
  ['template-job-rule', 'label', (d) => { d.templating.list[1].label = 'job'; }, "should be labeled 'Job'"],
  ['template-instance-rule', 'custom type', (d) => { d.templating.list[2].type = 'custom'; }, "instance template should be a Prometheus query, is currently 'custom'"],
  ['template-label-promql-rule', 'bad function', (d) => { d.templating.list[1].query = 'labels(mailrep_build_info, job)'; }, "invalid 'function': labels"],
  ['template-label-promql-rule', 'not a function', (d) => { d.templating.list[1].query = 'mailrep_build_info'; }, "invalid 'query'"],
  ['template-label-promql-rule', 'bad PromQL', (d) => { d.templating.list[1].query = 'label_values(mailrep_build_info{job=}, job)'; }, 'invalid PromQL'],
  ['template-on-time-change-reload-rule', 'refresh on load', (d) => { d.templating.list[2].refresh = 1; }, "template 'instance' should be refreshed"],
  ['panel-datasource-rule', 'fixed uid', (d) => { panel2(d).datasource = { type: 'prometheus', uid: 'prometheus' }; }, "does not use a templated datasource, uses 'prometheus'"],
  ['panel-datasource-rule', 'export placeholder on a target', (d) => { panel2(d).targets![0].datasource = { uid: '${DS_PROMETHEUS}' }; }, "target A does not use a templated datasource, uses '${DS_PROMETHEUS}'"],
  ['panel-title-description-rule', 'no description', (d) => { delete panel2(d).description; }, "panel 'Messages' has missing title or description"],
  ['panel-units-rule', 'no unit', (d) => { panel2(d).fieldConfig = { defaults: {} }; }, "has no or invalid units defined: ''"],
  ['panel-units-rule', 'custom unit', (d) => { panel2(d).fieldConfig!.defaults!.unit = 'suffix:/h'; }, "invalid units defined: 'suffix:/h'"],
  ['panel-units-rule', 'bad override unit', (d) => { panel2(d).fieldConfig!.overrides = [{ properties: [{ id: 'unit', value: 'messages' }] }]; }, "override with invalid unit 'messages'"],
  ['panel-no-targets-rule', 'no targets', (d) => { panel2(d).targets = []; }, "panel 'Messages' has no targets"],
  ['target-rate-interval-rule', 'fixed range', setExpr('sum(rate(mailrep_user_messages_total{job=~"$job", instance=~"$instance"}[5m]))'), 'rate(mailrep_user_messages_total[5m]) should use $__rate_interval'],
  ['target-rate-interval-rule', 'irate', setExpr('irate(mailrep_log_lines_total{job=~"$job", instance=~"$instance"}[1m])'), 'irate(mailrep_log_lines_total[1m])'],
  ['target-job-rule', 'no job matcher', setExpr('sum(mailrep_users_tracked{instance=~"$instance"})'), 'selector mailrep_users_tracked has no job=~"$job" matcher'],
  ['target-job-rule', 'job pinned', setExpr('sum(mailrep_users_tracked{job="mail-reputation", instance=~"$instance"})'), 'has no job=~"$job" matcher'],
  ['target-instance-rule', 'one side of a join', setExpr('mailrep_dnsbl_listed{job=~"$job", instance=~"$instance"} * on(list) group_left(tier) mailrep_dnsbl_list_info{job=~"$job"}'), 'selector mailrep_dnsbl_list_info has no instance=~"$instance" matcher'],
  ['target-counter-agg-rule', 'raw counter', setExpr('sum(mailrep_user_messages_total{job=~"$job", instance=~"$instance"})'), "counter metric 'mailrep_user_messages_total' is not aggregated"],
  ['target-counter-agg-rule', 'counter in a sum over time', setExpr('sum_over_time(mailrep_user_messages_total{job=~"$job", instance=~"$instance"}[$__rate_interval])'), "counter metric 'mailrep_user_messages_total'"],
  ['uneditable-dashboard', 'editable', (d) => { d.editable = true; }, 'is editable'],
];

const STRUCTURE_BAD: [what: string, mutate: Mutation, message: string][] = [
  ['short uid', (d) => { d.uid = 'abc'; }, 'uid "abc" is not 8-40 characters'],
  ['no title', (d) => { d.title = ''; }, 'title is missing'],
  ['string schemaVersion', (d) => { d.schemaVersion = '39'; }, 'schemaVersion "39" is not an integer'],
  ['database id', (d) => { d.id = 7; }, 'id must be null'],
  ['export inputs', (d) => { d.__inputs = [{ name: 'DS_PROMETHEUS' }]; }, 'export placeholders'],
  ['beyond 24 columns', (d) => { panel2(d).gridPos = { x: 16, y: 1, w: 12, h: 8 }; }, 'outside the 24-column grid'],
  ['fractional position', (d) => { panel2(d).gridPos = { x: 0.5, y: 1, w: 12, h: 8 }; }, 'has no integer gridPos'],
  ['overlap', (d) => { d.panels.push({ ...panel2(d), id: 3, title: 'Copy', gridPos: { x: 6, y: 4, w: 12, h: 8 } }); }, "panel 'Copy' overlaps 'Messages'"],
  ['duplicate id', (d) => { d.panels.push({ ...panel2(d), title: 'Copy', gridPos: { x: 12, y: 1, w: 12, h: 8 } }); }, "panel 'Copy' has a missing or duplicate id 2"],
];

describe('lint rules catch what they are for', () => {
  test('the good example passes every rule and the structure check', () => {
    const d = goodDashboard();
    expect(structureProblems(d)).toEqual([]);
    for (const rule of Object.values(RULES)) expect(rule(d)).toEqual([]);
  });

  test.each(BAD_EXAMPLES)('%s catches: %s', (rule, _what, mutate, message) => {
    const d = goodDashboard();
    mutate(d);
    const problems = RULES[rule](d);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  test.each(STRUCTURE_BAD)('structure check catches: %s', (_what, mutate, message) => {
    const d = goodDashboard();
    mutate(d);
    const problems = structureProblems(d);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  test('every ported rule has at least one bad example', () => {
    expect(new Set(BAD_EXAMPLES.map(([r]) => r))).toEqual(new Set(Object.keys(RULES)));
  });

  test('variable expansion for promtool', () => {
    expect(expandVariables('rate(x{job=~"$job", user="${user}"}[$__rate_interval]) + increase(y[$__range])'))
      .toBe('rate(x{job=~".+", user=".+"}[5m]) + increase(y[1d])');
    expect(expandVariables('label_replace(x, "dst", "$1", "src", "(.*)")')).toBe('label_replace(x, "dst", "$1", "src", "(.*)")');
  });
});

// ---- The shipped dashboards ------------------------------------------------------------

const dashboardFiles = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
const dashboards = dashboardFiles.map((f) => ({ file: f, text: readFileSync(join(DASHBOARDS_DIR, f), 'utf8') }));

describe('shipped dashboards', () => {
  test('the two dashboards exist and parse as JSON', () => {
    expect(dashboardFiles).toEqual(['mail-reputation-overview.json', 'mail-reputation-user.json']);
    for (const { text } of dashboards) expect(() => JSON.parse(text)).not.toThrow();
  });

  test.each(dashboards)('$file: JSON model is sound', ({ text }) => {
    const d = JSON.parse(text) as Dashboard;
    expect(structureProblems(d)).toEqual([]);
    expect(d.tags).toContain('mail-reputation');
    expect(text).not.toMatch(/\$\{DS_|__inputs/);
  });

  test.each(dashboards)('$file: passes every ported dashboard-linter rule', ({ text }) => {
    const d = JSON.parse(text) as Dashboard;
    const problems = Object.entries(RULES).flatMap(([name, rule]) => rule(d).map((p) => `${name}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('uids are distinct, and the drill-down has a single-value user variable', () => {
    const [overview, user] = dashboards.map((x) => JSON.parse(x.text) as Dashboard);
    expect([overview.uid, user.uid]).toEqual(['mailrep-overview', 'mailrep-user']);
    const v = user.templating.list.find((x) => x.name === 'user');
    expect(v).toMatchObject({ type: 'query', multi: false, includeAll: false, refresh: 2 });
    expect(v!.query).toBe('label_values(mailrep_user_messages_total{job=~"$job", instance=~"$instance"}, user)');
    for (const { target } of targetsOf(user)) {
      for (const s of selectorsOf(target.expr!)) {
        if (s.metric?.includes('user')) expect(s.matchers).toContainEqual({ name: 'user', op: '=', value: '$user' });
      }
    }
  });

  test('the overview has the panels of the issue', () => {
    const overview = JSON.parse(dashboards[0].text) as Dashboard;
    const titles = allPanels(overview).map((p) => p.title);
    for (const t of ['Listings now', 'Target × list state', 'Listings over time', 'List health (canaries)', 'Top senders by messages (per hour)',
      'Top senders by recipients (per hour)', 'Blacklist rejections by list (per hour)', 'Failed logins (per hour)',
      'Egress SMTP attempts by host (per hour)', 'Exporters up', 'Log sources down', 'Collector success']) {
      expect(titles).toContain(t);
    }
    const user = JSON.parse(dashboards[1].text) as Dashboard;
    expect(allPanels(user).map((p) => p.title)).toEqual([
      'Messages in the last hour', 'Recipients in the last hour', 'Active hours (last 24 h)', 'Last message',
      'Messages per hour vs baseline and limit', 'Recipients per hour vs baseline and limit', 'Active hours vs limit',
      'Client addresses vs limit', 'Recipient domains (24 h)', 'Deliveries by status (per hour)',
      'Blacklist rejections by list (per hour)', 'Failed logins (per hour)',
    ]);
  });
});

describe('PromQL of the dashboards', () => {
  const dir = tempDir('mailrep-dash-');
  const all = dashboards.flatMap(({ file, text }) => {
    const d = JSON.parse(text) as Dashboard;
    return [
      ...targetsOf(d).map(({ panel, target }) => ({ where: `${file} '${panel.title}' ${target.refId}`, expr: target.expr!, panel: true })),
      ...d.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `${file} variable ${v.name}`, expr: variableQueryExpr(String(v.query)), panel: false })),
      ...(d.annotations?.list ?? []).filter((a) => a.expr).map((a) => ({ where: `${file} annotation`, expr: a.expr!, panel: false })),
    ];
  });

  test('every expression parses (promtool check rules on a throwaway rule file)', () => {
    const file = join(dir, 'dashboards.rules.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules: all.map((e, i) => ({ record: `dashboard:check:${i}`, expr: expandVariables(e.expr) })) }] }));
    const r = promtool(['check', 'rules', file]);
    const failing = [...r.output.matchAll(/dashboard:check:(\d+)/g)].map((m) => all[Number(m[1])].where);
    expect(failing).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${all.length} rules found`);
    // 36 overview and 20 drill-down targets, 5 query variables, 2 alert annotations.
    expect(all.length).toBe(63);
  });

  test('every metric a panel reads is defined by the exporter or the recording rules', () => {
    const defined = exporterMetricNames();
    const recorded = new Set(ruleFiles().flatMap((f) =>
      (parse(readFileSync(f, 'utf8')) as { groups: { rules: { record?: string }[] }[] }).groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))));
    const unknown: string[] = [];
    const read = new Set<string>();
    for (const e of all) {
      for (const s of extractSelectors(e.expr)) {
        const m = s.metric ?? '';
        read.add(m);
        const ok = isDefinedMetric(m, defined) || recorded.has(m) || m === 'up' || (!e.panel && m === 'ALERTS');
        if (!ok) unknown.push(`${e.where}: ${m || '(no metric name)'}`);
      }
    }
    expect(unknown).toEqual([]);
    // What the dashboards show, family by family (a panel that lost its metric shows up here).
    expect([...read].sort()).toEqual(`
ALERTS
mailrep:user_active_hours:threshold mailrep:user_client_addresses:threshold mailrep:user_messages:increase1h
mailrep:user_messages_per_hour:baseline mailrep:user_messages_per_hour:baseline_limit mailrep:user_messages_per_hour:threshold
mailrep:user_recipients:increase1h mailrep:user_recipients_per_hour:baseline mailrep:user_recipients_per_hour:baseline_limit
mailrep:user_recipients_per_hour:threshold mailrep_auth_failures_per_hour_threshold mailrep_build_info mailrep_collector_success
mailrep_config_last_reload_successful mailrep_dnsbl_check_ok mailrep_dnsbl_last_round_timestamp_seconds mailrep_dnsbl_list_healthy
mailrep_dnsbl_list_info mailrep_dnsbl_listed mailrep_dnsbl_listed_since_timestamp_seconds mailrep_dnsbl_queries_total
mailrep_dnsbl_query_duration_seconds_bucket mailrep_dnsbl_round_duration_seconds mailrep_dnsbl_spf_lookups mailrep_dnsbl_targets
mailrep_egress_last_attempt_timestamp_seconds mailrep_egress_smtp_attempts_total mailrep_log_last_event_timestamp_seconds
mailrep_log_lines_total mailrep_log_source_up mailrep_mail_auth_failures_total mailrep_mail_blocklist_rejections_total
mailrep_mail_deliveries_total mailrep_mail_relay_denied_total mailrep_user_active_hours mailrep_user_auth_failures_total
mailrep_user_blocklist_rejections_total mailrep_user_client_addresses mailrep_user_deliveries_total
mailrep_user_last_message_timestamp_seconds mailrep_user_messages_per_hour_threshold mailrep_user_messages_total
mailrep_user_recipient_domains mailrep_user_recipients_per_hour_threshold mailrep_user_recipients_total mailrep_users_evicted_total
mailrep_users_tracked up`.trim().split(/\s+/));
  });

  test('the delisting-link query fills {target} into the list\'s URL (promtool test rules)', () => {
    const overview = JSON.parse(dashboards[0].text) as Dashboard;
    const expr = expandVariables(allPanels(overview).find((p) => p.title === 'Target × list state')!.targets![0].expr!);
    const rules = join(dir, 'empty.rules.yml');
    writeFileSync(rules, 'groups: []\n');
    const base = 'instance="mx1:9798", job="mail-reputation"';
    const test = join(dir, 'delist.test.yml');
    writeFileSync(test, stringify({
      rule_files: ['empty.rules.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          { series: `mailrep_dnsbl_list_info{${base}, list="zen", zone="zen.spamhaus.org", type="ip", tier="high", delist_url="https://check.spamhaus.org/listed/?searchterm={target}"}`, values: '1x5' },
          { series: `mailrep_dnsbl_list_info{${base}, list="uceprotect-l1", zone="dnsbl-1.uceprotect.net", type="ip", tier="low", delist_url="https://www.uceprotect.net/en/rblcheck.php"}`, values: '1x5' },
          { series: `mailrep_dnsbl_list_info{${base}, list="spamcop", zone="bl.spamcop.net", type="ip", tier="high", delist_url=""}`, values: '1x5' },
          { series: `mailrep_dnsbl_listed{${base}, target="192.0.2.10", list="zen"}`, values: '1x5' },
          { series: `mailrep_dnsbl_listed{${base}, target="2001:db8::25", list="uceprotect-l1"}`, values: '0x5' },
          { series: `mailrep_dnsbl_listed{${base}, target="192.0.2.11", list="spamcop"}`, values: '0x5' },
        ],
        promql_expr_test: [{
          expr,
          eval_time: '3m',
          exp_samples: [
            { labels: `{${base}, list="zen", target="192.0.2.10", tier="high", zone="zen.spamhaus.org", delist_url="https://check.spamhaus.org/listed/?searchterm={target}", delist_template="https://check.spamhaus.org/listed/?searchterm={target} 192.0.2.10", delist_link="https://check.spamhaus.org/listed/?searchterm=192.0.2.10"}`, value: 1 },
            { labels: `{${base}, list="uceprotect-l1", target="2001:db8::25", tier="low", zone="dnsbl-1.uceprotect.net", delist_url="https://www.uceprotect.net/en/rblcheck.php", delist_template="https://www.uceprotect.net/en/rblcheck.php 2001:db8::25", delist_link="https://www.uceprotect.net/en/rblcheck.php"}`, value: 0 },
            // No link configured: no link label at all (an empty label is no label).
            { labels: `{${base}, list="spamcop", target="192.0.2.11", tier="high", zone="bl.spamcop.net", delist_template=" 192.0.2.11"}`, value: 0 },
          ],
        }],
      }],
    }));
    const r = promtool(['test', 'rules', test]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

describe('provisioning', () => {
  const prov = join(REPO_ROOT, 'grafana', 'provisioning');

  test('the data source is Prometheus with a fixed uid, plus Alertmanager', () => {
    const doc = parse(readFileSync(join(prov, 'datasources', 'datasources.yml'), 'utf8')) as { apiVersion: number; datasources: Record<string, unknown>[] };
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources).toHaveLength(2);
    expect(doc.datasources[0]).toMatchObject({ name: 'Prometheus', type: 'prometheus', uid: 'prometheus', access: 'proxy', url: 'http://prometheus:9090', isDefault: true, editable: false });
    expect(doc.datasources[1]).toMatchObject({ type: 'alertmanager', url: 'http://alertmanager:9093', jsonData: { implementation: 'prometheus' } });
  });

  test('the dashboards provider reads the directory the compose file mounts the dashboards into', () => {
    const doc = parse(readFileSync(join(prov, 'dashboards', 'dashboards.yml'), 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string }; allowUiUpdates: boolean }[] };
    expect(doc.apiVersion).toBe(1);
    expect(doc.providers).toHaveLength(1);
    expect(doc.providers[0]).toMatchObject({ type: 'file', allowUiUpdates: false, options: { path: '/var/lib/grafana/dashboards' } });
  });
});
