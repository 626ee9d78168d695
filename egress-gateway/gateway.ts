/**
 * Gateway nodes, their egress IPs and the per-pod choice among several gateways. Pure: node
 * data in, names and addresses out.
 */
import { matchesLabelSelector } from '../k8s/labels.js';
import { parseIpv4 } from './cidr.js';
import type { EgressSource, GatewayConfig } from './policy.js';

export interface NodeInterface {
  readonly name: string;
  /** Addresses in the order the node reports them; the first IPv4 one is the egress IP. */
  readonly addresses: readonly string[];
}

export interface EgressNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The node's IPv4 InternalIP: what other nodes send gateway traffic to. */
  readonly ip: string;
  /** A node that is not ready (or is being deleted) is never chosen as a gateway. */
  readonly ready: boolean;
  /** Only needed for the local node: interfaces and the device of its default route. */
  readonly interfaces?: readonly NodeInterface[];
  readonly defaultRouteInterface?: string;
}

export interface Gateway {
  readonly node: EgressNode;
  readonly config: GatewayConfig;
}

function eligible(node: EgressNode): boolean {
  return node.ready && parseIpv4(node.ip) !== undefined;
}

function byName(a: EgressNode, b: EgressNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Each gateway config takes the first eligible matching node by name; a node taken by an
 * earlier config is skipped so overlapping node selectors still yield distinct gateways.
 */
export function chooseGateways(configs: readonly GatewayConfig[], nodes: readonly EgressNode[]): Gateway[] {
  const sorted = nodes.filter(eligible).sort(byName);
  const taken = new Set<string>();
  const out: Gateway[] = [];
  for (const config of configs) {
    const node = sorted.find((n) => !taken.has(n.name) && matchesLabelSelector(config.nodeSelector, n.labels));
    if (node === undefined) continue;
    taken.add(node.name);
    out.push({ node, config });
  }
  return out;
}

function firstIpv4(addresses: readonly string[]): string | undefined {
  return addresses.find((a) => parseIpv4(a) !== undefined);
}

/** The egress IP on the gateway node itself, or why it cannot be found there. */
export function resolveEgressIp(source: EgressSource, node: EgressNode): { ip: string } | { problem: string } {
  if (source.kind === 'egressIP') {
    // Interfaces are only known on the node itself; there the address must really be present,
    // or SNAT to it would send replies nowhere.
    const present = node.interfaces === undefined || node.interfaces.some((i) => i.addresses.includes(source.ip));
    return present ? { ip: source.ip } : { problem: `egressIP ${source.ip} is not assigned to any interface on node ${node.name}` };
  }
  const device = source.kind === 'interface' ? source.name : node.defaultRouteInterface;
  if (device === undefined) return { problem: `node ${node.name} has no default route to take the egress IP from` };
  const iface = (node.interfaces ?? []).find((i) => i.name === device);
  if (iface === undefined) return { problem: `interface ${device} not found on node ${node.name}` };
  const ip = firstIpv4(iface.addresses);
  return ip === undefined ? { problem: `interface ${device} on node ${node.name} has no IPv4 address` } : { ip };
}

/** FNV-1a then murmur3's finaliser: cheap, and spreads short similar strings well. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Rendezvous hashing: every pod ranks the gateways by hash(pod, node) and takes the top one.
 * Adding a gateway only moves the pods the new gateway wins; removing one only moves its own
 * pods, so assignments are stable while the spread stays even.
 */
export function gatewayForPod(podIp: string, gateways: readonly Gateway[]): Gateway | undefined {
  let best: Gateway | undefined;
  let bestScore = -1;
  for (const g of gateways) {
    const score = hash32(`${podIp}|${g.node.name}`);
    if (score > bestScore || (score === bestScore && best !== undefined && g.node.name < best.node.name)) {
      best = g;
      bestScore = score;
    }
  }
  return best;
}
