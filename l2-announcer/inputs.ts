/**
 * The boundary for the objects the announcer reads: Services, Nodes and EndpointSlices as
 * plain data the pure core takes. A malformed object is an error value (logged and counted by
 * the caller), never an exception.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import type { NodeInfo, ServiceInfo } from './selection.js';

export const POLICIES = { group: 'cilium.io', version: 'v2alpha1', resource: 'ciliuml2announcementpolicies' } as const;
export const SERVICES = { group: '', version: 'v1', resource: 'services' } as const;
export const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
export const ENDPOINT_SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' } as const;

const labels = z.record(z.string(), z.string()).nullish();

const serviceSchema = z.object({
  metadata: z.object({ name: z.string().min(1), namespace: z.string().min(1), labels }).loose(),
  spec: z
    .object({
      loadBalancerClass: z.string().nullish(),
      externalIPs: z.array(z.string()).nullish(),
      externalTrafficPolicy: z.string().nullish(),
    })
    .loose()
    .nullish(),
  status: z
    .object({ loadBalancer: z.object({ ingress: z.array(z.object({ ip: z.string().nullish() }).loose()).nullish() }).loose().nullish() })
    .loose()
    .nullish(),
}).loose();

export function parseService(raw: unknown): Result<ServiceInfo, string> {
  const p = serviceSchema.safeParse(raw);
  if (!p.success) return fail(`malformed Service: ${p.error.issues[0]?.path.join('.') ?? ''} ${p.error.issues[0]?.message ?? ''}`);
  const { metadata, spec, status } = p.data;
  return ok({
    namespace: metadata.namespace,
    name: metadata.name,
    labels: metadata.labels ?? {},
    ...(spec?.loadBalancerClass ? { loadBalancerClass: spec.loadBalancerClass } : {}),
    externalIPs: spec?.externalIPs ?? [],
    ingressIPs: (status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])),
    // Kubernetes' own default; "Local" is the only value that changes anything here.
    externalTrafficPolicy: spec?.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
  });
}

const nodeSchema = z.object({ metadata: z.object({ name: z.string().min(1), labels }).loose() }).loose();

export function parseNode(raw: unknown): Result<NodeInfo, string> {
  const p = nodeSchema.safeParse(raw);
  if (!p.success) return fail(`malformed Node: ${p.error.issues[0]?.message ?? ''}`);
  return ok({ name: p.data.metadata.name, labels: p.data.metadata.labels ?? {} });
}

const sliceSchema = z.object({
  metadata: z.object({ namespace: z.string().min(1), labels }).loose(),
  endpoints: z
    .array(z.object({ nodeName: z.string().nullish(), conditions: z.object({ ready: z.boolean().nullish() }).loose().nullish() }).loose())
    .nullish(),
}).loose();

/** The service key (`ns/name`) a slice belongs to when it has a ready endpoint on `node`. */
export function localServiceOf(raw: unknown, node: string): Result<string | undefined, string> {
  const p = sliceSchema.safeParse(raw);
  if (!p.success) return fail(`malformed EndpointSlice: ${p.error.issues[0]?.message ?? ''}`);
  const service = p.data.metadata.labels?.['kubernetes.io/service-name'];
  if (!service) return ok(undefined);
  // An absent ready condition means unknown, which Kubernetes says to treat as ready.
  const local = (p.data.endpoints ?? []).some((e) => e.nodeName === node && e.conditions?.ready !== false);
  return ok(local ? `${p.data.metadata.namespace}/${service}` : undefined);
}
