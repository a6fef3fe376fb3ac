import { PROGRAM, VERSION } from '../version';

export interface LandingLink { href: string; text: string }

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

export function landingPage(links: LandingLink[]): string {
  const items = links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a></li>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Mail Reputation Exporter</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:50em}code{background:#eee;padding:0 .2em}</style></head>
<body>
<h1>Mail Reputation Exporter</h1>
<p>${escapeHtml(PROGRAM)} ${escapeHtml(VERSION)}: DNSBL listings, per-user send rates, blacklist bounces and direct SMTP from internal hosts, as Prometheus metrics.</p>
<ul>
${items}
</ul>
</body>
</html>
`;
}

export { escapeHtml };
