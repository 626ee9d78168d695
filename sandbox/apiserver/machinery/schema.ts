/**
 * Custom resources against their CRD's structural schema, in the order Kubernetes applies:
 * prune fields the schema does not know (and nulls where the schema is not nullable), apply
 * `default`s, then validate. apiVersion, kind and metadata are never pruned; metadata is
 * checked by validateObject, not here.
 */
import { isDNS1123Subdomain } from '../../../k8s/labels.js';
import type { JSONSchemaProps, ResourceDef } from '../resources.js';
import type { FieldError } from './field-errors.js';
import { duplicate, invalid, notSupported, required, tooLong, tooMany } from './field-errors.js';
import { isCIDR, isIPv4, isIPv6 } from './ip.js';
import { cloneJson, deepEqual, isObject } from './json.js';
import type { JsonObject } from './json.js';

const ROOT_KEPT = new Set(['apiVersion', 'kind', 'metadata']);

function keepsUnknown(s: JSONSchemaProps): boolean {
  return s['x-kubernetes-preserve-unknown-fields'] === true || s.additionalProperties === true;
}

function normalizeObject(value: JsonObject, s: JSONSchemaProps, root: boolean): JsonObject {
  const out: JsonObject = {};
  const extra = isObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
  for (const [k, v] of Object.entries(value)) {
    if (root && ROOT_KEPT.has(k)) {
      out[k] = v;
      continue;
    }
    const sub = s.properties?.[k] ?? extra;
    if (sub === undefined) {
      if (keepsUnknown(s)) out[k] = v;
      continue;
    }
    // Kubernetes drops nulls where they are not allowed before defaulting, so a default can fill them.
    if (v === null && sub.nullable !== true) continue;
    out[k] = normalize(v, sub, false);
  }
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (out[k] === undefined && sub.default !== undefined && !(root && ROOT_KEPT.has(k))) {
      out[k] = normalize(cloneJson(sub.default), sub, false);
    }
  }
  return out;
}

function normalize(value: unknown, s: JSONSchemaProps, root: boolean): unknown {
  if (isObject(value)) {
    if (s.type === 'object' || s.properties !== undefined || s.additionalProperties !== undefined) {
      return normalizeObject(value, s, root);
    }
    return value;
  }
  if (Array.isArray(value) && s.items !== undefined) {
    const items = s.items;
    return value.map((v) => (v === null && items.nullable !== true ? v : normalize(v, items, false)));
  }
  return value;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function bodyPath(path: string): string {
  return path === '' ? 'body' : `${path} in body`;
}

const FORMATS: Readonly<Record<string, (s: string) => boolean>> = {
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: isCIDR,
  uuid: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
  'date-time': (s) =>
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) &&
    !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s),
  hostname: (s) => isDNS1123Subdomain(s).length === 0,
  mac: (s) => /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(s),
};

function typeMatches(v: unknown, s: JSONSchemaProps): boolean {
  if (s['x-kubernetes-int-or-string'] === true) return typeof v === 'string' || typeOf(v) === 'integer';
  if (s.type === undefined) return true;
  const actual = typeOf(v);
  return actual === s.type || (s.type === 'number' && actual === 'integer');
}

function validateString(v: string, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (s.maxLength !== undefined && [...v].length > s.maxLength)
    errs.push(tooLong(path, `may not be more than ${s.maxLength} bytes`));
  if (s.minLength !== undefined && [...v].length < s.minLength) {
    errs.push(invalid(path, v, `${bodyPath(path)} should be at least ${s.minLength} chars long`));
  }
  if (s.pattern !== undefined && !safeRegExp(s.pattern).test(v)) {
    errs.push(invalid(path, v, `${bodyPath(path)} should match '${s.pattern}'`));
  }
  const check = s.format === undefined ? undefined : FORMATS[s.format];
  if (check !== undefined && !check(v))
    errs.push(invalid(path, v, `${bodyPath(path)} must be of type ${s.format}: ${JSON.stringify(v)}`));
}

/** A pattern that does not compile matches nothing, so the object is refused rather than the server failing. */
function safeRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return /(?!)/;
  }
}

function validateNumber(v: number, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (s.minimum !== undefined && v < s.minimum)
    errs.push(invalid(path, v, `${bodyPath(path)} should be greater than or equal to ${s.minimum}`));
  if (s.maximum !== undefined && v > s.maximum)
    errs.push(invalid(path, v, `${bodyPath(path)} should be less than or equal to ${s.maximum}`));
}

