/**
 * One configured peer: dials (unless passive) with a jittered connect-retry, adopts incoming
 * connections, resolves collisions, keeps the Adj-RIB-Out and sends only its changes, counts
 * received routes. Connection-level protocol lives in connection.ts / fsm.ts.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Logger } from '../../lib/log.js';
import { Connection } from './connection.js';
import type { ConnectionOwner, Direction } from './connection.js';
import { COLLISION_CEASE, connectRetryDelay, resolveCollision } from './fsm.js';
import type { Action, ConnConfig, Negotiated } from './fsm.js';
import { endOfRibFamily } from './messages.js';
import type { UpdateMessage } from './messages.js';
import { packDiff } from './packing.js';
import { buildDesired, diffRib } from './routes.js';
import type { OutRoute, RouteSpec } from './routes.js';
import { encodeEndOfRib } from './update-codec.js';
import { CeaseSub, FAMILIES, familyOfAfi } from './wire.js';
import type { Family } from './wire.js';
import type { PeerConfig, PeerState, PeerStatus, SpeakerEvent } from './types.js';

export interface PeerDeps {
  readonly localAsn: number;
  readonly routerId: string;
  readonly restarting: boolean;
  readonly log: Logger;
  readonly random: () => number;
  readonly emit: (e: SpeakerEvent) => void;
}

const ORDER: PeerState[] = ['idle', 'active', 'connect', 'opensent', 'openconfirm', 'established'];

export class Peer implements ConnectionOwner {
  private conns: Connection[] = [];
  private dialing: Socket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private specs: readonly RouteSpec[] = [];
  private sent = new Map<string, OutRoute>();
  private received: Record<Family, Set<string>> = { ipv4: new Set(), ipv6: new Set() };
  private established: { conn: Connection; negotiated: Negotiated; since: Date } | undefined;
  private lastState: PeerState = 'idle';
  rejectedRoutes: readonly string[] = [];

  constructor(
    public cfg: PeerConfig,
    private readonly deps: PeerDeps,
  ) {}

  private get log(): Logger {
    return this.deps.log;
  }

  start(): void {
    if (this.cfg.passive) this.noteState();
    else this.dial();
  }

  connConfig(): ConnConfig {
    const gr = this.cfg.gracefulRestart;
    return {
      localAsn: this.deps.localAsn,
      routerId: this.deps.routerId,
      peerAsn: this.cfg.peerAsn,
      holdTimeSeconds: this.cfg.holdTimeSeconds ?? 90,
      keepaliveSeconds: this.cfg.keepaliveSeconds ?? 30,
      families: this.cfg.families ?? ['ipv4', 'ipv6'],
      ...(gr?.enabled ? { gracefulRestart: { restartTimeSeconds: gr.restartTimeSeconds ?? 120, restarting: this.deps.restarting } } : {}),
    };
  }

  private dial(): void {
    if (this.stopped || this.dialing || this.conns.length > 0) return;
    const sock = connect({
      host: this.cfg.address,
      port: this.cfg.port ?? 179,
      ...(this.cfg.localAddress ? { localAddress: this.cfg.localAddress } : {}),
    });
    this.dialing = sock;
    this.noteState();
    sock.once('connect', () => {
      this.dialing = undefined;
      if (this.stopped) return void sock.destroy();
      sock.removeAllListeners('error');
      this.adopt('outgoing', sock);
    });
    sock.once('error', (e) => {
      this.dialing = undefined;
      sock.destroy();
      this.log.debug('bgp connect failed', { peer: this.cfg.name, error: e });
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.stopped || this.cfg.passive || this.retryTimer) return;
    const delay = connectRetryDelay(this.cfg.connectRetrySeconds ?? 120, this.deps.random());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.dial();
    }, delay * 1000);
    this.noteState();
  }

  /** An accepted or dialed socket becomes a connection of this peer. */
  adopt(direction: Direction, sock: Socket): void {
    if (this.stopped) return void sock.destroy();
    this.conns.push(new Connection(direction, sock, this.connConfig(), this, this.log.child({ dir: direction })));
    this.noteState();
  }

  onAction(conn: Connection, a: Action): void {
    if (a.type === 'open-accepted') this.onOpenAccepted(conn, a.negotiated);
    else if (a.type === 'established') this.onEstablished(conn, a.negotiated);
    else if (a.type === 'update') this.onUpdate(a.msg);
    else if (a.type === 'route-refresh') this.resend(conn, a.family);
    else if (a.type === 'closed') this.onClosed(conn, a);
    this.noteState();
  }

  private onOpenAccepted(conn: Connection, n: Negotiated): void {
    for (const other of this.conns) {
      if (other === conn || (other.state.phase !== 'openconfirm' && other.state.phase !== 'established')) continue;
      const keep = other.state.phase === 'established' ? other.direction : resolveCollision(this.deps.routerId, n.peerId) === 'keep-outgoing' ? 'outgoing' : 'incoming';
      const loser = other.direction === keep ? conn : other;
      this.log.info('bgp connection collision', { peer: this.cfg.name, closing: loser.direction });
      loser.feed({ type: 'stop', subcode: COLLISION_CEASE });
      return;
    }
  }

  private onEstablished(conn: Connection, n: Negotiated): void {
    this.established = { conn, negotiated: n, since: new Date() };
    this.sent = new Map();
    this.received = { ipv4: new Set(), ipv6: new Set() };
    this.log.info('bgp session established', { peer: this.cfg.name, hold: n.holdTimeSeconds, families: n.families.join(',') });
    this.deps.emit({ type: 'established', peer: this.cfg.name, negotiated: n });
    this.syncRoutes();
    // End-of-RIB after the initial table (RFC 4724 §2): a graceful-restart peer flushes stale routes here.
    conn.sendAll(n.families.map((f) => encodeEndOfRib(f)));
  }

  private onUpdate(u: UpdateMessage): void {
    const eor = endOfRibFamily(u);
    if (eor) return this.deps.emit({ type: 'end-of-rib-received', peer: this.cfg.name, family: eor });
    for (const p of u.withdrawn) this.received.ipv4.delete(p);
    const un = u.attrs.mpUnreach;
    const unFamily = un && familyOfAfi(un.afi, un.safi);
    if (un && unFamily) for (const p of un.withdrawn) this.received[unFamily].delete(p);
    // Routes that already went through our AS would loop: ignored, as if withdrawn.
    const loops = (u.attrs.asPath ?? []).some((s) => s.asns.includes(this.deps.localAsn));
    const add = (family: Family, p: string): void => {
      if (loops) this.received[family].delete(p);
      else this.received[family].add(p);
    };
    for (const p of u.nlri) add('ipv4', p);
    const r = u.attrs.mpReach;
    const rFamily = r && familyOfAfi(r.afi, r.safi);
    if (r && rFamily) for (const p of r.nlri) add(rFamily, p);
  }

  private resend(conn: Connection, family: Family | undefined): void {
    if (!this.established || this.established.conn !== conn) return;
    const all = [...this.sent.values()].filter((r) => family === undefined || r.family === family);
    conn.sendAll(packDiff({ announce: all, withdraw: [] }, { asn4: this.established.negotiated.asn4 }));
  }

  private onClosed(conn: Connection, a: Extract<Action, { type: 'closed' }>): void {
    this.conns = this.conns.filter((c) => c !== conn);
    if (a.sent) this.deps.emit({ type: 'notification-sent', peer: this.cfg.name, code: a.sent.code, subcode: a.sent.subcode, reason: a.reason });
    if (a.received) this.deps.emit({ type: 'notification-received', peer: this.cfg.name, ...a.received });
    if (this.established?.conn === conn) {
      this.established = undefined;
      this.sent = new Map();
      this.received = { ipv4: new Set(), ipv6: new Set() };
      this.log.info('bgp session down', { peer: this.cfg.name, reason: a.reason });
    }
    if (this.conns.length === 0) this.scheduleRetry();
  }

  setRoutes(specs: readonly RouteSpec[]): void {
    this.specs = specs;
    this.syncRoutes();
  }

  /** Diffs desired against the Adj-RIB-Out and sends only the difference, packed. */
  private syncRoutes(): void {
    const e = this.established;
    const ctx = {
      localAsn: this.deps.localAsn,
      ibgp: (e?.negotiated.peerAsn ?? this.cfg.peerAsn) === this.deps.localAsn,
      ...(this.cfg.nextHopIpv4 ? { nextHopIpv4: this.cfg.nextHopIpv4 } : {}),
      ...(this.cfg.nextHopIpv6 ? { nextHopIpv6: this.cfg.nextHopIpv6 } : {}),
    };
    const desired = buildDesired(this.specs, ctx);
    this.rejectedRoutes = desired.rejected;
    if (!e) return;
    const wanted = new Map([...desired.routes].filter(([, r]) => e.negotiated.families.includes(r.family)));
    const diff = diffRib(this.sent, wanted);
    e.conn.sendAll(packDiff(diff, { asn4: e.negotiated.asn4 }));
    this.sent = wanted;
  }

  state(): PeerState {
    if (this.stopped) return 'idle';
    let best: PeerState = this.cfg.passive || this.retryTimer ? 'active' : 'idle';
    if (this.dialing) best = 'connect';
    for (const c of this.conns) {
      const s = c.state.phase === 'closed' ? 'idle' : c.state.phase;
      if (ORDER.indexOf(s) > ORDER.indexOf(best)) best = s;
    }
    return best;
  }

  private noteState(): void {
    const s = this.state();
    if (s === this.lastState) return;
    this.deps.emit({ type: 'state', peer: this.cfg.name, from: this.lastState, to: s });
    this.lastState = s;
  }

  status(): PeerStatus {
    const e = this.established;
    return {
      name: this.cfg.name,
      address: this.cfg.address,
      peerAsn: e?.negotiated.peerAsn ?? this.cfg.peerAsn,
      state: this.state(),
      ...(e
        ? {
            appliedHoldTimeSeconds: e.negotiated.holdTimeSeconds,
            appliedKeepaliveSeconds: e.negotiated.keepaliveSeconds,
            establishedTime: e.since.toISOString(),
          }
        : {}),
      routeCounts: FAMILIES.filter((f) => (this.cfg.families ?? FAMILIES).includes(f)).map((family) => ({
        family,
        received: this.received[family].size,
        advertised: [...this.sent.values()].filter((r) => r.family === family).length,
      })),
      rejectedRoutes: this.rejectedRoutes,
    };
  }

  /** Closes every connection; `silent` skips the NOTIFICATION so the peer's graceful restart applies. */
  stop(subcode: number = CeaseSub.peerDeconfigured, silent = false): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.dialing?.destroy();
    this.dialing = undefined;
    for (const c of [...this.conns]) c.feed({ type: 'stop', subcode, silent });
    this.noteState();
  }
}
