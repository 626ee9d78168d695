/**
 * The BGP operator's metrics under Cilium's operator names. Registered once per registry: the
 * operator builds a fresh controller on every gain of leadership.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface BgpOperatorMetrics {
  /** Failed runs and rejected input, by the kind and name of the object concerned. */
  readonly reconcileErrors: Counter<'resource_kind' | 'resource_name'>;
  readonly runDuration: Histogram;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function bgpOperatorMetrics(registry: Registry): BgpOperatorMetrics {
  return {
    reconcileErrors: once(registry, 'cilium_operator_bgp_control_plane_reconcile_errors_total', () => new Counter({
      name: 'cilium_operator_bgp_control_plane_reconcile_errors_total',
      help: 'Number of errors returned per BGP resource reconciliation',
      labelNames: ['resource_kind', 'resource_name'],
      registers: [registry],
    })),
    runDuration: once(registry, 'cilium_operator_bgp_control_plane_reconcile_run_duration_seconds', () => new Histogram({
      name: 'cilium_operator_bgp_control_plane_reconcile_run_duration_seconds',
      help: 'Histogram of BGP reconciliation run duration',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers: [registry],
    })),
  };
}
