/**
 * LB-IPAM composition: the controller with its metrics, as one module the operator starts
 * while it leads. Options left out are Cilium's defaults.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import type { Module } from '../lib/module.js';
import { createLbIpamController as createController } from './controller.js';
import type { Options } from './desired.js';
import { lbIpamMetrics } from './metrics.js';

export interface LbIpamOptions {
  readonly kc: KubeConfig;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Classes, families and protocol-aware sharing; defaults are Cilium's. */
  readonly options?: Partial<Options>;
  readonly debounceMs?: number;
}

export function createLbIpamController(opts: LbIpamOptions): Module {
  return createController({
    kc: opts.kc,
    logger: opts.logger,
    metrics: lbIpamMetrics(opts.registry),
    ...(opts.options ? { options: opts.options } : {}),
    ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
  });
}

export { decide, DEFAULT_OPTIONS } from './desired.js';
export type { Options, Inputs, Outcome, Condition } from './desired.js';
export { LB_IP_POOLS } from './controller.js';
