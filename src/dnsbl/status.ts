// /status (HTML) and /api/v1/status (JSON): every target × list with its state,
// codes and meanings, the list's TXT reason, since when, and where to delist.
// Rendered from the state only; keys never appear (lists are named, and every
// detail was redacted when the verdict was made).
import type { DnsblState, PairState } from './state';

export function delistLink(template: string, target: string): string {
  return template.split('{target}').join(encodeURIComponent(target));
}

function stateOf(p: PairState): string {
  if (p.last.state === 'unknown') return `unknown (${p.last.reason})`;
  return p.last.state;
}

export interface StatusEntry {
  target: string;
  list: string;
  state: 'listed' | 'clean' | 'unknown';
  reason?: string;
  detail?: string;
  /** Last definitive result, which the metrics keep through unknown results. */
  listed?: boolean;
  codes: { code: string; meaning: string; class: string }[];
  txt?: string;
  listed_since?: string;
  last_check: string;
  delist_url: string;
}

export function statusJson(state: DnsblState) {
  const lists = new Map(state.lists.map((l) => [l.name, l]));
  const entries: StatusEntry[] = [...state.pairs()].map((p) => {
    const l = lists.get(p.list);
    return {
      target: p.target,
      list: p.list,
      state: p.last.state,
      ...(p.last.state === 'unknown' ? { reason: p.last.reason, detail: p.last.detail } : {}),
      listed: p.listed,
      codes: p.listed ? p.codes : [],
      txt: p.listed ? p.txt : undefined,
      listed_since: p.listed && p.listedSince !== undefined ? new Date(p.listedSince).toISOString() : undefined,
      last_check: new Date(p.lastCheck).toISOString(),
      delist_url: l ? delistLink(l.delistUrl, p.target) : '',
    };
  });
  entries.sort((a, b) => (a.target === b.target ? a.list.localeCompare(b.list) : a.target.localeCompare(b.target)));
  return {
    last_round: state.lastRound
      ? { started: new Date(state.lastRound.startedAt).toISOString(), finished: new Date(state.lastRound.finishedAt).toISOString(), queries: state.lastRound.queries }
      : null,
    lists: state.lists.map((l) => ({
      name: l.name, zone: l.zone, type: l.type, tier: l.tier, delist_url: l.delistUrl,
      healthy: state.health.get(l.name)?.healthy ?? null,
      health_detail: state.health.get(l.name)?.detail ?? null,
    })),
    targets: state.targets.map((t) => ({ target: t.value, kind: t.kind, origins: t.origins })),
    spf: state.spf,
    results: entries,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderStatusHtml(state: DnsblState): string {
  const data = statusJson(state);
  const listed = data.results.filter((r) => r.state === 'listed' || r.listed);
  const rows = data.results
    .map((r) => {
      const cls = r.state === 'listed' ? 'listed' : r.state === 'unknown' ? 'unknown' : 'clean';
      const codes = r.codes.map((c) => `${escapeHtml(c.code)} ${escapeHtml(c.meaning)}`).join('<br>');
      return `<tr class="${cls}"><td>${escapeHtml(r.target)}</td><td>${escapeHtml(r.list)}</td><td>${escapeHtml(r.state === 'unknown' ? `unknown (${r.reason})` : r.state)}${r.state === 'unknown' && r.listed ? ' — last definitive: listed' : ''}</td>`
        + `<td>${codes}</td><td>${escapeHtml(r.txt ?? (r.state === 'unknown' ? r.detail ?? '' : ''))}</td><td>${escapeHtml(r.listed_since ?? '')}</td><td>${escapeHtml(r.last_check)}</td>`
        + `<td>${r.delist_url ? `<a href="${escapeHtml(r.delist_url)}">delist / lookup</a>` : ''}</td></tr>`;
    })
    .join('\n');
  const lists = data.lists
    .map((l) => `<tr><td>${escapeHtml(l.name)}</td><td>${escapeHtml(l.zone)}</td><td>${l.type}</td><td>${l.tier}</td><td>${l.healthy === null ? 'not checked yet' : l.healthy ? 'healthy' : `UNHEALTHY: ${escapeHtml(l.health_detail ?? '')}`}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>DNSBL status — mail-reputation-exporter</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
tr.listed{background:#fdd}tr.unknown{background:#ffd}</style></head>
<body><h1>DNSBL status</h1>
<p>${data.last_round ? `Last round finished ${escapeHtml(data.last_round.finished)} (${data.last_round.queries} queries).` : 'No round has completed yet.'}
 ${listed.length} listing(s). <a href="api/v1/status">JSON</a> · <a href="./">home</a></p>
<h2>Results</h2>
<table><tr><th>target</th><th>list</th><th>state</th><th>codes</th><th>reason</th><th>listed since</th><th>last check</th><th>delisting</th></tr>
${rows}
</table>
<h2>Lists</h2>
<table><tr><th>name</th><th>zone</th><th>type</th><th>tier</th><th>health</th></tr>
${lists}
</table>
</body></html>
`;
}
