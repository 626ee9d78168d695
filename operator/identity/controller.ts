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
import { informerController } from '../../k8s/informer-controller.js';
import type { ObjectLike } from '../../k8s/informer-core.js';
import { createReconcileLoop, runLimited, type RunResult } from '../../k8s/reconcile-loop.js';
import { coreResource, type ObjectRef } from '../../k8s/resource.js';
import type { KubeError } from '../../k8s/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Module } from '../../lib/module.js';
import { fail, ok, type Result } from '../../lib/result.js';
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

function keyOf(o: K8sObject): string {
  const m = o.metadata as { name?: string; namespace?: string };
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

export function createIdentityController(opts: IdentityControllerOptions): Module {
  const log = opts.logger.child({ controller: 'identity' });
  const { kc } = opts;
  const concurrency = opts.writeConcurrency ?? 8;
  // Overlays of our own writes the informers have not shown yet, by object key.
  const createdIdentities = new Map<string, K8sObject>();
  const deletedIdentities = new Set<string>();
  const writtenEndpoints = new Map<string, K8sObject>();
  const deletedEndpoints = new Set<string>();
  let lastUsed: ReadonlyMap<number, number> = new Map();
  let reported = new Set<string>();
  let gcTimer: NodeJS.Timeout | undefined;

  const informer = (name: string, ref: Omit<ObjectRef, 'name'>, overlays: (Map<string, K8sObject> | Set<string>)[]): Informer<K8sObject> => {
    // The cache now shows the object as it is, so what we wrote about it no longer needs overlaying.
    const changed = (o: K8sObject): void => {
      for (const ov of overlays) ov.delete(keyOf(o));
      loop.kick();
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

  /** Undefined when the write went through; otherwise why not. */
  const track = async (what: string, resource: string, op: string, call: () => Promise<Result<WriteOutcome, KubeError>>): Promise<string | undefined> => {
    if (life.signal.aborted) return 'stopped';
    const r = await call();
    if (r.ok) {
      if (r.value === 'done') opts.metrics.writes.inc({ resource, op });
      return undefined;
    }
    // A conflict is optimistic concurrency doing its job (the cache was a step behind), not a fault.
    if (r.error.kind === 'conflict') log.info('write conflict, will retry', { op, object: what });
    else {
      log.warn('write failed, will retry', { op, object: what, kind: r.error.kind, error: r.error.message });
      opts.metrics.errors.inc({ reason: `api_${r.error.kind}` });
    }
    return `${op} ${what}: ${r.error.message}`;
  };

  /** The last write failure of the run (what health reports), or undefined when all went through. */
  const apply = async (plan: ReconcilePlan): Promise<string | undefined> => {
    let failure: string | undefined;
    const note = (why: string | undefined): boolean => {
      failure = why ?? failure;
      return why === undefined;
    };
    // Identities first: an endpoint must never point at an identity that does not exist yet.
    await runLimited(plan.createIdentities.map((c) => async () => {
      const done = note(await track(`ciliumidentities ${c.id}`, 'ciliumidentities', 'create', () => createIdentity(kc, c.object)));
      if (done) createdIdentities.set(String(c.id), c.object as K8sObject);
    }), concurrency);
    if (failure !== undefined) return failure;
    await runLimited(plan.writeEndpoints.map((w) => async () => {
      const key = `${w.namespace}/${w.name}`;
      const current = endpoints.cache().get(key)?.metadata as { resourceVersion?: string } | undefined;
      // Our own create is not in the cache yet: its watch event is on the way and starts the
      // next round, which can then replace it with the right resourceVersion.
      if (w.exists && !current?.resourceVersion) return;
      const done = note(await track(`ciliumendpoints ${key}`, 'ciliumendpoints', w.exists ? 'update' : 'create', () => writeEndpoint(kc, w.object, w.exists ? current : undefined)));
      if (done) writtenEndpoints.set(key, w.object as K8sObject);
    }), concurrency);
    await runLimited(plan.deleteEndpoints.map((d) => async () => {
      const key = `${d.namespace}/${d.name}`;
      const done = note(await track(`ciliumendpoints ${key}`, 'ciliumendpoints', 'delete', () => deleteIfPresent(kc, { ...CILIUM_ENDPOINTS, ...d })));
      if (done) deletedEndpoints.add(key);
    }), concurrency);
    await runLimited(plan.deleteIdentities.map((id) => async () => {
      const done = note(await track(`ciliumidentities ${id}`, 'ciliumidentities', 'delete', () => deleteIfPresent(kc, { ...CILIUM_IDENTITIES, name: String(id) })));
      if (done) {
        deletedIdentities.add(String(id));
        log.info('identity garbage-collected', { identity: id });
      }
    }), concurrency);
    return failure;
  };

  const run = async (): Promise<RunResult> => {
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
    const failure = await apply(plan);
    return failure === undefined ? ok(undefined) : fail(failure, true);
  };

  const loop = createReconcileLoop({
    name: 'identity',
    logger: log,
    run,
    // Deciding from a partial cache would reallocate identities that exist but were not listed yet.
    canRun: () => !life.signal.aborted && life.synced,
    debounceMs: opts.debounceMs ?? 50,
  });

  const life = informerController({
    name: 'identity-controller',
    loop,
    informers,
    onSynced: () => {
      log.info('informers synced, reconciling', { cluster: opts.cluster.name, graceMs: opts.graceMs });
      gcTimer = setInterval(() => loop.kick(0), opts.gcIntervalMs);
    },
    onStop: () => clearInterval(gcTimer),
    details: () => ({ rounds: loop.runs, identities: identities.cache().size, endpoints: endpoints.cache().size }),
  });
  return life;
}
