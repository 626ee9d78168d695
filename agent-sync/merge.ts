/**
 * The node's desired service table: every local service's frontends with its backends, where
 * a service that is global here also gets the backends that remote clusters share for the same
 * namespace/name, chosen by the service's affinity. Pure and per service, so the agent can
 * recompute one service when one of its inputs changes (see service-table.ts).
 */
import type { ClusterService } from '../clustermesh/service.js';
import {
  keyOfService,
  localBackends,
  localFrontends,
  serviceKeyOfSlice,
  servicePorts,
  type FrontendType,
  type K8sEndpointSlice,
  type K8sService,
  type LocalBackend,
  type ServicePortSpec,
} from './local-service.js';

export const GLOBAL_ANNOTATIONS = ['service.cilium.io/global', 'io.cilium/global-service'] as const;
export const AFFINITY_ANNOTATIONS = ['service.cilium.io/affinity', 'io.cilium/service-affinity'] as const;

export type Affinity = 'none' | 'local' | 'remote';

/** Exactly the shape served by the agent's `GET /v1/services`. */
export interface ServiceStatus {
  readonly namespace: string;
  readonly name: string;
  readonly frontends: readonly { address: string; port: number; protocol: string; type: FrontendType }[];
  readonly backends: readonly {
    address: string;
    port: number;
    protocol: string;
    clusterID: number;
    inUse: boolean;
  }[];
}

/** The status shape plus the port name of each entry, which the datapath needs to pair them. */
export interface DesiredFrontend {
  readonly address: string;
  readonly port: number;
  readonly protocol: string;
  readonly type: FrontendType;
  readonly portName: string;
}
export interface DesiredBackend {
  readonly address: string;
  readonly port: number;
  readonly protocol: string;
  readonly clusterID: number;
  readonly inUse: boolean;
  readonly portName: string;
}
export interface DesiredService {
  readonly namespace: string;
  readonly name: string;
  readonly frontends: readonly DesiredFrontend[];
  readonly backends: readonly DesiredBackend[];
}

export interface MergeOptions {
  readonly localClusterId: number;
}

export interface ServiceInputs {
  readonly service: K8sService;
  readonly slices: readonly K8sEndpointSlice[];
  /** Remote clusters' entries with this service's namespace and name, in any order. */
  readonly remotes: readonly ClusterService[];
}

export interface ServiceOutcome {
  /** Undefined when the service has nothing to program (headless, ExternalName, no name). */
  readonly service: DesiredService | undefined;
  readonly warnings: readonly string[];
}

function annotation(svc: K8sService, names: readonly string[]): string | undefined {
  const annotations = svc.metadata?.annotations ?? {};
  for (const name of names) if (annotations[name] !== undefined) return annotations[name];
  return undefined;
}

export function isGlobalService(svc: K8sService): boolean {
  return annotation(svc, GLOBAL_ANNOTATIONS)?.toLowerCase() === 'true';
}

export function serviceAffinity(svc: K8sService): { affinity: Affinity; warning?: string } {
  const raw = annotation(svc, AFFINITY_ANNOTATIONS);
  if (raw === undefined || raw === '') return { affinity: 'none' };
  const value = raw.toLowerCase();
  if (value === 'none' || value === 'local' || value === 'remote') return { affinity: value };
  return {
    affinity: 'none',
    warning: `unknown affinity ${JSON.stringify(raw)} (want none, local or remote); using none`,
  };
}

interface Candidate {
  readonly address: string;
  readonly port: number;
  readonly protocol: string;
  readonly clusterID: number;
  readonly portName: string;
  readonly origin: 'local' | 'remote' | 'terminating';
}

function remoteCandidates(port: ServicePortSpec, remotes: readonly ClusterService[]): Candidate[] {
  const out: Candidate[] = [];
  for (const entry of remotes) {
    // An entry that is not shared is its cluster saying "do not send me this traffic".
    if (!entry.shared) continue;
    for (const [address, ports] of Object.entries(entry.backends)) {
      const l4 = ports[port.name];
      if (!l4) continue;
      out.push({
        address,
        port: l4.port,
        protocol: l4.protocol,
        clusterID: entry.clusterID,
        portName: port.name,
        origin: 'remote',
      });
    }
  }
  return out;
}

/**
 * Which candidates of one service port get traffic. none: all; local: local ones, remote ones
 * only while no local one is active; remote: the mirror image. Terminating local endpoints are
 * the last resort whatever the affinity, so connections drain instead of failing.
 */
function selectInUse(candidates: readonly Candidate[], affinity: Affinity): Set<Candidate> {
  const local = candidates.filter((c) => c.origin === 'local');
  const remote = candidates.filter((c) => c.origin === 'remote');
  let chosen: readonly Candidate[];
  if (affinity === 'local') chosen = local.length > 0 ? local : remote;
  else if (affinity === 'remote') chosen = remote.length > 0 ? remote : local;
  else chosen = [...local, ...remote];
  if (chosen.length === 0) chosen = candidates.filter((c) => c.origin === 'terminating');
  return new Set(chosen);
}

function toCandidate(b: LocalBackend, clusterID: number): Candidate {
  const origin = b.class === 'active' ? 'local' : 'terminating';
  return { address: b.address, port: b.port, protocol: b.protocol, clusterID, portName: b.portName, origin };
}

