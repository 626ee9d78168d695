/**
 * The agent's BGP reconciler: informers on this node's CiliumBGPNodeConfig, the peer configs,
 * advertisements, Services, EndpointSlices and the Node feed one debounced reconcile loop
 * (decide → speakers); the NodeConfig status follows the speakers (status-writer.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { createInformer, type Informer } from '../../k8s/informer.js';
import type { ObjectLike } from '../../k8s/informer-core.js';
import type { Logger } from '../../lib/log.js';
import type { HealthReport } from '../../lib/module.js';
import { ADVERTISEMENTS, NODE_CONFIGS, nodeConfigObject, PEER_CONFIGS } from '../api/index.js';
import { decide } from './desired.js';
import { advertisementInput, nodeConfigInput, nodeInfo, peerConfigInput, serviceInfo, sliceInfo, type SliceInfo } from './inputs.js';
import { bgpMetrics, type BgpMetrics } from './metrics.js';
import { SpeakerSet } from './speakers.js';
import { reconcileCondition, type InstanceView } from './status.js';
import { StatusWriter } from './status-writer.js';
import type { Advertisement, Inputs, PeerConfigSpec, ServiceInfo } from './types.js';
import { ageKey } from './views.js';

export interface BgpControllerOptions {
  readonly kc: KubeConfig;
  readonly nodeName: string;
  readonly log: Logger;
  readonly registry: Registry;
  /** Address instance listeners bind (only instances with localPort listen). */
  readonly listenHost: string;
  /** Counter-only status changes are written at most this often. */
  readonly statusIntervalMs?: number;
}

type Obj = ObjectLike & Record<string, unknown>;

const DEBOUNCE_MS = 20;

function nameOf(o: Obj): string {
  return o.metadata?.name ?? '';
}

export class BgpController {
  private readonly informers: Record<'nodeConfigs' | 'peerConfigs' | 'adverts' | 'services' | 'slices' | 'nodes', Informer<Obj>>;
  private readonly speakers: SpeakerSet;
  private readonly status: StatusWriter;
  private readonly metrics: BgpMetrics;
  private readonly firstSeen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private lastErrors: readonly string[] = [];
  /** Instances a previous agent had established sessions for (from the status it wrote); decided once. */
  private restartedInstances: Set<string> | undefined;

  constructor(private readonly o: BgpControllerOptions) {
    const log = o.log;
    const make = (name: string, resource: { group: string; version: string; resource: string }, fieldSelector?: string): Informer<Obj> =>
      createInformer<Obj>({
        kc: o.kc,
        resource,
        name,
        logger: log,
        ...(fieldSelector ? { fieldSelector } : {}),
        onAdd: () => this.schedule(),
        onUpdate: (obj, old) => {
          // Our own status writes come back as updates; they change nothing we decide on.
          if (name !== 'bgp-nodeconfigs' || JSON.stringify(obj.spec) !== JSON.stringify(old.spec)) this.schedule();
        },
        onDelete: () => this.schedule(),
        onSynced: () => this.schedule(),
      });
    const byName = `metadata.name=${o.nodeName}`;
    this.informers = {
      nodeConfigs: make('bgp-nodeconfigs', NODE_CONFIGS, byName),
      peerConfigs: make('bgp-peerconfigs', PEER_CONFIGS),
      adverts: make('bgp-advertisements', ADVERTISEMENTS),
      services: make('bgp-services', { group: '', version: 'v1', resource: 'services' }),
      slices: make('bgp-endpointslices', { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }),
      nodes: make('bgp-node', { group: '', version: 'v1', resource: 'nodes' }, byName),
    };
    this.metrics = bgpMetrics(o.registry, () => this.views());
    this.speakers = new SpeakerSet({
      listenHost: o.listenHost,
      log,
      onEvent: () => this.status.poke(),
      restarting: (name) => this.restartedInstances?.has(name) ?? false,
    });
    this.status = new StatusWriter({
      kc: o.kc,
      nodeName: o.nodeName,
      log,
      minIntervalMs: o.statusIntervalMs ?? 5_000,
      views: () => this.views(),
      nodeConfigExists: () => this.informers.nodeConfigs.cache().size > 0,
    });
  }

  start(): void {
    for (const i of Object.values(this.informers)) void i.start();
    this.status.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.status.stop();
    await Promise.all(Object.values(this.informers).map((i) => i.stop()));
    await this.speakers.stop(true);
  }

  views(): InstanceView[] {
    return this.speakers.views();
  }

  /** When a route was first wanted (for the routes' Age column). */
  since(key: string): number | undefined {
    return this.firstSeen.get(key);
  }

  listenPort(instance: string): number | undefined {
    return this.speakers.port(instance);
  }

