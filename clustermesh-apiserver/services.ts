/**
 * Global services: which Services this cluster exports, and the ClusterService value for each.
 * Exported = annotated global, shared (default true for global services), and in a global
 * namespace. Frontends are the ClusterIPs (none for headless); backends are EndpointSlice
 * addresses that are ready or serving.
 */
import { encodeClusterService, type L4Addr, type PortConfiguration } from '../clustermesh/service.js';
import { serviceKey } from '../clustermesh/keys.js';
import { parseIp } from '../clustermesh/ip.js';
import { fail, ok, type Result } from '../lib/result.js';
import { zodReason } from '../clustermesh/zod-reason.js';
import {
  endpointSliceSchema,
  namespaceSchema,
  serviceSchema,
  type K8sEndpointSlice,
  type K8sService,
} from './k8s-objects.js';
import { NOTHING, rejection, type ObjectProjection, type ProjectionOptions, type Rejection } from './options.js';

export const GLOBAL_SERVICE_ANNOTATIONS = ['service.cilium.io/global', 'io.cilium/global-service'] as const;
export const SHARED_SERVICE_ANNOTATIONS = ['service.cilium.io/shared', 'io.cilium/shared-service'] as const;
export const GLOBAL_NAMESPACE_ANNOTATION = 'clustermesh.cilium.io/global';

/** Reads a boolean annotation (first of `keys` present); "true"/"false" in any case, else an error. */
export function boolAnnotation(
  annotations: Readonly<Record<string, string>> | null | undefined,
  keys: readonly string[],
): Result<boolean | undefined> {
  for (const key of keys) {
    const raw = annotations?.[key];
    if (raw === undefined) continue;
    const v = raw.trim().toLowerCase();
    if (v === 'true') return ok(true);
    if (v === 'false') return ok(false);
    return fail(`annotation ${key} has value ${JSON.stringify(raw)}; expected "true" or "false"`);
  }
  return ok(undefined);
}

/**
 * Whether a namespace's services and endpoints are exported. An unreadable namespace object
 * or annotation falls back to the default and is reported, so one bad namespace object cannot
 * withdraw every service in it.
 */
export function namespaceIsGlobal(ns: unknown, opts: ProjectionOptions): { global: boolean; rejected?: Rejection } {
  if (ns === undefined) return { global: opts.defaultGlobalNamespace };
  const parsed = namespaceSchema.safeParse(ns);
  if (!parsed.success) {
    return { global: opts.defaultGlobalNamespace, rejected: rejection('Namespace', ns, zodReason(parsed.error)).rejected[0] };
  }
  const flag = boolAnnotation(parsed.data.metadata.annotations, [GLOBAL_NAMESPACE_ANNOTATION]);
  if (!flag.ok) return { global: opts.defaultGlobalNamespace, rejected: rejection('Namespace', ns, flag.error).rejected[0] };
  return { global: flag.value ?? opts.defaultGlobalNamespace };
}

interface Backends {
  readonly byIp: Record<string, Record<string, L4Addr>>;
  readonly hostnames: Record<string, string>;
}

/** Kubernetes: a nil `ready` means ready; a nil `serving` means the same as `ready`. */
function endpointActive(endpoint: NonNullable<K8sEndpointSlice['endpoints']>[number]): boolean {
  const ready = endpoint.conditions?.ready ?? true;
  const serving = endpoint.conditions?.serving ?? ready;
  return ready || serving;
}

