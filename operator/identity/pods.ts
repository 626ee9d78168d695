/**
 * From pods to identity work: each pod's security-label set (the allocation key), the
 * CiliumIdentity object of an allocated identity, and the CiliumEndpoint object of a pod with
 * an IP. Pods are external input and are validated here; bad ones are rejected with a reason.
 */
import { z } from 'zod';
import { parseIp } from '../../clustermesh/ip.js';
import { labelsToMap, parseLabels } from '../../clustermesh/labels.js';
import { zodReason } from '../../clustermesh/zod-reason.js';
import { securityLabelsText } from './security-labels.js';

const stringMap = z.record(z.string(), z.string());
export const podSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    uid: z.string().optional(),
    labels: stringMap.nullish(),
  }),
  spec: z
    .object({
      serviceAccountName: z.string().optional(),
      hostNetwork: z.boolean().optional(),
      containers: z
        .array(
          z.object({
            ports: z
              .array(
                z.object({
                  name: z.string().optional(),
                  containerPort: z.number().int().min(1).max(65535),
                  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
                }),
              )
              .nullish(),
          }),
        )
        .default([]),
    })
    .default({ containers: [] }),
  status: z
    .object({
      phase: z.string().optional(),
      hostIP: z.string().optional(),
      podIP: z.string().optional(),
      podIPs: z.array(z.object({ ip: z.string() })).nullish(),
    })
    .default({}),
});
export type Pod = z.infer<typeof podSchema>;

export interface PodRejection {
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
}

export interface PodIdentities {
  /** "namespace/name" → security labels text, for every valid pod that needs an identity. */
  readonly byPod: ReadonlyMap<string, string>;
  readonly pods: ReadonlyMap<string, Pod>;
  readonly rejected: readonly PodRejection[];
}

/** Host-network pods use the host's identity; finished pods need none. */
function needsIdentity(pod: Pod): boolean {
  return !pod.spec.hostNetwork && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed';
}

// Informer caches hand the same pod object back every round until it changes: parse it once.
const parsedPods = new WeakMap<object, ReturnType<typeof podSchema.safeParse>>();

function parsePod(raw: unknown): ReturnType<typeof podSchema.safeParse> {
  if (raw === null || typeof raw !== 'object') return podSchema.safeParse(raw);
  let parsed = parsedPods.get(raw);
  if (parsed === undefined) {
    parsed = podSchema.safeParse(raw);
    parsedPods.set(raw, parsed);
  }
  return parsed;
}

/** `namespaceLabels`: namespace name → its labels (absent namespace → no namespace labels). */
export function podIdentities(
  pods: readonly unknown[],
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
  cluster: string,
): PodIdentities {
  const byPod = new Map<string, string>();
  const valid = new Map<string, Pod>();
  const rejected: PodRejection[] = [];
  for (const raw of pods) {
    const parsed = parsePod(raw);
    if (!parsed.success) {
      const meta = (raw as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
      rejected.push({
        name: typeof meta?.name === 'string' ? meta.name : '<unnamed>',
        ...(typeof meta?.namespace === 'string' ? { namespace: meta.namespace } : {}),
        reason: zodReason(parsed.error),
      });
      continue;
    }
    const pod = parsed.data;
    if (!needsIdentity(pod)) continue;
    const ref = `${pod.metadata.namespace}/${pod.metadata.name}`;
    valid.set(ref, pod);
    byPod.set(
      ref,
      securityLabelsText({
        namespace: pod.metadata.namespace,
        podLabels: pod.metadata.labels ?? {},
        namespaceLabels: namespaceLabels.get(pod.metadata.namespace) ?? {},
        serviceAccount: pod.spec.serviceAccountName,
        cluster,
      }),
    );
  }
  return { byPod, pods: valid, rejected };
}

/** The CiliumIdentity object for an allocated identity (cluster-scoped, named by number). */
export function ciliumIdentityObject(id: number, labelsText: string): Record<string, unknown> {
  const labels = parseLabels(labelsText);
  if (!labels.ok) throw new Error(`ciliumIdentityObject: ${labels.error}`);
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumIdentity',
    metadata: { name: String(id), labels: { 'io.kubernetes.pod.namespace': namespaceOf(labels.value) } },
    'security-labels': labelsToMap(labels.value),
  };
}

function namespaceOf(labels: readonly { key: string; value: string }[]): string {
  return labels.find((l) => l.key === 'io.kubernetes.pod.namespace')?.value ?? '';
}

function podIps(pod: Pod): { ipv4?: string; ipv6?: string } {
  const out: { ipv4?: string; ipv6?: string } = {};
  const all = pod.status.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : pod.status.podIP ? [pod.status.podIP] : [];
  for (const raw of all) {
    const ip = parseIp(raw);
    if (ip?.family === 4) out.ipv4 ??= ip.text;
    if (ip?.family === 6) out.ipv6 ??= ip.text;
  }
  return out;
}

/**
 * The CiliumEndpoint of a pod with an IP, or undefined when the pod has none yet. Named ports
 * are the pod's named container ports, sorted by name.
 */
export function ciliumEndpointObject(pod: Pod, identity: { id: number; labels: string }): Record<string, unknown> | undefined {
  const ips = podIps(pod);
  if (!ips.ipv4 && !ips.ipv6) return undefined;
  const labels = parseLabels(identity.labels);
  const namedPorts = pod.spec.containers
    .flatMap((c) => c.ports ?? [])
    .filter((p) => p.name)
    .map((p) => ({ name: p.name!, port: p.containerPort, protocol: p.protocol }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hostIp = pod.status.hostIP ? parseIp(pod.status.hostIP)?.text : undefined;
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumEndpoint',
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      ...(pod.metadata.uid
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid, blockOwnerDeletion: true }] }
        : {}),
    },
    status: {
      identity: { id: identity.id, labels: labels.ok ? labels.value.map((l) => `${l.source}:${l.key}=${l.value}`) : [] },
      networking: { addressing: [ips], ...(hostIp ? { node: hostIp } : {}) },
      ...(namedPorts.length > 0 ? { 'named-ports': namedPorts } : {}),
      ...(pod.spec.serviceAccountName ? { 'service-account': pod.spec.serviceAccountName } : {}),
      state: 'ready',
    },
  };
}
