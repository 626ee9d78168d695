/**
 * Desired routes as the reconciler states them → normalized per-peer routes with their path
 * attributes, and the Adj-RIB-Out diff (what to announce, what to withdraw). Pure.
 */
import { fail, ok } from '../../lib/result.js';
import type { Result } from '../../lib/result.js';
import type { LargeCommunity, PathAttributes } from './messages.js';
import { encodePrefix, formatPrefix, ipv4Bytes, ipv6Bytes, parsePrefix } from './wire.js';
import type { Family } from './wire.js';

export interface RouteSpec {
  /** "198.51.100.7/32", "fd00:10::7/128". */
  readonly prefix: string;
  /** Overrides the peer's next hop for this family. */
  readonly nextHop?: string;
  /** 0 IGP (default), 1 EGP, 2 INCOMPLETE. */
  readonly origin?: number;
  readonly med?: number;
  /** Sent to iBGP peers only (RFC 4271 §5.1.5); 100 when unset there. */
  readonly localPref?: number;
  /** "65000:99", "4259840099" or a well-known name such as "no-export". */
  readonly communities?: readonly string[];
  /** "a:b:c". */
  readonly largeCommunities?: readonly string[];
}

/** What a peer's routes depend on besides the routes themselves. */
export interface PeerRouteContext {
  readonly localAsn: number;
  readonly ibgp: boolean;
  readonly nextHopIpv4?: string;
  readonly nextHopIpv6?: string;
}

export interface OutRoute {
  readonly prefix: string;
  readonly family: Family;
  /** NLRI bytes (length octet + prefix bytes). */
  readonly nlri: Buffer;
  /** Base attributes; for IPv4 they include NEXT_HOP, IPv6 carries it in mpNextHop. */
  readonly attrs: PathAttributes;
  readonly mpNextHop?: string;
  /** Equal keys ⇔ identical attributes: the packing and diff unit. */
  readonly key: string;
}

const WELL_KNOWN: Record<string, number> = {
  'graceful-shutdown': 0xffff0000,
  'accept-own': 0xffff0001,
  'llgr-stale': 0xffff0006,
  'no-llgr': 0xffff0007,
  blackhole: 0xffff029a,
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'local-as': 0xffffff03,
  'no-peer': 0xffffff04,
};

const U16 = /^\d{1,5}$/;
const U32 = /^\d{1,10}$/;

export function parseCommunity(s: string): number | undefined {
  const wk = WELL_KNOWN[s];
  if (wk !== undefined) return wk;
  const parts = s.split(':');
  if (parts.length === 1 && U32.test(s) && Number(s) <= 0xffffffff) return Number(s);
  if (parts.length !== 2 || !U16.test(parts[0]!) || !U16.test(parts[1]!)) return undefined;
  const [a, b] = parts.map(Number) as [number, number];
  return a > 0xffff || b > 0xffff ? undefined : ((a << 16) >>> 0) + b;
}

export function parseLargeCommunity(s: string): LargeCommunity | undefined {
  const parts = s.split(':');
  if (parts.length !== 3 || !parts.every((p) => U32.test(p) && Number(p) <= 0xffffffff)) return undefined;
  return [Number(parts[0]), Number(parts[1]), Number(parts[2])];
}

export function formatCommunity(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

function validNextHop(nh: string | undefined, family: Family): boolean {
  return nh !== undefined && (family === 'ipv4' ? ipv4Bytes(nh) : ipv6Bytes(nh)) !== undefined;
}

/** One route for one peer; the error says what is wrong with the spec. */
export function toOutRoute(spec: RouteSpec, ctx: PeerRouteContext): Result<OutRoute, string> {
  const p = parsePrefix(spec.prefix);
  if (!p) return fail(`prefix ${JSON.stringify(spec.prefix)} is not a valid IPv4/IPv6 prefix`);
  const nlri = encodePrefix(p);
  const bytes = Buffer.alloc(p.family === 'ipv4' ? 4 : 16);
  nlri.copy(bytes, 0, 1);
  const prefix = formatPrefix(p.family, bytes, p.len);
  const nextHop = spec.nextHop ?? (p.family === 'ipv4' ? ctx.nextHopIpv4 : ctx.nextHopIpv6);
  if (!validNextHop(nextHop, p.family)) return fail(`${prefix}: no valid ${p.family} next hop (got ${String(nextHop)})`);
  if (spec.origin !== undefined && ![0, 1, 2].includes(spec.origin)) return fail(`${prefix}: origin ${spec.origin}`);
  const communities: number[] = [];
  for (const c of spec.communities ?? []) {
    const v = parseCommunity(c);
    if (v === undefined) return fail(`${prefix}: community ${JSON.stringify(c)} is not N, a:b or a well-known name`);
    if (!communities.includes(v)) communities.push(v);
  }
  const large: LargeCommunity[] = [];
  for (const c of spec.largeCommunities ?? []) {
    const v = parseLargeCommunity(c);
    if (!v) return fail(`${prefix}: large community ${JSON.stringify(c)} is not a:b:c`);
    if (!large.some((l) => l.join(':') === v.join(':'))) large.push(v);
  }
  communities.sort((a, b) => a - b);
  large.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const attrs: PathAttributes = {
    origin: spec.origin ?? 0,
    asPath: ctx.ibgp ? [] : [{ type: 2, asns: [ctx.localAsn] }],
    ...(p.family === 'ipv4' ? { nextHop } : {}),
    ...(spec.med !== undefined ? { med: spec.med } : {}),
    ...(ctx.ibgp ? { localPref: spec.localPref ?? 100 } : {}),
    ...(communities.length > 0 ? { communities } : {}),
    ...(large.length > 0 ? { largeCommunities: large } : {}),
  };
  const key = `${p.family}|${JSON.stringify(attrs)}|${p.family === 'ipv6' ? nextHop : ''}`;
  return ok({ prefix, family: p.family, nlri, attrs, key, ...(p.family === 'ipv6' ? { mpNextHop: nextHop } : {}) });
}

export interface DesiredRib {
  readonly routes: ReadonlyMap<string, OutRoute>;
  readonly rejected: readonly string[];
}

/** Invalid specs are listed and skipped; the rest stays advertisable. Later duplicates win. */
export function buildDesired(specs: readonly RouteSpec[], ctx: PeerRouteContext): DesiredRib {
  const routes = new Map<string, OutRoute>();
  const rejected: string[] = [];
  for (const s of specs) {
    const r = toOutRoute(s, ctx);
    if (r.ok) routes.set(r.value.prefix, r.value);
    else rejected.push(r.error);
  }
  return { routes, rejected };
}

export interface RibDiff {
  readonly announce: readonly OutRoute[];
  readonly withdraw: readonly OutRoute[];
}

/** Adj-RIB-Out (what the peer was sent) vs desired: new or changed routes, and removed ones. */
export function diffRib(sent: ReadonlyMap<string, OutRoute>, desired: ReadonlyMap<string, OutRoute>): RibDiff {
  const announce: OutRoute[] = [];
  const withdraw: OutRoute[] = [];
  for (const [prefix, r] of desired) if (sent.get(prefix)?.key !== r.key) announce.push(r);
  for (const [prefix, r] of sent) if (!desired.has(prefix)) withdraw.push(r);
  return { announce, withdraw };
}
