/**
 * `meshlb bgp peers` / `meshlb bgp routes` output in Cilium CLI's formats: tab-aligned columns
 * (three spaces between columns), Go-style durations, GoBGP-style path attributes. Pure.
 */
import { z } from 'zod';

export const peerJson = z
  .object({
    'node-name': z.string(),
    'local-asn': z.number(),
    'peer-asn': z.number(),
    'peer-address': z.string(),
    'session-state': z.string(),
    'uptime-nanoseconds': z.number(),
    families: z.array(z.object({ afi: z.string(), safi: z.string(), received: z.number(), advertised: z.number() }).loose()),
  })
  .loose();
export type PeerJson = z.infer<typeof peerJson>;

export const routeJson = z
  .object({
    'node-name': z.string(),
    'router-asn': z.number(),
    neighbor: z.string().optional(),
    prefix: z.string(),
    'age-nanoseconds': z.number(),
    attributes: z
      .object({
        origin: z.string(),
        'as-path': z.array(z.number()),
        'next-hop': z.string(),
        'local-pref': z.number().optional(),
        communities: z.array(z.string()).optional(),
        'large-communities': z.array(z.string()).optional(),
      })
      .loose(),
  })
  .loose();
export type RouteJson = z.infer<typeof routeJson>;

const PADDING = 3;

/** Like Go's text/tabwriter with padding 3: every column but the last padded to its widest cell. */
export function tabulate(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + PADDING))).join('').trimEnd())
    .join('\n')
    .concat('\n');
}

/** Go's time.Duration String() for a duration rounded to whole seconds: 0s, 45s, 33m26s, 2h0m5s. */
export function goDuration(ns: number): string {
  const total = Math.round(ns / 1e9);
  if (total === 0) return '0s';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export function formatPeers(peers: readonly PeerJson[]): string {
  const rows: string[][] = [['Node', 'Local AS', 'Peer AS', 'Peer Address', 'Session State', 'Uptime', 'Family', 'Received', 'Advertised']];
  const sorted = [...peers].sort((a, b) => a['node-name'].localeCompare(b['node-name']) || a['peer-address'].localeCompare(b['peer-address']));
  for (const p of sorted) {
    const head = [p['node-name'], String(p['local-asn']), String(p['peer-asn']), p['peer-address'], p['session-state'], goDuration(p['uptime-nanoseconds'])];
    const families = p.families.length > 0 ? p.families : [undefined];
    families.forEach((f, i) => {
      const cells = f ? [`${f.afi}/${f.safi}`, String(f.received), String(f.advertised)] : ['', '', ''];
      rows.push([...(i === 0 ? head : head.map(() => '')), ...cells]);
    });
  }
  return tabulate(rows);
}

/** GoBGP's rendering of a path's attributes, as Cilium prints them. */
export function formatAttrs(a: RouteJson['attributes']): string {
  const parts = [`{Origin: ${a.origin}}`, `{AsPath: ${a['as-path'].join(' ')}}`, `{Nexthop: ${a['next-hop']}}`];
  if (a['local-pref'] !== undefined) parts.push(`{LocalPref: ${a['local-pref']}}`);
  if (a.communities?.length) parts.push(`{Communities: ${a.communities.join(', ')}}`);
  if (a['large-communities']?.length) parts.push(`{LargeCommunity: [ ${a['large-communities'].join(', ')}]}`);
  return `[${parts.join(' ')}]`;
}

export function formatRoutes(routes: readonly RouteJson[], table: 'advertised' | 'available'): string {
  const withPeer = table === 'advertised';
  const head = ['Node', 'VRouter', ...(withPeer ? ['Peer'] : []), 'Prefix', 'NextHop', 'Age', 'Attrs'];
  const rows = routes.map((r) => [
    r['node-name'],
    String(r['router-asn']),
    ...(withPeer ? [r.neighbor ?? ''] : []),
    r.prefix,
    r.attributes['next-hop'],
    goDuration(r['age-nanoseconds']),
    formatAttrs(r.attributes),
  ]);
  return tabulate([head, ...rows]);
}
