/**
 * The status API's JSON (`GET /v1/bgp/peers`, `GET /v1/bgp/routes/...`), field names as in
 * Cilium's agent API (kebab-case). Pure: built from the decision and the speaker's status.
 */
import { parseIp } from '../../lib/ip.js';
import type { PeerStatus, RouteSpec } from '../speaker/index.js';
import { DEFAULTS } from './desired.js';
import { peeringState, type InstanceView } from './status.js';
import type { Afi, DesiredPeer } from './types.js';

export interface BgpPeerJson {
  readonly 'node-name': string;
  readonly 'local-asn': number;
  readonly 'peer-asn': number;
  readonly 'peer-address': string;
  readonly 'peer-port': number;
  readonly 'session-state': string;
  readonly 'uptime-nanoseconds': number;
  readonly 'applied-hold-time-seconds'?: number;
  readonly 'applied-keep-alive-time-seconds'?: number;
  readonly 'configured-hold-time-seconds': number;
  readonly 'configured-keep-alive-time-seconds': number;
  readonly 'connect-retry-time-seconds': number;
  readonly 'ebgp-multihop-ttl': number;
  readonly 'graceful-restart': { readonly enabled: boolean; readonly 'restart-time-seconds': number };
  readonly families: readonly { readonly afi: string; readonly safi: string; readonly received: number; readonly advertised: number }[];
}

export interface RouteAttrsJson {
  readonly origin: 'i' | 'e' | '?';
  readonly 'as-path': readonly number[];
  readonly 'next-hop': string;
  readonly 'local-pref'?: number;
  readonly communities?: readonly string[];
  readonly 'large-communities'?: readonly string[];
}

export interface BgpRouteJson {
  readonly 'node-name': string;
  /** The instance's local ASN (Cilium's "VRouter" column). */
  readonly 'router-asn': number;
  /** Peer address; absent for available (RIB) routes. */
  readonly neighbor?: string;
  readonly prefix: string;
  readonly 'age-nanoseconds': number;
  readonly attributes: RouteAttrsJson;
}

const NS_PER_MS = 1_000_000;

function uptimeMs(st: PeerStatus | undefined, now: number): number {
  if (st?.state !== 'established' || st.establishedTime === undefined) return 0;
  return Math.max(0, now - Date.parse(st.establishedTime));
}

export function peersView(node: string, instances: readonly InstanceView[], now: number): BgpPeerJson[] {
  const out: BgpPeerJson[] = [];
  for (const inst of instances) {
    for (const p of inst.desired.peers) {
      const c = p.config;
      const st = inst.peers.find((s) => s.name === c.name);
      const gr = c.gracefulRestart;
      out.push({
        'node-name': node,
        'local-asn': inst.desired.localAsn,
        'peer-asn': st?.peerAsn ?? c.peerAsn,
        'peer-address': c.address,
        'peer-port': c.port ?? DEFAULTS.peerPort,
        'session-state': peeringState(st?.state),
        'uptime-nanoseconds': uptimeMs(st, now) * NS_PER_MS,
        ...(st?.state === 'established' && st.appliedHoldTimeSeconds !== undefined
          ? { 'applied-hold-time-seconds': st.appliedHoldTimeSeconds, 'applied-keep-alive-time-seconds': st.appliedKeepaliveSeconds ?? 0 }
          : {}),
        'configured-hold-time-seconds': c.holdTimeSeconds ?? DEFAULTS.holdTimeSeconds,
        'configured-keep-alive-time-seconds': c.keepaliveSeconds ?? DEFAULTS.keepAliveTimeSeconds,
        'connect-retry-time-seconds': c.connectRetrySeconds ?? DEFAULTS.connectRetryTimeSeconds,
        'ebgp-multihop-ttl': c.ebgpMultihop ?? DEFAULTS.ebgpMultihop,
        'graceful-restart': { enabled: gr?.enabled ?? false, 'restart-time-seconds': gr?.restartTimeSeconds ?? DEFAULTS.restartTimeSeconds },
        families: (st?.routeCounts ?? (c.families ?? ['ipv4', 'ipv6']).map((family) => ({ family, received: 0, advertised: 0 }))).map((r) => ({
          afi: r.family,
          safi: 'unicast',
          received: r.received,
          advertised: r.advertised,
        })),
      });
    }
  }
  return out;
}

