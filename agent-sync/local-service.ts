/**
 * The local cluster's side of the merge: Services and EndpointSlices as the Kubernetes API
 * returns them, read into frontends and candidate backends. The input types are structural
 * subsets of @kubernetes/client-node's V1Service / V1EndpointSlice (so informer objects pass
 * straight in) and also accept JSON nulls, since every field may be absent or odd.
 */
import { parseIp } from '../clustermesh/ip.js';

type Opt<T> = T | null | undefined;

export interface K8sServicePort {
  readonly name?: Opt<string>;
  readonly port?: Opt<number>;
  readonly protocol?: Opt<string>;
}

export interface K8sService {
  readonly metadata?: Opt<{
    readonly namespace?: Opt<string>;
    readonly name?: Opt<string>;
    readonly annotations?: Opt<Readonly<Record<string, string>>>;
  }>;
  readonly spec?: Opt<{
    readonly type?: Opt<string>;
    readonly clusterIP?: Opt<string>;
    readonly clusterIPs?: Opt<readonly string[]>;
    readonly externalIPs?: Opt<readonly string[]>;
    readonly ports?: Opt<readonly K8sServicePort[]>;
  }>;
  readonly status?: Opt<{
    readonly loadBalancer?: Opt<{ readonly ingress?: Opt<readonly { readonly ip?: Opt<string> }[]> }>;
  }>;
}

export interface K8sEndpoint {
  readonly addresses?: Opt<readonly string[]>;
  readonly conditions?: Opt<{
    readonly ready?: Opt<boolean>;
    readonly serving?: Opt<boolean>;
    readonly terminating?: Opt<boolean>;
  }>;
}

export interface K8sEndpointSlice {
  readonly metadata?: Opt<{
    readonly namespace?: Opt<string>;
    readonly name?: Opt<string>;
    readonly labels?: Opt<Readonly<Record<string, string>>>;
  }>;
  readonly addressType?: Opt<string>;
  readonly endpoints?: Opt<readonly K8sEndpoint[]>;
  readonly ports?: Opt<readonly K8sServicePort[]>;
}

/** The label tying an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export type FrontendType = 'ClusterIP' | 'LoadBalancer' | 'ExternalIPs';

export interface ServicePortSpec {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
}

export interface LocalFrontend {
  readonly address: string;
  readonly type: FrontendType;
}

/**
 * `active` endpoints are ready; `terminating` ones are still serving but on their way out and
 * only used when nothing else is (the kube-proxy behaviour of KEP-1669, which Cilium follows).
 * Endpoints that are neither are not backends at all.
 */
export type EndpointClass = 'active' | 'terminating';

export interface LocalBackend {
  readonly address: string;
  readonly port: number;
  readonly protocol: string;
  readonly portName: string;
  readonly class: EndpointClass;
}

export function serviceKeyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** `namespace/name` of a Service, or undefined when either is missing. */
export function keyOfService(svc: K8sService): string | undefined {
  const ns = svc.metadata?.namespace;
  const name = svc.metadata?.name;
  return ns && name ? serviceKeyOf(ns, name) : undefined;
}

/** `namespace/<service-name label>` of an EndpointSlice, or undefined when it belongs to no Service. */
export function serviceKeyOfSlice(slice: K8sEndpointSlice): string | undefined {
  const ns = slice.metadata?.namespace;
  const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return ns && svc ? serviceKeyOf(ns, svc) : undefined;
}

function validPort(p: Opt<number>): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p > 0 && p <= 65535;
}

export function servicePorts(svc: K8sService, warn: (msg: string) => void): ServicePortSpec[] {
  const out: ServicePortSpec[] = [];
  for (const p of svc.spec?.ports ?? []) {
    if (!validPort(p.port)) {
      warn(`service port ${JSON.stringify(p.name ?? '')} has invalid port ${JSON.stringify(p.port)}`);
      continue;
    }
    out.push({ name: p.name ?? '', port: p.port, protocol: p.protocol || 'TCP' });
  }
  return out;
}

function canonicalIp(address: string, what: string, warn: (msg: string) => void): string | undefined {
  const ip = parseIp(address);
  if (!ip) warn(`${what} ${JSON.stringify(address)} is not an IP address`);
  return ip?.text;
}

/** ClusterIPs, external IPs and LoadBalancer ingress IPs; headless and ExternalName services have none. */
export function localFrontends(svc: K8sService, warn: (msg: string) => void): LocalFrontend[] {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return [];
  const out: LocalFrontend[] = [];
  const add = (address: Opt<string>, type: FrontendType): void => {
    if (!address || address === 'None') return;
    const ip = canonicalIp(address, `${type} address`, warn);
    if (ip) out.push({ address: ip, type });
  };
  const clusterIPs = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : [spec.clusterIP];
  for (const ip of clusterIPs) add(ip, 'ClusterIP');
  for (const ip of spec.externalIPs ?? []) add(ip, 'ExternalIPs');
  for (const ingress of svc.status?.loadBalancer?.ingress ?? []) add(ingress.ip, 'LoadBalancer');
  return out;
}

/** A nil `ready` means unknown, which the API says to treat as ready; nil `serving` defers to ready. */
export function classifyEndpoint(ep: K8sEndpoint): EndpointClass | undefined {
  const ready = ep.conditions?.ready ?? true;
  const terminating = ep.conditions?.terminating ?? false;
  const serving = ep.conditions?.serving ?? ready;
  if (ready && !terminating) return 'active';
  if (terminating && serving) return 'terminating';
  return undefined;
}

/**
 * Backends per service port, matched to the slices' ports by port name. The same address may
 * sit in two slices while the controller moves it; it is kept once, active if either says so.
 */
export function localBackends(
  ports: readonly ServicePortSpec[],
  slices: readonly K8sEndpointSlice[],
  warn: (msg: string) => void,
): LocalBackend[] {
  const byKey = new Map<string, LocalBackend>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const sp of ports) {
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === sp.name);
      if (!slicePort || !validPort(slicePort.port)) continue;
      const protocol = slicePort.protocol || 'TCP';
      for (const ep of slice.endpoints ?? []) {
        const cls = classifyEndpoint(ep);
        if (!cls) continue;
        for (const raw of ep.addresses ?? []) {
          const address = canonicalIp(raw, `endpoint address in slice ${slice.metadata?.name ?? '?'}`, warn);
          if (!address) continue;
          const key = `${sp.name}|${address}|${slicePort.port}|${protocol}`;
          const seen = byKey.get(key);
          if (seen?.class === 'active') continue;
          byKey.set(key, { address, port: slicePort.port, protocol, portName: sp.name, class: cls });
        }
      }
    }
  }
  return [...byKey.values()];
}
