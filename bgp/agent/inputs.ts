/**
 * The boundary: Kubernetes objects as the informers deliver them → the core's plain inputs.
 * BGP CRDs go through bgp/api's parsers; a CRD object that does not parse is left out and its
 * problems become reconcile errors. Services, EndpointSlices and the Node are read leniently
 * (only the fields BGP needs), so a field the agent does not care about never hides a service.
 */
import { z } from 'zod';
import { parseAdvertisement, parseNodeConfig, parsePeerConfig } from '../api/index.js';
import type { Advertisement, NodeInfo, NodeInstance, PeerConfigSpec, ServiceInfo } from './types.js';

const meta = z.object({ name: z.string().min(1), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }).loose();

const serviceSchema = z
  .object({
    metadata: meta,
    spec: z
      .object({
        type: z.string().optional(),
        loadBalancerClass: z.string().optional(),
        clusterIP: z.string().optional(),
        clusterIPs: z.array(z.string()).optional(),
        externalIPs: z.array(z.string()).optional(),
        externalTrafficPolicy: z.string().optional(),
        internalTrafficPolicy: z.string().optional(),
      })
      .loose()
      .optional(),
    status: z
      .object({ loadBalancer: z.object({ ingress: z.array(z.object({ ip: z.string().optional() }).loose()).optional() }).loose().optional() })
      .loose()
      .optional(),
  })
  .loose();

const sliceSchema = z
  .object({
    metadata: meta,
    endpoints: z
      .array(
        z
          .object({
            nodeName: z.string().optional(),
            conditions: z.object({ ready: z.boolean().nullable().optional() }).loose().optional(),
          })
          .loose(),
      )
      .nullable()
      .optional(),
  })
  .loose();

const nodeSchema = z
  .object({
    metadata: meta,
    spec: z.object({ podCIDR: z.string().optional(), podCIDRs: z.array(z.string()).optional() }).loose().optional(),
    status: z.object({ addresses: z.array(z.object({ type: z.string(), address: z.string() }).loose()).optional() }).loose().optional(),
  })
  .loose();

/** EndpointSlice label naming the service it belongs to. */
export const SLICE_SERVICE_LABEL = 'kubernetes.io/service-name';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
}

export interface SliceInfo {
  readonly namespace: string;
  readonly service: string;
  readonly backends: ServiceInfo['backends'];
}

export function sliceInfo(obj: unknown): Parsed<SliceInfo> {
  const p = sliceSchema.safeParse(obj);
  if (!p.success) return { ok: false, error: firstIssue(p.error) };
  const svc = p.data.metadata.labels?.[SLICE_SERVICE_LABEL];
  if (svc === undefined) return { ok: false, error: `no ${SLICE_SERVICE_LABEL} label` };
  const backends = (p.data.endpoints ?? []).map((e) => ({
    ...(e.nodeName !== undefined ? { nodeName: e.nodeName } : {}),
    // EndpointConditions: a nil ready means ready.
    active: e.conditions?.ready !== false,
  }));
  return { ok: true, value: { namespace: p.data.metadata.namespace ?? '', service: svc, backends } };
}

export function serviceInfo(obj: unknown, slices: readonly SliceInfo[]): Parsed<ServiceInfo> {
  const p = serviceSchema.safeParse(obj);
  if (!p.success) return { ok: false, error: firstIssue(p.error) };
  const { metadata, spec, status } = p.data;
  const namespace = metadata.namespace ?? '';
  const clusterIPs = spec?.clusterIPs ?? (spec?.clusterIP ? [spec.clusterIP] : []);
  return {
    ok: true,
    value: {
      namespace,
      name: metadata.name,
      labels: metadata.labels ?? {},
      type: spec?.type ?? 'ClusterIP',
      ...(spec?.loadBalancerClass !== undefined ? { loadBalancerClass: spec.loadBalancerClass } : {}),
      clusterIPs,
      externalIPs: spec?.externalIPs ?? [],
      loadBalancerIPs: (status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])),
      ...(spec?.externalTrafficPolicy !== undefined ? { externalTrafficPolicy: spec.externalTrafficPolicy } : {}),
      ...(spec?.internalTrafficPolicy !== undefined ? { internalTrafficPolicy: spec.internalTrafficPolicy } : {}),
      backends: slices.filter((s) => s.namespace === namespace && s.service === metadata.name).flatMap((s) => s.backends),
    },
  };
}

export function nodeInfo(obj: unknown): Parsed<NodeInfo> {
  const p = nodeSchema.safeParse(obj);
  if (!p.success) return { ok: false, error: firstIssue(p.error) };
  const internal = (p.data.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
  const ipv4 = internal.find((a) => !a.includes(':'));
  const ipv6 = internal.find((a) => a.includes(':'));
  const spec = p.data.spec;
  return {
    ok: true,
    value: {
      name: p.data.metadata.name,
      podCIDRs: spec?.podCIDRs ?? (spec?.podCIDR ? [spec.podCIDR] : []),
      ...(ipv4 ? { ipv4 } : {}),
      ...(ipv6 ? { ipv6 } : {}),
    },
  };
}

function joined(kind: string, name: string, errors: readonly string[]): string {
  return `${kind} ${name}: ${errors.join('; ')}`;
}

export interface NodeConfigInput {
  readonly instances: readonly NodeInstance[];
  readonly generation?: number;
  readonly errors: readonly string[];
}

export function nodeConfigInput(obj: unknown, name: string): NodeConfigInput {
  const p = parseNodeConfig(obj);
  if (!p.ok) return { instances: [], errors: [joined('CiliumBGPNodeConfig', name, p.error)] };
  const errors: string[] = [];
  const instances: NodeInstance[] = [];
  for (const i of p.value.spec.bgpInstances) {
    if (i.localASN === undefined) {
      errors.push(`instance ${i.name}: localASN is not set`);
      continue;
    }
    instances.push({ ...i, localASN: i.localASN });
  }
  const generation = p.value.metadata.generation;
  return { instances, errors, ...(generation !== undefined ? { generation } : {}) };
}

export function peerConfigInput(obj: unknown, name: string): Parsed<PeerConfigSpec> {
  const p = parsePeerConfig(obj);
  return p.ok ? { ok: true, value: p.value.spec } : { ok: false, error: joined('CiliumBGPPeerConfig', name, p.error) };
}

export function advertisementInput(obj: unknown, name: string): Parsed<Advertisement> {
  const p = parseAdvertisement(obj);
  if (!p.ok) return { ok: false, error: joined('CiliumBGPAdvertisement', name, p.error) };
  return { ok: true, value: { name: p.value.metadata.name, labels: p.value.metadata.labels ?? {}, advertisements: p.value.spec.advertisements } };
}
