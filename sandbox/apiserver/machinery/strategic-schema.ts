/**
 * Strategic-merge-patch metadata for the built-in kinds the sandbox serves: which lists merge
 * (and on which key) instead of being replaced. These are the `patchStrategy`/`patchMergeKey`
 * tags of the Kubernetes API types (k8s.io/api core/v1, meta/v1). Lists not named here are
 * atomic, as in Kubernetes: EndpointSlice endpoints/ports, Endpoints subsets, Service
 * externalIPs, clusterIPs, ipFamilies, status.loadBalancer.ingress, Node taints, tolerations.
 */

export interface PatchMeta {
  /** Struct fields with their own metadata; any field not named has no special strategy. */
  readonly fields?: Readonly<Record<string, PatchMeta>>;
  /** Arrays: 'merge' merges (by mergeKey for lists of objects, as a set for primitives). */
  readonly list?: 'merge';
  readonly mergeKey?: string;
  /** Metadata of the list's elements. */
  readonly items?: PatchMeta;
}

function mergeList(mergeKey: string, items?: PatchMeta): PatchMeta {
  return items === undefined ? { list: 'merge', mergeKey } : { list: 'merge', mergeKey, items };
}

const PRIMITIVE_SET: PatchMeta = { list: 'merge' };
const CONDITIONS = mergeList('type');

const objectMeta: PatchMeta = {
  fields: { finalizers: PRIMITIVE_SET, ownerReferences: mergeList('uid') },
};

const container: PatchMeta = {
  fields: {
    ports: mergeList('containerPort'),
    env: mergeList('name'),
    volumeMounts: mergeList('mountPath'),
    volumeDevices: mergeList('devicePath'),
  },
};

const podSpec: PatchMeta = {
  fields: {
    volumes: mergeList('name'),
    initContainers: mergeList('name', container),
    containers: mergeList('name', container),
    ephemeralContainers: mergeList('name', container),
    imagePullSecrets: mergeList('name'),
    hostAliases: mergeList('ip'),
    topologySpreadConstraints: mergeList('topologyKey'),
    schedulingGates: mergeList('name'),
    resourceClaims: mergeList('name'),
  },
};

const podStatus: PatchMeta = {
  fields: {
    conditions: CONDITIONS,
    podIPs: mergeList('ip'),
    hostIPs: mergeList('ip'),
    resourceClaimStatuses: mergeList('name'),
  },
};

function kind(spec?: PatchMeta, status?: PatchMeta): PatchMeta {
  const fields: Record<string, PatchMeta> = { metadata: objectMeta };
  if (spec !== undefined) fields.spec = spec;
  if (status !== undefined) fields.status = status;
  return { fields };
}

const BY_KIND: Readonly<Record<string, PatchMeta>> = {
  Pod: kind(podSpec, podStatus),
  Service: kind({ fields: { ports: mergeList('port') } }, { fields: { conditions: CONDITIONS } }),
  Node: kind(
    { fields: { podCIDRs: PRIMITIVE_SET } },
    { fields: { conditions: CONDITIONS, addresses: mergeList('type') } },
  ),
  Namespace: kind(undefined, { fields: { conditions: CONDITIONS } }),
};

const METADATA_ONLY = kind();

/** Root metadata for a kind; kinds without special lists still merge metadata's lists. */
export function patchMetaFor(kindName: string): PatchMeta {
  return BY_KIND[kindName] ?? METADATA_ONLY;
}
