/**
 * The BGP operator module: ClusterConfigs (and legacy PeeringPolicies) → per-node
 * CiliumBGPNodeConfigs, started by the operator while it leads.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/log.js';
import type { Module } from '../../lib/module.js';
import { createBgpOperatorController } from './controller.js';
import { bgpOperatorMetrics } from './metrics.js';

export interface BgpOperatorModuleOptions {
  readonly kc: KubeConfig;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly debounceMs?: number;
}

export function createBgpOperator(opts: BgpOperatorModuleOptions): Module {
  return createBgpOperatorController({
    kc: opts.kc,
    logger: opts.logger,
    metrics: bgpOperatorMetrics(opts.registry),
    ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
  });
}

export { decide } from './desired.js';
export type { Outcome, ConditionDraft, DesiredObject, OwnerRef } from './desired.js';
export { readInputs } from './inputs.js';
export type { Inputs, RawInputs, Problem } from './inputs.js';
export { POLICY_LABEL, PEER_CONFIG_LABEL } from './legacy.js';
