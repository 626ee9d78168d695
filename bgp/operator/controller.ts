/**
 * The BGP operator's adapter: informers on ClusterConfigs, PeerConfigs, NodeConfigOverrides,
 * PeeringPolicies, Nodes, NodeConfigs and Advertisements in; NodeConfigs (and the objects
 * derived from legacy policies) and ClusterConfig conditions out. Each run hands the caches to
 * the pure `decide` and `planObjects` and writes only the difference.
 *
 * A write shows up in the informer cache a moment later. Until it does, the object is marked
 * pending so a run in between does not write it again (which would only fail on a stale
 * resourceVersion and retry).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeError } from '../../k8s/errors.js';
import { createInformer, type Informer } from '../../k8s/informer.js';
import { informerController } from '../../k8s/informer-controller.js';
import type { ObjectLike } from '../../k8s/informer-core.js';
import { createObject, deleteObject, patchStatus } from '../../k8s/patch.js';
import { createReconcileLoop, type RunResult } from '../../k8s/reconcile-loop.js';
import { kubeRequest } from '../../k8s/request.js';
import { coreResource, objectPath, type ResourceType } from '../../k8s/resource.js';
import type { Logger } from '../../lib/log.js';
import type { Module } from '../../lib/module.js';
import { fail, ok, type Result } from '../../lib/result.js';
import {
  ADVERTISEMENTS, advertisementSpec, CLUSTER_CONFIGS, NODE_CONFIG_OVERRIDES, NODE_CONFIGS, nodeConfigSpec, PEER_CONFIGS,
  peerConfigSpec, PEERING_POLICIES, type KindInfo,
} from '../api/index.js';
import { decide, type Outcome } from './desired.js';
import { readInputs, type Problem } from './inputs.js';
import { POLICY_LABEL } from './legacy.js';
import type { BgpOperatorMetrics } from './metrics.js';
import { mergeConditions, planObjects, type ExistingObject, type ObjectPlan } from './plan.js';

export const FIELD_MANAGER = 'meshlb-operator-bgp';

export interface BgpOperatorOptions {
  readonly kc: KubeConfig;
  readonly logger: Logger;
  readonly metrics: BgpOperatorMetrics;
  readonly debounceMs?: number;
  /** The clock for lastTransitionTime; tests may pin it. */
  readonly now?: () => string;
}

type K8sObject = ObjectLike & Record<string, unknown>;

