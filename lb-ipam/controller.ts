/**
 * The LB-IPAM controller: Service and CiliumLoadBalancerIPPool informers in, status patches
 * out. Each round hands the caches to the pure `decide` and writes only what differs from
 * what the objects already say; nothing here decides anything itself.
 *
 * A status write shows up in the informer cache a moment later. Until it does, what was
 * written is overlaid on the cache, so a round in between neither writes it again nor hands
 * the same address to someone else.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createInformer, type Informer } from '../k8s/informer.js';
import { informerController } from '../k8s/informer-controller.js';
import type { ObjectLike } from '../k8s/informer-core.js';
import { patchStatus } from '../k8s/patch.js';
import { createReconcileLoop, runLimited, type RunResult } from '../k8s/reconcile-loop.js';
import { coreResource, type ResourceType } from '../k8s/resource.js';
import type { Logger } from '../lib/log.js';
import type { Module } from '../lib/module.js';
import { fail, ok } from '../lib/result.js';
import { CONDITION_SATISFIED, decide, DEFAULT_OPTIONS, POOL_CONDITION_TYPES, type Options, type Outcome } from './desired.js';
import { poolFromObject, serviceFromObject, type Pool, type Service } from './inputs.js';
import type { LbIpamMetrics } from './metrics.js';
import { poolStatusPatch, serviceStatusPatch } from './status.js';

export const LB_IP_POOLS: ResourceType = { group: 'cilium.io', version: 'v2', resource: 'ciliumloadbalancerippools' };
export const FIELD_MANAGER = 'meshlb-operator-lb-ipam';

export interface LbIpamControllerOptions {
  readonly kc: KubeConfig;
  readonly logger: Logger;
  readonly metrics: LbIpamMetrics;
  readonly options?: Partial<Options>;
  /** Coalesces bursts of informer events into one round. */
  readonly debounceMs?: number;
  readonly writeConcurrency?: number;
  /** The clock for lastTransitionTime; tests may pin it. */
  readonly now?: () => string;
}

type K8sObject = ObjectLike & Record<string, unknown>;

interface Overlay {
  readonly resourceVersion: string;
  readonly status: Record<string, unknown>;
}

