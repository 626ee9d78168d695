/**
 * Request bodies: media types, JSON/YAML/protobuf decoding and the list/field selectors of a
 * query. Pure; every failure is a 400/415 ApiError naming what was wrong.
 */
import { parseAllDocuments } from 'yaml';
import {
  type FieldSelector,
  type LabelSelector,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from '../../k8s/labels.js';
import { ok } from '../../lib/result.js';
import { type ApiResult, apiFail, errors } from './errors.js';
import { type KObject, isPlainObject, metadataOf } from './objects.js';
import type { ResourceDef } from './resources.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  switch (mediaType(contentType)) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      return undefined;
  }
}

/** JSON or YAML text → a value; one YAML document only. */
export function parseText(body: Buffer, yaml: boolean): ApiResult<unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') return apiFail(errors.badRequest('the request body is empty'));
  if (!yaml) {
    try {
      return ok(JSON.parse(text) as unknown);
    } catch (err) {
      return apiFail(errors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`));
    }
  }
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return apiFail(errors.badRequest('the request body is not valid YAML'));
  if (docs.length !== 1)
    return apiFail(errors.badRequest(`expected one YAML document, found ${docs.length}`));
  const doc = docs[0]!;
  if (doc.errors.length > 0)
    return apiFail(errors.badRequest(`the request body is not valid YAML: ${doc.errors[0]!.message}`));
  return ok(doc.toJS() as unknown);
}

export type ProtobufDecoder = (buf: Buffer) => ApiResult<KObject>;

/** Decodes an object body (create/update) in any of the formats Kubernetes accepts. */
export function decodeObjectBody(
  contentType: string | undefined,
  body: Buffer,
  protobuf?: ProtobufDecoder,
): ApiResult<KObject> {
  const type = mediaType(contentType);
  let value: ApiResult<unknown>;
  if (type === 'application/json' || type === '') value = parseText(body, false);
  else if (type === 'application/yaml' || type === 'application/apply-patch+yaml')
    value = parseText(body, true);
  else if (type === 'application/vnd.kubernetes.protobuf' && protobuf) value = protobuf(body);
  else return apiFail(errors.unsupportedMediaType(type));
  if (!value.ok) return value;
  if (!isPlainObject(value.value))
    return apiFail(errors.badRequest('the request body must be a JSON object'));
  if (value.value.metadata !== undefined && !isPlainObject(value.value.metadata))
    return apiFail(errors.badRequest('metadata must be an object'));
  return ok(value.value);
}

/**
 * The body's apiVersion/kind/name/namespace must agree with the path, as Kubernetes requires;
 * missing ones are taken from the path.
 */
export function checkAgainstPath(
  def: ResourceDef,
  obj: KObject,
  namespace: string | undefined,
  name: string | undefined,
): ApiResult<KObject> {
  const gv = def.group === '' ? def.version : `${def.group}/${def.version}`;
  if (obj.kind !== undefined && obj.kind !== def.kind)
    return apiFail(
      errors.badRequest(
        `the kind in the body (${String(obj.kind)}) does not match the resource (${def.kind})`,
      ),
    );
  if (obj.apiVersion !== undefined && obj.apiVersion !== gv)
    return apiFail(
      errors.badRequest(
        `the apiVersion in the body (${String(obj.apiVersion)}) does not match the path (${gv})`,
      ),
    );
  const meta = metadataOf(obj);
  if (name !== undefined && meta.name !== undefined && meta.name !== name)
    return apiFail(
      errors.badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      ),
    );
  if (def.namespaced && meta.namespace !== undefined && meta.namespace !== namespace)
    return apiFail(
      errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      ),
    );
  const filled = { ...meta };
  if (name !== undefined) filled.name = name;
  if (def.namespaced) filled.namespace = namespace;
  return ok({ ...obj, metadata: filled });
}

/** Field selectors Kubernetes supports for every kind; built-ins add a few of their own. */
const COMMON_FIELDS = new Set(['metadata.name', 'metadata.namespace']);
const BUILTIN_FIELDS: Record<string, readonly string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Secret: ['type'],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Service: ['spec.clusterIP', 'spec.type'],
};

export interface Selection {
  readonly labels?: LabelSelector;
  readonly fields?: FieldSelector;
}

export function parseSelection(def: ResourceDef, query: URLSearchParams): ApiResult<Selection> {
  const out: { labels?: LabelSelector; fields?: FieldSelector } = {};
  const ls = query.get('labelSelector');
  if (ls !== null && ls !== '') {
    const parsed = parseLabelSelector(ls);
    if (!parsed.ok) return apiFail(errors.badRequest(`unable to parse requirement: ${parsed.error}`));
    out.labels = parsed.value;
  }
  const fs = query.get('fieldSelector');
  if (fs !== null && fs !== '') {
    const parsed = parseFieldSelector(fs);
    if (!parsed.ok) return apiFail(errors.badRequest(parsed.error));
    const allowed = new Set([...COMMON_FIELDS, ...(def.builtin ? (BUILTIN_FIELDS[def.kind] ?? []) : [])]);
    const bad = parsed.value.requirements.find((r) => !allowed.has(r.field));
    if (bad) return apiFail(errors.badRequest(`field label not supported: ${bad.field}`));
    out.fields = parsed.value;
  }
  return ok(out);
}

export function selectionFilter(sel: Selection): ((obj: KObject) => boolean) | undefined {
  if (!sel.labels && !sel.fields) return undefined;
  return (obj) =>
    (!sel.labels || matchesLabelSelector(sel.labels, metadataOf(obj).labels)) &&
    (!sel.fields || matchesFieldSelector(sel.fields, obj));
}

/** dryRun=All in the query (repeatable) or in an options body; other values are rejected like Kubernetes does. */
export function parseDryRun(values: readonly unknown[]): ApiResult<boolean> {
  for (const v of values)
    if (v !== 'All')
      return apiFail(
        errors.badRequest(`unsupported dryRun value ${JSON.stringify(v)}; only "All" is supported`),
      );
  return ok(values.length > 0);
}

export function parseNonNegativeInt(query: URLSearchParams, name: string): ApiResult<number | undefined> {
  const v = query.get(name);
  if (v === null || v === '') return ok(undefined);
  if (!/^\d+$/.test(v)) return apiFail(errors.badRequest(`invalid ${name}: ${JSON.stringify(v)}`));
  return ok(Number(v));
}
