/**
 * One speaker per NodeConfig instance, kept in step with the decision: a speaker is replaced
 * only when its identity (ASN, router ID, listen port) changes; otherwise peers and routes
 * are handed over and only what differs from the last hand-over is passed on.
 */
import type { Logger } from '../../lib/log.js';
import { createSpeaker, type Speaker } from '../speaker/index.js';
import type { InstanceView } from './status.js';
import type { DesiredInstance } from './types.js';

interface Running {
  readonly identity: string;
  readonly speaker: Speaker;
  readonly unsubscribe: () => void;
  /** JSON of the routes last handed to each peer. */
  readonly routes: Map<string, string>;
  peers: string;
  rejected: readonly string[];
}

export interface SpeakerSetOptions {
  /** Address the listener binds when an instance sets localPort. */
  readonly listenHost: string;
  readonly log: Logger;
  /** A peer changed state or a session event happened. */
  readonly onEvent: () => void;
  /**
   * True for an instance whose sessions a previous agent process had up: its speaker starts
   * as a graceful restart (R bit), so peers keep our routes until End-of-RIB.
   */
  readonly restarting?: (instance: string) => boolean;
}

function identityOf(d: DesiredInstance): string {
  return JSON.stringify([d.localAsn, d.routerId, d.localPort ?? null]);
}

export class SpeakerSet {
  private readonly running = new Map<string, Running>();
  private desired: readonly DesiredInstance[] = [];

  constructor(private readonly o: SpeakerSetOptions) {}

  /** Brings the speakers to `desired`; returns the problems (listen failures, refused peers). */
  async apply(desired: readonly DesiredInstance[]): Promise<string[]> {
    this.desired = desired;
    const errors: string[] = [];
    const wanted = new Map(desired.map((d) => [d.name, d]));
    for (const [name, r] of this.running) {
      const d = wanted.get(name);
      if (d && identityOf(d) === r.identity) continue;
      await this.stopOne(name, r);
    }
    for (const d of desired) {
      const r = this.running.get(d.name) ?? (await this.startOne(d, errors));
      if (r) this.update(d, r, errors);
    }
    return errors;
  }

  private async startOne(d: DesiredInstance, errors: string[]): Promise<Running | undefined> {
    const created = await createSpeaker({
      routerId: d.routerId,
      localAsn: d.localAsn,
      ...(d.localPort !== undefined ? { listen: { host: this.o.listenHost, port: d.localPort } } : {}),
      logger: this.o.log.child({ instance: d.name }),
      restarting: this.o.restarting?.(d.name) ?? false,
    });
    if (!created.ok) {
      errors.push(`instance ${d.name}: ${created.error}`);
      return undefined;
    }
    const speaker = created.value;
    const unsubscribe = speaker.on(() => this.o.onEvent());
    const r: Running = { identity: identityOf(d), speaker, unsubscribe, routes: new Map(), peers: '', rejected: [] };
    this.running.set(d.name, r);
    this.o.log.info('bgp instance started', { instance: d.name, asn: d.localAsn, routerId: d.routerId, listenPort: d.localPort });
    return r;
  }

  private update(d: DesiredInstance, r: Running, errors: string[]): void {
    // Routes first: a peer added below starts with its full table (and sends End-of-RIB after it).
    for (const p of d.peers) {
      const json = JSON.stringify(p.routes);
      if (r.routes.get(p.config.name) === json) continue;
      r.speaker.setRoutes(p.config.name, p.routes);
      r.routes.set(p.config.name, json);
    }
    for (const name of [...r.routes.keys()]) if (!d.peers.some((p) => p.config.name === name)) r.routes.delete(name);
    const peers = JSON.stringify(d.peers.map((p) => p.config));
    if (peers !== r.peers) {
      r.rejected = r.speaker.setPeers(d.peers.map((p) => p.config)).rejected.map((x) => `instance ${d.name} peer ${x.name}: ${x.reason}`);
      r.peers = peers;
    }
    errors.push(...r.rejected);
  }

  private async stopOne(name: string, r: Running, graceful = false): Promise<void> {
    this.running.delete(name);
    r.unsubscribe();
    await r.speaker.stop({ graceful });
    this.o.log.info('bgp instance stopped', { instance: name });
  }

  /** The desired instances with what their speakers report. */
  views(): InstanceView[] {
    return this.desired.map((d) => ({ desired: d, peers: this.running.get(d.name)?.speaker.peerStatus() ?? [] }));
  }

  /** Bound listen port of an instance (tests use localPort 0). */
  port(instance: string): number | undefined {
    return this.running.get(instance)?.speaker.port;
  }

  /** graceful: the process is going away, not the config: drop TCP so peers keep our routes (RFC 4724). */
  async stop(graceful = false): Promise<void> {
    for (const [name, r] of [...this.running]) await this.stopOne(name, r, graceful);
    this.desired = [];
  }
}
