/**
 * Binds the pure machinery (patching, validation, tables, protobuf) to the Machinery interface
 * the handlers use. Pieces marked STAND-IN are minimal versions used until the real module in
 * machinery/ or kubectl/ lands; they are replaced, not extended.
 */
import { isDNS1123Subdomain } from '../../k8s/labels.js';
import { fail, ok } from '../../lib/result.js';
import type { Machinery } from './context.js';
import { apiFail, errors, type StatusCause } from './errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './machinery/patch.js';
import { decodeProtobufObject } from './kubectl/protobuf.js';
import { type KObject, isPlainObject, metadataOf } from './objects.js';
import type { ResourceDef } from './resources.js';

function asObject(v: unknown): KObject {
  return isPlainObject(v) ? v : {};
}

// STAND-IN for machinery/validation.ts validateObject.
function validateNames(_def: ResourceDef, obj: KObject): StatusCause[] {
  const name = metadataOf(obj).name;
  if (typeof name !== 'string' || name === '') return [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value' }];
  return isDNS1123Subdomain(name).map((m) => ({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${m}` }));
}

// STAND-IN for kubectl/tables.ts.
function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((p) => /as=Table/.test(p) && /g=meta\.k8s\.io/.test(p));
}
function toTable(_def: ResourceDef, objects: readonly KObject[], opts: { includeObject: string; now: Date }): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: 'name', priority: 0 }],
    rows: objects.map((o) => ({
      cells: [metadataOf(o).name],
      object: opts.includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

export function buildMachinery(): Machinery {
  return {
    applyMergePatch: (target, patch) => asObject(applyMergePatch(target, patch)),
    applyJsonPatch: (target, ops) => {
      const r = applyJsonPatch(target, ops);
      if (!r.ok) return r;
      return isPlainObject(r.value) ? ok(r.value) : fail('the patched document is not an object');
    },
    applyStrategicMergePatch: (target, patch, def) => {
      const r = applyStrategicMergePatch(target, patch, def);
      if (!r.ok) return fail(String(r.error));
      return isPlainObject(r.value) ? ok(r.value) : fail('the patched document is not an object');
    },
    validateObject: validateNames,
    pruneAndValidateCustom: (_def, obj) => ({ object: obj, errors: [] }),
    decodeProtobuf: (buf) => {
      const r = decodeProtobufObject(buf);
      if (!r.ok) return apiFail(errors.badRequest(`invalid protobuf body: ${r.error}`));
      return isPlainObject(r.value) ? ok(r.value) : apiFail(errors.badRequest('protobuf body is not an object'));
    },
    wantsTable,
    toTable,
  };
}
