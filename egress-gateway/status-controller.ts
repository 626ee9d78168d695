/**
 * The one writer of CiliumEgressGatewayPolicy status, run by the elected operator. The spec
 * check is the same on every node, so one cluster-wide writer is enough and avoids agents
 * racing on the same object; node-local problems (an egress IP missing on the gateway) stay
 * in each agent's log, metrics and `GET /v1/egress/policies`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Counter, type Registry } from 'prom-client';
import { createInformer } from '../k8s/informer.js';
import type { ObjectLike } from '../k8s/informer-core.js';
import { patchStatus } from '../k8s/patch.js';
import { createReconcileLoop, type RunResult } from '../k8s/reconcile-loop.js';
import type { Logger } from '../lib/log.js';
import type { HealthReport, Module } from '../lib/module.js';
import { fail, ok } from '../lib/result.js';
import { parseEgressPolicy } from './policy.js';
import { EGRESS_POLICIES } from './sources.js';
import { conditionPatch, validSpecCondition } from './status.js';

export const FIELD_MANAGER = 'meshlb-operator-egress-gateway';

export interface EgressStatusOptions {
  readonly kc: KubeConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly debounceMs?: number;
  readonly now?: () => string;
}

type PolicyObject = ObjectLike & { metadata?: { generation?: number }; status?: { conditions?: unknown[] } };

function writesCounter(registry: Registry): Counter<'outcome'> {
  const name = 'meshlb_operator_egress_policy_status_writes_total';
  return (registry.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
    new Counter({ name, help: 'CiliumEgressGatewayPolicy status writes, by outcome (ok, error)', labelNames: ['outcome'] as const, registers: [registry] });
}

export function createEgressStatusController(o: EgressStatusOptions): Module {
  const log = o.logger.child({ controller: 'egress-gateway-status' });
  const writes = writesCounter(o.registry);
  const now = o.now ?? (() => new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
  const dirty = new Set<string>();
  let stopped = true;
  let written = 0;

  const informer = createInformer<PolicyObject>({
    kc: o.kc,
    resource: EGRESS_POLICIES,
    name: 'ciliumegressgatewaypolicies',
    logger: log,
    onAdd: (p) => { dirty.add(p.metadata?.name ?? ''); loop.kick(); },
    onUpdate: (p) => { dirty.add(p.metadata?.name ?? ''); loop.kick(); },
    onDelete: (p) => void dirty.delete(p.metadata?.name ?? ''),
  });

  /** Writes one policy's condition if it differs; undefined when done, otherwise why the write must be retried. */
  const reconcile = async (name: string): Promise<string | undefined> => {
    const obj = informer.cache().get(name);
    if (obj === undefined) return undefined;
    const parsed = parseEgressPolicy(obj);
    const body = conditionPatch(obj.status?.conditions ?? [], validSpecCondition(parsed), obj.metadata?.generation, now());
    if (body === undefined) return undefined;
    if (!parsed.ok) log.warn('egress gateway policy rejected', { policy: name, errors: parsed.error.errors.join('; ') });
    const r = await patchStatus(o.kc, { ...EGRESS_POLICIES, name }, body, { fieldManager: FIELD_MANAGER });
    if (r.ok || r.error.kind === 'not_found') {
      writes.inc({ outcome: 'ok' });
      written++;
      return undefined;
    }
    writes.inc({ outcome: 'error' });
    log.warn('policy status write failed, will retry', { policy: name, kind: r.error.kind, error: r.error.message });
    return `status of ${name}: ${r.error.message}`;
  };

  /** Only the policies that changed since the last run; a failed one stays dirty for the retry. */
  const run = async (): Promise<RunResult> => {
    const names = [...dirty];
    dirty.clear();
    let failure: string | undefined;
    for (const name of names) {
      const why = await reconcile(name);
      if (why === undefined) continue;
      failure = why;
      dirty.add(name);
    }
    return failure === undefined ? ok(undefined) : fail(failure, true);
  };

  const loop = createReconcileLoop({
    name: 'egress-gateway-status',
    logger: log,
    run,
    canRun: () => informer.synced,
    debounceMs: o.debounceMs ?? 20,
  });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const runDone = loop.stop();
    await informer.stop();
    await runDone;
  };

  return {
    async start(signal) {
      if (!stopped) return;
      stopped = false;
      signal.addEventListener('abort', () => void stop(), { once: true });
      loop.start();
      await informer.start(signal);
      void informer.whenSynced().then(() => loop.kick(0), () => undefined);
    },
    stop,
    health(): HealthReport {
      return {
        name: 'egress-gateway-status',
        healthy: true,
        ready: !stopped && informer.synced,
        ...(loop.lastError ? { message: loop.lastError } : {}),
        details: { policies: informer.cache().size, written },
      };
    },
  };
}
