/** create, update (PUT) and patch, including server-side apply as create-or-merge. */
import { ok } from '../../lib/result.js';
import { checkAgainstPath, decodeObjectBody, parseDryRun, parseText, patchTypeOf } from './body.js';
import type { ApiContext } from './context.js';
import { admitCreate, admitUpdate } from './admission.js';
import { crdToResourceDefs } from './crd.js';
import { type ApiError, type ApiResult, apiFail, errors } from './errors.js';
import { type KObject, isPlainObject, metadataOf } from './objects.js';
import type { ApiRequest, Reply } from './read.js';
import type { ResourceDef } from './resources.js';
import { parseFieldValidation, strictDecodingMessage, unknownFieldPaths } from './strict.js';

function isCrdDef(def: ResourceDef): boolean {
  return def.group === 'apiextensions.k8s.io' && def.resource === 'customresourcedefinitions';
}

/** Served resources follow CRD writes at once, so a CR can be created right after its CRD. */
export function syncCrd(ctx: ApiContext, def: ResourceDef, crd: KObject): void {
  if (isCrdDef(def)) ctx.registry.setCrd(String(metadataOf(crd).name), crdToResourceDefs(crd));
}

function dryRunOf(req: ApiRequest): ApiResult<boolean> {
  return parseDryRun(req.query.getAll('dryRun'));
}

/** Strict refuses unknown fields (kubectl's default); Warn reports them in Warning headers. */
function checkFields(req: ApiRequest, obj: KObject): ApiResult<string[]> {
  const mode = parseFieldValidation(req.query.get('fieldValidation'));
  if (typeof mode !== 'string') return apiFail(errors.badRequest(mode.error));
  if (mode === 'Ignore') return ok([]);
  const unknown = unknownFieldPaths(req.target.def, obj);
  if (unknown.length === 0) return ok([]);
  if (mode === 'Strict') return apiFail(errors.badRequest(strictDecodingMessage(unknown)));
  return ok(unknown.map((p) => `unknown field "${p}"`));
}

async function create(
  ctx: ApiContext,
  req: ApiRequest,
  obj: KObject,
  dryRun: boolean,
): Promise<ApiResult<Reply>> {
  const { def, namespace } = req.target;
  const checked = checkAgainstPath(def, obj, namespace, undefined);
  if (!checked.ok) return checked;
  const warnings = checkFields(req, checked.value);
  if (!warnings.ok) return warnings;
  const admitted = await admitCreate(ctx, def, checked.value);
  if (!admitted.ok) return admitted;
  const created = await ctx.store.create(def, namespace, admitted.value, { dryRun });
  if (!created.ok) return created;
  if (!dryRun) syncCrd(ctx, def, created.value);
  return ok({ status: 201, body: created.value, warnings: warnings.value });
}

export async function handleCreate(ctx: ApiContext, req: ApiRequest): Promise<ApiResult<Reply>> {
  if (req.target.def.namespaced && req.target.namespace === undefined)
    return apiFail(errors.methodNotAllowed('POST without a namespace'));
  const dryRun = dryRunOf(req);
  if (!dryRun.ok) return dryRun;
  const obj = decodeObjectBody(req.contentType, req.body, ctx.machinery.decodeProtobuf);
  if (!obj.ok) return obj;
  return create(ctx, req, obj.value, dryRun.value);
}

export async function handleUpdate(ctx: ApiContext, req: ApiRequest): Promise<ApiResult<Reply>> {
  const { def, namespace, name, subresource } = req.target;
  const dryRun = dryRunOf(req);
  if (!dryRun.ok) return dryRun;
  const decoded = decodeObjectBody(req.contentType, req.body, ctx.machinery.decodeProtobuf);
  if (!decoded.ok) return decoded;
  const body = checkAgainstPath(def, decoded.value, namespace, name);
  if (!body.ok) return body;
  const warnings = checkFields(req, body.value);
  if (!warnings.ok) return warnings;
  const updated = await ctx.store.update(
    def,
    namespace,
    name!,
    (cur) => admitUpdate(ctx, def, cur, body.value, subresource),
    {
      dryRun: dryRun.value,
    },
  );
  if (!updated.ok) return updated;
  if (!dryRun.value) syncCrd(ctx, def, updated.value);
  return ok({ status: 200, body: updated.value, warnings: warnings.value });
}

