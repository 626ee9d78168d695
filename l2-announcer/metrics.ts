/**
 * The L2 announcer's metrics. Every request it sends to the Kubernetes API is counted (lease
 * writes and the lists its informers make), because lease traffic is what Cilium users see
 * throttled. Registration is idempotent per registry.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface L2Metrics {
  /** verb: create, renew, takeover, release, gc, list, status; outcome: ok, conflict, error. */
  readonly apiRequests: Counter<'verb' | 'outcome'>;
  readonly leasesHeld: Gauge;
  readonly responderEntries: Gauge;
  readonly rejected: Counter<'kind'>;
  readonly transitions: Counter<'direction'>;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function l2Metrics(registry: Registry): L2Metrics {
  const registers = [registry];
  return {
    apiRequests: once(registry, 'meshlb_l2_announcer_api_requests_total', () => new Counter({
      name: 'meshlb_l2_announcer_api_requests_total', help: 'Kubernetes API requests sent by the L2 announcer, by verb and outcome',
      labelNames: ['verb', 'outcome'] as const, registers,
    })),
    leasesHeld: once(registry, 'meshlb_l2_announcer_leases_held', () => new Gauge({
      name: 'meshlb_l2_announcer_leases_held', help: 'Service leases this node holds (and announces)', registers,
    })),
    responderEntries: once(registry, 'meshlb_l2_announcer_responder_entries', () => new Gauge({
      name: 'meshlb_l2_announcer_responder_entries', help: 'Entries this node wrote to cilium_l2_responder_v4', registers,
    })),
    rejected: once(registry, 'meshlb_l2_announcer_rejected_objects_total', () => new Counter({
      name: 'meshlb_l2_announcer_rejected_objects_total', help: 'Objects ignored because they failed validation, by kind', labelNames: ['kind'] as const, registers,
    })),
    transitions: once(registry, 'meshlb_l2_announcer_lease_transitions_total', () => new Counter({
      name: 'meshlb_l2_announcer_lease_transitions_total', help: 'Leases this node started (acquired) or stopped (lost) holding', labelNames: ['direction'] as const, registers,
    })),
  };
}
