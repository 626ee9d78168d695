/**
 * One HTTP request to the Kubernetes API with the kubeconfig's credentials and TLS settings
 * (client-node applies them: tokens, client certificates, exec plugins, CA). Used where the
 * generated API classes cannot address a resource generically by group/version/resource.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { fail, ok, type Result } from '../lib/result.js';
import { errorFromNetwork, errorFromStatus, isRetryable, type KubeError } from './errors.js';

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  /** Defaults to application/json when there is a body. */
  readonly contentType?: string;
  readonly timeoutMs?: number;
  /** Aborting ends the request at once with an `unavailable` error. */
  readonly signal?: AbortSignal;
}

function buildUrl(server: string, req: KubeRequest): URL {
  const url = new URL(server.replace(/\/$/, '') + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

export async function kubeRequest<T = unknown>(kc: KubeConfig, req: KubeRequest): Promise<Result<T, KubeError>> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) return fail({ kind: 'unavailable', status: 0, message: 'kubeconfig has no current cluster' });
  const url = buildUrl(cluster.server, req);
  const opts: https.RequestOptions = { method: req.method, headers: { Accept: 'application/json' } };
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (err) {
    return fail({ kind: 'unauthorized', status: 0, message: `credentials: ${(err as Error).message}` });
  }
  const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  if (payload !== undefined) {
    opts.headers = { ...opts.headers, 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) };
  }
  const lib = url.protocol === 'http:' ? http : https;
  if (lib === http) delete opts.agent;
  return new Promise((settle) => {
    // The caller's signal outlives this request (an informer's pages share one): its abort
    // listener is removed once the request settles, or listeners pile up on the signal.
    const onAbort = (): void => void r.destroy(new Error('request aborted'));
    const resolve = (result: Result<T, KubeError>): void => {
      req.signal?.removeEventListener('abort', onAbort);
      settle(result);
    };
    const r = lib.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => resolve(fail(errorFromNetwork(err), true)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          // non-JSON bodies (proxies, plain-text errors) stay text
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(ok(body as T));
        const error = errorFromStatus(status, body);
        resolve(fail(error, isRetryable(error)));
      });
    });
    r.setTimeout(req.timeoutMs ?? 30_000, () => r.destroy(new Error(`request timed out after ${req.timeoutMs ?? 30_000} ms`)));
    r.on('error', (err) => resolve(fail(errorFromNetwork(err), true)));
    if (req.signal) {
      if (req.signal.aborted) r.destroy(new Error('request aborted'));
      else req.signal.addEventListener('abort', onAbort, { once: true });
    }
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}
