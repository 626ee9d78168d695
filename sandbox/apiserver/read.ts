/** get and list: plain objects and Lists for `application/json`, Tables when kubectl asks for them. */
import { ok } from '../../lib/result.js';
import { parseNonNegativeInt, parseSelection, selectionFilter } from './body.js';
import type { ApiContext } from './context.js';
import { type ApiResult, apiFail, errors } from './errors.js';
import type { KObject } from './objects.js';
import { groupVersion, type ResourceDef } from './resources.js';

export interface ResourceTarget {
  readonly def: ResourceDef;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export interface ApiRequest {
  readonly method: string;
  readonly target: ResourceTarget;
  readonly query: URLSearchParams;
  readonly accept?: string;
  readonly contentType?: string;
  readonly body: Buffer;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  /** Sent as `Warning: 299 - "..."` headers, which kubectl prints. */
  readonly warnings?: readonly string[];
}

/** Only `/status` exists as a subresource, and only where the kind declares it. */
export function checkSubresource(t: ResourceTarget, path: string): ApiResult<void> {
  if (t.subresource === undefined) return ok(undefined);
  if (t.subresource === 'status' && t.def.statusSubresource && t.name !== undefined) return ok(undefined);
  return apiFail(errors.notFoundPath(path));
}

function includeObjectOf(query: URLSearchParams): ApiResult<'None' | 'Metadata' | 'Object'> {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return ok(v);
  return apiFail(errors.badRequest(`invalid includeObject: ${JSON.stringify(v)}`));
}

export function render(
  ctx: ApiContext,
  req: ApiRequest,
  objects: readonly KObject[],
  listMeta?: Record<string, string>,
): ApiResult<object> {
  const include = includeObjectOf(req.query);
  if (!include.ok) return include;
  const table = ctx.machinery.toTable(req.target.def, objects, {
    includeObject: include.value,
    now: ctx.now(),
  }) as Record<string, unknown>;
  const meta = { ...((table.metadata as Record<string, unknown> | undefined) ?? {}), ...(listMeta ?? {}) };
  return ok({ ...table, metadata: meta });
}

export async function handleGet(ctx: ApiContext, req: ApiRequest): Promise<ApiResult<Reply>> {
  const { def, namespace, name } = req.target;
  const got = await ctx.store.get(def, namespace, name!);
  if (!got.ok) return got;
  if (!ctx.machinery.wantsTable(req.accept)) return ok({ status: 200, body: got.value });
  const table = render(ctx, req, [got.value], {
    resourceVersion: String((got.value.metadata as Record<string, unknown>).resourceVersion),
  });
  return table.ok ? ok({ status: 200, body: table.value }) : table;
}

export async function handleList(ctx: ApiContext, req: ApiRequest): Promise<ApiResult<Reply>> {
  const { def, namespace } = req.target;
  const sel = parseSelection(def, req.query);
  if (!sel.ok) return sel;
  const limit = parseNonNegativeInt(req.query, 'limit');
  if (!limit.ok) return limit;
  const cont = req.query.get('continue') ?? undefined;
  const page = await ctx.store.list(def, namespace, {
    limit: limit.value,
    continueToken: cont === '' ? undefined : cont,
    filter: selectionFilter(sel.value),
  });
  if (!page.ok) return page;
  const listMeta: Record<string, string> = { resourceVersion: page.value.resourceVersion };
  if (page.value.continueToken) listMeta.continue = page.value.continueToken;
  if (ctx.machinery.wantsTable(req.accept)) {
    const table = render(ctx, req, page.value.items, listMeta);
    return table.ok ? ok({ status: 200, body: table.value }) : table;
  }
  return ok({
    status: 200,
    body: { kind: def.listKind, apiVersion: groupVersion(def), metadata: listMeta, items: page.value.items },
  });
}
