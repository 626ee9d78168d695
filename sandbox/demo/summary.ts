/** The short text status the demo prints: pure, from a Snapshot. */
import { globalServices, meshLinks, poolUsage, type Snapshot } from '../../ui/snapshot.js';

export function formatDemoSummary(s: Snapshot, statusPageUrl: string | undefined): string {
  const lines: string[] = ['', 'meshlb demo', ''];
  lines.push('Clusters:');
  for (const c of s.clusters) {
    const links = meshLinks(s).filter((l) => l.from === c.name);
    const state = links.length === 0 ? (s.clusters.length > 1 ? 'not connected' : 'single cluster') : links
      .map((l) => `${l.to} ${l.connected && l.ready ? 'connected' : l.connected ? 'syncing' : 'disconnected'}`)
      .join(', ');
    lines.push(`  ${c.name} (id ${c.id}): ${state}`);
  }
  lines.push('', 'Global services (backends per cluster; * = in use):');
  const rows = globalServices(s);
  if (rows.length === 0) lines.push('  none yet');
  for (const g of rows) {
    const parts = [...g.backends].map(([cluster, bs]) => `${cluster}: ${bs.map((b) => b.address + (b.inUse ? '*' : '')).join(' ')}`);
    lines.push(`  ${g.service} as seen in ${g.cluster}: ${parts.join(' | ')}`);
  }
  lines.push('', 'LoadBalancer IP pools:');
  const pools = s.clusters.flatMap((c) => poolUsage(c));
  if (pools.length === 0) lines.push('  none');
  for (const p of pools) {
    lines.push(`  ${p.cluster}/${p.name} ${p.blocks}: ${p.used} used, ${p.available} available${p.services.length ? ` (${p.services.join('; ')})` : ''}`);
  }
  if (statusPageUrl) lines.push('', `Status page: ${statusPageUrl}`);
  lines.push('');
  return lines.join('\n');
}
