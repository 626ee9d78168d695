/** Addressing any resource, built-in or custom, by group/version/resource; pure. */
export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name, e.g. 'services', 'ciliumidentities'. */
  readonly resource: string;
}

export interface ObjectRef extends ResourceType {
  /** Omit for cluster-scoped resources. */
  readonly namespace?: string;
  readonly name: string;
}

export interface CollectionRef extends ResourceType {
  /** Omit for cluster-scoped resources or to list across all namespaces. */
  readonly namespace?: string;
}

export function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

export function collectionPath(ref: CollectionRef): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `${base}${ns}/${ref.resource}`;
}

export function objectPath(ref: ObjectRef, subresource?: 'status'): string {
  const sub = subresource ? `/${subresource}` : '';
  return `${collectionPath(ref)}/${encodeURIComponent(ref.name)}${sub}`;
}

export function describeRef(ref: ObjectRef): string {
  const ns = ref.namespace ? `${ref.namespace}/` : '';
  return `${ref.resource}${ref.group ? '.' + ref.group : ''} ${ns}${ref.name}`;
}

export const coreResource = (resource: string): ResourceType => ({ group: '', version: 'v1', resource });
