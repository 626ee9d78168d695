/**
 * The identity controller: informers on Pods, Namespaces, CiliumIdentities and
 * CiliumEndpoints in, writes out. Every round hands the informer caches to the pure
 * `reconcile` and applies the plan it returns; nothing here decides anything itself.
 *
 * Writes become visible in the informer caches only a moment later. Until they do, what was
 * just written is overlaid on the caches, so a round that runs in between does not allocate
 * or write the same thing twice.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Counter } from 'prom-client';
import { createInformer, type Informer } from '../../k8s/informer.js';
import type { ObjectLike } from '../../k8s/informer-core.js';
import { coreResource, type ObjectRef } from '../../k8s/resource.js';
import type { KubeError } from '../../k8s/errors.js';
import type { Logger } from '../../lib/log.js';
import type { HealthReport, Module } from '../../lib/module.js';
import type { Result } from '../../lib/result.js';
import { reconcile, type ClusterInfo, type ReconcileError, type ReconcilePlan } from './reconcile.js';
import { CILIUM_ENDPOINTS, CILIUM_IDENTITIES, createIdentity, deleteIfPresent, writeEndpoint, type WriteOutcome } from './writer.js';

export interface IdentityMetrics {
  /** Rejected input and API failures, by reason. */
  readonly errors: Counter<'reason'>;
  /** Successful writes, by resource and operation. */
  readonly writes: Counter<'resource' | 'op'>;
}

export interface IdentityControllerOptions {
  readonly kc: KubeConfig;
  readonly cluster: ClusterInfo;
  readonly graceMs: number;
  readonly gcIntervalMs: number;
  readonly logger: Logger;
  readonly metrics: IdentityMetrics;
  /** Coalesces bursts of informer events into one round. */
  readonly debounceMs?: number;
  readonly writeConcurrency?: number;
}

type K8sObject = ObjectLike & Record<string, unknown>;

const RETRY_MS = 1_000;

