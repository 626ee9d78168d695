/**
 * What a fresh or restarted server does before it is ready: the namespaces every cluster has,
 * CRDs already stored (served again), and the CRD manifests shipped with the project.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ok } from '../../lib/result.js';
import { admitCreate, admitUpdate } from './admission.js';
import type { ApiContext } from './context.js';
import { type ApiResult, apiFail, errors } from './errors.js';
import { type KObject, isPlainObject, metadataOf } from './objects.js';
import { BUILTIN_RESOURCES, type ResourceDef } from './resources.js';
import { syncCrd } from './write.js';

const NAMESPACES = BUILTIN_RESOURCES.find((d) => d.resource === 'namespaces')!;
const CRDS = BUILTIN_RESOURCES.find((d) => d.resource === 'customresourcedefinitions')!;
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Create, or replace the spec of, a cluster-scoped object through normal admission. */
export async function createOrUpdate(
  ctx: ApiContext,
  def: ResourceDef,
  obj: KObject,
): Promise<ApiResult<KObject>> {
  const name = String(metadataOf(obj).name);
  const admitted = await admitCreate(ctx, def, obj);
  if (!admitted.ok) return admitted;
  const created = await ctx.store.create(def, undefined, admitted.value);
  if (created.ok || created.error.code !== 409) return created;
  const meta = { ...metadataOf(obj) };
  delete meta.resourceVersion;
  return ctx.store.update(def, undefined, name, (cur) =>
    admitUpdate(
      ctx,
      def,
      cur,
      { ...obj, metadata: { ...metadataOf(cur), ...meta }, status: cur.status },
      undefined,
    ),
  );
}

export async function ensureNamespaces(ctx: ApiContext): Promise<ApiResult<void>> {
  for (const name of INITIAL_NAMESPACES) {
    const admitted = await admitCreate(ctx, NAMESPACES, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
    if (!admitted.ok) return admitted;
    const r = await ctx.store.create(NAMESPACES, undefined, admitted.value);
    if (!r.ok && r.error.code !== 409) return r;
  }
  return ok(undefined);
}

export async function serveStoredCrds(ctx: ApiContext): Promise<ApiResult<number>> {
  const listed = await ctx.store.list(CRDS, undefined);
  if (!listed.ok) return listed;
  for (const crd of listed.value.items) syncCrd(ctx, CRDS, crd);
  return ok(listed.value.items.length);
}

async function manifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Every CustomResourceDefinition in the YAML files under `dir`; a bad file fails the start with its name. */
export async function loadCrdDir(ctx: ApiContext, dir: string): Promise<ApiResult<number>> {
  let files: string[];
  try {
    files = await manifestFiles(dir);
  } catch (err) {
    return apiFail(errors.internal(`cannot read CRD directory ${dir}: ${(err as Error).message}`));
  }
  let count = 0;
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      if (doc.errors.length > 0) return apiFail(errors.badRequest(`${file}: ${doc.errors[0]!.message}`));
      const obj: unknown = doc.toJS();
      if (!isPlainObject(obj) || obj.kind !== 'CustomResourceDefinition') continue;
      const r = await createOrUpdate(ctx, CRDS, obj);
      if (!r.ok) return apiFail(errors.badRequest(`${file}: ${r.error.message}`));
      syncCrd(ctx, CRDS, r.value);
      count++;
    }
  }
  return ok(count);
}