function patchFailed(message: string): ApiError {
  return { code: 422, reason: 'Invalid', message: `the patch could not be applied: ${message}` };
}

type Patcher = (current: KObject) => ApiResult<KObject>;

/** Decodes the patch document once; applying it happens per update attempt against the latest object. */
function patcherFor(ctx: ApiContext, req: ApiRequest): ApiResult<Patcher> {
  const type = patchTypeOf(req.contentType);
  if (!type) return apiFail(errors.unsupportedMediaType(req.contentType ?? ''));
  const def = req.target.def;
  if (type === 'strategic' && !def.builtin)
    return apiFail(errors.unsupportedMediaType(req.contentType ?? ''));
  const doc = parseText(req.body, type === 'apply');
  if (!doc.ok) return doc;
  const patch = doc.value;
  if (type === 'json') {
    if (!Array.isArray(patch))
      return apiFail(errors.badRequest('a JSON patch must be an array of operations'));
    return ok((cur) => {
      const r = ctx.machinery.applyJsonPatch(cur, patch);
      return r.ok ? ok(r.value) : apiFail(patchFailed(r.error));
    });
  }
  if (!isPlainObject(patch)) return apiFail(errors.badRequest(`a ${type} patch must be a JSON object`));
  if (type === 'strategic')
    return ok((cur) => {
      const r = ctx.machinery.applyStrategicMergePatch(cur, patch, def);
      return r.ok ? ok(r.value) : apiFail(patchFailed(r.error));
    });
  return ok((cur) => ok(ctx.machinery.applyMergePatch(cur, patch)));
}

function checkPatched(req: ApiRequest, patched: KObject): ApiResult<KObject> {
  if (!isPlainObject(patched) || (patched.metadata !== undefined && !isPlainObject(patched.metadata)))
    return apiFail(patchFailed('the result is not an object with metadata'));
  const fields = checkFields(req, patched);
  if (!fields.ok) return fields;
  return checkAgainstPath(req.target.def, patched, req.target.namespace, req.target.name);
}

export async function handlePatch(ctx: ApiContext, req: ApiRequest): Promise<ApiResult<Reply>> {
  const { def, namespace, name, subresource } = req.target;
  const dryRun = dryRunOf(req);
  if (!dryRun.ok) return dryRun;
  const patcher = patcherFor(ctx, req);
  if (!patcher.ok) return patcher;
  if (patchTypeOf(req.contentType) === 'apply') {
    const existing = await ctx.store.get(def, namespace, name!);
    if (!existing.ok && existing.error.code !== 404) return existing;
    if (!existing.ok) {
      if (subresource !== undefined) return existing;
      const obj = decodeObjectBody(req.contentType, req.body);
      if (!obj.ok) return obj;
      const named = checkAgainstPath(def, obj.value, namespace, name);
      return named.ok ? create(ctx, req, named.value, dryRun.value) : named;
    }
  }
  const updated = await ctx.store.update(
    def,
    namespace,
    name!,
    async (cur) => {
      const patched = patcher.value(cur);
      if (!patched.ok) return patched;
      const checked = checkPatched(req, patched.value);
      return checked.ok ? admitUpdate(ctx, def, cur, checked.value, subresource) : checked;
    },
    { dryRun: dryRun.value },
  );
  if (!updated.ok) return updated;
  if (!dryRun.value) syncCrd(ctx, def, updated.value);
  return ok({ status: 200, body: updated.value });
}
