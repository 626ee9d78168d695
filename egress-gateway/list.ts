/** `meshlb bpf egress list`: the map's entries as the reference's four columns. Pure. */
import type { DesiredEntry } from './desired.js';
import { parseIpv4 } from './cidr.js';

export const LIST_HEADER = ['Source IP', 'Destination CIDR', 'Egress IP', 'Gateway IP'] as const;

function ipOrder(a: string, b: string): number {
  return (parseIpv4(a) ?? 0) - (parseIpv4(b) ?? 0);
}

/** Rows sorted by source, then destination, then prefix length; columns padded to align. */
export function formatEgressList(entries: readonly DesiredEntry[]): string {
  const sorted = [...entries].sort(
    (a, b) =>
      ipOrder(a.key.sourceIp, b.key.sourceIp) ||
      ipOrder(a.key.destination, b.key.destination) ||
      a.key.destinationPrefixLen - b.key.destinationPrefixLen,
  );
  const rows: string[][] = [
    [...LIST_HEADER],
    ...sorted.map((e) => [
      e.key.sourceIp,
      `${e.key.destination}/${e.key.destinationPrefixLen}`,
      e.value.egressIp,
      e.value.gatewayIp,
    ]),
  ];
  const widths = LIST_HEADER.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return lines.join('\n') + '\n';
}
