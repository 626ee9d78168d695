/**
 * Adapter: what the gateway node knows about itself — its interfaces with their addresses and
 * the device of its IPv4 default route — read from the running host. The egress IP is
 * resolved here, on the gateway node, never from what other nodes report.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { NodeInterface } from './gateway.js';

export interface HostNetwork {
  readonly interfaces: readonly NodeInterface[];
  readonly defaultRouteInterface?: string;
}

/** Addresses per interface in the order the kernel reports them (the first IPv4 is the egress IP). */
export function hostInterfaces(): NodeInterface[] {
  const out: NodeInterface[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    out.push({ name, addresses: (addrs ?? []).map((a) => a.address) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The device of the IPv4 default route from /proc/net/route (Destination and Mask 0, lowest
 * metric). Pure over the file's text so it can be tested without the host.
 */
export function defaultRouteFromProc(text: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, destination, , , , , metric, mask] = f;
    if (destination !== '00000000' || mask !== '00000000' || iface === undefined) continue;
    const m = Number(metric);
    if (best === undefined || m < best.metric) best = { iface, metric: m };
  }
  return best?.iface;
}

export function readHostNetwork(): HostNetwork {
  let routes = '';
  try {
    routes = readFileSync('/proc/net/route', 'utf8');
  } catch {
    // Not Linux or no procfs: only `interface`/`egressIP` policies can resolve an egress IP.
  }
  const defaultRouteInterface = defaultRouteFromProc(routes);
  return { interfaces: hostInterfaces(), ...(defaultRouteInterface ? { defaultRouteInterface } : {}) };
}