function keyOf(o: K8sObject): string {
  const m = o.metadata as { name?: string; namespace?: string };
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

export function createIdentityController(opts: IdentityControllerOptions): Module {
  const log = opts.logger.child({ controller: 'identity' });
  const { kc } = opts;
  const debounceMs = opts.debounceMs ?? 50;
  const concurrency = opts.writeConcurrency ?? 8;
  // Overlays of our own writes the informers have not shown yet, by object key.
  const createdIdentities = new Map<string, K8sObject>();
  const deletedIdentities = new Set<string>();
  const writtenEndpoints = new Map<string, K8sObject>();
  const deletedEndpoints = new Set<string>();
  let lastUsed: ReadonlyMap<number, number> = new Map();
  let reported = new Set<string>();
  let stopped = true;
  let rounds = 0;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let gcTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let signal: AbortSignal = AbortSignal.abort();

  const kick = (delay = debounceMs): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = round().catch((err: unknown) => {
        // A bug in one round must not take the process down; the next event or GC tick retries.
        lastError = `round failed: ${err instanceof Error ? err.message : String(err)}`;
        log.error('reconcile round failed', { err });
      }).finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
    }, delay);
  };

  const informer = (name: string, ref: Omit<ObjectRef, 'name'>, overlays: (Map<string, K8sObject> | Set<string>)[]): Informer<K8sObject> => {
    // The cache now shows the object as it is, so what we wrote about it no longer needs overlaying.
    const changed = (o: K8sObject): void => {
      for (const ov of overlays) ov.delete(keyOf(o));
      kick();
    };
    return createInformer<K8sObject>({ kc, resource: ref, name, logger: log, onAdd: changed, onUpdate: changed, onDelete: changed });
  };

  const pods = informer('pods', coreResource('pods'), []);
  const namespaces = informer('namespaces', coreResource('namespaces'), []);
  const identities = informer('ciliumidentities', CILIUM_IDENTITIES, [createdIdentities, deletedIdentities]);
  const endpoints = informer('ciliumendpoints', CILIUM_ENDPOINTS, [writtenEndpoints, deletedEndpoints]);
  const informers = [pods, namespaces, identities, endpoints];

  const overlaid = (cache: ReadonlyMap<string, K8sObject>, written: Map<string, K8sObject>, deleted: Set<string>): K8sObject[] => {
    const out = new Map(cache);
    for (const [k, o] of written) out.set(k, o);
    for (const k of deleted) out.delete(k);
    return [...out.values()];
  };

  const reportErrors = (errors: readonly ReconcileError[]): void => {
    const now = new Set<string>();
    for (const e of errors) {
      const key = `${e.reason}|${e.subject}|${e.message}`;
      now.add(key);
      // Logged and counted once while the problem lasts, not once per round.
      if (reported.has(key)) continue;
      log.warn('identity input rejected', { reason: e.reason, object: e.subject, error: e.message });
      opts.metrics.errors.inc({ reason: e.reason });
    }
    reported = now;
  };

  const track = async (what: string, resource: string, op: string, call: () => Promise<Result<WriteOutcome, KubeError>>): Promise<boolean> => {
    if (signal.aborted) return false;
    const r = await call();
    if (r.ok) {
      if (r.value === 'done') opts.metrics.writes.inc({ resource, op });
      return true;
    }
    lastError = `${op} ${what}: ${r.error.message}`;
    // A conflict is optimistic concurrency doing its job (the cache was a step behind), not a fault.
    if (r.error.kind === 'conflict') {
      log.info('write conflict, will retry', { op, object: what });
      return false;
    }
    log.warn('write failed, will retry', { op, object: what, kind: r.error.kind, error: r.error.message });
    opts.metrics.errors.inc({ reason: `api_${r.error.kind}` });
    return false;
  };

  const apply = async (plan: ReconcilePlan): Promise<boolean> => {
    let clean = true;
    const note = (ok: boolean): void => void (clean &&= ok);
    // Identities first: an endpoint must never point at an identity that does not exist yet.
    await pool(plan.createIdentities.map((c) => async () => {
      const ok = await track(`ciliumidentities ${c.id}`, 'ciliumidentities', 'create', () => createIdentity(kc, c.object));
      if (ok) createdIdentities.set(String(c.id), c.object as K8sObject);
      note(ok);
    }), concurrency);
    if (!clean) return false;
    await pool(plan.writeEndpoints.map((w) => async () => {
      const key = `${w.namespace}/${w.name}`;
      const current = endpoints.cache().get(key)?.metadata as { resourceVersion?: string } | undefined;
      // Our own create is not in the cache yet: its watch event is on the way and starts the
      // next round, which can then replace it with the right resourceVersion.
      if (w.exists && !current?.resourceVersion) return;
      const ok = await track(`ciliumendpoints ${key}`, 'ciliumendpoints', w.exists ? 'update' : 'create', () => writeEndpoint(kc, w.object, w.exists ? current : undefined));
      if (ok) writtenEndpoints.set(key, w.object as K8sObject);
      note(ok);
    }), concurrency);
    await pool(plan.deleteEndpoints.map((d) => async () => {
      const key = `${d.namespace}/${d.name}`;
      const ok = await track(`ciliumendpoints ${key}`, 'ciliumendpoints', 'delete', () => deleteIfPresent(kc, { ...CILIUM_ENDPOINTS, ...d }));
      if (ok) deletedEndpoints.add(key);
      note(ok);
    }), concurrency);
    await pool(plan.deleteIdentities.map((id) => async () => {
      const ok = await track(`ciliumidentities ${id}`, 'ciliumidentities', 'delete', () => deleteIfPresent(kc, { ...CILIUM_IDENTITIES, name: String(id) }));
      if (ok) {
        deletedIdentities.add(String(id));
        log.info('identity garbage-collected', { identity: id });
      }
      note(ok);
    }), concurrency);
    return clean;
  };

  const round = async (): Promise<void> => {
    // Deciding from a partial cache would reallocate identities that exist but were not listed yet.
    if (stopped || signal.aborted || !informers.every((i) => i.synced)) return;
    const namespaceLabels = new Map<string, Record<string, string>>();
    for (const ns of namespaces.cache().values()) {
      const m = ns.metadata as { name: string; labels?: Record<string, string> };
      namespaceLabels.set(m.name, m.labels ?? {});
    }
    const plan = reconcile({
      cluster: opts.cluster,
      pods: [...pods.cache().values()],
      namespaceLabels,
      identities: overlaid(identities.cache(), createdIdentities, deletedIdentities),
      endpoints: overlaid(endpoints.cache(), writtenEndpoints, deletedEndpoints),
      lastUsed,
      now: Date.now(),
      graceMs: opts.graceMs,
    });
    lastUsed = plan.lastUsed;
    reportErrors(plan.errors);
    const clean = await apply(plan);
    rounds++;
    if (clean) lastError = undefined;
    else if (!stopped) setTimeout(() => kick(0), RETRY_MS).unref();
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    clearInterval(gcTimer);
    timer = undefined;
    await Promise.all(informers.map((i) => i.stop()));
    await running;
  };

  return {
    async start(parent: AbortSignal) {
      if (!stopped) return;
      stopped = false;
      signal = parent;
      parent.addEventListener('abort', () => void stop(), { once: true });
      await Promise.all(informers.map((i) => i.start(parent)));
      await Promise.all(informers.map((i) => i.whenSynced())).catch(() => undefined);
      if (stopped) return;
      log.info('informers synced, reconciling', { cluster: opts.cluster.name, graceMs: opts.graceMs });
      gcTimer = setInterval(() => kick(0), opts.gcIntervalMs);
      kick(0);
    },
    stop,
    health(): HealthReport {
      const synced = informers.every((i) => i.synced);
      return {
        name: 'identity-controller',
        healthy: true,
        ready: !stopped && synced && rounds > 0,
        ...(lastError ? { message: lastError } : {}),
        details: { rounds, identities: identities.cache().size, endpoints: endpoints.cache().size },
      };
    },
  };
}
