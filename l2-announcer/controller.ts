/**
 * The announcer on one node: informers and the device poll in, the pure selection in the
 * middle, the lease manager, the responder map and policy status patches out. Recomputing is
 * debounced; a change in the held leases reaches the responder map at once.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { createInformer, type Informer } from '../k8s/informer.js';
import { patchStatus } from '../k8s/patch.js';
import type { MapBackend } from '../datapath/maps.js';
import type { Logger } from '../lib/log.js';
import type { HealthReport, Module } from '../lib/module.js';
import { desiredConditions, type Condition } from './conditions.js';
import { readDevices, sameDevices, type DeviceFilter } from './devices.js';
import { ENDPOINT_SLICES, localServiceOf, NODES, parseNode, parseService, POLICIES, SERVICES } from './inputs.js';
import type { LeaseTiming } from './lease-core.js';
import { createLeaseManager, type LeaseManager } from './leases.js';
import { l2Metrics, type L2Metrics } from './metrics.js';
import { parsePolicy, type L2Policy } from './policy.js';
import { createResponder, type DatapathHooks, type ResponderEntry } from './responder.js';
import { leaseName, policyStatusWriter, select, type Device, type NodeInfo, type Selection } from './selection.js';

export interface L2AnnouncerOptions {
  readonly kc: KubeConfig;
  readonly nodeName: string;
  /** Where the Leases live (Cilium: the agent's namespace, usually kube-system). */
  readonly leaseNamespace: string;
  readonly timing: LeaseTiming;
  readonly devices: DeviceFilter;
  readonly backend: MapBackend;
  readonly hooks?: DatapathHooks;
  readonly registry: Registry;
  readonly log: Logger;
  /** Where to read interfaces from (tests); default /sys/class/net. */
  readonly sysClassNet?: string;
  readonly devicePollMs?: number;
  readonly debounceMs?: number;
}

export interface Announcement {
  readonly service: string;
  readonly ips: readonly string[];
  readonly interfaces: readonly string[];
  readonly lease: string;
  readonly holder: string | null;
  readonly thisNode: boolean;
  /** Why this node does not compete, when it does not. */
  readonly standingAside?: string;
}

export interface L2Announcer extends Module {
  announcements(): Announcement[];
  responderEntries(): readonly ResponderEntry[];
  readonly metrics: L2Metrics;
  /** Stops without releasing leases or clearing entries, like a crash (tests, benches). */
  crash(): Promise<void>;
}

type Obj = { metadata?: { name?: string; namespace?: string } };

