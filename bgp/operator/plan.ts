/**
 * Desired objects against what the API server has → the writes to make, pure. Specs are
 * compared after both sides went through the kind's schema (defaults applied), so a default
 * the server filled in never looks like a difference and nothing is rewritten in a loop.
 */
import type { z } from 'zod';
import type { KubeObject } from '../../k8s/patch.js';
import type { ConditionDraft, DesiredObject, OwnerRef } from './desired.js';

export interface ExistingObject {
  readonly metadata: { name: string; resourceVersion?: string; labels?: Record<string, string>; ownerReferences?: readonly Partial<OwnerRef>[] };
  readonly spec?: unknown;
}

export interface ObjectPlan {
  /** Full objects to create (POST). */
  readonly creates: readonly KubeObject[];
  /** Full objects to replace (PUT), carrying the cached resourceVersion as precondition. */
  readonly updates: readonly KubeObject[];
  readonly deletes: readonly string[];
}

/** JSON with sorted keys and no undefined members: equal data, equal text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function sameSpec(schema: z.ZodType, have: unknown, want: unknown): boolean {
  const h = schema.safeParse(have ?? {});
  const w = schema.safeParse(want);
  return h.success && w.success && canonical(h.data) === canonical(w.data);
}

function ownerReference(o: OwnerRef): Record<string, unknown> {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: true };
}

function ownedBy(existing: ExistingObject, o: OwnerRef): boolean {
  const refs = existing.metadata.ownerReferences ?? [];
  return refs.length === 1 && refs.some((r) => r.kind === o.kind && r.name === o.name && r.uid === o.uid && r.apiVersion === o.apiVersion);
}

function labelsMatch(existing: ExistingObject, want: Readonly<Record<string, string>>): boolean {
  const have = existing.metadata.labels ?? {};
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

export interface PlanOptions<S> {
  readonly apiVersion: string;
  readonly kind: string;
  /** The kind's spec schema, to compare with defaults applied. */
  readonly specSchema: z.ZodType;
  readonly desired: ReadonlyMap<string, DesiredObject<S>>;
  readonly existing: readonly ExistingObject[];
  /** Whether an existing object not in `desired` is the operator's to delete. */
  readonly ours: (o: ExistingObject) => boolean;
}

export function planObjects<S>(p: PlanOptions<S>): ObjectPlan {
  const byName = new Map(p.existing.map((o) => [o.metadata.name, o]));
  const creates: KubeObject[] = [];
  const updates: KubeObject[] = [];
  const deletes: string[] = [];
  const build = (d: DesiredObject<S>, base?: ExistingObject): KubeObject => ({
    apiVersion: p.apiVersion,
    kind: p.kind,
    metadata: {
      name: d.name,
      ...(base?.metadata.resourceVersion ? { resourceVersion: base.metadata.resourceVersion } : {}),
      // Labels others set are kept; ours are set.
      labels: { ...(base?.metadata.labels ?? {}), ...d.labels },
      ownerReferences: [ownerReference(d.owner)],
    },
    spec: d.spec as unknown,
  });
  for (const d of [...p.desired.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const have = byName.get(d.name);
    if (!have) creates.push(build(d));
    else if (!sameSpec(p.specSchema, have.spec, d.spec) || !ownedBy(have, d.owner) || !labelsMatch(have, d.labels)) updates.push(build(d, have));
  }
  for (const o of p.existing) if (!p.desired.has(o.metadata.name) && p.ours(o)) deletes.push(o.metadata.name);
  return { creates, updates, deletes: deletes.sort() };
}

type Loose = Record<string, unknown>;

/**
 * The conditions list to write, or undefined when the object already says it. Conditions of
 * other types are kept; a condition's lastTransitionTime only moves when its status does.
 */
export function mergeConditions(current: readonly unknown[], desired: readonly ConditionDraft[], now: string): Loose[] | undefined {
  const existing = current.filter((c): c is Loose => typeof c === 'object' && c !== null && typeof (c as Loose).type === 'string');
  let changed = false;
  const out: Loose[] = existing.filter((c) => !desired.some((d) => d.type === c.type));
  for (const want of desired) {
    const have = existing.find((c) => c.type === want.type);
    const same = have && have.status === want.status && have.reason === want.reason && have.message === want.message;
    if (same) {
      out.push(have);
      continue;
    }
    changed = true;
    const since = have && have.status === want.status && typeof have.lastTransitionTime === 'string' ? have.lastTransitionTime : now;
    out.push({ ...want, lastTransitionTime: since });
  }
  return changed ? out : undefined;
}