function rvOf(o: unknown): string {
  return String((o as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion ?? '');
}

/** resourceVersions are etcd revisions here; anything else is only compared for equality. */
function notOlder(rv: string, than: string): boolean {
  if (/^\d+$/.test(rv) && /^\d+$/.test(than)) return BigInt(rv) >= BigInt(than);
  return rv === than;
}

const policyOwned = (o: ExistingObject): boolean => Boolean(o.metadata.labels?.[POLICY_LABEL]);
const operatorOwned = (o: ExistingObject): boolean =>
  (o.metadata.ownerReferences ?? []).some((r) => r.kind === CLUSTER_CONFIGS.kind || r.kind === PEERING_POLICIES.kind);

export function createBgpOperatorController(opts: BgpOperatorOptions): Module {
  const log = opts.logger.child({ controller: 'bgp' });
  const { kc, metrics } = opts;
  const now = opts.now ?? (() => new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
  /** key → resourceVersion our write produced ('' for a delete). */
  const pending = new Map<string, string>();
  let reported = new Set<string>();
  let writes = 0;

  const informer = (kind: ResourceType, name: string): Informer<K8sObject> => {
    const changed = (o: K8sObject): void => {
      const key = `${kind.resource}/${o.metadata?.name ?? ''}`;
      const p = pending.get(key);
      if (p !== undefined && p !== '' && notOlder(rvOf(o), p)) pending.delete(key);
      loop.kick();
    };
    const deleted = (o: K8sObject): void => {
      pending.delete(`${kind.resource}/${o.metadata?.name ?? ''}`);
      loop.kick();
    };
    return createInformer<K8sObject>({ kc, resource: kind, name, logger: log, onAdd: changed, onUpdate: changed, onDelete: deleted });
  };

  const report = (problems: readonly Problem[]): void => {
    const current = new Set<string>();
    for (const p of problems) {
      const key = `${p.reason}|${p.subject}|${p.message}`;
      current.add(key);
      // Logged and counted once while the problem lasts, not once per run.
      if (reported.has(key)) continue;
      log.warn('BGP input rejected', { reason: p.reason, object: p.subject, error: p.message });
      const [kind = '', name = ''] = p.subject.split('/');
      metrics.reconcileErrors.inc({ resource_kind: kind, resource_name: name });
    }
    reported = current;
  };

  const track = async (what: string, call: () => Promise<Result<unknown, KubeError>>): Promise<Result<string, string>> => {
    if (life.signal.aborted) return fail('stopped', false);
    const r = await call();
    if (r.ok) {
      writes++;
      return ok(rvOf(r.value));
    }
    // Someone got there first (usually our own earlier write the cache has not shown yet).
    if (r.error.kind === 'already_exists' || r.error.kind === 'not_found') return ok('');
    if (r.error.kind === 'conflict') log.info('write conflict, will retry', { object: what });
    else log.warn('write failed, will retry', { object: what, kind: r.error.kind, error: r.error.message });
    return fail(`${what}: ${r.error.message}`, true);
  };

  /**
   * Checked against the cache too, not only on informer events: the event for our own write
   * can arrive before the write's response does.
   */
  const stillPending = (key: string, cached: K8sObject | undefined): boolean => {
    const p = pending.get(key);
    if (p === undefined) return false;
    const caughtUp = p === '' ? cached === undefined : cached !== undefined && notOlder(rvOf(cached), p);
    if (caughtUp) pending.delete(key);
    return !caughtUp;
  };

  const applyPlan = async (kind: KindInfo, cache: Informer<K8sObject>, plan: ObjectPlan, errors: string[]): Promise<void> => {
    const one = async (name: string, call: () => Promise<Result<unknown, KubeError>>, isDelete: boolean): Promise<void> => {
      const key = `${kind.resource}/${name}`;
      if (stillPending(key, cache.cache().get(name))) return;
      const r = await track(`${kind.kind}/${name}`, call);
      if (!r.ok) {
        errors.push(r.error);
        metrics.reconcileErrors.inc({ resource_kind: kind.kind, resource_name: name });
        return;
      }
      // A delete stays pending until the informer reports the object gone.
      if (isDelete) pending.set(key, '');
      else if (r.value !== '') pending.set(key, r.value);
    };
    for (const o of plan.creates) await one(o.metadata!.name!, () => createObject(kc, kind, o, { fieldManager: FIELD_MANAGER }), false);
    for (const o of plan.updates) {
      const ref = { ...kind, name: o.metadata!.name! };
      await one(ref.name, () => kubeRequest(kc, { method: 'PUT', path: objectPath(ref), query: { fieldManager: FIELD_MANAGER }, body: o }), false);
    }
    for (const name of plan.deletes) await one(name, () => deleteObject(kc, { ...kind, name }), true);
  };

  const writeConditions = async (out: Outcome, errors: string[]): Promise<void> => {
    const at = now();
    for (const o of clusterConfigs.cache().values()) {
      const name = String(o.metadata?.name ?? '');
      const drafts = out.clusterConditions.get(name);
      if (!drafts) continue;
      const current = (o.status as { conditions?: unknown } | undefined)?.conditions;
      const conditions = mergeConditions(Array.isArray(current) ? current : [], drafts, at);
      if (!conditions) continue;
      const key = `${CLUSTER_CONFIGS.resource}/${name}`;
      if (stillPending(key, o)) continue;
      const r = await track(`${CLUSTER_CONFIGS.kind}/${name}`, () => patchStatus(kc, { ...CLUSTER_CONFIGS, name }, { status: { conditions } }, { fieldManager: FIELD_MANAGER }));
      if (r.ok && r.value !== '') pending.set(key, r.value);
      else if (!r.ok) errors.push(r.error);
    }
  };

  const existingOf = (i: Informer<K8sObject>): ExistingObject[] => [...i.cache().values()] as unknown as ExistingObject[];

  const run = async (): Promise<RunResult> => {
    if (life.stopped || life.signal.aborted) return ok(undefined);
    const values = (i: Informer<K8sObject>): unknown[] => [...i.cache().values()];
    const { inputs, problems } = readInputs({
      clusterConfigs: values(clusterConfigs), peeringPolicies: values(policies), peerConfigs: values(peerConfigs),
      nodes: values(nodes), overrides: values(overrides),
    });
    const out = decide(inputs);
    report([...problems, ...out.problems]);
    const errors: string[] = [];
    const v2 = `${NODE_CONFIGS.group}/${NODE_CONFIGS.version}`;
    // Peer configs and advertisements first: a NodeConfig should not name a PeerConfig that is not there yet.
    await applyPlan(PEER_CONFIGS, peerConfigs, planObjects({ apiVersion: v2, kind: PEER_CONFIGS.kind, specSchema: peerConfigSpec, desired: out.peerConfigs, existing: existingOf(peerConfigs), ours: policyOwned }), errors);
    await applyPlan(ADVERTISEMENTS, advertisements, planObjects({ apiVersion: v2, kind: ADVERTISEMENTS.kind, specSchema: advertisementSpec, desired: out.advertisements, existing: existingOf(advertisements), ours: policyOwned }), errors);
    await applyPlan(NODE_CONFIGS, nodeConfigs, planObjects({ apiVersion: v2, kind: NODE_CONFIGS.kind, specSchema: nodeConfigSpec, desired: out.nodeConfigs, existing: existingOf(nodeConfigs), ours: operatorOwned }), errors);
    await writeConditions(out, errors);
    return errors.length === 0 ? ok(undefined) : fail(errors.join('; '), true);
  };

  const loop = createReconcileLoop({
    name: 'bgp-operator',
    logger: log,
    run,
    // Deciding from a partial cache would delete NodeConfigs of nodes not listed yet; a run
    // skipped for that does not count, so readiness means a real round has run.
    canRun: () => life.synced,
    debounceMs: opts.debounceMs ?? 50,
    onRunDone: (_outcome, ms) => metrics.runDuration.observe(ms / 1000),
  });

  const clusterConfigs = informer(CLUSTER_CONFIGS, 'ciliumbgpclusterconfigs');
  const peerConfigs = informer(PEER_CONFIGS, 'ciliumbgppeerconfigs');
  const advertisements = informer(ADVERTISEMENTS, 'ciliumbgpadvertisements');
  const overrides = informer(NODE_CONFIG_OVERRIDES, 'ciliumbgpnodeconfigoverrides');
  const policies = informer(PEERING_POLICIES, 'ciliumbgppeeringpolicies');
  const nodeConfigs = informer(NODE_CONFIGS, 'ciliumbgpnodeconfigs');
  const nodes = informer(coreResource('nodes'), 'nodes');
  const informers = [clusterConfigs, peerConfigs, advertisements, overrides, policies, nodeConfigs, nodes];

  const life = informerController({
    name: 'bgp-operator',
    loop,
    informers,
    onSynced: () => log.info('informers synced, reconciling BGP node configs', { clusterConfigs: clusterConfigs.cache().size, nodes: nodes.cache().size }),
    details: () => ({ runs: loop.runs, writes, clusterConfigs: clusterConfigs.cache().size, nodeConfigs: nodeConfigs.cache().size }),
  });
  return life;
}