function keyOf(o: K8sObject): string {
  const m = o.metadata as { name?: string; namespace?: string };
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

function rvOf(o: unknown): string {
  return String((o as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion ?? '');
}

/** resourceVersions are etcd revisions here; anything else is only compared for equality. */
function notOlder(rv: string, than: string): boolean {
  if (/^\d+$/.test(rv) && /^\d+$/.test(than)) return BigInt(rv) >= BigInt(than);
  return rv === than;
}

export function createLbIpamController(opts: LbIpamControllerOptions): Module {
  const log = opts.logger.child({ controller: 'lb-ipam' });
  const { kc, metrics } = opts;
  const options: Options = { ...DEFAULT_OPTIONS, ...opts.options };
  const concurrency = opts.writeConcurrency ?? 16;
  const now = opts.now ?? (() => new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
  const overlays = new Map<string, Overlay>();
  let reported = new Set<string>();
  let writes = 0;

  const informer = (name: string, resource: ResourceType, prefix: string): Informer<K8sObject> => {
    const changed = (o: K8sObject): void => {
      const key = prefix + keyOf(o);
      const ov = overlays.get(key);
      if (ov && notOlder(rvOf(o), ov.resourceVersion)) overlays.delete(key);
      loop.kick();
    };
    const deleted = (o: K8sObject): void => {
      overlays.delete(prefix + keyOf(o));
      loop.kick();
    };
    return createInformer<K8sObject>({ kc, resource, name, logger: log, onAdd: changed, onUpdate: changed, onDelete: deleted });
  };

  const services = informer('services', coreResource('services'), 'svc:');
  const pools = informer('ciliumloadbalancerippools', LB_IP_POOLS, 'pool:');
  const informers = [services, pools];

  const withOverlay = (prefix: string, o: K8sObject): K8sObject => {
    const ov = overlays.get(prefix + keyOf(o));
    return ov ? { ...o, status: ov.status } : o;
  };

  const readInputs = (): { pools: Pool[]; services: Service[] } => {
    const p: Pool[] = [];
    const s: Service[] = [];
    for (const o of pools.cache().values()) {
      const pool = poolFromObject(withOverlay('pool:', o));
      if (pool) p.push(pool);
    }
    for (const o of services.cache().values()) {
      const svc = serviceFromObject(withOverlay('svc:', o));
      if (svc) s.push(svc);
      else log.warn('service skipped: metadata has no name or namespace', { key: keyOf(o) });
    }
    return { pools: p, services: s };
  };

  const report = (p: readonly Pool[], s: readonly Service[]): void => {
    const current = new Set<string>();
    const note = (key: string, reason: string, fields: Record<string, unknown>): void => {
      current.add(key);
      // Logged and counted once while the problem lasts, not once per round.
      if (reported.has(key)) return;
      log.warn('LB-IPAM input rejected', { reason, ...fields });
      metrics.errors.inc({ reason });
    };
    for (const pool of p) if (pool.errors.length > 0) note(`pool|${pool.name}|${pool.errors.join()}`, 'invalid_pool', { pool: pool.name, error: pool.errors.join('; ') });
    for (const svc of s) if (svc.requestErrors.length > 0) note(`svc|${svc.key}|${svc.requestErrors.join()}`, 'malformed_request', { service: svc.key, error: svc.requestErrors.join('; ') });
    reported = current;
  };

  const updateGauges = (out: Outcome): void => {
    let conflicting = 0;
    let unsatisfied = 0;
    metrics.availableIps.reset();
    metrics.usedIps.reset();
    for (const [name, conds] of out.pools) {
      const find = (t: string): string | undefined => conds.find((c) => c.type === t)?.message;
      metrics.availableIps.set({ pool: name }, Number(find('cilium.io/IPsAvailable') ?? 0));
      metrics.usedIps.set({ pool: name }, Number(find('cilium.io/IPsUsed') ?? 0));
      if (conds.some((c) => c.type === 'cilium.io/PoolConflict' && c.status === 'True')) conflicting++;
    }
    for (const s of out.services.values()) if (s.condition && s.condition.status !== 'True') unsatisfied++;
    metrics.conflictingPools.set(conflicting);
    metrics.matchingServices.set([...out.services.values()].filter((s) => s.condition).length);
    metrics.unsatisfiedServices.set(unsatisfied);
  };

  /** Undefined when written (or nothing to write any more); otherwise why not. */
  const write = async (key: string, ref: Parameters<typeof patchStatus>[1], body: Record<string, unknown>, current: K8sObject): Promise<string | undefined> => {
    if (life.signal.aborted) return 'stopped';
    const r = await patchStatus<K8sObject>(kc, ref, body, { fieldManager: FIELD_MANAGER });
    if (r.ok) {
      writes++;
      // The reply is the object as stored after the patch: exactly what the cache will show.
      overlays.set(key, { resourceVersion: rvOf(r.value), status: (r.value.status as Record<string, unknown> | undefined) ?? current.status as Record<string, unknown> ?? {} });
      return undefined;
    }
    // A service deleted meanwhile needs nothing; the informer will tell us.
    if (r.error.kind === 'not_found') return undefined;
    log.warn('status write failed, will retry', { object: key, kind: r.error.kind, error: r.error.message });
    metrics.errors.inc({ reason: `api_${r.error.kind}` });
    return `status of ${ref.namespace ? ref.namespace + '/' : ''}${ref.name}: ${r.error.message}`;
  };

  /** The last write failure of the run (what health reports), or undefined when all went through. */
  const apply = async (out: Outcome): Promise<string | undefined> => {
    const at = now();
    const tasks: (() => Promise<void>)[] = [];
    let failure: string | undefined;
    for (const o of pools.cache().values()) {
      const current = withOverlay('pool:', o);
      const desired = out.pools.get(keyOf(o));
      const conds = ((current.status as { conditions?: unknown[] } | undefined)?.conditions) ?? [];
      const body = desired && poolStatusPatch(conds, desired, POOL_CONDITION_TYPES, at);
      if (body) tasks.push(async () => void (failure = (await write(`pool:${keyOf(o)}`, { ...LB_IP_POOLS, name: keyOf(o) }, body, current)) ?? failure));
    }
    for (const o of services.cache().values()) {
      const key = keyOf(o);
      const desired = out.services.get(key);
      if (!desired) continue;
      const svc = serviceFromObject(withOverlay('svc:', o));
      if (!svc) continue;
      const body = serviceStatusPatch(svc.ingress, svc.conditions, desired, CONDITION_SATISFIED, at);
      const [namespace, name] = [svc.namespace, svc.name];
      if (body) tasks.push(async () => void (failure = (await write(`svc:${key}`, { ...coreResource('services'), namespace, name }, body, withOverlay('svc:', o))) ?? failure));
    }
    await runLimited(tasks, concurrency);
    return failure;
  };

  const run = async (): Promise<RunResult> => {
    const inputs = readInputs();
    report(inputs.pools, inputs.services);
    const out = decide({ ...inputs, options });
    updateGauges(out);
    const failure = await apply(out);
    return failure === undefined ? ok(undefined) : fail(failure, true);
  };

  const loop = createReconcileLoop({
    name: 'lb-ipam',
    logger: log,
    run,
    // Deciding from a partial cache would hand out addresses that are taken but not listed yet.
    canRun: () => !life.signal.aborted && life.synced,
    debounceMs: opts.debounceMs ?? 50,
  });

  const life = informerController({
    name: 'lb-ipam',
    loop,
    informers,
    onSynced: () => log.info('informers synced, allocating', { pools: pools.cache().size, services: services.cache().size }),
    details: () => ({ rounds: loop.runs, writes, pools: pools.cache().size, services: services.cache().size }),
  });
  return life;
}
