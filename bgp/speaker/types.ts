/** The speaker's public vocabulary: peer configs, status and events. */
import type { Negotiated } from './fsm.js';
import type { Family } from './wire.js';

export interface PeerConfig {
  /** Unique key; the reconciler's peer name. */
  readonly name: string;
  readonly address: string;
  /** Default 179. */
  readonly port?: number;
  /** 0 learns the AS from the peer's OPEN. */
  readonly peerAsn: number;
  /** Source address for outgoing connections (and the address incoming ones arrive on). */
  readonly localAddress?: string;
  /** Wait for the peer to connect; never dial. */
  readonly passive?: boolean;
  /** Defaults 90 / 30 / 120 seconds. */
  readonly holdTimeSeconds?: number;
  readonly keepaliveSeconds?: number;
  readonly connectRetrySeconds?: number;
  /** Default both. */
  readonly families?: readonly Family[];
  readonly nextHopIpv4?: string;
  readonly nextHopIpv6?: string;
  readonly gracefulRestart?: { readonly enabled: boolean; readonly restartTimeSeconds?: number };
  /** Accepted and reported; Node cannot set IP_TTL on TCP sockets (see README). */
  readonly ebgpMultihop?: number;
  /** TCP MD5 (RFC 2385); refused: Node has no TCP_MD5SIG. */
  readonly password?: string;
}

export type PeerState = 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established';

export interface RouteCount {
  readonly family: Family;
  readonly received: number;
  readonly advertised: number;
}

export interface PeerStatus {
  readonly name: string;
  readonly address: string;
  readonly peerAsn: number;
  readonly state: PeerState;
  readonly appliedHoldTimeSeconds?: number;
  readonly appliedKeepaliveSeconds?: number;
  /** RFC 3339. */
  readonly establishedTime?: string;
  readonly routeCounts: readonly RouteCount[];
  /** Route specs that could not be advertised, with the reason. */
  readonly rejectedRoutes: readonly string[];
}

export type SpeakerEvent =
  | { readonly type: 'state'; readonly peer: string; readonly from: PeerState; readonly to: PeerState }
  | { readonly type: 'established'; readonly peer: string; readonly negotiated: Negotiated }
  | { readonly type: 'notification-sent'; readonly peer: string; readonly code: number; readonly subcode: number; readonly reason: string }
  | { readonly type: 'notification-received'; readonly peer: string; readonly code: number; readonly subcode: number }
  | { readonly type: 'end-of-rib-received'; readonly peer: string; readonly family: Family }
  | { readonly type: 'connection-rejected'; readonly remote: string; readonly reason: string };
