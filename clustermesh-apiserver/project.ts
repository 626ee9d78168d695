/**
 * The clustermesh-apiserver's pure core: Kubernetes objects in, the exact etcd contents out.
 * The adapter keeps the objects, calls the per-object functions for what changed, and writes
 * the `diff` between what etcd holds and what this says it should hold.
 */
import { IDENTITIES_PREFIX, IPCACHE_PREFIX, NODES_PREFIX, SERVICES_PREFIX } from '../clustermesh/keys.js';
import { projectEndpoint } from './endpoints.js';
import { projectIdentity } from './identities.js';
import { SERVICE_NAME_LABEL } from './k8s-objects.js';
import { projectNode } from './nodes.js';
import { describeObject, type ObjectProjection, type ProjectionOptions, type Rejection } from './options.js';
import { namespaceIsGlobal, projectService } from './services.js';

export interface ProjectionInputs {
  readonly services: readonly unknown[];
  readonly endpointSlices: readonly unknown[];
  readonly namespaces: readonly unknown[];
  readonly nodes: readonly unknown[];
  readonly identities: readonly unknown[];
  readonly endpoints: readonly unknown[];
}

export interface Projection {
  readonly entries: Map<string, string>;
  readonly rejected: Rejection[];
}

/** Key prefixes this cluster's apiserver owns: on start, anything there not projected is stale. */
export function ownedPrefixes(clusterName: string): string[] {
  return [IDENTITIES_PREFIX, IPCACHE_PREFIX, `${NODES_PREFIX}${clusterName}/`, `${SERVICES_PREFIX}${clusterName}/`];
}

/** "namespace/service" an EndpointSlice belongs to, from its service-name label. */
export function sliceServiceRef(slice: unknown): string | undefined {
  const meta = (slice as { metadata?: { namespace?: unknown; labels?: Record<string, unknown> | null } } | null)?.metadata;
  const service = meta?.labels?.[SERVICE_NAME_LABEL];
  return typeof meta?.namespace === 'string' && typeof service === 'string' ? `${meta.namespace}/${service}` : undefined;
}

function byName(objects: readonly unknown[]): Map<string, unknown> {
  return new Map(objects.map((o) => [describeObject(o).name, o]));
}

export function project(inputs: ProjectionInputs, opts: ProjectionOptions): Projection {
  const entries = new Map<string, string>();
  const rejected: Rejection[] = [];
  const add = (p: ObjectProjection): void => {
    for (const [k, v] of p.entries) entries.set(k, v);
    rejected.push(...p.rejected);
  };
  const namespaces = byName(inputs.namespaces);
  const slicesByService = new Map<string, unknown[]>();
  for (const slice of inputs.endpointSlices) {
    const ref = sliceServiceRef(slice);
    if (ref === undefined) continue; // not managed for a Service
    const list = slicesByService.get(ref) ?? [];
    list.push(slice);
    slicesByService.set(ref, list);
  }
  // A bad namespace annotation is reported once here, not once per service in it.
  for (const ns of inputs.namespaces) {
    const { rejected: r } = namespaceIsGlobal(ns, opts);
    if (r) rejected.push(r);
  }
  const quiet = (p: ObjectProjection): ObjectProjection => ({ entries: p.entries, rejected: p.rejected.filter((r) => r.kind !== 'Namespace') });
  for (const svc of inputs.services) {
    const { name, namespace = '' } = describeObject(svc);
    add(quiet(projectService(svc, slicesByService.get(`${namespace}/${name}`) ?? [], namespaces.get(namespace), opts)));
  }
  for (const node of inputs.nodes) add(projectNode(node, opts));
  for (const identity of inputs.identities) add(projectIdentity(identity, opts));
  for (const cep of inputs.endpoints) {
    add(quiet(projectEndpoint(cep, namespaces.get(describeObject(cep).namespace ?? ''), opts)));
  }
  return { entries, rejected };
}

export interface Diff {
  /** Keys to write, with their value, sorted by key. */
  readonly puts: [string, string][];
  /** Keys to delete, sorted. */
  readonly deletes: string[];
}

/** What to write so that `current` becomes `desired`; unchanged keys are not rewritten. */
export function diff(current: ReadonlyMap<string, string>, desired: ReadonlyMap<string, string>): Diff {
  const puts: [string, string][] = [];
  const deletes: string[] = [];
  for (const [k, v] of desired) if (current.get(k) !== v) puts.push([k, v]);
  for (const k of current.keys()) if (!desired.has(k)) deletes.push(k);
  puts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  deletes.sort();
  return { puts, deletes };
}