function validateArray(v: unknown[], s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (s.minItems !== undefined && v.length < s.minItems)
    errs.push(invalid(path, v.length, `${bodyPath(path)} should have at least ${s.minItems} items`));
  if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(tooMany(path, v.length, s.maxItems));
  const items = s.items;
  if (items !== undefined) v.forEach((x, i) => validateValue(x, items, `${path}[${i}]`, errs, false));
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (listType === 'set' || (listType === 'map' && keys.length > 0)) {
    const identity = (x: unknown): unknown =>
      listType === 'set' ? x : keys.map((k) => (isObject(x) ? x[k] : undefined));
    v.forEach((x, i) => {
      if (v.slice(0, i).some((y) => deepEqual(identity(y), identity(x))))
        errs.push(duplicate(`${path}[${i}]`, identity(x)));
    });
  }
}

function validateObjectFields(
  v: JsonObject,
  s: JSONSchemaProps,
  path: string,
  errs: FieldError[],
  root: boolean,
): void {
  for (const r of s.required ?? []) {
    if (root && ROOT_KEPT.has(r)) continue;
    if (v[r] === undefined) errs.push(required(join(path, r)));
  }
  const extra = isObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
  for (const [k, x] of Object.entries(v)) {
    if (root && ROOT_KEPT.has(k)) continue;
    const prop = s.properties?.[k];
    if (prop !== undefined) validateValue(x, prop, join(path, k), errs, false);
    else if (extra !== undefined) validateValue(x, extra, `${path}[${k}]`, errs, false);
  }
}

function validateCombinators(v: unknown, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const passes = (sub: JSONSchemaProps): boolean => {
    const e: FieldError[] = [];
    validateValue(v, sub, path, e, false);
    return e.length === 0;
  };
  for (const sub of s.allOf ?? []) validateValue(v, sub, path, errs, false);
  if (s.anyOf !== undefined && !s.anyOf.some(passes))
    errs.push(invalid(path, v, `${bodyPath(path)} must match at least one schema (anyOf)`));
  if (s.oneOf !== undefined && s.oneOf.filter(passes).length !== 1)
    errs.push(invalid(path, v, `${bodyPath(path)} must validate one and only one schema (oneOf)`));
  if (s.not !== undefined && passes(s.not))
    errs.push(invalid(path, v, `${bodyPath(path)} must not validate the schema (not)`));
}

function validateValue(
  v: unknown,
  s: JSONSchemaProps,
  path: string,
  errs: FieldError[],
  root: boolean,
): void {
  if (v === null) {
    if (s.nullable !== true)
      errs.push(invalid(path, null, `${bodyPath(path)} must be of type ${s.type ?? 'object'}: "null"`));
    return;
  }
  if (!typeMatches(v, s)) {
    const want = s['x-kubernetes-int-or-string'] === true ? 'integer,string' : (s.type ?? '');
    errs.push(
      invalid(path, typeOf(v), `${bodyPath(path)} must be of type ${want}: ${JSON.stringify(typeOf(v))}`),
    );
    return;
  }
  if (s.enum !== undefined && !s.enum.some((e) => deepEqual(e, v))) {
    errs.push(
      notSupported(
        path,
        v,
        s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
      ),
    );
  }
  if (typeof v === 'string') validateString(v, s, path, errs);
  else if (typeof v === 'number') validateNumber(v, s, path, errs);
  else if (Array.isArray(v)) validateArray(v, s, path, errs);
  else if (isObject(v)) validateObjectFields(v, s, path, errs, root);
  validateCombinators(v, s, path, errs);
}

/** Prunes, defaults and validates a custom resource; without a schema the object passes unchanged. */
export function pruneAndValidateCustom(
  def: ResourceDef,
  obj: unknown,
): { object: unknown; errors: FieldError[] } {
  if (!isObject(obj)) return { object: obj, errors: [invalid('', obj, 'must be a JSON object')] };
  const schema = def.schema;
  if (schema === undefined) return { object: cloneJson(obj), errors: [] };
  const object = normalize(cloneJson(obj), { ...schema, type: 'object' }, true);
  const errors: FieldError[] = [];
  validateValue(object, schema, '', errors, true);
  return { object, errors };
}
