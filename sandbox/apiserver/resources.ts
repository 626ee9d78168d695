/**
 * What the sandbox API server serves. Built-in kinds are listed here; CustomResourceDefinitions
 * stored in the server become ResourceDefs at run time (see crdToResourceDefs).
 * Every other part of the server (routing, discovery, OpenAPI, tables, validation, patching)
 * works from these definitions only.
 */

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
  readonly format?: string;
}

/** The subset of OpenAPI v3 (structural schema) that pruning and validation use. */
export interface JSONSchemaProps {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly properties?: Readonly<Record<string, JSONSchemaProps>>;
  readonly items?: JSONSchemaProps;
  readonly additionalProperties?: JSONSchemaProps | boolean;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly nullable?: boolean;
  readonly default?: unknown;
  readonly description?: string;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-list-type'?: string;
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: string;
  readonly 'x-kubernetes-validations'?: readonly unknown[];
  readonly anyOf?: readonly JSONSchemaProps[];
  readonly oneOf?: readonly JSONSchemaProps[];
  readonly allOf?: readonly JSONSchemaProps[];
  readonly not?: JSONSchemaProps;
}

export interface ResourceDef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: the path segment. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** When true, writes to the main resource ignore .status and /status ignores everything else. */
  readonly statusSubresource: boolean;
  readonly verbs: readonly string[];
  /** Built-in kinds accept strategic merge patch; custom resources answer 415 like Kubernetes. */
  readonly builtin: boolean;
  /** Custom resources: additionalPrinterColumns; built-ins have hand-written tables. */
  readonly printerColumns?: readonly PrinterColumn[];
  /** Custom resources: the version's openAPIV3Schema, for pruning and validation. */
  readonly schema?: JSONSchemaProps;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function builtin(
  group: string,
  version: string,
  resource: string,
  kind: string,
  opts: { namespaced: boolean; shortNames?: string[]; status?: boolean; categories?: string[] },
): ResourceDef {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced: opts.namespaced,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    statusSubresource: opts.status ?? false,
    verbs: [...ALL_VERBS],
    builtin: true,
  };
}

export const BUILTIN_RESOURCES: readonly ResourceDef[] = [
  builtin('', 'v1', 'namespaces', 'Namespace', { namespaced: false, shortNames: ['ns'], status: true }),
  builtin('', 'v1', 'services', 'Service', { namespaced: true, shortNames: ['svc'], status: true, categories: ['all'] }),
  builtin('', 'v1', 'endpoints', 'Endpoints', { namespaced: true, shortNames: ['ep'] }),
  builtin('', 'v1', 'pods', 'Pod', { namespaced: true, shortNames: ['po'], status: true, categories: ['all'] }),
  builtin('', 'v1', 'nodes', 'Node', { namespaced: false, shortNames: ['no'], status: true }),
  builtin('', 'v1', 'secrets', 'Secret', { namespaced: true }),
  builtin('', 'v1', 'configmaps', 'ConfigMap', { namespaced: true, shortNames: ['cm'] }),
  builtin('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', { namespaced: true }),
  builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', { namespaced: true }),
  // Stored only (no controllers run them), so that deploy/ can be applied to the sandbox.
  builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', { namespaced: true, shortNames: ['sa'] }),
  builtin('apps', 'v1', 'deployments', 'Deployment', { namespaced: true, shortNames: ['deploy'], status: true, categories: ['all'] }),
  builtin('apps', 'v1', 'daemonsets', 'DaemonSet', { namespaced: true, shortNames: ['ds'], status: true, categories: ['all'] }),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', { namespaced: false }),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', { namespaced: false }),
  builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', { namespaced: true }),
  builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', { namespaced: true }),
  builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
    status: true,
    categories: ['api-extensions'],
  }),
];

export function groupVersion(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}
