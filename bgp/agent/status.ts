/**
 * What the agent writes to its CiliumBGPNodeConfig's status, and when. Pure: the speaker's
 * peer status and the decision's errors in, the status body out; `splitStatus` separates the
 * parts that must be written promptly (states, timers, condition) from the counters that
 * may wait.
 */
import type { PeerState, PeerStatus } from '../speaker/index.js';
import type { DesiredInstance } from './types.js';

export const RECONCILE_ERROR_CONDITION = 'cilium.io/BGPReconcileError';

export type PeeringState = 'unknown' | 'idle' | 'connect' | 'active' | 'open_sent' | 'open_confirm' | 'established';

const STATE_NAMES: Record<PeerState, PeeringState> = {
  idle: 'idle',
  connect: 'connect',
  active: 'active',
  opensent: 'open_sent',
  openconfirm: 'open_confirm',
  established: 'established',
};

export function peeringState(s: PeerState | undefined): PeeringState {
  return s === undefined ? 'unknown' : STATE_NAMES[s];
}

export interface InstanceView {
  readonly desired: DesiredInstance;
  /** The speaker's peers (absent when the speaker could not be created or refused the peer). */
  readonly peers: readonly PeerStatus[];
}

export interface RouteCountStatus {
  readonly afi: string;
  readonly safi: string;
  readonly received: number;
  readonly advertised: number;
}

export interface PeerStatusBody {
  readonly name: string;
  readonly peerAddress: string;
  readonly peerASN: number;
  readonly peeringState: PeeringState;
  readonly timers?: { readonly appliedHoldTimeSeconds: number; readonly appliedKeepaliveSeconds: number };
  readonly establishedTime?: string;
  readonly routeCount?: readonly RouteCountStatus[];
}

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface NodeConfigStatus {
  readonly bgpInstances: readonly { readonly name: string; readonly localASN: number; readonly peers: readonly PeerStatusBody[] }[];
  readonly conditions: readonly Condition[];
}

/** metav1.Time: RFC 3339 in UTC with whole seconds. */
export function rfc3339(d: Date | string): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function peerBody(desired: DesiredInstance['peers'][number], st: PeerStatus | undefined): PeerStatusBody {
  const cfg = desired.config;
  return {
    name: cfg.name,
    peerAddress: cfg.address,
    peerASN: st?.peerAsn ?? cfg.peerAsn,
    peeringState: peeringState(st?.state),
    ...(st?.appliedHoldTimeSeconds !== undefined && st.state === 'established'
      ? { timers: { appliedHoldTimeSeconds: st.appliedHoldTimeSeconds, appliedKeepaliveSeconds: st.appliedKeepaliveSeconds ?? 0 } }
      : {}),
    ...(st?.establishedTime !== undefined && st.state === 'established' ? { establishedTime: rfc3339(st.establishedTime) } : {}),
    ...(st ? { routeCount: st.routeCounts.map((c) => ({ afi: c.family, safi: 'unicast', received: c.received, advertised: c.advertised })) } : {}),
  };
}

/**
 * The condition keeps its lastTransitionTime while its status stays the same, as Kubernetes
 * conditions do, so rewriting an unchanged condition is not a transition.
 */
export function reconcileCondition(errors: readonly string[], previous: Condition | undefined, now: Date, generation?: number): Condition {
  const failing = errors.length > 0;
  const status = failing ? 'True' : 'False';
  return {
    type: RECONCILE_ERROR_CONDITION,
    status,
    reason: failing ? 'BGPReconcileError' : 'BGPReconcileSucceeded',
    message: failing ? errors.join('; ') : 'BGP configuration reconciled',
    lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : rfc3339(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

export function nodeConfigStatus(instances: readonly InstanceView[], condition: Condition): NodeConfigStatus {
  return {
    bgpInstances: instances.map((i) => ({
      name: i.desired.name,
      localASN: i.desired.localAsn,
      peers: i.desired.peers.map((p) => peerBody(p, i.peers.find((s) => s.name === p.config.name))),
    })),
    conditions: [condition],
  };
}

/** The status without its counters: when this changes the write is due now. */
export function promptPart(s: NodeConfigStatus): unknown {
  return {
    bgpInstances: s.bgpInstances.map((i) => ({ ...i, peers: i.peers.map(({ routeCount: _c, ...rest }) => rest) })),
    conditions: s.conditions,
  };
}

export type WriteDecision = { readonly write: 'now' } | { readonly write: 'later'; readonly inMs: number } | { readonly write: 'no' };

/** State changes go out at once; counter-only changes at most once per `minIntervalMs`. */
export function decideWrite(next: NodeConfigStatus, last: NodeConfigStatus | undefined, lastWriteAt: number, now: number, minIntervalMs: number): WriteDecision {
  if (last === undefined) return { write: 'now' };
  if (JSON.stringify(next) === JSON.stringify(last)) return { write: 'no' };
  if (JSON.stringify(promptPart(next)) !== JSON.stringify(promptPart(last))) return { write: 'now' };
  const wait = lastWriteAt + minIntervalMs - now;
  return wait <= 0 ? { write: 'now' } : { write: 'later', inMs: wait };
}
