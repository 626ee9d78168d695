/**
 * Lifecycle of one remote cluster in the agent, as a pure state machine: the adapter feeds
 * it events (with the current time and a random number for jitter) and carries out the
 * effects it returns. Nothing here knows about etcd or timers.
 *
 *   disconnected ──tick (backoff elapsed)──► connecting ──config accepted──► waiting-for-canaries
 *        ▲                                       │                                │ all canaries
 *        └─────────── failure / refusal ─────────┴──────── syncing ◄──────────────┘
 *                                                             │ nodes, services, identities, ipcache synced
 *                                                             ▼
 *                                                           ready
 *   any ──config removed──► removed (terminal: caches drained)
 */
import type { CanaryKind } from '../clustermesh/keys.js';

export const SYNC_KINDS: readonly CanaryKind[] = ['identities', 'ipcache', 'nodes', 'services'];

export type Phase = 'disconnected' | 'connecting' | 'waiting-for-canaries' | 'syncing' | 'ready' | 'removed';

export interface RemoteState {
  readonly cluster: string;
  readonly phase: Phase;
  /** The cluster ID last accepted; kept while disconnected so a change can be detected. */
  readonly clusterId?: number;
  readonly canariesRequired: boolean;
  /** Sorted; reset on every new connection because the remote may have restarted. */
  readonly canariesSeen: readonly CanaryKind[];
  readonly synced: readonly CanaryKind[];
  /** Total failures since the agent started (Cilium's remote_cluster_failures). */
  readonly failures: number;
  /** Failures since the last time the remote was ready; drives the backoff. */
  readonly consecutiveFailures: number;
  readonly lastFailureAt?: number;
  readonly lastError?: string;
  /** When the remote was last seen connected (or first failed), for the cache TTL. */
  readonly disconnectedSince?: number;
  readonly nextAttemptAt?: number;
  /** True once the cache TTL expired; cleared when the services prefix syncs again. */
  readonly servicesRevoked: boolean;
}

export type RemoteEvent =
  | { readonly type: 'tick' }
  | { readonly type: 'config-accepted'; readonly clusterId: number; readonly syncedCanaries: boolean }
  | { readonly type: 'refused'; readonly reason: string }
  | { readonly type: 'failure'; readonly error: string }
  | { readonly type: 'canary'; readonly kind: CanaryKind }
  | { readonly type: 'synced'; readonly kind: CanaryKind }
  | { readonly type: 'config-changed' }
  | { readonly type: 'config-removed' };

export type Effect =
  /** Open a connection and read the remote's cluster config. */
  | { readonly type: 'dial' }
  /** Close the current connection and its watches (cached data stays). */
  | { readonly type: 'close' }
  /** Start watching one prefix (its canary is there, or canaries are not used). */
  | { readonly type: 'watch'; readonly kind: CanaryKind }
  | { readonly type: 'schedule'; readonly at: number }
  /** Forget this cluster's services (cache TTL expired); other kinds stay. */
  | { readonly type: 'revoke-services' }
  /** Forget everything cached from this cluster. */
  | { readonly type: 'drain' };

export interface Step {
  readonly state: RemoteState;
  readonly effects: readonly Effect[];
  /** Set when the event did not apply in the current phase (e.g. a late event from a closed session). */
  readonly ignored?: string;
}

export interface LifecycleOptions {
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Fraction of the delay randomised either way, so many agents do not reconnect in lockstep. */
  readonly jitter: number;
  /** Revoke services after being disconnected this long; undefined or 0: never. */
  readonly cacheTtlMs?: number;
}

export const DEFAULT_LIFECYCLE: LifecycleOptions = { backoffBaseMs: 1000, backoffMaxMs: 60_000, jitter: 0.2 };

export interface StepContext {
  readonly now: number;
  /** Uniform in [0, 1): the adapter passes Math.random(), tests pass fixed values. */
  readonly random: number;
  readonly options: LifecycleOptions;
}

export function initialRemoteState(cluster: string, now: number): RemoteState {
  return {
    cluster,
    phase: 'disconnected',
    canariesRequired: false,
    canariesSeen: [],
    synced: [],
    failures: 0,
    consecutiveFailures: 0,
    nextAttemptAt: now,
    servicesRevoked: false,
  };
}

/** Exponential backoff: base·2^(n−1), jittered by ±jitter, never above the cap. */
export function backoffDelay(consecutiveFailures: number, random: number, o: LifecycleOptions): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  const raw = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** Math.min(exponent, 52));
  const jittered = raw * (1 - o.jitter + 2 * o.jitter * random);
  return Math.round(Math.min(o.backoffMaxMs, jittered));
}

export function isConnected(phase: Phase): boolean {
  return phase === 'waiting-for-canaries' || phase === 'syncing' || phase === 'ready';
}

function withKind(list: readonly CanaryKind[], kind: CanaryKind): readonly CanaryKind[] {
  return list.includes(kind) ? list : [...list, kind].sort();
}

/** The connected phase follows from what has been seen and synced so far. */
function connectedPhase(s: RemoteState): Phase {
  if (SYNC_KINDS.every((k) => s.synced.includes(k))) return 'ready';
  if (s.canariesRequired && !SYNC_KINDS.every((k) => s.canariesSeen.includes(k)))
    return 'waiting-for-canaries';
  return 'syncing';
}

const unchanged = (state: RemoteState, why: string): Step => ({ state, effects: [], ignored: why });

