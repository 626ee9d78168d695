/**
 * The HTTP face of the API server: authentication, body limits, routing to discovery, OpenAPI
 * and resource handlers, watch streaming, and metav1.Status for every failure.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, parseNonNegativeInt, parseSelection, selectionFilter } from './body.js';
import type { ApiContext } from './context.js';
import { handleDelete, handleDeleteCollection } from './delete.js';
import { type ApiError, type ApiResult, apiFail, errors, toStatus } from './errors.js';
import {
  aggregatedDiscovery,
  apiResourceList,
  legacyApiGroupList,
  legacyApiVersions,
  negotiateDiscovery,
  versionInfo,
} from './kubectl/discovery.js';
import { openApiV3GroupVersion, openApiV3Root } from './kubectl/openapi.js';
import { type ApiRequest, type Reply, checkSubresource, handleGet, handleList, render } from './read.js';
import { type Verb, parsePath, verbOf } from './routing.js';
import { handleCreate, handlePatch, handleUpdate } from './write.js';

export interface HttpHooks {
  /** Called once per finished request (metrics). */
  observe(verb: string, resource: string, code: number, seconds: number): void;
  ready(): boolean;
  metrics(): Promise<{ contentType: string; body: string }>;
}

const OPEN_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, e: ApiError): void {
  send(res, e.code, toStatus(e));
}

export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Reads the body up to the limit; over the limit answers nothing and reports 413. */
function readBody(req: IncomingMessage): Promise<ApiResult<Buffer>> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      resolve(apiFail(errors.tooLarge(MAX_BODY_BYTES)));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) over = true;
      else chunks.push(c);
    });
    req.on('end', () =>
      resolve(over ? apiFail(errors.tooLarge(MAX_BODY_BYTES)) : { ok: true, value: Buffer.concat(chunks) }),
    );
    req.on('error', (err) =>
      resolve(apiFail(errors.badRequest(`reading the request body failed: ${err.message}`))),
    );
  });
}

export function createRequestListener(ctx: ApiContext, token: string, hooks: HttpHooks) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const labels = { verb: req.method ?? 'UNKNOWN', resource: '' };
    res.on('finish', () =>
      hooks.observe(
        labels.verb,
        labels.resource,
        res.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
      ),
    );
    serve(ctx, token, hooks, req, res, labels).catch((err: unknown) => {
      ctx.logger.error('request failed unexpectedly', { method: req.method, url: req.url, error: err });
      if (!res.headersSent) sendError(res, errors.internal('internal error'));
      else res.destroy();
    });
  };
}

async function serve(
  ctx: ApiContext,
  token: string,
  hooks: HttpHooks,
  req: IncomingMessage,
  res: ServerResponse,
  labels: { verb: string; resource: string },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://apiserver.invalid');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (OPEN_PATHS.has(path)) return serveOpen(path, hooks, res);
  if (!tokenMatches(req.headers.authorization, token)) {
    req.resume();
    return sendError(res, errors.unauthorized());
  }
  const body = await readBody(req);
  if (!body.ok) {
    res.setHeader('Connection', 'close');
    return sendError(res, body.error);
  }
  if (path === '/metrics') {
    const m = await hooks.metrics();
    return send(res, 200, m.body, m.contentType);
  }
  const method = req.method ?? 'GET';
  if (path.startsWith('/openapi/v3')) return serveOpenApi(ctx, method, path, res);
  const route = parsePath(path);
  if (route.kind === 'unknown') return sendError(res, errors.notFoundPath(path));
  if (route.kind !== 'resource') {
    if (method !== 'GET') return sendError(res, errors.methodNotAllowed(method));
    return serveDiscovery(ctx, route, req.headers.accept, path, res);
  }
  const def = ctx.registry.find(route.group, route.version, route.resource);
  if (!def) return sendError(res, errors.notFoundPath(path));
  if (!def.namespaced && route.namespace !== undefined) return sendError(res, errors.notFoundPath(path));
  labels.resource = def.resource;
  const watch = url.searchParams.get('watch');
  const verb = verbOf(method, route.name !== undefined, watch === 'true' || watch === '1');
  if (!verb) return sendError(res, errors.methodNotAllowed(method));
  labels.verb = verb.toUpperCase();
  const apiReq: ApiRequest = {
    method,
    target: { def, namespace: route.namespace, name: route.name, subresource: route.subresource },
    query: url.searchParams,
    accept: req.headers.accept,
    contentType: req.headers['content-type'],
    body: body.value,
  };
  const sub = checkSubresource(apiReq.target, path);
  if (!sub.ok) return sendError(res, sub.error);
  if (apiReq.target.subresource !== undefined && !['get', 'update', 'patch'].includes(verb))
    return sendError(res, errors.methodNotAllowed(method));
  if (verb === 'watch') return serveWatch(ctx, apiReq, req, res);
  const reply = await dispatch(ctx, verb, apiReq);
  if (!reply.ok) {
    if (reply.error.code >= 500)
      ctx.logger.error('request failed', { verb, path, error: reply.error.message });
    else
      ctx.logger.debug('request rejected', {
        verb,
        path,
        code: reply.error.code,
        error: reply.error.message,
      });
    return sendError(res, reply.error);
  }
  for (const w of reply.value.warnings ?? []) res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
  send(res, reply.value.status, reply.value.body);
}

