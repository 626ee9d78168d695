/**
 * One reconcile round of the identity controller, pure: from the pods, namespaces,
 * CiliumIdentities and CiliumEndpoints the informers hold, decide which identities to create
 * and delete and which endpoints to write and delete. The adapter applies exactly this plan.
 *
 * Rules that keep it safe to run over and over:
 * - an existing identity is reused for its label set (a restart reallocates nothing);
 * - only identities of this cluster (in its range, carrying its cluster label) are ever
 *   deleted, and only after nobody used them for the grace period;
 * - a pod that exists but is rejected (bad labels, range full) keeps whatever endpoint it has,
 *   so bad input never takes a working endpoint away.
 */
import { z } from 'zod';
import { identityRange, type MaxConnectedClusters } from '../../clustermesh/cluster.js';
import { formatLabels, labelsFromMap, parseLabels, POLICY_CLUSTER_LABEL, type Label } from '../../clustermesh/labels.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { zodReason } from '../../clustermesh/zod-reason.js';
import { allocate, type ExistingIdentity } from './allocator.js';
import { gcIdentities } from './gc.js';
import { ciliumEndpointObject, ciliumIdentityObject, podIdentities } from './pods.js';

export interface ClusterInfo {
  readonly name: string;
  readonly id: number;
  readonly maxConnected: MaxConnectedClusters;
}

export interface ReconcileInput {
  readonly cluster: ClusterInfo;
  readonly pods: readonly unknown[];
  /** Namespace name → its labels. */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly identities: readonly unknown[];
  readonly endpoints: readonly unknown[];
  readonly lastUsed: ReadonlyMap<number, number>;
  readonly now: number;
  readonly graceMs: number;
}

export type ErrorReason = 'invalid_pod' | 'invalid_labels' | 'range_exhausted' | 'foreign_identity' | 'invalid_endpoint';

export interface ReconcileError {
  readonly reason: ErrorReason;
  /** What the error is about, e.g. "pods default/web-1" or "ciliumidentities 12". */
  readonly subject: string;
  readonly message: string;
}

export interface EndpointRef {
  readonly namespace: string;
  readonly name: string;
}

export interface EndpointWrite extends EndpointRef {
  readonly object: Record<string, unknown>;
  /** False: the endpoint does not exist yet (create); true: replace the existing one. */
  readonly exists: boolean;
}

export interface ReconcilePlan {
  readonly createIdentities: readonly { readonly id: number; readonly labels: string; readonly object: Record<string, unknown> }[];
  readonly deleteIdentities: readonly number[];
  readonly writeEndpoints: readonly EndpointWrite[];
  readonly deleteEndpoints: readonly EndpointRef[];
  readonly lastUsed: ReadonlyMap<number, number>;
  readonly errors: readonly ReconcileError[];
  /** Pod "namespace/name" → identity, for every pod that has one. */
  readonly podIdentity: ReadonlyMap<string, number>;
}

/** Kubernetes caps label values at 63 characters; ';' and '=' would break the kvstore text. */
const MAX_LABEL_VALUE_LENGTH = 63;

export function checkLabelsText(text: string): string | undefined {
  const parsed = parseLabels(text);
  if (!parsed.ok) return parsed.error;
  for (const l of parsed.value) {
    if (l.value.length > MAX_LABEL_VALUE_LENGTH) return `label ${l.key} value is longer than ${MAX_LABEL_VALUE_LENGTH} characters`;
    if (/[;=]/.test(l.key) || l.value.includes(';')) return `label ${l.key} contains ';' or '=' and cannot be encoded`;
  }
  return undefined;
}

const identityObjectSchema = z.object({
  metadata: z.object({ name: z.string() }),
  'security-labels': z.record(z.string(), z.string()).nullish(),
});

/**
 * Informer caches hand the same object back every round until it changes, so what is derived
 * from one object alone is kept per object: a round then costs little more than the changes.
 */
const parsedIdentities = new WeakMap<object, Result<{ name: string; labels: Label[]; text: string }>>();
const parsedEndpoints = new WeakMap<object, Result<ActualEndpoint>>();

function memo<T>(cache: WeakMap<object, T>, obj: unknown, derive: () => T): T {
  if (obj === null || typeof obj !== 'object') return derive();
  let v = cache.get(obj);
  if (v === undefined) {
    v = derive();
    cache.set(obj, v);
  }
  return v;
}

function parseIdentityObject(obj: unknown): Result<{ name: string; labels: Label[]; text: string }> {
  const parsed = identityObjectSchema.safeParse(obj);
  if (!parsed.success) return fail(zodReason(parsed.error));
  const labels = labelsFromMap(parsed.data['security-labels'] ?? {});
  return ok({ name: parsed.data.metadata.name, labels, text: formatLabels(labels) });
}

/** This cluster's identities; anything else in the API is reported and left alone. */
function ownIdentities(raw: readonly unknown[], cluster: ClusterInfo, errors: ReconcileError[]): ExistingIdentity[] {
  const range = identityRange(cluster.id, cluster.maxConnected);
  const out: ExistingIdentity[] = [];
  for (const obj of raw) {
    const parsed = memo(parsedIdentities, obj, () => parseIdentityObject(obj));
    if (!parsed.ok) {
      errors.push({ reason: 'foreign_identity', subject: 'ciliumidentities ?', message: parsed.error });
      continue;
    }
    const { name, labels, text } = parsed.value;
    const subject = `ciliumidentities ${name}`;
    const id = /^[1-9]\d{0,7}$/.test(name) ? Number(name) : NaN;
    if (!(id >= range.min && id <= range.max)) {
      errors.push({ reason: 'foreign_identity', subject, message: `not a numeric identity in this cluster's range ${range.min}..${range.max}` });
      continue;
    }
    if (!labels.some((l) => l.key === POLICY_CLUSTER_LABEL && l.value === cluster.name)) {
      errors.push({ reason: 'foreign_identity', subject, message: `security-labels lack ${POLICY_CLUSTER_LABEL}=${cluster.name}` });
      continue;
    }
    out.push({ id, labels: text });
  }
  return out;
}

