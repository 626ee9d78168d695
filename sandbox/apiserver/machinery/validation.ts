/**
 * What the API server refuses on create and update: object metadata for every kind, and per
 * built-in kind the rules the real API enforces (validate-*.ts). Returns field errors, empty when
 * the object is acceptable; `invalid()` in status.ts turns them into the 422 answer.
 * Custom resources are checked against their schema by pruneAndValidateCustom (schema.ts).
 */
import {
  isQualifiedName,
  isValidLabelValue,
  isDNS1123Label,
  isDNS1123Subdomain,
} from '../../../k8s/labels.js';
import type { ResourceDef } from '../resources.js';
import { listAt, objAt, strAt } from './access.js';
import type { FieldError } from './field-errors.js';
import { forbidden, invalid, required, tooLong } from './field-errors.js';
import { isObject } from './json.js';
import { isDNS1035Label } from './names.js';
import { validateCustomResourceDefinition } from './validate-crd.js';
import {
  validateConfigMap,
  validateLease,
  validateNamespace,
  validateNode,
  validatePod,
  validateSecret,
} from './validate-core.js';
import { validateEndpointSlice, validateEndpoints, validateService } from './validate-service.js';

export type { FieldError, FieldErrorReason } from './field-errors.js';
export { pruneAndValidateCustom } from './schema.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

type KindValidator = (obj: Record<string, unknown>, old: Record<string, unknown> | undefined) => FieldError[];

const KIND_VALIDATORS: Readonly<Record<string, KindValidator>> = {
  Service: validateService,
  Endpoints: validateEndpoints,
  EndpointSlice: validateEndpointSlice,
  Pod: validatePod,
  Node: validateNode,
  Namespace: validateNamespace,
  Secret: validateSecret,
  ConfigMap: validateConfigMap,
  Lease: validateLease,
  CustomResourceDefinition: validateCustomResourceDefinition,
};

/** Namespaces are DNS labels; Services RFC 1035 labels (they become DNS names); the rest subdomains. */
function nameRule(def: ResourceDef): (name: string) => string[] {
  if (!def.builtin) return isDNS1123Subdomain;
  if (def.kind === 'Namespace') return isDNS1123Label;
  if (def.kind === 'Service') return isDNS1035Label;
  return isDNS1123Subdomain;
}

/** generateName is a prefix: a trailing '-' is fine because random characters follow it. */
function maskTrailingDash(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('-') ? `${prefix.slice(0, -1)}a` : prefix;
}

function validateStringMap(
  field: string,
  value: unknown,
  checkKey: (k: string) => string[],
  checkValue?: (v: string) => string[],
): FieldError[] {
  if (value === undefined || value === null) return [];
  if (!isObject(value)) return [invalid(field, value, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(value)) {
    const keyErrs = checkKey(k);
    if (keyErrs.length > 0) errs.push(invalid(field, k, keyErrs.join(', ')));
    if (typeof v !== 'string') {
      errs.push(invalid(`${field}[${k}]`, v, 'must be a string'));
      continue;
    }
    const valueErrs = checkValue?.(v) ?? [];
    if (valueErrs.length > 0) errs.push(invalid(field, v, valueErrs.join(', ')));
  }
  return errs;
}

export function validateLabels(field: string, labels: unknown): FieldError[] {
  return validateStringMap(field, labels, isQualifiedName, isValidLabelValue);
}

function validateAnnotations(annotations: unknown): FieldError[] {
  // Kubernetes checks annotation keys case-insensitively and values not at all, only their total size.
  const errs = validateStringMap('metadata.annotations', annotations, (k) =>
    isQualifiedName(k.toLowerCase()),
  );
  if (isObject(annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(annotations))
      size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
    if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
      errs.push(tooLong('metadata.annotations', `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`));
    }
  }
  return errs;
}

function validateOwnerReferences(refs: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  refs.forEach((ref, i) => {
    const f = `metadata.ownerReferences[${i}]`;
    for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
      if (!strAt(ref, key)) errs.push(required(`${f}.${key}`));
    }
  });
  return errs;
}

function validateNames(def: ResourceDef, meta: Record<string, unknown>): FieldError[] {
  const name = meta.name;
  const generateName = meta.generateName;
  const rule = nameRule(def);
  if (name !== undefined && typeof name !== 'string')
    return [invalid('metadata.name', name, 'must be a string')];
  if (!name) {
    if (typeof generateName !== 'string' || generateName === '') {
      return [required('metadata.name', 'name or generateName is required')];
    }
    const errs = rule(maskTrailingDash(generateName));
    return errs.length > 0 ? [invalid('metadata.generateName', generateName, errs.join(', '))] : [];
  }
  const errs = rule(name);
  return errs.length > 0 ? [invalid('metadata.name', name, errs.join(', '))] : [];
}

function validateNamespaceField(def: ResourceDef, meta: Record<string, unknown>): FieldError[] {
  const ns = meta.namespace;
  if (!def.namespaced) {
    return ns !== undefined && ns !== '' ? [forbidden('metadata.namespace', 'not allowed on this type')] : [];
  }
  if (typeof ns !== 'string' || ns === '') return [required('metadata.namespace')];
  const errs = isDNS1123Label(ns);
  return errs.length > 0 ? [invalid('metadata.namespace', ns, errs.join(', '))] : [];
}

function validateImmutableMeta(
  meta: Record<string, unknown>,
  old: Record<string, unknown> | undefined,
): FieldError[] {
  const oldMeta = objAt(old, 'metadata');
  if (oldMeta === undefined) return [];
  const errs: FieldError[] = [];
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp']) {
    const before = oldMeta[key];
    const after = meta[key];
    // Clients may leave server-set fields out; the server fills them from the stored object.
    if (after !== undefined && before !== undefined && after !== before) {
      errs.push(invalid(`metadata.${key}`, after, 'field is immutable'));
    }
  }
  return errs;
}

export function validateObjectMeta(def: ResourceDef, obj: unknown, old?: unknown): FieldError[] {
  const meta = objAt(obj, 'metadata');
  if (meta === undefined) return [required('metadata')];
  const errs = [...validateNames(def, meta), ...validateNamespaceField(def, meta)];
  errs.push(...validateLabels('metadata.labels', meta.labels));
  errs.push(...validateAnnotations(meta.annotations));
  if (meta.finalizers !== undefined && !Array.isArray(meta.finalizers)) {
    errs.push(invalid('metadata.finalizers', meta.finalizers, 'must be a list of strings'));
  }
  listAt(meta, 'finalizers').forEach((f, i) => {
    const problems = typeof f === 'string' ? isQualifiedName(f) : ['must be a string'];
    if (problems.length > 0) errs.push(invalid(`metadata.finalizers[${i}]`, f, problems.join(', ')));
  });
  errs.push(...validateOwnerReferences(listAt(meta, 'ownerReferences')));
  errs.push(...validateImmutableMeta(meta, isObject(old) ? old : undefined));
  return errs;
}

/**
 * All errors the API would report for `obj` (and, on update, `old`, the stored object).
 * Custom resources get metadata checks here; their schema is pruneAndValidateCustom's job.
 */
export function validateObject(def: ResourceDef, obj: unknown, old?: unknown): FieldError[] {
  if (!isObject(obj)) return [invalid('', obj, 'must be a JSON object')];
  const errs = validateObjectMeta(def, obj, old);
  const kindValidator = def.builtin ? KIND_VALIDATORS[def.kind] : undefined;
  if (kindValidator !== undefined) errs.push(...kindValidator(obj, isObject(old) ? old : undefined));
  return errs;
}
