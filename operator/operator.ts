/**
 * The operator module: campaigns for the `meshlb-operator` Lease and runs the cluster-wide
 * controllers only while it leads. A fresh controller is built on every gain of leadership,
 * so nothing a former term cached (overlays, GC clocks) leaks into the next one.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Counter, Gauge, type Registry } from 'prom-client';
import { createLeaderElector, type LeaderElector } from '../k8s/leader-election.js';
import type { Logger } from '../lib/log.js';
import type { HealthReport, Module } from '../lib/module.js';
import { createLbIpamController } from '../lb-ipam/index.js';
import { createEgressStatusController } from '../egress-gateway/status-controller.js';
import { createBgpOperator } from '../bgp/operator/index.js';
import { createIdentityController, type IdentityMetrics } from './identity/controller.js';
import type { ClusterInfo } from './identity/reconcile.js';

export const LEASE_NAME = 'meshlb-operator';

export interface OperatorOptions {
  readonly kc: KubeConfig;
  readonly cluster: ClusterInfo;
  readonly leaseNamespace: string;
  readonly identity: string;
  readonly gcIntervalMs: number;
  readonly gcGraceMs: number;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineSeconds?: number;
  readonly retryPeriodSeconds?: number;
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface Operator extends Module {
  isLeader(): boolean;
}

function identityMetrics(registry: Registry): IdentityMetrics {
  return {
    errors: new Counter({
      name: 'meshlb_operator_identity_errors_total',
      help: 'Rejected identity input (bad pods, foreign identities, full range) and failed API writes, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    writes: new Counter({
      name: 'meshlb_operator_identity_writes_total',
      help: 'CiliumIdentity and CiliumEndpoint writes made by this operator, by resource and operation',
      labelNames: ['resource', 'op'],
      registers: [registry],
    }),
  };
}

export function createOperator(opts: OperatorOptions): Operator {
  const log = opts.logger.child({ component: 'operator', identity: opts.identity });
  const metrics = identityMetrics(opts.registry);
  const leaderGauge = new Gauge({ name: 'meshlb_operator_is_leader', help: '1 while this operator holds the lease', registers: [opts.registry] });
  let controller: Module | undefined;
  let lbIpam: Module | undefined;
  let egressStatus: Module | undefined;
  let bgp: Module | undefined;

  const lead = async (signal: AbortSignal): Promise<void> => {
    leaderGauge.set(1);
    const c = createIdentityController({
      kc: opts.kc, cluster: opts.cluster, graceMs: opts.gcGraceMs, gcIntervalMs: opts.gcIntervalMs, logger: log, metrics,
    });
    controller = c;
    const l = createLbIpamController({ kc: opts.kc, registry: opts.registry, logger: log });
    lbIpam = l;
    // Losing the lease aborts `signal`, which stops the controllers and their informers.
    egressStatus = createEgressStatusController({ kc: opts.kc, registry: opts.registry, logger: log });
    bgp = createBgpOperator({ kc: opts.kc, registry: opts.registry, logger: log });
    await Promise.all([c.start(signal), l.start(signal), egressStatus.start(signal), bgp.start(signal)]);
  };

  const elector: LeaderElector = createLeaderElector({
    kc: opts.kc,
    namespace: opts.leaseNamespace,
    name: LEASE_NAME,
    identity: opts.identity,
    leaseDurationSeconds: opts.leaseDurationSeconds,
    renewDeadlineSeconds: opts.renewDeadlineSeconds,
    retryPeriodSeconds: opts.retryPeriodSeconds,
    logger: log,
    onStartedLeading: lead,
    onStoppedLeading: () => {
      leaderGauge.set(0);
      const c = controller;
      const l = lbIpam;
      controller = undefined;
      lbIpam = undefined;
      void c?.stop();
      void l?.stop();
      void egressStatus?.stop();
      egressStatus = undefined;
      void bgp?.stop();
      bgp = undefined;
    },
  });

  return {
    start: (signal) => elector.start(signal),
    async stop() {
      const c = controller;
      const l = lbIpam;
      await elector.stop();
      await c?.stop();
      await l?.stop();
      await egressStatus?.stop();
      await bgp?.stop();
    },
    isLeader: () => elector.isLeader(),
    health(): HealthReport {
      const leading = elector.isLeader();
      const c = controller?.health();
      const l = lbIpam?.health();
      const leader = elector.leader();
      return {
        name: 'operator',
        healthy: true,
        // Only the leader serves: a standby is alive (healthz) but not ready.
        ready: leading && c?.ready === true && l?.ready === true,
        message: leading ? (c?.message ?? (c?.ready ? 'leading' : 'leading, syncing')) : `standby; leader is ${leader ?? 'unknown'}`,
        details: { isLeader: leading, leader: leader ?? null, ...(c?.details ?? {}), ...(l ? { lbIpam: l.details } : {}) },
      };
    },
  };
}
