/**
 * Pure helpers over Kubernetes objects as plain JSON: metadata access, the status-subresource
 * split and generation bookkeeping. No I/O, no clock (callers pass time and ids in).
 */
import type { ResourceDef } from './resources.js';

export type KObject = Record<string, unknown>;
export type Metadata = Record<string, unknown> & {
  name?: string;
  namespace?: string;
  generateName?: string;
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function metadataOf(obj: KObject): Metadata {
  return isPlainObject(obj.metadata) ? (obj.metadata as Metadata) : {};
}

export function withMetadata(obj: KObject, patch: Partial<Metadata>): KObject {
  return { ...obj, metadata: { ...metadataOf(obj), ...patch } };
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Everything that is not metadata (and not status when /status is separate): what generation tracks. */
function specPart(def: ResourceDef, obj: KObject): KObject {
  const rest: KObject = { ...obj };
  delete rest.metadata;
  delete rest.apiVersion;
  delete rest.kind;
  if (def.statusSubresource) delete rest.status;
  return rest;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function nextGeneration(def: ResourceDef, current: KObject, next: KObject): number {
  const gen = metadataOf(current).generation;
  const base = typeof gen === 'number' ? gen : 1;
  return deepEqual(specPart(def, current), specPart(def, next)) ? base : base + 1;
}

/**
 * What a write through the main resource or through /status actually stores, before
 * server-owned metadata is set: with a status subresource the main resource cannot change
 * .status and /status can change nothing else (metadata included, as in Kubernetes).
 */
export function splitStatusWrite(
  def: ResourceDef,
  current: KObject,
  next: KObject,
  subresource?: string,
): KObject {
  if (!def.statusSubresource) return next;
  if (subresource === 'status') {
    const out: KObject = { ...current };
    if (next.status === undefined) delete out.status;
    else out.status = next.status;
    const nextRv = metadataOf(next).resourceVersion;
    return withMetadata(out, { resourceVersion: nextRv });
  }
  const out: KObject = { ...next };
  if (current.status === undefined) delete out.status;
  else out.status = current.status;
  return out;
}

/** Server-owned metadata survives every update whatever the client sent. */
export function keepServerMetadata(def: ResourceDef, current: KObject, next: KObject): KObject {
  const cur = metadataOf(current);
  const meta: Metadata = { ...metadataOf(next) };
  meta.name = cur.name;
  if (def.namespaced) meta.namespace = cur.namespace;
  else delete meta.namespace;
  meta.uid = cur.uid;
  meta.creationTimestamp = cur.creationTimestamp;
  if (cur.generateName !== undefined) meta.generateName = cur.generateName;
  delete meta.managedFields;
  delete meta.selfLink;
  const out: KObject = { ...next, metadata: meta };
  meta.generation = nextGeneration(def, current, out);
  return out;
}

/** The apiVersion and kind an object is served with: the version asked for (no conversion between CRD versions). */
export function asServed(def: ResourceDef, obj: KObject): KObject {
  const apiVersion = def.group === '' ? def.version : `${def.group}/${def.version}`;
  return { apiVersion, kind: def.kind, ...withoutTypeMeta(obj) };
}

function withoutTypeMeta(obj: KObject): KObject {
  const rest = { ...obj };
  delete rest.apiVersion;
  delete rest.kind;
  return rest;
}