export function compareTuples(
  a: readonly (string | number | boolean)[],
  b: readonly (string | number | boolean)[],
): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function desiredService(inputs: ServiceInputs, options: MergeOptions): ServiceOutcome {
  const svc = inputs.service;
  const key = keyOfService(svc);
  if (!key) return { service: undefined, warnings: ['service without namespace or name ignored'] };
  const warnings = new Set<string>();
  const warn = (msg: string): void => void warnings.add(`service ${key}: ${msg}`);
  const frontendAddrs = localFrontends(svc, warn);
  if (frontendAddrs.length === 0) return { service: undefined, warnings: [...warnings] };
  const ports = servicePorts(svc, warn);
  const global = isGlobalService(svc);
  const { affinity, warning } = serviceAffinity(svc);
  if (warning) warn(warning);

  const frontends: DesiredFrontend[] = [];
  for (const f of frontendAddrs) {
    for (const p of ports)
      frontends.push({
        address: f.address,
        port: p.port,
        protocol: p.protocol,
        type: f.type,
        portName: p.name,
      });
  }
  const local = localBackends(ports, inputs.slices, warn);
  const backends: DesiredBackend[] = [];
  for (const p of ports) {
    const candidates = [
      ...local.filter((b) => b.portName === p.name).map((b) => toCandidate(b, options.localClusterId)),
      ...(global ? remoteCandidates(p, inputs.remotes) : []),
    ];
    const inUse = selectInUse(candidates, global ? affinity : 'none');
    for (const c of candidates) {
      const { origin: _origin, ...rest } = c;
      backends.push({ ...rest, inUse: inUse.has(c) });
    }
  }
  const [namespace, name] = [svc.metadata!.namespace!, svc.metadata!.name!];
  return {
    service: { namespace, name, frontends: sortFrontends(frontends), backends: sortBackends(backends) },
    warnings: [...warnings],
  };
}

function sortFrontends(list: DesiredFrontend[]): DesiredFrontend[] {
  return list.sort((a, b) =>
    compareTuples(
      [a.type, a.address, a.port, a.protocol, a.portName],
      [b.type, b.address, b.port, b.protocol, b.portName],
    ),
  );
}

function sortBackends(list: DesiredBackend[]): DesiredBackend[] {
  return list.sort((a, b) =>
    compareTuples(
      [a.portName, a.clusterID, a.address, a.port, a.protocol],
      [b.portName, b.clusterID, b.address, b.port, b.protocol],
    ),
  );
}

/**
 * The status API view: port names dropped, and an address:port/protocol listed once even when
 * two service ports lead to it (in use if either port uses it).
 */
export function toServiceStatus(d: DesiredService): ServiceStatus {
  const frontends = new Map<string, ServiceStatus['frontends'][number]>();
  for (const f of d.frontends) {
    frontends.set(`${f.type}|${f.address}|${f.port}|${f.protocol}`, {
      address: f.address,
      port: f.port,
      protocol: f.protocol,
      type: f.type,
    });
  }
  const backends = new Map<string, ServiceStatus['backends'][number]>();
  for (const b of d.backends) {
    const key = `${b.clusterID}|${b.address}|${b.port}|${b.protocol}`;
    const inUse = b.inUse || (backends.get(key)?.inUse ?? false);
    backends.set(key, {
      address: b.address,
      port: b.port,
      protocol: b.protocol,
      clusterID: b.clusterID,
      inUse,
    });
  }
  return {
    namespace: d.namespace,
    name: d.name,
    frontends: [...frontends.values()].sort((a, b) =>
      compareTuples([a.type, a.address, a.port, a.protocol], [b.type, b.address, b.port, b.protocol]),
    ),
    backends: [...backends.values()].sort((a, b) =>
      compareTuples(
        [a.clusterID, a.address, a.port, a.protocol],
        [b.clusterID, b.address, b.port, b.protocol],
      ),
    ),
  };
}

export interface MergeInputs {
  readonly services: readonly K8sService[];
  readonly endpointSlices: readonly K8sEndpointSlice[];
  /** Per remote cluster, the ClusterService entries currently cached from it. */
  readonly remoteServices: ReadonlyMap<string, Iterable<ClusterService>>;
}

export interface MergeResult {
  /** Sorted by namespace, then name. */
  readonly services: readonly DesiredService[];
  /** Sorted. */
  readonly warnings: readonly string[];
}

/** The whole table at once; service-table.ts maintains the same result incrementally. */
export function mergeAll(inputs: MergeInputs, options: MergeOptions): MergeResult {
  const slicesByKey = groupBy(inputs.endpointSlices, serviceKeyOfSlice);
  const remotesByKey = new Map<string, ClusterService[]>();
  for (const entries of inputs.remoteServices.values()) {
    for (const e of entries) pushTo(remotesByKey, `${e.namespace}/${e.name}`, e);
  }
  const services: DesiredService[] = [];
  const warnings: string[] = [];
  for (const svc of inputs.services) {
    const key = keyOfService(svc) ?? '';
    const out = desiredService(
      { service: svc, slices: slicesByKey.get(key) ?? [], remotes: remotesByKey.get(key) ?? [] },
      options,
    );
    if (out.service) services.push(out.service);
    warnings.push(...out.warnings);
  }
  services.sort((a, b) => compareTuples([a.namespace, a.name], [b.namespace, b.name]));
  // Every warning names its service first, so plain sorting groups them per service.
  return { services, warnings: warnings.sort() };
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) pushTo(map, key, item);
  }
  return map;
}