function dispatch(ctx: ApiContext, verb: Exclude<Verb, 'watch'>, req: ApiRequest): Promise<ApiResult<Reply>> {
  switch (verb) {
    case 'get':
      return handleGet(ctx, req);
    case 'list':
      return handleList(ctx, req);
    case 'create':
      return handleCreate(ctx, req);
    case 'update':
      return handleUpdate(ctx, req);
    case 'patch':
      return handlePatch(ctx, req);
    case 'delete':
      return handleDelete(ctx, req);
    case 'deletecollection':
      return handleDeleteCollection(ctx, req);
  }
}

function serveOpen(path: string, hooks: HttpHooks, res: ServerResponse): void {
  if (path === '/version') return send(res, 200, versionInfo());
  if (path === '/readyz' && !hooks.ready())
    return send(res, 503, 'not ready: etcd or CRDs not loaded yet', 'text/plain');
  send(res, 200, 'ok', 'text/plain');
}

function serveDiscovery(
  ctx: ApiContext,
  route: ReturnType<typeof parsePath>,
  accept: string | undefined,
  path: string,
  res: ServerResponse,
): void {
  const defs = ctx.registry.all();
  if (route.kind === 'discovery-root') {
    const aggregated = negotiateDiscovery(accept);
    if (aggregated)
      return send(
        res,
        200,
        aggregatedDiscovery(defs, route.legacy ? 'core' : 'apis', aggregated.version),
        aggregated.contentType,
      );
    return send(res, 200, route.legacy ? legacyApiVersions() : legacyApiGroupList(defs));
  }
  if (route.kind === 'discovery-group') {
    const list = legacyApiGroupList(defs) as { groups: { name: string }[] };
    const group = list.groups.find((g) => g.name === route.group);
    return group
      ? send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...group })
      : sendError(res, errors.notFoundPath(path));
  }
  if (route.kind === 'discovery-gv') {
    const gv = route.group === '' ? route.version : `${route.group}/${route.version}`;
    const doc = apiResourceList(defs, gv);
    return doc ? send(res, 200, doc) : sendError(res, errors.notFoundPath(path));
  }
  sendError(res, errors.notFoundPath(path));
}

function serveOpenApi(ctx: ApiContext, method: string, path: string, res: ServerResponse): void {
  if (method !== 'GET') return sendError(res, errors.methodNotAllowed(method));
  const defs = ctx.registry.all();
  if (path === '/openapi/v3') {
    // The hash only has to change when the served set changes, so clients re-fetch after a CRD lands.
    const hashOf = (gv: string): string =>
      Buffer.from(
        JSON.stringify(
          defs
            .filter((d) => `${d.group}/${d.version}`.replace(/^\//, '') === gv)
            .map((d) => [d.resource, d.kind]),
        ),
      )
        .toString('base64url')
        .slice(0, 32);
    return send(res, 200, openApiV3Root(defs, hashOf));
  }
  const doc = openApiV3GroupVersion(defs, path);
  if (!doc) return sendError(res, errors.notFoundPath(path));
  send(res, 200, doc);
}

async function serveWatch(
  ctx: ApiContext,
  req: ApiRequest,
  http: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { def, namespace } = req.target;
  const sel = parseSelection(def, req.query);
  if (!sel.ok) return sendError(res, sel.error);
  const timeout = parseNonNegativeInt(req.query, 'timeoutSeconds');
  if (!timeout.ok) return sendError(res, timeout.error);
  const table = ctx.machinery.wantsTable(req.accept);
  const bookmarks =
    req.query.get('allowWatchBookmarks') === 'true' || req.query.get('allowWatchBookmarks') === '1';
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache',
    });
    res.flushHeaders();
  };
  const handle = await ctx.hub.watch(
    {
      def,
      namespace,
      resourceVersion: req.query.get('resourceVersion') ?? undefined,
      filter: selectionFilter(sel.value),
      allowBookmarks: bookmarks,
      timeoutMs: timeout.value !== undefined ? timeout.value * 1000 : undefined,
    },
    {
      send: (ev) => {
        start();
        let object: unknown = ev.object;
        if (table && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
          const t = render({ ...ctx }, req, [ev.object]);
          if (t.ok) object = t.value;
        }
        res.write(JSON.stringify({ type: ev.type, object }) + '\n');
      },
      end: () => {
        start();
        res.end();
      },
    },
  );
  if (!handle.ok) return sendError(res, handle.error);
  start();
  const stop = (): void => handle.value.stop();
  http.on('close', stop);
  res.on('close', stop);
}
