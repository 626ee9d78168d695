/**
 * A loopback HTTP server that serves discovery and OpenAPI from the sandbox's pure documents and
 * records every request, so tests can check what the real kubectl sends (content types, query
 * parameters, protobuf bytes) independently of the full API server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILTIN_RESOURCES, type ResourceDef } from '../../sandbox/apiserver/resources.js';
import {
  aggregatedDiscovery,
  apiResourceList,
  legacyApiGroupList,
  legacyApiVersions,
  negotiateDiscovery,
  versionInfo,
} from '../../sandbox/apiserver/kubectl/discovery.js';
import { openApiV3GroupVersion, openApiV3Root } from '../../sandbox/apiserver/kubectl/openapi.js';
import { decodeProtobufObject } from '../../sandbox/apiserver/kubectl/protobuf.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly body: Buffer;
}

export interface Recorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: object, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(JSON.stringify(body));
}

function notFound(res: ServerResponse, what: string): void {
  send(res, 404, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason: 'NotFound',
    code: 404,
    message: `${what} not found`,
  });
}

function serveDiscovery(
  defs: readonly ResourceDef[],
  legacyOnly: boolean,
  req: RecordedRequest,
  res: ServerResponse,
): boolean {
  if (req.path === '/version') return (send(res, 200, versionInfo()), true);
  if (req.path === '/api' || req.path === '/apis') {
    const negotiated = legacyOnly ? undefined : negotiateDiscovery(req.accept);
    const which = req.path === '/api' ? 'core' : 'apis';
    if (negotiated)
      send(res, 200, aggregatedDiscovery(defs, which, negotiated.version), negotiated.contentType);
    else send(res, 200, which === 'core' ? legacyApiVersions() : legacyApiGroupList(defs));
    return true;
  }
  const gv = /^\/api\/([^/]+)$/.exec(req.path)?.[1] ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(req.path)?.[1];
  if (gv) {
    const list = apiResourceList(defs, gv);
    if (list) send(res, 200, list);
    else notFound(res, gv);
    return true;
  }
  if (req.path === '/openapi/v3')
    return (
      send(
        res,
        200,
        openApiV3Root(defs, () => 'fixed'),
      ),
      true
    );
  if (req.path.startsWith('/openapi/v3/')) {
    const doc = openApiV3GroupVersion(defs, req.path);
    if (doc) send(res, 200, doc);
    else notFound(res, req.path);
    return true;
  }
  return false;
}

/**
 * Writes against a tiny in-memory store keyed by object path: enough for kubectl's
 * GET-then-POST/PATCH of `apply`; PATCH bodies are recorded but not applied.
 */
function serveWrite(store: Map<string, object>, req: RecordedRequest, res: ServerResponse): void {
  if (req.method === 'POST') {
    let object: object;
    if (req.contentType?.startsWith('application/vnd.kubernetes.protobuf')) {
      const decoded = decodeProtobufObject(req.body);
      if (!decoded.ok)
        return send(res, 415, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: 415,
          message: decoded.error,
        });
      object = decoded.value;
    } else {
      object = JSON.parse(req.body.toString('utf8') || '{}') as object;
    }
    const name = (object as { metadata?: { name?: string } }).metadata?.name ?? '';
    store.set(`${req.path}/${name}`, object);
    return send(res, 201, object);
  }
  const stored = store.get(req.path);
  if (stored && (req.method === 'GET' || req.method === 'PATCH')) return send(res, 200, stored);
  notFound(res, req.path);
}

/** `legacyOnly` answers /api and /apis with the legacy documents whatever the client accepts. */
export async function startRecorder(
  defs: readonly ResourceDef[] = BUILTIN_RESOURCES,
  opts: { legacyOnly?: boolean } = {},
): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const store = new Map<string, object>();
  const handle = (raw: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const url = new URL(raw.url ?? '/', 'http://recorder');
    const req: RecordedRequest = {
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      path: url.pathname,
      query: url.searchParams,
      contentType: raw.headers['content-type'],
      accept: raw.headers.accept,
      body,
    };
    requests.push(req);
    if (!serveDiscovery(defs, opts.legacyOnly ?? false, req, res)) serveWrite(store, req, res);
  };
  const server: Server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => handle(raw, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
