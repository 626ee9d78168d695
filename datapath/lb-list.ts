/**
 * `meshlb bpf lb list`: the service maps printed the way `cilium bpf lb list` prints them —
 * per frontend its backend slots as `address:port (rev NAT) (slot)`, then the slot 0 line
 * `0.0.0.0:0 (rev NAT) (0) [flags]` — in two columns aligned like Go's tabwriter (min width 5,
 * padding 3). Unlike Cilium (Go map order), frontends are sorted by address and port, slots by
 * number with slot 0 last, and trailing blanks are trimmed, so the output is stable.
 */
import type { Family } from './layouts/addr.js';
import { ServiceFlag, ServiceFlag2 } from './layouts/constants.js';
import type { ServiceValue } from './layouts/lb.js';
import { decodeLbMaps, type DecodedFrontend } from './lb-decode.js';
import type { MapContents } from './maps.js';

export interface LbListOptions {
  /** Append `/TCP` etc. to addresses, as newer Cilium releases do. Default off, as the reference shows. */
  readonly protocols?: boolean;
}

const protoNames: Record<number, string> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

function serviceType(flags: number, flags2: number): string {
  if (flags & ServiceFlag.ExternalIP) return 'ExternalIPs';
  if (flags & ServiceFlag.NodePort) return 'NodePort';
  if (flags & ServiceFlag.LoadBalancer) return 'LoadBalancer';
  if (flags & ServiceFlag.HostPort) return 'HostPort';
  if (flags2 & ServiceFlag2.LocalRedirect) return 'LocalRedirect';
  return 'ClusterIP';
}

/** Cilium's ServiceFlags.String(): the type, then the properties that are set. */
export function serviceFlagsText(flags: number, flags2: number): string {
  const type = serviceType(flags, flags2);
  const parts = [type];
  if (flags & ServiceFlag.ExtLocalScope) parts.push('Local');
  if (flags2 & ServiceFlag2.IntLocalScope) parts.push('InternalLocal');
  if (flags2 & ServiceFlag2.TwoScopes) parts.push('two-scopes');
  if (flags & ServiceFlag.Affinity) parts.push('sessionAffinity');
  if (!(flags & ServiceFlag.Routable)) parts.push('non-routable');
  if (flags & ServiceFlag.SourceRange) parts.push('check source-range');
  if (flags2 & ServiceFlag2.Nat46x64) parts.push('46x64');
  if (flags2 & ServiceFlag2.L7LoadBalancer) parts.push('l7-load-balancer');
  if (flags2 & ServiceFlag2.Loopback) parts.push(type === 'HostPort' ? 'loopback' : 'delegate-if-local');
  return parts.join(', ');
}

function hostPort(family: Family, address: string, port: number): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

function withProto(text: string, proto: number, options: LbListOptions): string {
  return options.protocols ? `${text}/${protoNames[proto] ?? 'ANY'}` : text;
}

function masterLine(fe: DecodedFrontend, v: ServiceValue): string {
  const any = fe.family === 6 ? '[::]' : '0.0.0.0';
  let line = `${any}:0 (${v.revNatIndex}) (0) [${serviceFlagsText(v.flags, v.flags2)}]`;
  if (v.flags2 & ServiceFlag2.L7LoadBalancer) {
    // The proxy port sits in backend_id's low 16 bits in network order.
    const port = ((v.backendId & 0xff) << 8) | ((v.backendId >> 8) & 0xff);
    line += ` (L7LB Proxy Port: ${port})`;
  }
  return line;
}

function frontendRows(fe: DecodedFrontend, options: LbListOptions): [string, string[]] {
  const { address, port, proto, scope } = fe.key;
  const name = withProto(hostPort(fe.family, address, port), proto, options) + (scope === 1 ? '/i' : '');
  const lines = fe.slots.map((s) =>
    s.backend
      ? `${withProto(hostPort(fe.family, s.backend.address, s.backend.port), s.backend.proto, options)} (${s.value.revNatIndex}) (${s.slot})`
      : `backend ${s.value.backendId} not found`,
  );
  if (fe.master) lines.push(masterLine(fe, fe.master));
  return [name, lines];
}

const HEADER = ['SERVICE ADDRESS', 'BACKEND ADDRESS (REVNAT_ID) (SLOT)'] as const;
const MIN_WIDTH = 5;
const PADDING = 3;

/** Two columns, the first padded to its widest cell plus 3 (Go tabwriter with minwidth 5, padding 3). */
export function formatColumns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(MIN_WIDTH, ...rows.map(([a]) => a.length + PADDING));
  return rows.map(([a, b]) => (a.padEnd(width) + b).trimEnd()).join('\n') + '\n';
}

export function formatLbList(contents: MapContents, options: LbListOptions = {}): string {
  const rows: [string, string][] = [[...HEADER]];
  for (const fe of decodeLbMaps(contents).frontends) {
    const [name, lines] = frontendRows(fe, options);
    lines.forEach((line, i) => rows.push([i === 0 ? name : '', line]));
  }
  return formatColumns(rows);
}
