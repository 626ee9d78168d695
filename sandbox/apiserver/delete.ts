/**
 * delete and deletecollection. Deletion is immediate (no finalizers or graceful periods in the
 * sandbox); deleting a Namespace removes everything in it and deleting a CRD stops serving it
 * and removes its objects, as the real controllers eventually do.
 */
import { ok } from '../../lib/result.js';
import { parseDryRun, parseSelection, parseText, selectionFilter } from './body.js';
import type { ApiContext } from './context.js';
import { type ApiResult, apiFail, errors } from './errors.js';
import { type KObject, isPlainObject, metadataOf } from './objects.js';
import type { ApiRequest, Reply } from './read.js';
import type { ResourceDef } from './resources.js';

interface DeleteOptions {
  readonly dryRun: boolean;
  readonly resourceVersion?: string;
  readonly uid?: string;
}

const POLICIES = new Set(['Orphan', 'Background', 'Foreground']);

/** Options come from the query and from an optional DeleteOptions body (kubectl puts dryRun there). */
export function deleteOptionsOf(req: ApiRequest): ApiResult<DeleteOptions> {
  let body: Record<string, unknown> = {};
  if (req.body.length > 0 && req.body.toString('utf8').trim() !== '') {
    const parsed = parseText(req.body, (req.contentType ?? '').includes('yaml'));
    if (!parsed.ok) return parsed;
    if (!isPlainObject(parsed.value))
      return apiFail(errors.badRequest('DeleteOptions must be a JSON object'));
    body = parsed.value;
  }
  const bodyDryRun =
    body.dryRun === undefined ? [] : Array.isArray(body.dryRun) ? body.dryRun : [body.dryRun];
  const dryRun = parseDryRun([...req.query.getAll('dryRun'), ...bodyDryRun]);
  if (!dryRun.ok) return dryRun;
  const policy = req.query.get('propagationPolicy') ?? body.propagationPolicy;
  if (policy !== undefined && policy !== null && !POLICIES.has(String(policy)))
    return apiFail(errors.badRequest(`invalid propagationPolicy ${JSON.stringify(policy)}`));
  const pre = isPlainObject(body.preconditions) ? body.preconditions : {};
  return ok({
    dryRun: dryRun.value,
    resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    uid: typeof pre.uid === 'string' ? pre.uid : undefined,
  });
}

function successStatus(def: ResourceDef, obj: KObject): object {
  const meta = metadataOf(obj);
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: meta.name, group: def.group, kind: def.resource, uid: meta.uid },
  };
}

/** Removes what lived inside a deleted namespace or under a deleted CRD. */
async function cascade(ctx: ApiContext, def: ResourceDef, obj: KObject): Promise<ApiResult<void>> {
  const name = String(metadataOf(obj).name);
  if (def.group === '' && def.resource === 'namespaces') {
    const seen = new Set<string>();
    for (const d of ctx.registry.all()) {
      if (!d.namespaced || seen.has(`${d.group}/${d.resource}`)) continue;
      seen.add(`${d.group}/${d.resource}`);
      const r = await ctx.store.deleteAll(d, name);
      if (!r.ok) return r;
    }
  }
  if (def.group === 'apiextensions.k8s.io' && def.resource === 'customresourcedefinitions') {
    const served = ctx.registry.removeCrd(name);
    const first = served[0];
    if (first) return ctx.store.deleteAll({ ...first, namespaced: false });
  }
  return ok(undefined);
}

export async function handleDelete(ctx: ApiContext, req: ApiRequest): Promise<ApiResult<Reply>> {
  const { def, namespace, name } = req.target;
  const opts = deleteOptionsOf(req);
  if (!opts.ok) return opts;
  const deleted = await ctx.store.delete(def, namespace, name!, opts.value);
  if (!deleted.ok) return deleted;
  if (!opts.value.dryRun) {
    const c = await cascade(ctx, def, deleted.value);
    if (!c.ok)
      ctx.logger.error('cleanup after delete failed', {
        resource: def.resource,
        name,
        error: c.error.message,
      });
  }
  // Namespaces answer with the object (kubectl then waits for it to go); others with a Status.
  const body =
    def.resource === 'namespaces' && def.group === '' ? deleted.value : successStatus(def, deleted.value);
  return ok({ status: 200, body });
}

export async function handleDeleteCollection(ctx: ApiContext, req: ApiRequest): Promise<ApiResult<Reply>> {
  const { def, namespace } = req.target;
  const opts = deleteOptionsOf(req);
  if (!opts.ok) return opts;
  const sel = parseSelection(def, req.query);
  if (!sel.ok) return sel;
  const listed = await ctx.store.list(def, namespace, { filter: selectionFilter(sel.value) });
  if (!listed.ok) return listed;
  for (const obj of listed.value.items) {
    const meta = metadataOf(obj);
    const r = await ctx.store.delete(def, meta.namespace, String(meta.name), { dryRun: opts.value.dryRun });
    if (!r.ok && r.error.code !== 404) return r;
    if (r.ok && !opts.value.dryRun) await cascade(ctx, def, r.value);
  }
  return ok({ status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' } });
}
