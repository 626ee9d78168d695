/** Decoded BGP messages as plain data; the codec turns them into bytes and back. */
import type { Family } from './wire.js';

export interface GracefulRestartCap {
  /** R bit: the sender has restarted and its peer should not wait for its End-of-RIB to resend. */
  readonly restarting: boolean;
  readonly restartTimeSeconds: number;
  readonly families: readonly { readonly family: Family; readonly forwardingPreserved: boolean }[];
}

export interface Capabilities {
  /** Multiprotocol (1): unicast families announced; empty means none sent (IPv4 implied). */
  readonly families: readonly Family[];
  readonly routeRefresh: boolean;
  /** 4-octet AS (65): the sender's real ASN. */
  readonly asn4?: number;
  readonly gracefulRestart?: GracefulRestartCap;
  /** Capability codes seen and skipped. */
  readonly unknown: readonly number[];
}

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: string;
  readonly caps: Capabilities;
}

export interface AsPathSegment {
  /** 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET. */
  readonly type: number;
  readonly asns: readonly number[];
}

export type LargeCommunity = readonly [number, number, number];

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** One global next hop, or global + link-local (32-byte IPv6 form). */
  readonly nextHops: readonly string[];
  readonly nlri: readonly string[];
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly string[];
}

export interface PathAttributes {
  readonly origin?: number;
  readonly asPath?: readonly AsPathSegment[];
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly LargeCommunity[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

export interface UpdateMessage {
  readonly type: 'update';
  readonly withdrawn: readonly string[];
  readonly attrs: PathAttributes;
  readonly nlri: readonly string[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** What decoding depends on from the session: 4-byte AS_PATH only once both sides sent cap 65. */
export interface DecodeContext {
  readonly asn4: boolean;
}

/** End-of-RIB (RFC 4724): empty UPDATE for IPv4, MP_UNREACH with only AFI/SAFI otherwise. */
export function endOfRibFamily(u: UpdateMessage): Family | undefined {
  const a = u.attrs;
  const noAttrs = a.origin === undefined && a.asPath === undefined && a.mpReach === undefined;
  if (u.withdrawn.length === 0 && u.nlri.length === 0 && noAttrs && a.mpUnreach === undefined) return 'ipv4';
  if (noAttrs && u.nlri.length === 0 && u.withdrawn.length === 0 && a.mpUnreach?.withdrawn.length === 0) {
    if (a.mpUnreach.safi === 1 && a.mpUnreach.afi === 2) return 'ipv6';
    if (a.mpUnreach.safi === 1 && a.mpUnreach.afi === 1) return 'ipv4';
  }
  return undefined;
}
