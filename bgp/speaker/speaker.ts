/**
 * createSpeaker: the BGP speaker a reconciler drives. setPeers/setRoutes are idempotent
 * desired-state calls; peerStatus reports what the sessions are doing.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { silentLogger } from '../../lib/log.js';
import type { Logger } from '../../lib/log.js';
import { fail, ok } from '../../lib/result.js';
import type { Result } from '../../lib/result.js';
import { Peer } from './peer.js';
import type { RouteSpec } from './routes.js';
import type { PeerConfig, PeerStatus, SpeakerEvent } from './types.js';
import { CeaseSub, ipv4Bytes, ipv6Bytes } from './wire.js';

export interface SpeakerOptions {
  /** IPv4 text; the BGP identifier. */
  readonly routerId: string;
  readonly localAsn: number;
  /** Without it the speaker only dials out. */
  readonly listen?: { readonly host: string; readonly port: number };
  /**
   * This process replaces one that had sessions (graceful restart, RFC 4724): OPENs carry the
   * R bit and forwarding-preserved flags. Call setRoutes before setPeers so the first UPDATEs
   * and the End-of-RIB carry the full table.
   */
  readonly restarting?: boolean;
  readonly logger?: Logger;
  /** For jitter; tests may fix it. */
  readonly random?: () => number;
}

export interface SetPeersResult {
  readonly rejected: readonly { readonly name: string; readonly reason: string }[];
}

export interface Speaker {
  setPeers(peers: readonly PeerConfig[]): SetPeersResult;
  /** '*' sets the routes of every peer (and of peers added later that have none of their own). */
  setRoutes(peer: string | '*', routes: readonly RouteSpec[]): void;
  peerStatus(): PeerStatus[];
  on(listener: (e: SpeakerEvent) => void): () => void;
  /** The bound listen port (useful with port 0). */
  readonly port: number | undefined;
  /** graceful: drop TCP without NOTIFICATION, so peers keep our routes for the restart time. */
  stop(opts?: { graceful?: boolean }): Promise<void>;
}

function validatePeer(p: PeerConfig): string | undefined {
  if (!ipv4Bytes(p.address) && !ipv6Bytes(p.address)) return `peer address ${p.address} is not an IP address`;
  if (p.password) return 'TCP MD5 authentication is not supported: Node exposes no TCP_MD5SIG socket option';
  const hold = p.holdTimeSeconds ?? 90;
  if (hold !== 0 && (hold < 3 || hold > 65535)) return `hold time ${hold} must be 0 or 3..65535`;
  if ((p.keepaliveSeconds ?? 30) > hold && hold !== 0) return 'keepalive time exceeds hold time';
  if (!Number.isInteger(p.peerAsn) || p.peerAsn < 0 || p.peerAsn > 0xffffffff) return `peer ASN ${p.peerAsn}`;
  return undefined;
}

/** Changes that need a new session; anything else (next hops, routes) is applied in place. */
function sessionKey(p: PeerConfig): string {
  return JSON.stringify([
    p.address,
    p.port ?? 179,
    p.peerAsn,
    p.localAddress,
    p.passive ?? false,
    p.holdTimeSeconds ?? 90,
    p.keepaliveSeconds ?? 30,
    p.connectRetrySeconds ?? 120,
    p.families ?? ['ipv4', 'ipv6'],
    p.gracefulRestart,
  ]);
}

function normalizeAddress(a: string | undefined): string {
  return (a ?? '').replace(/^::ffff:/, '');
}

export async function createSpeaker(opts: SpeakerOptions): Promise<Result<Speaker, string>> {
  if (!ipv4Bytes(opts.routerId)) return fail(`router id ${opts.routerId} is not IPv4 text`);
  if (!Number.isInteger(opts.localAsn) || opts.localAsn < 1 || opts.localAsn > 0xffffffff) return fail(`local ASN ${opts.localAsn}`);
  const log = (opts.logger ?? silentLogger).child({ component: 'bgp-speaker' });
  const listeners = new Set<(e: SpeakerEvent) => void>();
  const emit = (e: SpeakerEvent): void => {
    for (const l of listeners) l(e);
  };
  const peers = new Map<string, Peer>();
  const routes = new Map<string, readonly RouteSpec[]>();
  let allRoutes: readonly RouteSpec[] = [];
  const deps = { localAsn: opts.localAsn, routerId: opts.routerId, restarting: opts.restarting ?? false, random: opts.random ?? Math.random, emit };

  const onIncoming = (sock: Socket): void => {
    const remote = normalizeAddress(sock.remoteAddress);
    const peer = [...peers.values()].find((p) => normalizeAddress(p.cfg.address) === remote);
    if (!peer) {
      // RFC 4271 §8.2.1.1: connections from unconfigured addresses are refused outright.
      emit({ type: 'connection-rejected', remote, reason: 'no peer configured for this address' });
      log.warn('bgp connection from unconfigured address', { remote });
      sock.destroy();
      return;
    }
    peer.adopt('incoming', sock);
  };

  let server: Server | undefined;
  if (opts.listen) {
    const srv = createServer(onIncoming);
    const bound = await new Promise<Result<true, string>>((resolve) => {
      srv.once('error', (e) => resolve(fail(`listen ${opts.listen!.host}:${opts.listen!.port}: ${e.message}`, true)));
      srv.listen(opts.listen!.port, opts.listen!.host, () => resolve(ok(true)));
    });
    if (!bound.ok) return bound;
    srv.on('error', (e) => log.error('bgp listener error', { error: e }));
    server = srv;
  }

  const makePeer = (cfg: PeerConfig): Peer => {
    const p = new Peer(cfg, { ...deps, log: log.child({ peer: cfg.name }) });
    p.setRoutes(routes.get(cfg.name) ?? allRoutes);
    p.start();
    return p;
  };

  const speaker: Speaker = {
    setPeers(list) {
      const rejected: { name: string; reason: string }[] = [];
      const wanted = new Map<string, PeerConfig>();
      for (const p of list) {
        const reason = validatePeer(p);
        if (reason) rejected.push({ name: p.name, reason });
        else wanted.set(p.name, p);
      }
      for (const [name, peer] of peers) {
        const next = wanted.get(name);
        if (next && sessionKey(next) === sessionKey(peer.cfg)) {
          if (JSON.stringify(next) !== JSON.stringify(peer.cfg)) {
            peer.cfg = next;
            peer.setRoutes(routes.get(name) ?? allRoutes);
          }
          continue;
        }
        peer.stop(next ? CeaseSub.configChange : CeaseSub.peerDeconfigured);
        peers.delete(name);
      }
      for (const [name, cfg] of wanted) if (!peers.has(name)) peers.set(name, makePeer(cfg));
      for (const r of rejected) log.warn('bgp peer config rejected', { peer: r.name, reason: r.reason });
      return { rejected };
    },
    setRoutes(target, specs) {
      if (target === '*') {
        allRoutes = specs;
        routes.clear();
        for (const p of peers.values()) p.setRoutes(specs);
        return;
      }
      routes.set(target, specs);
      peers.get(target)?.setRoutes(specs);
    },
    peerStatus: () => [...peers.values()].map((p) => p.status()),
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get port() {
      const a = server?.address();
      return a && typeof a === 'object' ? a.port : undefined;
    },
    async stop(o = {}) {
      for (const p of peers.values()) p.stop(CeaseSub.adminShutdown, o.graceful ?? false);
      peers.clear();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
  return ok(speaker);
}
