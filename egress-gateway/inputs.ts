/**
 * The boundary for the Kubernetes objects the egress gateway reads besides its policies:
 * Pod, Namespace and Node → the plain data `decide` takes. An object that does not fit is
 * refused with a reason (the caller logs it and carries on); nothing here throws.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import { parseIpv4 } from './cidr.js';
import type { EgressNamespace, EgressPod } from './desired.js';
import type { EgressNode } from './gateway.js';

const labels = z.record(z.string(), z.string()).catch({});

const podSchema = z.object({
  metadata: z.object({ name: z.string().min(1), namespace: z.string().min(1), labels: labels.optional() }),
  spec: z.object({ hostNetwork: z.boolean().optional() }).optional(),
  status: z
    .object({
      podIP: z.string().optional(),
      podIPs: z.array(z.object({ ip: z.string() })).optional(),
      phase: z.string().optional(),
    })
    .optional(),
});

const namespaceSchema = z.object({ metadata: z.object({ name: z.string().min(1), labels: labels.optional() }) });

const nodeSchema = z.object({
  metadata: z.object({ name: z.string().min(1), labels: labels.optional(), deletionTimestamp: z.string().optional() }),
  status: z
    .object({
      addresses: z.array(z.object({ type: z.string(), address: z.string() })).optional(),
      conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
});

function reason(what: string, error: z.ZodError): string {
  return `${what}: ${z.prettifyError(error).replace(/\n/g, '; ')}`;
}

/** Pods that finished keep their IPs in status for a while, but the IPs may be reused: skip them. */
const FINISHED = new Set(['Succeeded', 'Failed']);

export function podFromObject(obj: unknown): Result<EgressPod> {
  const p = podSchema.safeParse(obj);
  if (!p.success) return fail(reason('pod', p.error));
  const { metadata, spec, status } = p.data;
  const listed = (status?.podIPs ?? []).map((x) => x.ip);
  const ips = listed.length > 0 ? listed : status?.podIP ? [status.podIP] : [];
  return ok({
    name: metadata.name,
    namespace: metadata.namespace,
    labels: metadata.labels ?? {},
    ips: FINISHED.has(status?.phase ?? '') ? [] : ips,
    hostNetwork: spec?.hostNetwork === true,
  });
}

export function namespaceFromObject(obj: unknown): Result<EgressNamespace> {
  const n = namespaceSchema.safeParse(obj);
  if (!n.success) return fail(reason('namespace', n.error));
  return ok({ name: n.data.metadata.name, labels: n.data.metadata.labels ?? {} });
}

/**
 * The node's first IPv4 InternalIP is its gateway IP. A node being deleted or without a True
 * Ready condition is kept but marked not ready, so it is never chosen as a gateway.
 */
export function nodeFromObject(obj: unknown): Result<EgressNode> {
  const n = nodeSchema.safeParse(obj);
  if (!n.success) return fail(reason('node', n.error));
  const { metadata, status } = n.data;
  const internal = (status?.addresses ?? []).find((a) => a.type === 'InternalIP' && parseIpv4(a.address) !== undefined);
  const readyCondition = (status?.conditions ?? []).find((c) => c.type === 'Ready');
  return ok({
    name: metadata.name,
    labels: metadata.labels ?? {},
    ip: internal?.address ?? '',
    ready: metadata.deletionTimestamp === undefined && readyCondition?.status === 'True',
  });
}
