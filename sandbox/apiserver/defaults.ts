/**
 * Defaults the real API server fills in and clients rely on (Service cluster IPs and node
 * ports, Namespace phase and name label, Secret type). Pure: the caller passes the addresses
 * and ports already in use and a random source.
 */
import type { StatusCause } from './errors.js';
import { type KObject, isPlainObject, metadataOf, withMetadata } from './objects.js';
import type { ResourceDef } from './resources.js';

/** 10.96.0.0/12, the kubeadm default service CIDR. */
const SERVICE_CIDR_BASE = (10 << 24) | (96 << 16);
const SERVICE_CIDR_SIZE = 1 << 20;
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

export interface InUse {
  readonly clusterIPs: ReadonlySet<string>;
  readonly nodePorts: ReadonlySet<number>;
}

function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ipToNumber(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function inServiceCidr(ip: string): boolean {
  const n = ipToNumber(ip);
  return n !== undefined && n >= SERVICE_CIDR_BASE && n < SERVICE_CIDR_BASE + SERVICE_CIDR_SIZE;
}

/** Random free address; the network address and the first host (the `kubernetes` service's) are never handed out. */
export function allocateClusterIP(
  used: ReadonlySet<string>,
  random: (n: number) => number,
): string | undefined {
  for (let i = 0; i < 64; i++) {
    const ip = ipToString(SERVICE_CIDR_BASE + 2 + random(SERVICE_CIDR_SIZE - 3));
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

export function allocateNodePort(
  used: ReadonlySet<number>,
  random: (n: number) => number,
): number | undefined {
  const size = NODE_PORT_MAX - NODE_PORT_MIN + 1;
  const start = random(size);
  for (let i = 0; i < size; i++) {
    const port = NODE_PORT_MIN + ((start + i) % size);
    if (!used.has(port)) return port;
  }
  return undefined;
}

export function serviceAddresses(svc: KObject): { clusterIPs: string[]; nodePorts: number[] } {
  const spec = isPlainObject(svc.spec) ? svc.spec : {};
  const clusterIPs = Array.isArray(spec.clusterIPs)
    ? spec.clusterIPs.filter((x): x is string => typeof x === 'string')
    : typeof spec.clusterIP === 'string'
      ? [spec.clusterIP]
      : [];
  const ports = Array.isArray(spec.ports) ? spec.ports.filter(isPlainObject) : [];
  const nodePorts = ports.map((p) => p.nodePort).filter((n): n is number => typeof n === 'number');
  return { clusterIPs, nodePorts };
}

export type Defaulted = { readonly object: KObject; readonly causes: readonly StatusCause[] };

/** Fills the static defaults of a built-in kind (no allocation). */
export function applyStaticDefaults(def: ResourceDef, obj: KObject): KObject {
  if (!def.builtin || def.group !== '') return obj;
  switch (def.kind) {
    case 'Namespace':
      return defaultNamespace(obj);
    case 'Secret':
      return obj.type === undefined ? { ...obj, type: 'Opaque' } : obj;
    case 'Service':
      return defaultServiceSpec(obj);
    default:
      return obj;
  }
}

function defaultNamespace(obj: KObject): KObject {
  const meta = metadataOf(obj);
  const labels = { ...(meta.labels ?? {}) };
  if (typeof meta.name === 'string') labels['kubernetes.io/metadata.name'] = meta.name;
  const status = isPlainObject(obj.status) ? obj.status : {};
  return withMetadata(
    { ...obj, spec: obj.spec ?? { finalizers: ['kubernetes'] }, status: { phase: 'Active', ...status } },
    { labels },
  );
}

function defaultServiceSpec(obj: KObject): KObject {
  if (!isPlainObject(obj.spec)) return obj;
  const spec: Record<string, unknown> = { ...obj.spec };
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (Array.isArray(spec.ports))
    spec.ports = spec.ports.map((p: unknown) =>
      isPlainObject(p) ? { protocol: 'TCP', ...p, targetPort: p.targetPort ?? p.port } : p,
    );
  return { ...obj, spec, status: obj.status ?? { loadBalancer: {} } };
}

/**
 * Allocates what a Service still lacks: a cluster IP (unless headless or ExternalName) and node
 * ports for NodePort/LoadBalancer. Requested values must be in range and free.
 * `old` is the stored Service on update: its allocations are kept when the client omits them.
 */
export function allocateService(
  svc: KObject,
  old: KObject | undefined,
  inUse: InUse,
  random: (n: number) => number,
): Defaulted {
  if (!isPlainObject(svc.spec)) return { object: svc, causes: [] };
  const spec: Record<string, unknown> = { ...svc.spec };
  const oldSpec = old && isPlainObject(old.spec) ? old.spec : undefined;
  const causes: StatusCause[] = [];
  if (spec.type !== 'ExternalName') allocateIP(spec, oldSpec, inUse, random, causes);
  allocatePorts(spec, oldSpec, inUse, random, causes);
  return { object: { ...svc, spec }, causes };
}

function allocateIP(
  spec: Record<string, unknown>,
  oldSpec: Record<string, unknown> | undefined,
  inUse: InUse,
  random: (n: number) => number,
  causes: StatusCause[],
): void {
  if ((spec.clusterIP === undefined || spec.clusterIP === '') && typeof oldSpec?.clusterIP === 'string')
    spec.clusterIP = oldSpec.clusterIP;
  const requested = spec.clusterIP;
  const mine = oldSpec?.clusterIP;
  if (requested === 'None') {
    spec.clusterIPs = ['None'];
    return;
  }
  if (requested === undefined || requested === '') {
    const ip = allocateClusterIP(inUse.clusterIPs, random);
    if (!ip) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.clusterIP',
        message: 'no addresses left in 10.96.0.0/12',
      });
      return;
    }
    spec.clusterIP = ip;
  } else if (typeof requested !== 'string' || !inServiceCidr(requested)) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.clusterIP',
      message: `Invalid value: ${JSON.stringify(requested)}: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
    });
    return;
  } else if (requested !== mine && inUse.clusterIPs.has(requested)) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.clusterIP',
      message: `Invalid value: ${JSON.stringify(requested)}: provided IP is already allocated`,
    });
    return;
  }
  spec.clusterIPs = [spec.clusterIP];
}

function allocatePorts(
  spec: Record<string, unknown>,
  oldSpec: Record<string, unknown> | undefined,
  inUse: InUse,
  random: (n: number) => number,
  causes: StatusCause[],
): void {
  if (!Array.isArray(spec.ports)) return;
  const wantsNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const oldPorts = Array.isArray(oldSpec?.ports) ? oldSpec.ports.filter(isPlainObject) : [];
  const mine = new Set(oldPorts.map((p) => p.nodePort).filter((n) => typeof n === 'number'));
  const taken = new Set(inUse.nodePorts);
  spec.ports = spec.ports.map((p: unknown, i: number) => {
    if (!isPlainObject(p)) return p;
    if (!wantsNodePorts) {
      const rest = { ...p };
      delete rest.nodePort;
      return rest;
    }
    const previous = oldPorts.find(
      (o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
    )?.nodePort;
    const requested = p.nodePort ?? previous;
    if (requested === undefined) {
      const port = allocateNodePort(taken, random);
      if (port === undefined)
        causes.push({
          reason: 'FieldValueInvalid',
          field: `spec.ports[${i}].nodePort`,
          message: 'no node ports left',
        });
      else taken.add(port);
      return { ...p, nodePort: port };
    }
    if (typeof requested !== 'number' || requested < NODE_PORT_MIN || requested > NODE_PORT_MAX) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `spec.ports[${i}].nodePort`,
        message: `Invalid value: ${JSON.stringify(requested)}: provided port is not in the valid range. The range of valid ports is 30000-32767`,
      });
    } else if (!mine.has(requested) && taken.has(requested)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `spec.ports[${i}].nodePort`,
        message: `Invalid value: ${requested}: provided port is already allocated`,
      });
    } else taken.add(requested);
    return { ...p, nodePort: requested };
  });
}
