/**
 * LB-IPAM's metrics, Cilium's names where Cilium has one. Registered once per registry: the
 * operator builds a fresh controller every time it gains leadership, and a second
 * registration of the same name would throw.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface LbIpamMetrics {
  readonly conflictingPools: Gauge;
  readonly availableIps: Gauge<'pool'>;
  readonly usedIps: Gauge<'pool'>;
  readonly matchingServices: Gauge;
  readonly unsatisfiedServices: Gauge;
  /** Rejected input (bad pools, malformed requests) and failed API writes, by reason. */
  readonly errors: Counter<'reason'>;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function lbIpamMetrics(registry: Registry): LbIpamMetrics {
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> =>
    once(registry, name, () => new Gauge<L>({ name, help, labelNames, registers: [registry] }));
  return {
    conflictingPools: gauge('cilium_operator_lbipam_conflicting_pools_total', 'The number of conflicting pools'),
    availableIps: gauge('cilium_operator_lbipam_ips_available_total', 'The number of IP addresses available in a given pool', ['pool']),
    usedIps: gauge('cilium_operator_lbipam_ips_used_total', 'The number of IP addresses used in a given pool', ['pool']),
    matchingServices: gauge('cilium_operator_lbipam_services_matching_total', 'The number of services matching pools'),
    unsatisfiedServices: gauge('cilium_operator_lbipam_services_unsatisfied_total', 'The number of services which did not receive all requested IPs'),
    errors: once(registry, 'meshlb_operator_lbipam_errors_total', () => new Counter({
      name: 'meshlb_operator_lbipam_errors_total',
      help: 'Rejected LB-IPAM input (invalid pools, malformed service requests) and failed status writes, by reason',
      labelNames: ['reason'],
      registers: [registry],
    })),
  };
}
