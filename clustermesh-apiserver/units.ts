/**
 * Pure: the unit of incremental work. Each input object maps to one unit whose etcd entries
 * can be recomputed on its own (a Service together with its EndpointSlices and Namespace, a
 * Node, a CiliumIdentity, a CiliumEndpoint; a Namespace unit only reports a bad annotation).
 * `affectedUnits` says which units an informer event touches; `projectUnit` recomputes one.
 */
import { projectEndpoint } from './endpoints.js';
import { projectIdentity } from './identities.js';
import { projectNode } from './nodes.js';
import { NOTHING, type ObjectProjection, type ProjectionOptions } from './options.js';
import { sliceServiceRef } from './project.js';
import { namespaceIsGlobal, projectService } from './services.js';

export type SourceKind = 'Service' | 'EndpointSlice' | 'Namespace' | 'Node' | 'CiliumIdentity' | 'CiliumEndpoint';

/** `svc:ns/name`, `ns:name`, `node:name`, `id:name`, `cep:ns/name`. */
export type Unit = string;

/** The informers' caches, keyed as the informer keys them (`ns/name` or `name`). */
export interface SourceCaches {
  readonly services: ReadonlyMap<string, unknown>;
  readonly endpointSlices: ReadonlyMap<string, unknown>;
  readonly namespaces: ReadonlyMap<string, unknown>;
  readonly nodes: ReadonlyMap<string, unknown>;
  readonly identities: ReadonlyMap<string, unknown>;
  readonly endpoints: ReadonlyMap<string, unknown>;
  /** Service key → keys of the EndpointSlices labelled with it. */
  readonly slicesByService: ReadonlyMap<string, ReadonlySet<string>>;
}

const prefixOf: Record<Exclude<SourceKind, 'EndpointSlice'>, string> = {
  Service: 'svc:',
  Namespace: 'ns:',
  Node: 'node:',
  CiliumIdentity: 'id:',
  CiliumEndpoint: 'cep:',
};

/** Key the informers use for an object: `namespace/name`, or `name` when cluster-scoped. */
export function cacheKeyOf(obj: unknown): string | undefined {
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (typeof meta?.name !== 'string') return undefined;
  return typeof meta.namespace === 'string' && meta.namespace !== '' ? `${meta.namespace}/${meta.name}` : meta.name;
}

function namespaceMembers(prefix: string, cache: ReadonlyMap<string, unknown>, ns: string): Unit[] {
  const out: Unit[] = [];
  for (const key of cache.keys()) if (key.startsWith(`${ns}/`)) out.push(prefix + key);
  return out;
}

/** Units whose entries may change because `obj` (previously `old`) of `kind` changed. */
export function affectedUnits(kind: SourceKind, obj: unknown, old: unknown, caches: SourceCaches): Unit[] {
  if (kind === 'EndpointSlice') {
    const refs = new Set([sliceServiceRef(obj), sliceServiceRef(old)]);
    return [...refs].filter((r): r is string => r !== undefined).map((r) => `svc:${r}`);
  }
  const key = cacheKeyOf(obj) ?? cacheKeyOf(old);
  if (key === undefined) return [];
  const own = prefixOf[kind] + key;
  if (kind !== 'Namespace') return [own];
  // Whether a namespace is global decides every service and endpoint in it.
  return [own, ...namespaceMembers('svc:', caches.services, key), ...namespaceMembers('cep:', caches.endpoints, key)];
}

/** Every unit the caches hold: what a full recomputation covers. */
export function allUnits(caches: SourceCaches): Unit[] {
  const units: Unit[] = [];
  const add = (prefix: string, cache: ReadonlyMap<string, unknown>) => {
    for (const key of cache.keys()) units.push(prefix + key);
  };
  add('ns:', caches.namespaces);
  add('svc:', caches.services);
  add('node:', caches.nodes);
  add('id:', caches.identities);
  add('cep:', caches.endpoints);
  return units;
}

/** A namespace problem is reported by the namespace's own unit, not once per member. */
function withoutNamespaceRejections(p: ObjectProjection): ObjectProjection {
  return p.rejected.some((r) => r.kind === 'Namespace') ? { entries: p.entries, rejected: p.rejected.filter((r) => r.kind !== 'Namespace') } : p;
}

function namespaceOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/** The entries of one unit given the current caches; a unit whose object is gone has none. */
export function projectUnit(unit: Unit, caches: SourceCaches, opts: ProjectionOptions): ObjectProjection {
  const colon = unit.indexOf(':');
  const type = unit.slice(0, colon);
  const key = unit.slice(colon + 1);
  switch (type) {
    case 'svc': {
      const svc = caches.services.get(key);
      if (svc === undefined) return NOTHING;
      const slices = [...(caches.slicesByService.get(key) ?? [])].map((k) => caches.endpointSlices.get(k)).filter((s) => s !== undefined);
      return withoutNamespaceRejections(projectService(svc, slices, caches.namespaces.get(namespaceOf(key)), opts));
    }
    case 'ns': {
      const ns = caches.namespaces.get(key);
      const r = ns === undefined ? undefined : namespaceIsGlobal(ns, opts).rejected;
      return r ? { entries: [], rejected: [r] } : NOTHING;
    }
    case 'node': {
      const node = caches.nodes.get(key);
      return node === undefined ? NOTHING : projectNode(node, opts);
    }
    case 'id': {
      const identity = caches.identities.get(key);
      return identity === undefined ? NOTHING : projectIdentity(identity, opts);
    }
    case 'cep': {
      const cep = caches.endpoints.get(key);
      if (cep === undefined) return NOTHING;
      return withoutNamespaceRejections(projectEndpoint(cep, caches.namespaces.get(namespaceOf(key)), opts));
    }
    default:
      throw new Error(`projectUnit: unknown unit ${unit}`);
  }
}

/** Keeps Service key → EndpointSlice keys up to date as slices come and go. */
export class SliceIndex {
  private readonly bySlice = new Map<string, string>();
  readonly byService = new Map<string, Set<string>>();

  /** Records where `sliceKey` points now (undefined: deleted or not for a Service). */
  set(sliceKey: string, serviceRef: string | undefined): void {
    const before = this.bySlice.get(sliceKey);
    if (before === serviceRef) return;
    if (before !== undefined) {
      const set = this.byService.get(before);
      set?.delete(sliceKey);
      if (set?.size === 0) this.byService.delete(before);
    }
    if (serviceRef === undefined) {
      this.bySlice.delete(sliceKey);
      return;
    }
    this.bySlice.set(sliceKey, serviceRef);
    const set = this.byService.get(serviceRef) ?? new Set<string>();
    set.add(sliceKey);
    this.byService.set(serviceRef, set);
  }
}

/** The informers a unit's projection reads, besides its own object's. */
const unitSources: Readonly<Record<string, readonly SourceKind[]>> = {
  svc: ['Service', 'EndpointSlice', 'Namespace'],
  ns: ['Namespace'],
  node: ['Node'],
  id: ['CiliumIdentity'],
  cep: ['CiliumEndpoint', 'Namespace'],
};

/**
 * Whether a unit can be projected for good while the informers are still listing: every
 * informer it reads has delivered its first list (a Service projected before its
 * EndpointSlices arrived would only be projected again).
 */
export function unitProjectable(unit: Unit, synced: (kind: SourceKind) => boolean): boolean {
  const sources = unitSources[unit.slice(0, unit.indexOf(':'))];
  return sources !== undefined && sources.every(synced);
}