function afiOf(prefix: string): Afi | undefined {
  const p = parseIp(prefix.split('/')[0] ?? '');
  return p === undefined ? undefined : p.family === 4 ? 'ipv4' : 'ipv6';
}

function attrs(r: RouteSpec, asPath: number[], nextHop: string, localPref: number | undefined): RouteAttrsJson {
  return {
    origin: r.origin === 1 ? 'e' : r.origin === 2 ? '?' : 'i',
    'as-path': asPath,
    'next-hop': nextHop,
    ...(localPref !== undefined ? { 'local-pref': localPref } : {}),
    ...(r.communities?.length ? { communities: r.communities } : {}),
    ...(r.largeCommunities?.length ? { 'large-communities': r.largeCommunities } : {}),
  };
}

export interface RoutesQuery {
  readonly afi: Afi;
  readonly safi: 'unicast';
  readonly now: number;
  /** When a route was first wanted, by `ageKey`. */
  readonly since: (key: string) => number | undefined;
}

export function ageKey(instance: string, peer: string | undefined, prefix: string): string {
  return `${instance}|${peer ?? ''}|${prefix}`;
}

function sentToPeer(p: DesiredPeer, st: PeerStatus, route: RouteSpec): boolean {
  return !st.rejectedRoutes.some((r) => r.startsWith(`${route.prefix}:`)) && (p.config.families ?? ['ipv4', 'ipv6']).includes(afiOf(route.prefix)!);
}

/** Adj-RIB-Out of every established peer, as the speaker sends it. */
export function advertisedView(node: string, instances: readonly InstanceView[], q: RoutesQuery): BgpRouteJson[] {
  const out: BgpRouteJson[] = [];
  for (const inst of instances) {
    for (const p of inst.desired.peers) {
      const st = inst.peers.find((s) => s.name === p.config.name);
      if (st?.state !== 'established') continue;
      const ibgp = st.peerAsn === inst.desired.localAsn;
      const nh = (q.afi === 'ipv4' ? p.config.nextHopIpv4 : p.config.nextHopIpv6) ?? '';
      for (const r of p.routes) {
        if (afiOf(r.prefix) !== q.afi || !sentToPeer(p, st, r)) continue;
        out.push({
          'node-name': node,
          'router-asn': inst.desired.localAsn,
          neighbor: p.config.address,
          prefix: r.prefix,
          'age-nanoseconds': Math.max(0, q.now - (q.since(ageKey(inst.desired.name, p.config.name, r.prefix)) ?? q.now)) * NS_PER_MS,
          attributes: attrs(r, ibgp ? [] : [inst.desired.localAsn], r.nextHop ?? nh, ibgp ? (r.localPref ?? 100) : undefined),
        });
      }
    }
  }
  return out;
}

/** The instance's own table (every route some peer is given), as locally originated paths. */
export function availableView(node: string, instances: readonly InstanceView[], q: RoutesQuery): BgpRouteJson[] {
  const out: BgpRouteJson[] = [];
  for (const inst of instances) {
    const seen = new Map<string, RouteSpec>();
    for (const p of inst.desired.peers) for (const r of p.routes) if (afiOf(r.prefix) === q.afi && !seen.has(r.prefix)) seen.set(r.prefix, r);
    for (const r of [...seen.values()].sort((a, b) => a.prefix.localeCompare(b.prefix))) {
      out.push({
        'node-name': node,
        'router-asn': inst.desired.localAsn,
        prefix: r.prefix,
        'age-nanoseconds': Math.max(0, q.now - (q.since(ageKey(inst.desired.name, undefined, r.prefix)) ?? q.now)) * NS_PER_MS,
        attributes: attrs(r, [], q.afi === 'ipv4' ? '0.0.0.0' : '::', undefined),
      });
    }
  }
  return out;
}
