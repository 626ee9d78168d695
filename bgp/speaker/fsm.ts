/**
 * Per-connection BGP FSM (RFC 4271 §8) from TCP-connected on: OpenSent → OpenConfirm →
 * Established. Pure: events in, new state and actions (send, timers, close) out; the session
 * adapter owns sockets and clocks. Connect/Active and the connect-retry timer are per peer and
 * live in peer.ts; collision resolution is `resolveCollision` below.
 */
import { fail, ok } from '../../lib/result.js';
import type { Result } from '../../lib/result.js';
import { encodeKeepalive, encodeNotification, encodeOpen } from './codec.js';
import type { BgpMessage, GracefulRestartCap, OpenMessage, UpdateMessage } from './messages.js';
import { CeaseSub, Err, FsmSub, OpenSub, bgpError } from './wire.js';
import type { BgpError, Family } from './wire.js';

export type Phase = 'opensent' | 'openconfirm' | 'established' | 'closed';

export interface ConnConfig {
  readonly localAsn: number;
  readonly routerId: string;
  /** 0: accept whatever AS the peer's OPEN says. */
  readonly peerAsn: number;
  readonly holdTimeSeconds: number;
  readonly keepaliveSeconds: number;
  readonly families: readonly Family[];
  readonly gracefulRestart?: { readonly restartTimeSeconds: number; readonly restarting: boolean };
}

export interface Negotiated {
  readonly peerAsn: number;
  readonly peerId: string;
  readonly holdTimeSeconds: number;
  readonly keepaliveSeconds: number;
  readonly asn4: boolean;
  readonly families: readonly Family[];
  readonly routeRefresh: boolean;
  readonly peerGracefulRestart?: GracefulRestartCap;
}

export interface ConnState {
  readonly phase: Phase;
  readonly negotiated?: Negotiated;
}

export type ConnEvent =
  | { readonly type: 'message'; readonly msg: BgpMessage }
  | { readonly type: 'decode-error'; readonly error: BgpError }
  | { readonly type: 'hold-expired' }
  | { readonly type: 'keepalive-due' }
  | { readonly type: 'tcp-closed' }
  /** Administrative close; `silent` drops TCP without a NOTIFICATION (graceful restart). */
  | { readonly type: 'stop'; readonly subcode: number; readonly silent?: boolean };

export type Timer = 'hold' | 'keepalive';

export type Action =
  | { readonly type: 'send'; readonly bytes: Buffer }
  | { readonly type: 'set-timer'; readonly timer: Timer; readonly seconds: number }
  | { readonly type: 'clear-timer'; readonly timer: Timer }
  /** OPEN accepted; the adapter resolves collisions here before it acts on what follows. */
  | { readonly type: 'open-accepted'; readonly negotiated: Negotiated }
  | { readonly type: 'established'; readonly negotiated: Negotiated }
  | { readonly type: 'update'; readonly msg: UpdateMessage }
  | { readonly type: 'route-refresh'; readonly family: Family | undefined }
  | { readonly type: 'closed'; readonly reason: string; readonly sent?: BgpError; readonly received?: { code: number; subcode: number } };

export interface Step {
  readonly state: ConnState;
  readonly actions: readonly Action[];
}

/** RFC 4271 suggests a large hold time until the OPEN arrives. */
export const OPEN_WAIT_SECONDS = 240;

/** The first step once TCP is up: send OPEN, wait for the peer's. */
export function start(cfg: ConnConfig): Step {
  const open = encodeOpen({
    asn: cfg.localAsn,
    holdTime: cfg.holdTimeSeconds,
    bgpId: cfg.routerId,
    families: cfg.families,
    ...(cfg.gracefulRestart
      ? {
          gracefulRestart: {
            restarting: cfg.gracefulRestart.restarting,
            restartTimeSeconds: cfg.gracefulRestart.restartTimeSeconds,
            families: cfg.families.map((family) => ({ family, forwardingPreserved: cfg.gracefulRestart!.restarting })),
          },
        }
      : {}),
  });
  return {
    state: { phase: 'opensent' },
    actions: [
      { type: 'send', bytes: open },
      { type: 'set-timer', timer: 'hold', seconds: OPEN_WAIT_SECONDS },
    ],
  };
}

/** Checks the peer's OPEN against our config; negotiates timers and families. */
export function checkOpen(cfg: ConnConfig, open: OpenMessage): Result<Negotiated, BgpError> {
  const peerAsn = open.caps.asn4 ?? open.myAs;
  if (cfg.peerAsn !== 0 && peerAsn !== cfg.peerAsn) {
    return fail(bgpError(Err.open, OpenSub.badPeerAs, `peer AS ${peerAsn}, configured ${cfg.peerAsn}`));
  }
  if (peerAsn === cfg.localAsn && open.bgpId === cfg.routerId) {
    return fail(bgpError(Err.open, OpenSub.badBgpId, `iBGP peer uses our router id ${open.bgpId}`));
  }
  const theirs: readonly Family[] = open.caps.families.length > 0 ? open.caps.families : ['ipv4'];
  const holdTimeSeconds = Math.min(cfg.holdTimeSeconds, open.holdTime);
  const keepaliveSeconds = holdTimeSeconds === 0 ? 0 : Math.max(1, Math.min(cfg.keepaliveSeconds, Math.floor(holdTimeSeconds / 3)));
  return ok({
    peerAsn,
    peerId: open.bgpId,
    holdTimeSeconds,
    keepaliveSeconds,
    asn4: open.caps.asn4 !== undefined,
    families: cfg.families.filter((f) => theirs.includes(f)),
    routeRefresh: open.caps.routeRefresh,
    ...(open.caps.gracefulRestart ? { peerGracefulRestart: open.caps.gracefulRestart } : {}),
  });
}

