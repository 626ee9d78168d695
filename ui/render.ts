/**
 * Server-rendered status page: one HTML document from a Snapshot, no scripts. The browser
 * reloads it every few seconds through a meta refresh, so the page works without JavaScript.
 */
import type { Row } from './sources.js';
import { featureRows, globalServices, meshLinks, poolUsage, type Fetched, type FeatureRows, type Snapshot } from './snapshot.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], id: string): string {
  if (rows.length === 0) return `<p class="empty" id="${id}">none</p>`;
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  // Cells are escaped by the callers that build them (some hold markup for state badges).
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function badge(ok: boolean, yes: string, no: string): string {
  return `<span class="${ok ? 'ok' : 'bad'}">${ok ? yes : no}</span>`;
}

function meshSection(s: Snapshot): string {
  const unreachable = s.clusters.flatMap((c) =>
    c.agents.filter((a) => a.mesh.state !== 'ok').map((a) => [escapeHtml(c.name), escapeHtml(a.node), '-', badge(false, '', describe(a.mesh)), '', '']),
  );
  const rows = meshLinks(s).map((l) => [
    escapeHtml(l.from),
    escapeHtml(l.node),
    escapeHtml(l.to),
    badge(l.connected, 'connected', 'disconnected'),
    badge(l.ready, 'ready', 'not ready'),
    escapeHtml(l.services === undefined ? '' : String(l.services)) + (l.problem ? ` <span class="bad">${escapeHtml(l.problem)}</span>` : ''),
  ]);
  return `<h2>Cluster mesh</h2>\n${table(['cluster', 'node', 'remote cluster', 'connection', 'sync', 'global services'], [...rows, ...unreachable], 'mesh')}`;
}

function servicesSection(s: Snapshot): string {
  const views = globalServices(s);
  const clusters = s.clusters.map((c) => c.name);
  const rows = views.map((v) => [
    escapeHtml(v.service),
    escapeHtml(`${v.cluster} (${v.node})`),
    ...clusters.map((c) =>
      (v.backends.get(c) ?? [])
        .map((b) => `<span class="${b.inUse ? 'ok' : 'idle'}">${escapeHtml(b.address)}${b.inUse ? '' : ' (not in use)'}</span>`)
        .join('<br>') || '-',
    ),
  ]);
  return `<h2>Global services</h2>\n<p class="hint">Backends per cluster as each node merges them; "not in use" means another cluster's backends are preferred (affinity).</p>\n${table(['service', 'seen by', ...clusters.map((c) => `backends in ${c}`)], rows, 'global-services')}`;
}

function poolsSection(s: Snapshot): string {
  const rows = s.clusters.flatMap((c) => poolUsage(c)).map((p) => [
    escapeHtml(p.cluster),
    escapeHtml(p.name),
    escapeHtml(p.blocks),
    escapeHtml(p.used),
    escapeHtml(p.available),
    p.disabled ? 'disabled' : p.conflicting ? badge(false, '', 'conflicting') : badge(true, 'ok', ''),
    p.services.map(escapeHtml).join('<br>') || '-',
  ]);
  const failed = s.clusters.filter((c) => c.pools.state === 'error').map((c) => `${c.name}: ${describe(c.pools)}`);
  const note = failed.length > 0 ? `<p class="bad">${failed.map(escapeHtml).join('; ')}</p>` : '';
  return `<h2>LoadBalancer IP pools</h2>\n${note}${table(['cluster', 'pool', 'blocks', 'IPs used', 'IPs available', 'state', 'services with an IP'], rows, 'pools')}`;
}

function describe(f: Fetched<unknown>): string {
  return f.state === 'absent' ? 'not configured' : f.state === 'error' ? `unavailable: ${f.error}` : 'ok';
}

function featureSection(title: string, id: string, entries: readonly FeatureRows[]): string {
  const keys = [...new Set(entries.flatMap((e) => (e.rows.state === 'ok' ? e.rows.value.flatMap((r: Row) => Object.keys(r)) : [])))];
  const rows = entries.flatMap((e) => {
    const where = [escapeHtml(e.cluster), escapeHtml(e.node)];
    if (e.rows.state !== 'ok') return [[...where, `<span class="idle">${escapeHtml(describe(e.rows))}</span>`, ...keys.slice(1).map(() => '')]];
    if (e.rows.value.length === 0) return [[...where, '<span class="idle">none</span>', ...keys.slice(1).map(() => '')]];
    return e.rows.value.map((r) => [...where, ...keys.map((k) => escapeHtml(String(r[k] ?? '')))]);
  });
  return `<h2>${escapeHtml(title)}</h2>\n${table(['cluster', 'node', ...(keys.length > 0 ? keys : ['state'])], rows, id)}`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}h1{margin-bottom:0}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}.ok{color:#11703a}.bad{color:#b00020}.idle{color:#777}.hint,.stamp{color:#555;font-size:.9em}`;

export function renderPage(s: Snapshot, refreshSeconds: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
${refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : ''}
<title>meshlb status</title><style>${STYLE}</style></head>
<body>
<h1>meshlb status</h1>
<p class="stamp">${s.clusters.length} clusters: ${s.clusters.map((c) => escapeHtml(`${c.name} (id ${c.id})`)).join(', ')} · taken ${escapeHtml(s.takenAt)} · ${refreshSeconds > 0 ? `refreshes every ${refreshSeconds}s` : 'auto-refresh off'}</p>
${meshSection(s)}
${servicesSection(s)}
${poolsSection(s)}
${featureSection('BGP peers', 'bgp-peers', featureRows(s, (a) => a.bgpPeers))}
${featureSection('L2 announcements', 'l2-announcements', featureRows(s, (a) => a.l2))}
</body></html>
`;
}
