/**
 * Strategic merge patch (what kubectl sends for built-in kinds): like a JSON merge patch, except
 * that lists tagged as mergeable merge element-wise on a key (see strategic-schema.ts), and the
 * patch may carry directives:
 * - `$patch: replace | delete | merge` on a map, and `{"$patch": "replace"}` as a list element
 *   (replace the whole list) or `{"$patch": "delete", <key>: v}` (remove that element);
 * - `$setElementOrder/<list>`: the order of the merged list (elements it does not name, e.g.
 *   added by someone else, follow in their previous order);
 * - `$deleteFromPrimitiveList/<list>`: values to remove from a merged primitive list;
 * - `$retainKeys: [...]`: drop every other key of the map (union-type fields like volumes);
 * - `null` removes a field.
 */
import type { Result } from '../../../lib/result.js';
import { fail, ok } from '../../../lib/result.js';
import type { ResourceDef } from '../resources.js';
import { cloneJson, deepEqual, isObject } from './json.js';
import type { JsonObject } from './json.js';
import type { PatchMeta } from './strategic-schema.js';
import { patchMetaFor } from './strategic-schema.js';

const DELETE = Symbol('delete');
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVES = '$deleteFromPrimitiveList/';

/** Removes directives from a value that is taken over as is (new map, list element or replacement). */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x !== null) out[k] = stripDirectives(x);
  }
  return out;
}

function mergeMap(
  original: unknown,
  patch: JsonObject,
  meta: PatchMeta | undefined,
  path: string,
): Result<unknown> {
  const directive = patch.$patch;
  if (directive === 'delete') return ok(DELETE);
  if (directive === 'replace') return ok(stripDirectives(patch));
  if (directive !== undefined && directive !== 'merge')
    return fail(`${path || '.'}: unknown patch type "${String(directive)}"`);

  const out: JsonObject = isObject(original) ? { ...original } : {};
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
      return fail(`${path || '.'}: $retainKeys must be a list of strings`);
    }
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  // Deletions from primitive lists first, so that the same patch can add values back.
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_PRIMITIVES)) continue;
    const field = k.slice(DELETE_PRIMITIVES.length);
    if (!Array.isArray(v)) return fail(`${join(path, k)}: must be a list`);
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) {
      if (k === '$patch' || k === '$retainKeys' || k.startsWith(DELETE_PRIMITIVES) || k.startsWith(SET_ORDER))
        continue;
      return fail(`${join(path, k)}: unknown patch directive`);
    }
    const r = mergeField(out[k], v, meta?.fields?.[k], join(path, k));
    if (!r.ok) return r;
    if (r.value === DELETE) delete out[k];
    else out[k] = r.value;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    if (!Array.isArray(v)) return fail(`${join(path, k)}: must be a list`);
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = orderList(cur, v, meta?.fields?.[field]?.mergeKey);
  }
  return ok(out);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function mergeField(
  original: unknown,
  patch: unknown,
  meta: PatchMeta | undefined,
  path: string,
): Result<unknown> {
  if (patch === null) return ok(DELETE);
  if (isObject(patch)) return mergeMap(original, patch, meta, path);
  if (Array.isArray(patch)) {
    if (meta?.list === 'merge') return mergeList(original, patch, meta, path);
    return ok(stripDirectives(patch));
  }
  return ok(patch);
}

function mergeList(original: unknown, patch: unknown[], meta: PatchMeta, path: string): Result<unknown> {
  const orig = Array.isArray(original) ? original : [];
  if (patch.some((x) => isObject(x) && x.$patch === 'replace')) {
    return ok(stripDirectives(patch.filter((x) => !(isObject(x) && x.$patch === 'replace'))));
  }
  if (meta.mergeKey === undefined) {
    // A set of primitives: keep what is there, append what is new.
    const out = [...orig];
    for (const x of patch) if (!out.some((y) => deepEqual(x, y))) out.push(cloneJson(x));
    return ok(out);
  }
  const key = meta.mergeKey;
  let out: unknown[] = orig.map(cloneJson);
  for (const [i, item] of patch.entries()) {
    if (!isObject(item)) return fail(`${path}[${i}]: list elements must be objects (merged on "${key}")`);
    if (!(key in item)) return fail(`${path}[${i}]: map does not contain declared merge key: ${key}`);
    const wanted = item[key];
    const same = (e: unknown): boolean => isObject(e) && deepEqual(e[key], wanted);
    if (item.$patch === 'delete') {
      out = out.filter((e) => !same(e));
      continue;
    }
    const idx = out.findIndex(same);
    const merged = mergeMap(idx >= 0 ? out[idx] : undefined, item, meta.items, `${path}[${i}]`);
    if (!merged.ok) return merged;
    if (merged.value === DELETE) continue;
    if (idx >= 0) out[idx] = merged.value;
    else out.push(merged.value);
  }
  return ok(out);
}

/** Puts the elements named by `order` first, in that order; the rest follow as they were. */
function orderList(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const identity = (e: unknown): unknown => (mergeKey !== undefined && isObject(e) ? e[mergeKey] : e);
  const wanted = order.map((o) => (mergeKey !== undefined && isObject(o) ? o[mergeKey] : o));
  const rank = (e: unknown): number => {
    const id = identity(e);
    const r = wanted.findIndex((w) => deepEqual(w, id));
    return r < 0 ? wanted.length : r;
  };
  return list
    .map((e, i) => ({ e, i, r: rank(e) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.e);
}

/**
 * Applies a strategic merge patch to a built-in kind's object. Custom resources have no patch
 * metadata, and Kubernetes refuses this patch type for them (the server answers 415 before
 * calling this); here they get an error too.
 */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  def: ResourceDef,
): Result<unknown, string> {
  if (!def.builtin)
    return fail(`strategic merge patch is not supported for ${def.kind}: use a merge or JSON patch`);
  if (!isObject(patch)) return fail('a strategic merge patch must be a JSON object');
  const r = mergeMap(cloneJson(target), patch, patchMetaFor(def.kind), '');
  if (!r.ok) return r;
  return ok(r.value === DELETE ? {} : r.value);
}
