/**
 * The BGP control plane's metrics under Cilium's names. Per-peer gauges are filled from the
 * latest snapshot at scrape time, so a removed peer's series disappear with it.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { InstanceView } from './status.js';

export interface BgpMetrics {
  /** Counts one reconcile round: its duration and whether it ended with errors. */
  observeRun(seconds: number, errors: number): void;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

type PeerLabels = 'vrouter' | 'neighbor' | 'neighbor_asn';
type RouteLabels = PeerLabels | 'afi' | 'safi';

export function bgpMetrics(registry: Registry, snapshot: () => readonly InstanceView[]): BgpMetrics {
  const eachPeer = (fn: (v: InstanceView, p: InstanceView['peers'][number], labels: Record<PeerLabels, string>) => void): void => {
    for (const v of snapshot()) {
      for (const p of v.peers) fn(v, p, { vrouter: String(v.desired.localAsn), neighbor: p.address, neighbor_asn: String(p.peerAsn) });
    }
  };
  once(registry, 'cilium_bgp_control_plane_session_state', () => new Gauge<PeerLabels>({
    name: 'cilium_bgp_control_plane_session_state',
    help: 'Current state of the BGP session with the peer, Up = 1 or Down = 0',
    labelNames: ['vrouter', 'neighbor', 'neighbor_asn'],
    registers: [registry],
    collect() {
      this.reset();
      eachPeer((_v, p, l) => this.set(l, p.state === 'established' ? 1 : 0));
    },
  }));
  const routeGauge = (name: string, help: string, pick: (c: { received: number; advertised: number }) => number): void => {
    once(registry, name, () => new Gauge<RouteLabels>({
      name,
      help,
      labelNames: ['vrouter', 'neighbor', 'neighbor_asn', 'afi', 'safi'],
      registers: [registry],
      collect() {
        this.reset();
        eachPeer((_v, p, l) => {
          for (const c of p.routeCounts) this.set({ ...l, afi: c.family, safi: 'unicast' }, pick(c));
        });
      },
    }));
  };
  routeGauge('cilium_bgp_control_plane_advertised_routes', 'Number of routes advertised to the peer', (c) => c.advertised);
  routeGauge('cilium_bgp_control_plane_received_routes', 'Number of routes received from the peer', (c) => c.received);
  const errors = once(registry, 'cilium_bgp_control_plane_reconcile_errors_total', () => new Counter<'component'>({
    name: 'cilium_bgp_control_plane_reconcile_errors_total',
    help: 'Number of reconciliation runs that returned an error',
    labelNames: ['component'],
    registers: [registry],
  }));
  const duration = once(registry, 'cilium_bgp_control_plane_reconcile_run_duration_seconds', () => new Histogram<'component' | 'outcome'>({
    name: 'cilium_bgp_control_plane_reconcile_run_duration_seconds',
    help: 'Histogram of reconcile run duration',
    labelNames: ['component', 'outcome'],
    registers: [registry],
  }));
  return {
    observeRun(seconds, errorCount) {
      const outcome = errorCount > 0 ? 'failure' : 'success';
      duration.observe({ component: 'node-config', outcome }, seconds);
      if (errorCount > 0) errors.inc({ component: 'node-config' });
    },
  };
}
