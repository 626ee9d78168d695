/**
 * Binds the pure machinery (patching, validation, tables, protobuf) to the Machinery interface
 * the handlers use, adapting their plain `unknown` results to the objects handlers work with.
 */
import { fail, ok } from '../../lib/result.js';
import type { Machinery } from './context.js';
import { apiFail, errors } from './errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './machinery/patch.js';
import { decodeProtobufObject } from './kubectl/protobuf.js';
import { toTable, wantsTable } from './kubectl/tables.js';
import { pruneAndValidateCustom, validateObject } from './machinery/validation.js';
import { type KObject, isPlainObject } from './objects.js';

function asObject(v: unknown): KObject {
  return isPlainObject(v) ? v : {};
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
    validateObject: (def, obj, old) => [...validateObject(def, obj, old)],
    pruneAndValidateCustom: (def, obj) => {
      const r = pruneAndValidateCustom(def, obj);
      return { object: asObject(r.object), errors: [...r.errors] };
    },
    decodeProtobuf: (buf) => {
      const r = decodeProtobufObject(buf);
      if (!r.ok) return apiFail(errors.badRequest(`invalid protobuf body: ${r.error}`));
      return isPlainObject(r.value)
        ? ok(r.value)
        : apiFail(errors.badRequest('protobuf body is not an object'));
    },
    wantsTable,
    toTable: (def, objects, opts) => toTable(def, objects, opts),
  };
}