function onTick(s: RemoteState, ctx: StepContext): Step {
  const effects: Effect[] = [];
  let state = s;
  const ttl = ctx.options.cacheTtlMs ?? 0;
  const since = s.disconnectedSince;
  if (
    ttl > 0 &&
    !isConnected(s.phase) &&
    since !== undefined &&
    !s.servicesRevoked &&
    ctx.now - since >= ttl
  ) {
    state = { ...state, servicesRevoked: true };
    effects.push({ type: 'revoke-services' });
  }
  if (s.phase === 'disconnected' && s.nextAttemptAt !== undefined && ctx.now >= s.nextAttemptAt) {
    state = { ...state, phase: 'connecting', nextAttemptAt: undefined };
    effects.push({ type: 'dial' });
  }
  return { state, effects };
}

function onConfigAccepted(s: RemoteState, e: { clusterId: number; syncedCanaries: boolean }): Step {
  if (s.phase !== 'connecting') return unchanged(s, `config accepted while ${s.phase}`);
  const idChanged = s.clusterId !== undefined && s.clusterId !== e.clusterId;
  const base: RemoteState = {
    ...s,
    clusterId: e.clusterId,
    canariesRequired: e.syncedCanaries,
    canariesSeen: [],
    synced: [],
    disconnectedSince: undefined,
    servicesRevoked: idChanged ? false : s.servicesRevoked,
  };
  const state = { ...base, phase: connectedPhase(base) };
  const effects: Effect[] = idChanged ? [{ type: 'drain' }] : [];
  if (!e.syncedCanaries) for (const kind of SYNC_KINDS) effects.push({ type: 'watch', kind });
  return { state, effects };
}

function onFailure(s: RemoteState, error: string, ctx: StepContext): Step {
  if (s.phase === 'disconnected' || s.phase === 'removed')
    return unchanged(s, `failure while ${s.phase}: ${error}`);
  const consecutiveFailures = s.consecutiveFailures + 1;
  const at = ctx.now + backoffDelay(consecutiveFailures, ctx.random, ctx.options);
  const state: RemoteState = {
    ...s,
    phase: 'disconnected',
    failures: s.failures + 1,
    consecutiveFailures,
    lastFailureAt: ctx.now,
    lastError: error,
    disconnectedSince: s.disconnectedSince ?? ctx.now,
    nextAttemptAt: at,
  };
  return { state, effects: [{ type: 'close' }, { type: 'schedule', at }] };
}

function onCanary(s: RemoteState, kind: CanaryKind): Step {
  if (!isConnected(s.phase)) return unchanged(s, `canary ${kind} while ${s.phase}`);
  if (s.canariesSeen.includes(kind)) return unchanged(s, `canary ${kind} seen twice`);
  const base = { ...s, canariesSeen: withKind(s.canariesSeen, kind) };
  const effects: Effect[] = s.canariesRequired ? [{ type: 'watch', kind }] : [];
  return { state: { ...base, phase: connectedPhase(base) }, effects };
}

function onSynced(s: RemoteState, kind: CanaryKind): Step {
  if (!isConnected(s.phase)) return unchanged(s, `synced ${kind} while ${s.phase}`);
  if (s.canariesRequired && !s.canariesSeen.includes(kind)) {
    return unchanged(s, `synced ${kind} before its canary`);
  }
  const base: RemoteState = {
    ...s,
    synced: withKind(s.synced, kind),
    servicesRevoked: kind === 'services' ? false : s.servicesRevoked,
  };
  const phase = connectedPhase(base);
  return {
    state: { ...base, phase, consecutiveFailures: phase === 'ready' ? 0 : s.consecutiveFailures },
    effects: [],
  };
}

function onConfigChanged(s: RemoteState): Step {
  // New endpoints or certificates: reconnect at once; the old failures described the old config.
  const state: RemoteState = { ...s, phase: 'connecting', consecutiveFailures: 0, nextAttemptAt: undefined };
  const effects: Effect[] =
    s.phase === 'disconnected' ? [{ type: 'dial' }] : [{ type: 'close' }, { type: 'dial' }];
  return { state, effects };
}

export function step(s: RemoteState, event: RemoteEvent, ctx: StepContext): Step {
  if (s.phase === 'removed') return unchanged(s, `${event.type} after removal`);
  switch (event.type) {
    case 'tick':
      return onTick(s, ctx);
    case 'config-accepted':
      return onConfigAccepted(s, event);
    case 'refused':
      return onFailure(s, event.reason, ctx);
    case 'failure':
      return onFailure(s, event.error, ctx);
    case 'canary':
      return onCanary(s, event.kind);
    case 'synced':
      return onSynced(s, event.kind);
    case 'config-changed':
      return onConfigChanged(s);
    case 'config-removed':
      return {
        state: { ...s, phase: 'removed', nextAttemptAt: undefined },
        effects:
          isConnected(s.phase) || s.phase === 'connecting'
            ? [{ type: 'close' }, { type: 'drain' }]
            : [{ type: 'drain' }],
      };
  }
}

/** What the status API reports per remote. */
export interface RemoteStatusView {
  readonly name: string;
  readonly phase: Phase;
  readonly connected: boolean;
  readonly ready: boolean;
  readonly clusterID: number;
  readonly numFailures: number;
  readonly lastFailure?: number;
  readonly lastError?: string;
  readonly servicesRevoked: boolean;
}

export function remoteStatusView(s: RemoteState): RemoteStatusView {
  return {
    name: s.cluster,
    phase: s.phase,
    connected: isConnected(s.phase),
    ready: s.phase === 'ready',
    clusterID: s.clusterId ?? 0,
    numFailures: s.failures,
    lastFailure: s.lastFailureAt,
    lastError: s.lastError,
    servicesRevoked: s.servicesRevoked,
  };
}
