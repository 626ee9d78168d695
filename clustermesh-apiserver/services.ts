/**
 * Global services: which Services this cluster exports, and the ClusterService value for each.
 * Exported = annotated global, shared (default true for global services), and in a global
 * namespace. Frontends are the ClusterIPs (none for headless); backends are EndpointSlice
 * addresses that are ready or serving.
 */
import { serviceKey } from '../clustermesh/keys.js';
import type { L4Addr } from '../clustermesh/service.js';
import { zodReason } from '../clustermesh/zod-reason.js';
import { canonicalIp } from '../lib/ip.js';
import { fail, ok, type Result } from '../lib/result.js';
import { parseEndpointSlice, parseService } from './fast-parse.js';
import { namespaceSchema, type K8sEndpointSlice, type K8sService } from './k8s-objects.js';
import { portsText, serviceValue } from './values.js';
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
export function namespaceIsGlobal(ns: unknown, opts: ProjectionOptions): NamespaceVerdict {
  if (ns === undefined) return { global: opts.defaultGlobalNamespace };
  // Asked once per service and endpoint in the namespace (60,000 times in a full sync of the
  // bench) about the same immutable cache object: the verdict is kept per object.
  const memo = typeof ns === 'object' && ns !== null ? namespaceVerdicts.get(ns) : undefined;
  if (memo !== undefined && memo.defaultGlobal === opts.defaultGlobalNamespace) return memo.verdict;
  const verdict = namespaceVerdict(ns, opts);
  if (typeof ns === 'object' && ns !== null) namespaceVerdicts.set(ns, { defaultGlobal: opts.defaultGlobalNamespace, verdict });
  return verdict;
}

type NamespaceVerdict = { readonly global: boolean; readonly rejected?: Rejection };
const namespaceVerdicts = new WeakMap<object, { readonly defaultGlobal: boolean; readonly verdict: NamespaceVerdict }>();

function namespaceVerdict(ns: unknown, opts: ProjectionOptions): NamespaceVerdict {
  const parsed = namespaceSchema.safeParse(ns);
  if (!parsed.success) {
    return { global: opts.defaultGlobalNamespace, rejected: rejection('Namespace', ns, zodReason(parsed.error)).rejected[0] };
  }
  const flag = boolAnnotation(parsed.data.metadata.annotations, [GLOBAL_NAMESPACE_ANNOTATION]);
  if (!flag.ok) return { global: opts.defaultGlobalNamespace, rejected: rejection('Namespace', ns, flag.error).rejected[0] };
  return { global: flag.value ?? opts.defaultGlobalNamespace };
}

/** One address's ports; a slice's entries share one object until two slices name the same address. */
interface BackendPorts {
  readonly ports: Readonly<Record<string, L4Addr>>;
  /** portsText(ports), computed once per object. */
  text?: string;
}

interface Backends {
  readonly byIp: Map<string, BackendPorts>;
  readonly hostnames: Map<string, string>;
}

/** Kubernetes: a nil `ready` means ready; a nil `serving` means the same as `ready`. */
function endpointActive(endpoint: NonNullable<K8sEndpointSlice['endpoints']>[number]): boolean {
  const ready = endpoint.conditions?.ready ?? true;
  const serving = endpoint.conditions?.serving ?? ready;
  return ready || serving;
}

function slicePorts(slice: K8sEndpointSlice): Record<string, L4Addr> {
  const ports: Record<string, L4Addr> = {};
  for (const p of slice.ports ?? []) {
    // A nil port means "all ports", which a ClusterService cannot express.
    if (p.port === null || p.port === undefined) continue;
    ports[p.name ?? ''] = { protocol: p.protocol, port: p.port };
  }
  return ports;
}