  health(): HealthReport {
    // BGP CRDs may not be installed: only the core informers gate readiness.
    const core = [this.informers.services, this.informers.slices, this.informers.nodes].map((i) => i.health());
    const crds = [this.informers.nodeConfigs, this.informers.peerConfigs, this.informers.adverts];
    const instances = this.views();
    return {
      name: 'bgp-control-plane',
      healthy: core.every((h) => h.healthy),
      ready: core.every((h) => h.ready),
      ...(this.lastErrors.length > 0 ? { message: this.lastErrors.join('; ') } : {}),
      details: {
        crdsSynced: crds.every((i) => i.synced),
        instances: instances.length,
        peers: instances.reduce((n, i) => n + i.desired.peers.length, 0),
      },
    };
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, DEBOUNCE_MS);
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.reconcileOnce();
      } while (this.again && !this.stopped);
    } catch (err) {
      this.o.log.error('bgp reconcile failed', { err });
    } finally {
      this.running = false;
    }
  }

  private synced(): boolean {
    return Object.values(this.informers).every((i) => i.synced);
  }

  private async reconcileOnce(): Promise<void> {
    // Acting on a partial view would tear sessions down or withdraw routes only to restore them.
    if (!this.synced() || this.stopped) return;
    const started = process.hrtime.bigint();
    const { inputs, errors, generation } = this.gatherInputs();
    const desired = decide(inputs);
    this.restartedInstances ??= this.previouslyEstablished();
    const applyErrors = await this.speakers.apply(desired.instances);
    // Only the first speakers of this process restart; later ones are new sessions.
    for (const d of desired.instances) this.restartedInstances.delete(d.name);
    const all = [...new Set([...errors, ...desired.errors, ...applyErrors])];
    if (all.join('\n') !== this.lastErrors.join('\n') && all.length > 0) this.o.log.warn('bgp reconcile errors', { errors: all });
    this.lastErrors = all;
    this.trackAges();
    this.metrics.observeRun(Number(process.hrtime.bigint() - started) / 1e9, all.length);
    this.status.setCondition(inputs.instances === undefined ? undefined : (prev, now) => reconcileCondition(all, prev, now, generation));
  }

  private previouslyEstablished(): Set<string> {
    const nc = [...this.informers.nodeConfigs.cache().values()].find((o) => nameOf(o) === this.o.nodeName);
    // Read through bgp/api's schema: a mangled status parses as undefined and means "not restarting".
    const status = nc ? nodeConfigObject.safeParse(nc).data?.status : undefined;
    const names = (status?.bgpInstances ?? []).filter((i) => i.peers.some((p) => p.peeringState === 'established')).map((i) => i.name);
    return new Set(names);
  }

  private gatherInputs(): { inputs: Inputs; errors: string[]; generation?: number } {
    const errors: string[] = [];
    const nodeObj = [...this.informers.nodes.cache().values()][0];
    const node = nodeObj ? nodeInfo(nodeObj) : undefined;
    if (node && !node.ok) errors.push(`Node ${this.o.nodeName}: ${node.error}`);
    const ncObj = [...this.informers.nodeConfigs.cache().values()].find((o) => nameOf(o) === this.o.nodeName);
    const nc = ncObj ? nodeConfigInput(ncObj, this.o.nodeName) : undefined;
    if (nc) errors.push(...nc.errors);
    const peerConfigs = new Map<string, PeerConfigSpec>();
    for (const obj of this.informers.peerConfigs.cache().values()) {
      const p = peerConfigInput(obj, nameOf(obj));
      if (p.ok) peerConfigs.set(nameOf(obj), p.value);
      else if (nc) errors.push(p.error);
    }
    const advertisements: Advertisement[] = [];
    for (const obj of this.informers.adverts.cache().values()) {
      const a = advertisementInput(obj, nameOf(obj));
      if (a.ok) advertisements.push(a.value);
      else if (nc) errors.push(a.error);
    }
    return {
      inputs: {
        node: node?.ok ? node.value : { name: this.o.nodeName, podCIDRs: [] },
        ...(nc ? { instances: nc.instances } : {}),
        peerConfigs,
        advertisements,
        services: this.serviceInfos(),
      },
      errors: nc ? errors : [],
      ...(nc?.generation !== undefined ? { generation: nc.generation } : {}),
    };
  }

  private serviceInfos(): ServiceInfo[] {
    const slices: SliceInfo[] = [];
    for (const obj of this.informers.slices.cache().values()) {
      const s = sliceInfo(obj);
      if (s.ok) slices.push(s.value);
    }
    const out: ServiceInfo[] = [];
    for (const obj of this.informers.services.cache().values()) {
      const s = serviceInfo(obj, slices);
      if (s.ok) out.push(s.value);
      else this.o.log.debug('bgp: ignoring malformed service', { service: nameOf(obj), err: s.error });
    }
    return out;
  }

  private trackAges(): void {
    const now = Date.now();
    const live = new Set<string>();
    for (const v of this.views()) {
      for (const p of v.desired.peers) {
        for (const r of p.routes) {
          live.add(ageKey(v.desired.name, p.config.name, r.prefix));
          live.add(ageKey(v.desired.name, undefined, r.prefix));
        }
      }
    }
    for (const k of live) if (!this.firstSeen.has(k)) this.firstSeen.set(k, now);
    for (const k of [...this.firstSeen.keys()]) if (!live.has(k)) this.firstSeen.delete(k);
  }
}