function sliceBackends(slice: K8sEndpointSlice, into: Backends): Result<void> {
  if (slice.addressType === 'FQDN') return ok(undefined);
  const ports: Record<string, L4Addr> = {};
  for (const p of slice.ports ?? []) {
    // A nil port means "all ports", which a ClusterService cannot express.
    if (p.port === null || p.port === undefined) continue;
    ports[p.name ?? ''] = { protocol: p.protocol, port: p.port };
  }
  // Every address is validated (a bad one rejects the slice) before any is used; each is
  // parsed once.
  const canonical = new Map<string, string>();
  const family = slice.addressType === 'IPv4' ? 4 : 6;
  for (const endpoint of slice.endpoints ?? []) {
    for (const address of endpoint.addresses) {
      const ip = parseIp(address);
      if (!ip || ip.family !== family) {
        return fail(`endpoint address ${JSON.stringify(address)} is not an ${slice.addressType} address`);
      }
      canonical.set(address, ip.text);
    }
  }
  for (const endpoint of slice.endpoints ?? []) {
    if (!endpointActive(endpoint)) continue;
    for (const address of endpoint.addresses) {
      const ip = canonical.get(address)!;
      into.byIp[ip] = { ...into.byIp[ip], ...ports };
      if (endpoint.hostname) into.hostnames[ip] = endpoint.hostname;
    }
  }
  return ok(undefined);
}

function frontends(svc: K8sService): Result<Record<string, PortConfiguration>> {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  const ports: Record<string, L4Addr> = {};
  for (const p of svc.spec.ports ?? []) ports[p.name ?? ''] = { protocol: p.protocol, port: p.port };
  const out: Record<string, PortConfiguration> = {};
  for (const raw of ips) {
    if (raw === 'None' || raw === '') continue; // headless
    const ip = parseIp(raw);
    if (!ip) return fail(`clusterIP ${JSON.stringify(raw)} is not an IP address`);
    out[ip.text] = ports;
  }
  return ok(out);
}

/** Whether the service's own annotations export it (global and not unshared). */
function exportDecision(svc: K8sService): Result<boolean> {
  const annotations = svc.metadata.annotations;
  const global = boolAnnotation(annotations, GLOBAL_SERVICE_ANNOTATIONS);
  if (!global.ok) return global;
  const shared = boolAnnotation(annotations, SHARED_SERVICE_ANNOTATIONS);
  if (!shared.ok) return shared;
  return ok(global.value === true && shared.value !== false);
}

/**
 * The entry of one Service. `slices` are the EndpointSlices labelled with its name in its
 * namespace; `namespace` is its Namespace object (undefined if not seen yet).
 */
export function projectService(
  service: unknown,
  slices: readonly unknown[],
  namespace: unknown,
  opts: ProjectionOptions,
): ObjectProjection {
  const parsed = serviceSchema.safeParse(service);
  if (!parsed.success) return rejection('Service', service, zodReason(parsed.error));
  const svc = parsed.data;
  const exported = exportDecision(svc);
  if (!exported.ok) return rejection('Service', service, exported.error);
  if (!exported.value || svc.spec.type === 'ExternalName') return NOTHING;
  const ns = namespaceIsGlobal(namespace, opts);
  if (!ns.global) return { entries: [], rejected: ns.rejected ? [ns.rejected] : [] };
  const fe = frontends(svc);
  if (!fe.ok) return rejection('Service', service, fe.error);

  const rejected: Rejection[] = ns.rejected ? [ns.rejected] : [];
  const backends: Backends = { byIp: {}, hostnames: {} };
  for (const raw of slices) {
    const slice = endpointSliceSchema.safeParse(raw);
    const added = slice.success ? sliceBackends(slice.data, backends) : fail(zodReason(slice.error));
    if (!added.ok) rejected.push(...rejection('EndpointSlice', raw, added.error).rejected);
  }
  const { name, namespace: nsName } = svc.metadata;
  const value = encodeClusterService({
    cluster: opts.clusterName,
    namespace: nsName,
    name,
    frontends: fe.value,
    backends: backends.byIp,
    hostnames: backends.hostnames,
    labels: svc.metadata.labels ?? {},
    selector: svc.spec.selector ?? {},
    includeExternal: true,
    shared: true,
    clusterID: opts.clusterId,
  });
  return { entries: [[serviceKey(opts.clusterName, nsName, name), value]], rejected };
}