/** Canonical text of each address, or why the slice is rejected (one bad address rejects it all). */
function canonicalAddresses(slice: K8sEndpointSlice): Result<string[]> {
  const family = slice.addressType === 'IPv4' ? 4 : 6;
  const out: string[] = [];
  for (const endpoint of slice.endpoints ?? []) {
    for (const address of endpoint.addresses) {
      const ip = canonicalIp(address);
      if (!ip || ip.family !== family) {
        return fail(`endpoint address ${JSON.stringify(address)} is not an ${slice.addressType} address`);
      }
      out.push(ip.text);
    }
  }
  return ok(out);
}

function sliceBackends(slice: K8sEndpointSlice, into: Backends): Result<void> {
  if (slice.addressType === 'FQDN') return ok(undefined);
  // Every address is validated before any is used; each is parsed once.
  const canonical = canonicalAddresses(slice);
  if (!canonical.ok) return canonical;
  const own: BackendPorts = { ports: slicePorts(slice) };
  let n = 0;
  for (const endpoint of slice.endpoints ?? []) {
    const active = endpointActive(endpoint);
    for (let i = 0; i < endpoint.addresses.length; i++) {
      const ip = canonical.value[n++]!;
      if (!active) continue;
      const before = into.byIp.get(ip);
      // Later slices' ports win on equal names, as for the merged map a Cilium agent builds.
      into.byIp.set(ip, before === undefined || before === own ? own : { ports: { ...before.ports, ...own.ports } });
      if (endpoint.hostname) into.hostnames.set(ip, endpoint.hostname);
    }
  }
  return ok(undefined);
}

function encodedBackends(backends: Backends): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ip, b] of backends.byIp) out.set(ip, (b.text ??= portsText(b.ports)));
  return out;
}

/** Frontend IP → encoded ports; none for a headless service. */
function frontends(svc: K8sService): Result<Map<string, string>> {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  const out = new Map<string, string>();
  let ports: string | undefined;
  for (const raw of ips) {
    if (raw === 'None' || raw === '') continue; // headless
    const ip = canonicalIp(raw);
    if (!ip) return fail(`clusterIP ${JSON.stringify(raw)} is not an IP address`);
    ports ??= portsText(servicePorts(svc));
    out.set(ip.text, ports);
  }
  return ok(out);
}

function servicePorts(svc: K8sService): Record<string, L4Addr> {
  const ports: Record<string, L4Addr> = {};
  for (const p of svc.spec.ports ?? []) ports[p.name ?? ''] = { protocol: p.protocol, port: p.port };
  return ports;
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
  const parsed = parseService(service);
  if (!parsed.ok) return rejection('Service', service, parsed.reason);
  const svc = parsed.value;
  const exported = exportDecision(svc);
  if (!exported.ok) return rejection('Service', service, exported.error);
  if (!exported.value || svc.spec.type === 'ExternalName') return NOTHING;
  const ns = namespaceIsGlobal(namespace, opts);
  if (!ns.global) return { entries: [], rejected: ns.rejected ? [ns.rejected] : [] };
  const fe = frontends(svc);
  if (!fe.ok) return rejection('Service', service, fe.error);

  const rejected: Rejection[] = ns.rejected ? [ns.rejected] : [];
  const backends: Backends = { byIp: new Map(), hostnames: new Map() };
  for (const raw of slices) {
    const slice = parseEndpointSlice(raw);
    const added = slice.ok ? sliceBackends(slice.value, backends) : fail(slice.reason);
    if (!added.ok) rejected.push(...rejection('EndpointSlice', raw, added.error).rejected);
  }
  const { name, namespace: nsName } = svc.metadata;
  const value = serviceValue({
    cluster: opts.clusterName,
    namespace: nsName,
    name,
    frontends: fe.value,
    backends: encodedBackends(backends),
    hostnames: backends.hostnames,
    labels: svc.metadata.labels,
    selector: svc.spec.selector,
    clusterID: opts.clusterId,
  });
  return { entries: [[serviceKey(opts.clusterName, nsName, name), value]], rejected };
}