const endpointObjectSchema = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string(),
    ownerReferences: z.array(z.object({ kind: z.string() }).loose()).nullish(),
  }).loose(),
  status: z.object({ identity: z.object({ id: z.number() }).loose().nullish() }).loose().nullish(),
}).loose();

interface ActualEndpoint {
  readonly namespace: string;
  readonly name: string;
  readonly podOwned: boolean;
  readonly identity?: number;
  readonly fingerprint: string;
}

/** What of an endpoint this controller owns; everything else (resourceVersion, …) is ignored. */
export function endpointFingerprint(obj: unknown): string {
  const o = obj as { metadata?: { ownerReferences?: unknown }; status?: unknown } | null;
  return stableJson({ ownerReferences: o?.metadata?.ownerReferences ?? null, status: o?.status ?? null });
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function parseEndpointObject(obj: unknown): Result<ActualEndpoint> {
  const parsed = endpointObjectSchema.safeParse(obj);
  if (!parsed.success) return fail(zodReason(parsed.error));
  const { name, namespace, ownerReferences } = parsed.data.metadata;
  const identity = parsed.data.status?.identity?.id;
  return ok({
    name, namespace,
    podOwned: (ownerReferences ?? []).some((r) => r.kind === 'Pod'),
    ...(identity !== undefined ? { identity } : {}),
    fingerprint: endpointFingerprint(obj),
  });
}

function actualEndpoints(raw: readonly unknown[], errors: ReconcileError[]): Map<string, ActualEndpoint> {
  const out = new Map<string, ActualEndpoint>();
  for (const obj of raw) {
    const parsed = memo(parsedEndpoints, obj, () => parseEndpointObject(obj));
    if (!parsed.ok) {
      errors.push({ reason: 'invalid_endpoint', subject: 'ciliumendpoints ?', message: parsed.error });
      continue;
    }
    out.set(`${parsed.value.namespace}/${parsed.value.name}`, parsed.value);
  }
  return out;
}

export function reconcile(input: ReconcileInput): ReconcilePlan {
  const errors: ReconcileError[] = [];
  const { byPod, pods, rejected } = podIdentities(input.pods, input.namespaceLabels, input.cluster.name);
  // Pods that exist but get no decision this round keep their endpoints as they are.
  const untouchable = new Set<string>();
  for (const r of rejected) {
    errors.push({ reason: 'invalid_pod', subject: `pods ${r.namespace ?? '?'}/${r.name}`, message: r.reason });
    if (r.namespace !== undefined) untouchable.add(`${r.namespace}/${r.name}`);
  }

  const wanted = new Map<string, string>();
  for (const [ref, text] of byPod) {
    const bad = checkLabelsText(text);
    if (bad) {
      errors.push({ reason: 'invalid_labels', subject: `pods ${ref}`, message: bad });
      untouchable.add(ref);
      continue;
    }
    wanted.set(ref, text);
  }

  const existing = ownIdentities(input.identities, input.cluster, errors);
  const range = identityRange(input.cluster.id, input.cluster.maxConnected);
  const allocation = allocate(existing, wanted.values(), range);
  for (const labels of allocation.exhausted) {
    errors.push({ reason: 'range_exhausted', subject: 'identities', message: `no free identity in ${range.min}..${range.max} for ${labels}` });
  }

  const actual = actualEndpoints(input.endpoints, errors);
  const podIdentity = new Map<string, number>();
  const writeEndpoints: EndpointWrite[] = [];
  const desiredKeys = new Set<string>();
  for (const [ref, labels] of wanted) {
    const id = allocation.assigned.get(labels);
    if (id === undefined) {
      untouchable.add(ref);
      continue;
    }
    podIdentity.set(ref, id);
    const desired = ciliumEndpointObject(pods.get(ref)!, { id, labels });
    if (!desired) continue;
    desiredKeys.add(ref);
    const have = actual.get(ref);
    if (have?.fingerprint === endpointFingerprint(desired)) continue;
    const meta = desired.metadata as { name: string; namespace: string };
    writeEndpoints.push({ namespace: meta.namespace, name: meta.name, object: desired, exists: have !== undefined });
  }

  const deleteEndpoints: EndpointRef[] = [];
  for (const [key, ep] of actual) {
    if (desiredKeys.has(key) || untouchable.has(key) || !ep.podOwned) continue;
    deleteEndpoints.push({ namespace: ep.namespace, name: ep.name });
  }

  // In use: what pods hold now, plus what surviving endpoints still point at.
  const inUse = new Set<number>(podIdentity.values());
  for (const [key, ep] of actual) if (ep.identity !== undefined && (desiredKeys.has(key) || untouchable.has(key) || !ep.podOwned)) inUse.add(ep.identity);
  const createdIds = new Set(allocation.created.map((c) => c.id));
  const gc = gcIdentities({
    identities: existing.map((e) => e.id).filter((id) => !createdIds.has(id)),
    inUse,
    lastUsed: input.lastUsed,
    now: input.now,
    graceMs: input.graceMs,
  });

  return {
    createIdentities: allocation.created.map((c) => ({ ...c, object: ciliumIdentityObject(c.id, c.labels) })),
    deleteIdentities: gc.delete,
    writeEndpoints,
    deleteEndpoints,
    lastUsed: gc.lastUsed,
    errors,
    podIdentity,
  };
}