export function createL2Announcer(o: L2AnnouncerOptions): L2Announcer {
  const log = o.log;
  const metrics = l2Metrics(o.registry);
  let selection: Selection = { candidates: new Map(), standingAside: new Map(), policyProblems: new Map() };
  let devices: Device[] = [];
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastError: string | undefined;
  const statusWritten = new Map<string, string>();

  const responder = createResponder({ backend: o.backend, log, metrics, ...(o.hooks ? { hooks: o.hooks } : {}) });

  const syncResponder = (): void => {
    const held = leases.held();
    metrics.leasesHeld.set(held.size);
    const entries: ResponderEntry[] = [];
    for (const c of selection.candidates.values()) {
      if (!held.has(c.leaseName)) continue;
      for (const ip of c.ips) for (const i of c.interfaces) entries.push({ ip, ifname: i.name, ifindex: i.ifindex });
    }
    void responder.apply(entries).then((r) => {
      lastError = r.ok ? undefined : `responder map: ${r.error}`;
      if (!r.ok) log.error('cannot write the responder map', { err: r.error });
    });
  };

  const leases: LeaseManager = createLeaseManager({
    kc: o.kc, namespace: o.leaseNamespace, identity: o.nodeName, timing: o.timing, metrics, log, onHeldChange: syncResponder,
  });

  const informer = (name: string, resource: Parameters<typeof createInformer>[0]['resource']): Informer<Obj> =>
    createInformer<Obj>({
      kc: o.kc, resource, name: `l2-${name}`, logger: log,
      onAdd: schedule, onUpdate: schedule, onDelete: schedule, onSynced: schedule,
    });
  const policies = informer('policies', POLICIES);
  const services = informer('services', SERVICES);
  const nodes = informer('nodes', NODES);
  const slices = informer('endpointslices', ENDPOINT_SLICES);
  const informers = [policies, services, nodes, slices];

  function schedule(): void {
    if (stopped || timer) return;
    timer = setTimeout(() => { timer = undefined; recompute(); }, o.debounceMs ?? 50);
  }

  const parsed = <T>(kind: string, objs: Iterable<Obj>, parse: (raw: unknown) => { ok: true; value: T } | { ok: false; error: string }): T[] => {
    const out: T[] = [];
    for (const obj of objs) {
      const r = parse(obj);
      if (r.ok) out.push(r.value);
      else {
        metrics.rejected.inc({ kind });
        log.warn(`ignoring ${kind}`, { name: obj.metadata?.name, err: r.error });
      }
    }
    return out;
  };

  function recompute(): void {
    if (stopped || !informers.every((i) => i.synced)) return;
    const policyList = parsed('CiliumL2AnnouncementPolicy', policies.cache().values(), parsePolicy);
    const nodeList = parsed('Node', nodes.cache().values(), parseNode);
    const local = new Set<string>();
    for (const s of slices.cache().values()) {
      const r = localServiceOf(s, o.nodeName);
      if (r.ok && r.value) local.add(r.value);
    }
    const me: NodeInfo = nodeList.find((n) => n.name === o.nodeName) ?? { name: o.nodeName, labels: {} };
    selection = select({
      policies: policyList, services: parsed('Service', services.cache().values(), parseService), node: me, devices, localEndpoints: local,
    });
    responder.prepare([...new Set([...selection.candidates.values()].flatMap((c) => c.interfaces.map((i) => i.name)))]);
    leases.setWanted(new Set([...selection.candidates.values()].map((c) => c.leaseName)));
    syncResponder();
    writePolicyStatuses(policyList, nodeList);
  }

  function writePolicyStatuses(list: readonly L2Policy[], nodeList: readonly NodeInfo[]): void {
    for (const p of list) {
      if (policyStatusWriter(p, nodeList) !== o.nodeName) continue;
      const raw = policies.cache().get(p.name) as { status?: { conditions?: Condition[] } } | undefined;
      const problems = [...p.problems, ...(selection.policyProblems.get(p.name) ?? [])];
      const next = desiredConditions(raw?.status?.conditions ?? [], problems, p.generation, new Date());
      if (!next) continue;
      const body = JSON.stringify(next.map((c) => ({ ...c, lastTransitionTime: undefined })));
      // The informer echo of our own patch may lag; do not send the same conditions twice.
      if (statusWritten.get(p.name) === body) continue;
      statusWritten.set(p.name, body);
      void patchStatus(o.kc, { ...POLICIES, name: p.name }, { status: { conditions: next } }).then((r) => {
        metrics.apiRequests.inc({ verb: 'status', outcome: r.ok ? 'ok' : 'error' });
        if (!r.ok) {
          statusWritten.delete(p.name);
          log.warn('cannot write policy status', { policy: p.name, err: r.error.message });
        }
      });
    }
  }

  const pollDevices = async (): Promise<void> => {
    const now = await readDevices(o.devices, o.sysClassNet);
    if (stopped || sameDevices(now, devices)) return;
    const before = devices;
    devices = now;
    log.info('devices changed', { devices: now.map((d) => `${d.name}:${d.up ? 'up' : 'down'}`).join(',') });
    // An interface going down must withdraw at once, not after the debounce.
    if (now.some((d) => !d.up && before.find((b) => b.name === d.name)?.up)) recompute();
    else schedule();
  };

  const halt = async (release: boolean): Promise<void> => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(poll);
    await Promise.all(informers.map((i) => i.stop()));
    await leases.stop(release);
  };

  return {
    metrics,
    async start(signal) {
      stopped = false;
      devices = await readDevices(o.devices, o.sysClassNet);
      await leases.start(signal);
      for (const i of informers) await i.start(signal);
      poll = setInterval(() => void pollDevices(), o.devicePollMs ?? 1000);
    },
    async stop() {
      await halt(true);
      await responder.close();
    },
    async crash() {
      await halt(false);
    },
    health(): HealthReport {
      const synced = informers.every((i) => i.synced) && leases.synced;
      return {
        name: 'l2-announcer',
        healthy: lastError === undefined,
        ready: synced,
        ...(lastError ? { message: lastError } : {}),
        details: { candidates: selection.candidates.size, held: leases.held().size, devices: devices.map((d) => d.name) },
      };
    },
    announcements() {
      const held = leases.held();
      const out: Announcement[] = [];
      for (const c of selection.candidates.values()) {
        out.push({
          service: c.key, ips: c.ips, interfaces: c.interfaces.map((i) => i.name), lease: c.leaseName,
          holder: leases.view(c.leaseName)?.holder || null, thisNode: held.has(c.leaseName),
        });
      }
      for (const [key, why] of selection.standingAside) {
        const [namespace = '', name = ''] = key.split('/');
        const lease = leaseName({ namespace, name });
        out.push({ service: key, ips: [], interfaces: [], lease, holder: leases.view(lease)?.holder || null, thisNode: false, standingAside: why });
      }
      return out.sort((a, b) => a.service.localeCompare(b.service));
    },
    responderEntries: () => responder.entries(),
  };
}
