/**
 * Discovery documents, built from ResourceDefs only: aggregated discovery (what kubectl 1.32
 * asks for first) and the legacy APIVersions / APIGroupList / APIResourceList documents.
 * Pure: plain data in, plain JSON-ready objects out.
 */
import { groupVersion, type ResourceDef } from '../resources.js';
import { isPlainJson, parseAccept, type MediaRange } from './accept.js';

export type DiscoveryVersion = 'v2' | 'v2beta1';

/** The only content types kubectl accepts aggregated discovery under; anything else is "unknown". */
export function aggregatedContentType(version: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

const STATUS_VERBS = ['get', 'patch', 'update'] as const;

function aggregatedVersionOf(range: MediaRange): DiscoveryVersion | undefined {
  if (range.type !== 'application/json') return undefined;
  if (range.params.get('g') !== 'apidiscovery.k8s.io') return undefined;
  if (range.params.get('as') !== 'APIGroupDiscoveryList') return undefined;
  const v = range.params.get('v');
  return v === 'v2' || v === 'v2beta1' ? v : undefined;
}

/**
 * Which aggregated discovery version (if any) to answer /api or /apis with. Undefined means the
 * legacy documents: either the client asked for them first or listed nothing aggregated we serve
 * (protobuf-encoded aggregated discovery is not offered).
 */
export function negotiateDiscovery(
  accept: string | undefined,
): { contentType: string; version: DiscoveryVersion } | undefined {
  for (const range of parseAccept(accept)) {
    const version = aggregatedVersionOf(range);
    if (version) return { contentType: aggregatedContentType(version), version };
    if (isPlainJson(range)) return undefined;
  }
  return undefined;
}

function responseKind(def: ResourceDef): { group: string; version: string; kind: string } {
  return { group: def.group, version: def.version, kind: def.kind };
}

function discoveryResource(def: ResourceDef): object {
  return {
    resource: def.resource,
    responseKind: responseKind(def),
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    shortNames: [...def.shortNames],
    categories: [...def.categories],
    verbs: [...def.verbs],
    subresources: def.statusSubresource
      ? [{ subresource: 'status', responseKind: responseKind(def), verbs: [...STATUS_VERBS] }]
      : [],
  };
}

/** group → version → defs, in first-seen order (the first version of a group is its preferred one). */
function byGroupVersion(defs: readonly ResourceDef[]): Map<string, Map<string, ResourceDef[]>> {
  const groups = new Map<string, Map<string, ResourceDef[]>>();
  for (const def of defs) {
    let versions = groups.get(def.group);
    if (!versions) groups.set(def.group, (versions = new Map()));
    let list = versions.get(def.version);
    if (!list) versions.set(def.version, (list = []));
    list.push(def);
  }
  return groups;
}

/** apidiscovery.k8s.io APIGroupDiscoveryList for `/api` (core group, name "") or `/apis` (all others). */
export function aggregatedDiscovery(
  defs: readonly ResourceDef[],
  which: 'core' | 'apis',
  version: DiscoveryVersion,
): object {
  const wanted = defs.filter((d) => (which === 'core') === (d.group === ''));
  const items = [...byGroupVersion(wanted)].map(([group, versions]) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: [...versions].map(([v, list]) => ({
      version: v,
      resources: list.map(discoveryResource),
      freshness: 'Current',
    })),
  }));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items,
  };
}

/** Legacy `/api` body. */
export function legacyApiVersions(): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [],
  };
}

/** Legacy `/apis` body: every non-core group with its versions, the first one preferred. */
export function legacyApiGroupList(defs: readonly ResourceDef[]): object {
  const groups = [...byGroupVersion(defs.filter((d) => d.group !== ''))].map(([group, versions]) => {
    const list = [...versions.keys()].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    return { name: group, versions: list, preferredVersion: list[0] };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** Legacy `/api/v1` or `/apis/<g>/<v>` body; undefined when the group-version is not served. */
export function apiResourceList(defs: readonly ResourceDef[], gv: string): object | undefined {
  const served = defs.filter((d) => groupVersion(d) === gv);
  if (served.length === 0) return undefined;
  const resources = served.flatMap((def) => {
    const main = {
      name: def.resource,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: [...def.verbs],
      ...(def.shortNames.length > 0 ? { shortNames: [...def.shortNames] } : {}),
      ...(def.categories.length > 0 ? { categories: [...def.categories] } : {}),
    };
    if (!def.statusSubresource) return [main];
    const status = {
      name: `${def.resource}/status`,
      singularName: '',
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: [...STATUS_VERBS],
    };
    return [main, status];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
}

/** `/version`: kubectl's dispatcher picks its bundled v1.32 binary by `minor`. */
export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-meshlb',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T00:00:00Z',
    goVersion: 'go1.23.3',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
