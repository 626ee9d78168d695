/**
 * Composition: the Kubernetes-API-compatible server over HTTPS on loopback, backed by etcd.
 * `startApiServer` is used in-process by tests and the sandbox; `runApiServerProcess` runs it
 * as its own process (`meshlb sandbox apiserver ...`).
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient, KvConnectOptions } from '../../kvstore/types.js';
import { type Logger, createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/observability.js';
import { type Result, fail, ok } from '../../lib/result.js';
import { ensureNamespaces, loadCrdDir, serveStoredCrds } from './bootstrap.js';
import type { ApiContext } from './context.js';
import { createRequestListener } from './http.js';
import { BUILTIN_RESOURCES } from './resources.js';
import { ResourceRegistry } from './routing.js';
import { ObjectStore } from './storage.js';
import { WatchHub } from './watch.js';
import { buildMachinery } from './wiring.js';

export interface ApiServerOptions {
  readonly kv: KvClient | KvConnectOptions;
  readonly port?: number;
  readonly host?: string;
  readonly tls: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly token: string;
  readonly crdDir?: string;
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** How often watches with allowWatchBookmarks get a BOOKMARK (Kubernetes: about a minute). */
  readonly bookmarkIntervalMs?: number;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly kv: KvClient;
  readonly registry: Registry;
  stop(): Promise<void>;
}

function isClient(kv: ApiServerOptions['kv']): kv is KvClient {
  return typeof (kv as KvClient).get === 'function';
}

function metricsFor(registry: Registry, hub: () => WatchHub) {
  const requests = new Counter({
    name: 'apiserver_request_total',
    help: 'API requests by verb, resource and HTTP code',
    labelNames: ['verb', 'resource', 'code'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'API request latency (watches: their whole life)',
    labelNames: ['verb', 'resource'],
    buckets: [0.005, 0.025, 0.1, 0.25, 1, 5, 30, 300],
    registers: [registry],
  });
  new Gauge({
    name: 'apiserver_registered_watchers',
    help: 'Open watch streams',
    registers: [registry],
    collect() {
      this.set(hub().watcherCount);
    },
  });
  return (verb: string, resource: string, code: number, seconds: number): void => {
    requests.inc({ verb, resource, code: String(code) });
    durations.observe({ verb, resource }, seconds);
  };
}

async function bootstrap(ctx: ApiContext, crdDir: string | undefined): Promise<Result<void, string>> {
  const ns = await ensureNamespaces(ctx);
  if (!ns.ok) return fail(`creating initial namespaces: ${ns.error.message}`, ns.error.code >= 500);
  const stored = await serveStoredCrds(ctx);
  if (!stored.ok) return fail(`loading stored CRDs: ${stored.error.message}`, true);
  if (crdDir !== undefined) {
    const loaded = await loadCrdDir(ctx, crdDir);
    if (!loaded.ok) return fail(loaded.error.message);
    ctx.logger.info('CRDs loaded', { dir: crdDir, count: loaded.value });
  }
  return ok(undefined);
}

export async function startApiServer(opts: ApiServerOptions): Promise<Result<ApiServer, string>> {
  const logger = opts.logger ?? createLogger({ component: 'apiserver' });
  const ownsKv = !isClient(opts.kv);
  const kv = isClient(opts.kv) ? opts.kv : connectKv(opts.kv, logger.child({ component: 'kvstore' }));
  const store = new ObjectStore(kv);
  const hub = new WatchHub(store, logger, opts.bookmarkIntervalMs);
  const ctx: ApiContext = {
    store,
    registry: new ResourceRegistry(BUILTIN_RESOURCES),
    hub,
    logger,
    machinery: buildMachinery(),
    now: () => new Date(),
    random: (n) => randomInt(n),
  };
  const boot = await bootstrap(ctx, opts.crdDir);
  if (!boot.ok) {
    await hub.close();
    if (ownsKv) await kv.close();
    return boot;
  }
  const registry = opts.registry ?? createRegistry('apiserver');
  const observe = metricsFor(registry, () => hub);
  const listener = createRequestListener(ctx, opts.token, {
    observe,
    ready: () => true,
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  });
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer({ cert: opts.tls.cert, key: opts.tls.key }, listener);
  const listening = await new Promise<Result<void, string>>((resolve) => {
    server.once('error', (err) => resolve(fail(`listen on ${host}:${opts.port ?? 0}: ${err.message}`)));
    server.listen(opts.port ?? 0, host, () => resolve(ok(undefined)));
  });
  if (!listening.ok) {
    await hub.close();
    if (ownsKv) await kv.close();
    return listening;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  logger.info('API server listening', { url: `https://${urlHost}:${port}` });
  return ok({
    url: `https://${urlHost}:${port}`,
    port,
    kv,
    registry,
    stop: async () => {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsKv) await kv.close();
    },
  });
}

export interface ApiServerProcessOptions {
  readonly etcd: string;
  readonly port: number;
  readonly host?: string;
  readonly tokenFile: string;
  readonly cert: string;
  readonly key: string;
  readonly crdDir?: string;
}

/** `meshlb sandbox apiserver`: runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function runApiServerProcess(opts: ApiServerProcessOptions): Promise<number> {
  const logger = createLogger({ component: 'apiserver' });
  const [token, cert, key] = await Promise.all([
    readFile(opts.tokenFile, 'utf8'),
    readFile(opts.cert),
    readFile(opts.key),
  ]);
  const started = await startApiServer({
    kv: {
      endpoints: opts.etcd
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      callTimeoutMs: 10_000,
    },
    port: opts.port,
    host: opts.host,
    tls: { cert, key },
    token: token.trim(),
    crdDir: opts.crdDir,
    logger,
  });
  if (!started.ok) {
    logger.error('API server failed to start', { error: started.error });
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await started.value.stop();
  return 0;
}
