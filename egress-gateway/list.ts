/** `meshlb bpf egress list`: the map's entries as the reference's four columns. Pure. */
import { z } from 'zod';
import type { DesiredEntry } from './desired.js';
import { parseCidr4, parseIpv4 } from './cidr.js';
import { fail, ok, type Result } from '../lib/result.js';

export const LIST_HEADER = ['Source IP', 'Destination CIDR', 'Egress IP', 'Gateway IP'] as const;

/** One listed entry; also the JSON shape of the agent's `GET /v1/egress`. */
export interface EgressListRow {
  readonly sourceIP: string;
  readonly destinationCIDR: string;
  readonly egressIP: string;
  readonly gatewayIP: string;
}

function ipOrder(a: string, b: string): number {
  return (parseIpv4(a) ?? 0) - (parseIpv4(b) ?? 0);
}

/** Rows sorted by source, then destination, then prefix length. */
export function egressListRows(entries: readonly DesiredEntry[]): EgressListRow[] {
  const sorted = [...entries].sort(
    (a, b) =>
      ipOrder(a.key.sourceIp, b.key.sourceIp) ||
      ipOrder(a.key.destination, b.key.destination) ||
      a.key.destinationPrefixLen - b.key.destinationPrefixLen,
  );
  return sorted.map((e) => ({
    sourceIP: e.key.sourceIp,
    destinationCIDR: `${e.key.destination}/${e.key.destinationPrefixLen}`,
    egressIP: e.value.egressIp,
    gatewayIP: e.value.gatewayIp,
  }));
}

const ipv4 = z.string().refine((s) => parseIpv4(s) !== undefined, 'not an IPv4 address');
const rowSchema = z.object({
  sourceIP: ipv4,
  destinationCIDR: z.string().refine((s) => parseCidr4(s).ok, 'not an IPv4 CIDR'),
  egressIP: ipv4,
  gatewayIP: ipv4,
});

/** The boundary for `GET /v1/egress` answers read by the CLI. */
export function rowsFromAgentJson(body: unknown): Result<EgressListRow[]> {
  const parsed = z.array(rowSchema).safeParse(body);
  if (!parsed.success) return fail(`agent returned an unexpected /v1/egress body: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return ok(parsed.data);
}

/** Columns padded to align; rows in the order given. */
export function formatEgressRows(rows: readonly EgressListRow[]): string {
  const table: string[][] = [[...LIST_HEADER], ...rows.map((r) => [r.sourceIP, r.destinationCIDR, r.egressIP, r.gatewayIP])];
  const widths = LIST_HEADER.map((_, col) => Math.max(...table.map((r) => (r[col] ?? '').length)));
  const lines = table.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return lines.join('\n') + '\n';
}

export function formatEgressList(entries: readonly DesiredEntry[]): string {
  return formatEgressRows(egressListRows(entries));
}
