/**
 * Field validation (`?fieldValidation=Strict|Warn|Ignore`): kubectl sends Strict on every
 * create and apply and expects unknown fields refused with Kubernetes' "strict decoding error".
 * Custom resources are checked against their structural schema; built-in kinds against the
 * top-level fields each kind has (the sandbox keeps no full schemas for them).
 */
import type { JSONSchemaProps, ResourceDef } from './resources.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: string | null): FieldValidation | { error: string } {
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  return { error: `fieldValidation must be one of Strict, Warn or Ignore, got "${v}"` };
}

const OBJECT_META = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const COMMON = ['apiVersion', 'kind', 'metadata'];
const BUILTIN_TOP_LEVEL: Record<string, readonly string[]> = {
  Namespace: [...COMMON, 'spec', 'status'],
  Service: [...COMMON, 'spec', 'status'],
  Pod: [...COMMON, 'spec', 'status'],
  Node: [...COMMON, 'spec', 'status'],
  Endpoints: [...COMMON, 'subsets'],
  Secret: [...COMMON, 'data', 'stringData', 'type', 'immutable'],
  ConfigMap: [...COMMON, 'data', 'binaryData', 'immutable'],
  EndpointSlice: [...COMMON, 'addressType', 'endpoints', 'ports'],
  Lease: [...COMMON, 'spec'],
  CustomResourceDefinition: [...COMMON, 'spec', 'status'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Paths of fields the kind does not have, in Kubernetes' dotted notation (`spec.bogus`). */
export function unknownFieldPaths(def: ResourceDef, obj: unknown): string[] {
  if (!isObject(obj)) return [];
  const out: string[] = [];
  if (isObject(obj.metadata)) {
    for (const k of Object.keys(obj.metadata)) if (!OBJECT_META.has(k)) out.push(`metadata.${k}`);
  }
  if (!def.builtin) {
    if (def.schema) walk(obj, def.schema, '', out, true);
    return out;
  }
  const known = BUILTIN_TOP_LEVEL[def.kind];
  if (known) for (const k of Object.keys(obj)) if (!known.includes(k)) out.push(k);
  return out;
}

function walk(value: unknown, schema: JSONSchemaProps, path: string, out: string[], root = false): void {
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => walk(v, schema.items!, `${path}[${i}]`, out));
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties ?? {};
  for (const [k, v] of Object.entries(value)) {
    if (root && COMMON.includes(k)) continue;
    const child = path === '' ? k : `${path}.${k}`;
    const sub = props[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (sub) walk(v, sub, child, out);
    else if (schema.additionalProperties !== true) out.push(child);
  }
}

export function strictDecodingMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map((p) => `unknown field "${p}"`).join(', ')}`;
}
