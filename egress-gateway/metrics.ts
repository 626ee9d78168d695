/**
 * The agent's egress-gateway metrics. Cilium has no egress-gateway series of its own beyond
 * map pressure, so these carry meshlb's prefix. Registration is idempotent per registry: a
 * module rebuilt in the same process reuses the series instead of throwing on a duplicate.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface EgressMetrics {
  readonly entries: Gauge;
  readonly policies: Gauge<'valid'>;
  readonly reconciles: Counter<'outcome'>;
  readonly mapWrites: Counter<'op'>;
  readonly rejected: Counter<'kind'>;
  readonly reconcileSeconds: Histogram;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function egressMetrics(registry: Registry): EgressMetrics {
  const registers = [registry];
  return {
    entries: once(registry, 'meshlb_egress_gateway_policy_entries', () => new Gauge({
      name: 'meshlb_egress_gateway_policy_entries', help: 'Entries in cilium_egress_gw_policy_v4 written by this agent', registers,
    })),
    policies: once(registry, 'meshlb_egress_gateway_policies', () => new Gauge({
      name: 'meshlb_egress_gateway_policies', help: 'CiliumEgressGatewayPolicies seen, by whether their spec is valid', labelNames: ['valid'] as const, registers,
    })),
    reconciles: once(registry, 'meshlb_egress_gateway_reconciles_total', () => new Counter({
      name: 'meshlb_egress_gateway_reconciles_total', help: 'Egress policy map reconcile passes, by outcome (ok, error)', labelNames: ['outcome'] as const, registers,
    })),
    mapWrites: once(registry, 'meshlb_egress_gateway_map_writes_total', () => new Counter({
      name: 'meshlb_egress_gateway_map_writes_total', help: 'Entries written to or deleted from the egress policy map', labelNames: ['op'] as const, registers,
    })),
    rejected: once(registry, 'meshlb_egress_gateway_rejected_objects_total', () => new Counter({
      name: 'meshlb_egress_gateway_rejected_objects_total', help: 'Policies, pods, nodes and namespaces ignored because they failed validation', labelNames: ['kind'] as const, registers,
    })),
    reconcileSeconds: once(registry, 'meshlb_egress_gateway_reconcile_duration_seconds', () => new Histogram({
      name: 'meshlb_egress_gateway_reconcile_duration_seconds', help: 'Time for one reconcile pass (decide, diff, map writes)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers,
    })),
  };
}
