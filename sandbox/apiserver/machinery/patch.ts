/**
 * The three patch formats the API accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and, for built-in kinds, strategic merge patch (see strategic-merge.ts). All pure: inputs are
 * never mutated and a patch that cannot apply is an explicit error, not an exception.
 */
import type { Result } from '../../../lib/result.js';
import { fail, ok } from '../../../lib/result.js';
import { cloneJson, deepEqual, isObject } from './json.js';
import type { JsonObject } from './json.js';

export { applyStrategicMergePatch } from './strategic-merge.js';

/** RFC 7386: objects merge recursively, `null` removes a member, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902

type Op =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

/** RFC 6901: '' is the whole document; '~1' is '/', '~0' is '~' (decoded in that order). */
function parsePointer(pointer: string): Result<string[]> {
  if (pointer === '') return ok([]);
  if (!pointer.startsWith('/'))
    return fail(`invalid JSON pointer "${pointer}": must be empty or start with '/'`);
  const tokens = pointer.slice(1).split('/');
  for (const t of tokens) {
    if (/~[^01]|~$/.test(t)) return fail(`invalid JSON pointer "${pointer}": bad escape in "${t}"`);
  }
  return ok(tokens.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')));
}

function validateOp(raw: unknown, i: number): Result<Op> {
  if (!isObject(raw)) return fail(`operation ${i}: must be an object`);
  const { op, path, from } = raw;
  if (typeof op !== 'string') return fail(`operation ${i}: missing "op"`);
  if (typeof path !== 'string') return fail(`operation ${i} (${op}): missing "path"`);
  switch (op) {
    case 'add':
    case 'replace':
    case 'test':
      if (!('value' in raw)) return fail(`operation ${i} (${op}): missing "value"`);
      return ok({ op, path, value: raw.value });
    case 'remove':
      return ok({ op, path });
    case 'move':
    case 'copy':
      if (typeof from !== 'string') return fail(`operation ${i} (${op}): missing "from"`);
      return ok({ op, path, from });
    default:
      return fail(`operation ${i}: unsupported op "${op}"`);
  }
}

/** Array index per RFC 6902: digits without leading zeros; '-' (one past the end) only where allowed. */
function arrayIndex(arr: unknown[], token: string, allowEnd: boolean): Result<number> {
  if (token === '-' && allowEnd) return ok(arr.length);
  if (!/^(0|[1-9]\d*)$/.test(token)) return fail(`"${token}" is not a valid array index`);
  const idx = Number(token);
  const max = allowEnd ? arr.length : arr.length - 1;
  if (idx > max) return fail(`array index ${idx} out of bounds (length ${arr.length})`);
  return ok(idx);
}

/** The container holding the pointer's last token, walking from the document root. */
function parentOf(doc: unknown, tokens: string[], pointer: string): Result<unknown> {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const idx = arrayIndex(cur, t, false);
      if (!idx.ok) return fail(`path "${pointer}": ${idx.error}`);
      cur = cur[idx.value];
    } else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) {
      cur = cur[t];
    } else {
      return fail(`path "${pointer}": "${t}" does not exist`);
    }
  }
  if (!Array.isArray(cur) && !isObject(cur))
    return fail(`path "${pointer}": parent is not an object or array`);
  return ok(cur);
}

function getAt(doc: unknown, pointer: string): Result<unknown> {
  const tokens = parsePointer(pointer);
  if (!tokens.ok) return tokens;
  if (tokens.value.length === 0) return ok(doc);
  const parent = parentOf(doc, tokens.value, pointer);
  if (!parent.ok) return parent;
  const last = tokens.value[tokens.value.length - 1] ?? '';
  const p = parent.value;
  if (Array.isArray(p)) {
    const idx = arrayIndex(p, last, false);
    return idx.ok ? ok(p[idx.value]) : fail(`path "${pointer}": ${idx.error}`);
  }
  const obj = p as JsonObject;
  if (!Object.prototype.hasOwnProperty.call(obj, last)) return fail(`path "${pointer}" does not exist`);
  return ok(obj[last]);
}

/** Applies one mutation in place on `doc` (already a private copy); returns the new root. */
function mutate(
  doc: unknown,
  pointer: string,
  kind: 'add' | 'replace' | 'remove',
  value?: unknown,
): Result<unknown> {
  const tokens = parsePointer(pointer);
  if (!tokens.ok) return tokens;
  if (tokens.value.length === 0) {
    return kind === 'remove' ? ok(undefined) : ok(value);
  }
  const parent = parentOf(doc, tokens.value, pointer);
  if (!parent.ok) return parent;
  const last = tokens.value[tokens.value.length - 1] ?? '';
  const p = parent.value;
  if (Array.isArray(p)) {
    const idx = arrayIndex(p, last, kind === 'add');
    if (!idx.ok) return fail(`path "${pointer}": ${idx.error}`);
    if (kind === 'add') p.splice(idx.value, 0, value);
    else if (kind === 'replace') p[idx.value] = value;
    else p.splice(idx.value, 1);
    return ok(doc);
  }
  const obj = p as JsonObject;
  if (kind !== 'add' && !Object.prototype.hasOwnProperty.call(obj, last)) {
    return fail(`path "${pointer}" does not exist: cannot ${kind}`);
  }
  if (kind === 'remove') delete obj[last];
  else obj[last] = value;
  return ok(doc);
}

function applyOp(doc: unknown, op: Op): Result<unknown> {
  switch (op.op) {
    case 'add':
    case 'replace':
      return mutate(doc, op.path, op.op, cloneJson(op.value));
    case 'remove':
      return mutate(doc, op.path, 'remove');
    case 'test': {
      const cur = getAt(doc, op.path);
      if (!cur.ok) return cur;
      return deepEqual(cur.value, op.value) ? ok(doc) : fail(`test failed: value at "${op.path}" differs`);
    }
    case 'copy': {
      const v = getAt(doc, op.from);
      return v.ok ? mutate(doc, op.path, 'add', cloneJson(v.value)) : v;
    }
    case 'move': {
      if (op.path.startsWith(`${op.from}/`))
        return fail(`cannot move "${op.from}" into its own child "${op.path}"`);
      const v = getAt(doc, op.from);
      if (!v.ok) return v;
      const removed = mutate(doc, op.from, 'remove');
      return removed.ok ? mutate(removed.value, op.path, 'add', v.value) : removed;
    }
  }
}

/** RFC 6902 applied atomically: the first failing operation fails the whole patch. */
export function applyJsonPatch(target: unknown, ops: unknown): Result<unknown, string> {
  if (!Array.isArray(ops)) return fail('a JSON patch must be an array of operations');
  let doc = cloneJson(target);
  for (const [i, raw] of ops.entries()) {
    const op = validateOp(raw, i);
    if (!op.ok) return op;
    const next = applyOp(doc, op.value);
    if (!next.ok) return fail(`operation ${i} (${op.value.op} ${op.value.path}): ${next.error}`);
    doc = next.value;
  }
  return ok(doc);
}