const CLOSED: ConnState = { phase: 'closed' };
const clearTimers: Action[] = [
  { type: 'clear-timer', timer: 'hold' },
  { type: 'clear-timer', timer: 'keepalive' },
];

function closeWith(error: BgpError): Step {
  return {
    state: CLOSED,
    actions: [
      { type: 'send', bytes: encodeNotification(error.code, error.subcode, error.data) },
      ...clearTimers,
      { type: 'closed', reason: error.reason, sent: error },
    ],
  };
}

function fsmError(phase: Phase, what: string): Step {
  const sub = phase === 'opensent' ? FsmSub.inOpenSent : phase === 'openconfirm' ? FsmSub.inOpenConfirm : FsmSub.inEstablished;
  return closeWith(bgpError(Err.fsm, sub, `unexpected ${what} in ${phase}`));
}

function holdRestart(st: ConnState): Action[] {
  const hold = st.negotiated?.holdTimeSeconds ?? 0;
  return hold > 0 ? [{ type: 'set-timer', timer: 'hold', seconds: hold }] : [];
}

function onOpen(cfg: ConnConfig, st: ConnState, open: OpenMessage): Step {
  if (st.phase !== 'opensent') return fsmError(st.phase, 'OPEN');
  const checked = checkOpen(cfg, open);
  if (!checked.ok) return closeWith(checked.error);
  const n = checked.value;
  const next: ConnState = { phase: 'openconfirm', negotiated: n };
  const timers: Action[] =
    n.holdTimeSeconds > 0
      ? [
          { type: 'set-timer', timer: 'hold', seconds: n.holdTimeSeconds },
          { type: 'set-timer', timer: 'keepalive', seconds: n.keepaliveSeconds },
        ]
      : [{ type: 'clear-timer', timer: 'hold' }];
  return {
    state: next,
    actions: [{ type: 'open-accepted', negotiated: n }, { type: 'send', bytes: encodeKeepalive() }, ...timers],
  };
}

function onMessage(cfg: ConnConfig, st: ConnState, msg: BgpMessage): Step {
  if (msg.type === 'notification') {
    return {
      state: CLOSED,
      actions: [...clearTimers, { type: 'closed', reason: `peer sent NOTIFICATION ${msg.code}/${msg.subcode}`, received: msg }],
    };
  }
  if (msg.type === 'open') return onOpen(cfg, st, msg);
  if (st.phase === 'opensent') return fsmError(st.phase, msg.type.toUpperCase());
  if (st.phase === 'openconfirm') {
    if (msg.type !== 'keepalive') return fsmError(st.phase, msg.type.toUpperCase());
    const established: ConnState = { phase: 'established', negotiated: st.negotiated! };
    return { state: established, actions: [...holdRestart(st), { type: 'established', negotiated: st.negotiated! }] };
  }
  if (msg.type === 'keepalive') return { state: st, actions: holdRestart(st) };
  if (msg.type === 'update') return { state: st, actions: [...holdRestart(st), { type: 'update', msg }] };
  const family = msg.afi === 1 && msg.safi === 1 ? 'ipv4' : msg.afi === 2 && msg.safi === 1 ? 'ipv6' : undefined;
  return { state: st, actions: [...holdRestart(st), { type: 'route-refresh', family }] };
}

export function step(cfg: ConnConfig, st: ConnState, ev: ConnEvent): Step {
  if (st.phase === 'closed') return { state: st, actions: [] };
  switch (ev.type) {
    case 'message':
      return onMessage(cfg, st, ev.msg);
    case 'decode-error':
      return closeWith(ev.error);
    case 'hold-expired':
      return closeWith(bgpError(Err.holdExpired, 0, 'hold timer expired'));
    case 'keepalive-due': {
      const ka = st.negotiated?.keepaliveSeconds ?? 0;
      if (st.phase === 'opensent' || ka === 0) return { state: st, actions: [] };
      return {
        state: st,
        actions: [
          { type: 'send', bytes: encodeKeepalive() },
          { type: 'set-timer', timer: 'keepalive', seconds: ka },
        ],
      };
    }
    case 'tcp-closed':
      return { state: CLOSED, actions: [...clearTimers, { type: 'closed', reason: 'connection closed by peer' }] };
    case 'stop':
      if (ev.silent) return { state: CLOSED, actions: [...clearTimers, { type: 'closed', reason: 'stopped without notification' }] };
      return closeWith(bgpError(Err.cease, ev.subcode, `cease ${ev.subcode}`));
  }
}

/**
 * RFC 4271 §6.8: of two connections to the same peer, keep the one opened by the speaker with
 * the higher BGP identifier (compared as unsigned 32-bit numbers).
 */
export function resolveCollision(localId: string, remoteId: string): 'keep-outgoing' | 'keep-incoming' {
  const n = (s: string): number => s.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  return n(localId) > n(remoteId) ? 'keep-outgoing' : 'keep-incoming';
}

/** Connect-retry delay jittered in [T, 2T) so peers restarted together do not dial in lockstep. */
export function connectRetryDelay(seconds: number, random: number): number {
  return seconds * (1 + Math.min(Math.max(random, 0), 0.999999));
}

export const COLLISION_CEASE = CeaseSub.collision;
