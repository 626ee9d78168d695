/**
 * Which services this node competes for, pure: policies × services × this node × its devices.
 * Everything the election and the responder map need, nothing they do.
 */
import { isIPv4 } from 'node:net';
import { matchesLabelSelector } from '../k8s/labels.js';
import { CONDITION_BAD_SERVICE_IPS, interfaceMatches, type L2Policy, type PolicyProblem } from './policy.js';

export const L2_ANNOUNCER_CLASS = 'io.cilium/l2-announcer';
export const LEASE_PREFIX = 'cilium-l2announce-';

export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly loadBalancerClass?: string;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress[].ip */
  readonly ingressIPs: readonly string[];
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
}

export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Device {
  readonly name: string;
  readonly ifindex: number;
  /** operstate up (or unknown, as for interfaces without carrier reporting). */
  readonly up: boolean;
}

export interface SelectionInputs {
  readonly policies: readonly L2Policy[];
  readonly services: readonly ServiceInfo[];
  readonly node: NodeInfo;
  /** This node's devices after --devices filtering. */
  readonly devices: readonly Device[];
  /** Keys (`ns/name`) of services with a ready endpoint on this node. */
  readonly localEndpoints: ReadonlySet<string>;
}

export interface Candidacy {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly leaseName: string;
  /** IPv4 addresses, sorted. */
  readonly ips: readonly string[];
  /** Up devices matched by a selecting policy, sorted by name. */
  readonly interfaces: readonly { readonly name: string; readonly ifindex: number }[];
}

export type NotCompetingReason = 'no-local-endpoint' | 'interfaces-down' | 'no-interface';

export interface Selection {
  readonly candidates: ReadonlyMap<string, Candidacy>;
  /** Services a policy selects for this node but for which the node steps aside. */
  readonly standingAside: ReadonlyMap<string, NotCompetingReason>;
  /** Problems found while selecting (bad service IPs), per policy name. */
  readonly policyProblems: ReadonlyMap<string, readonly PolicyProblem[]>;
}

export function serviceKey(s: { namespace: string; name: string }): string {
  return `${s.namespace}/${s.name}`;
}

export function leaseName(s: { namespace: string; name: string }): string {
  return `${LEASE_PREFIX}${s.namespace}-${s.name}`;
}

/** The pseudo-labels Cilium adds so selectors can pick services by namespace and name. */
export function serviceSelectorLabels(s: ServiceInfo): Record<string, string> {
  return { ...s.labels, 'io.kubernetes.service.namespace': s.namespace, 'io.kubernetes.service.name': s.name };
}

function handledClass(s: ServiceInfo): boolean {
  return s.loadBalancerClass === undefined || s.loadBalancerClass === '' || s.loadBalancerClass === L2_ANNOUNCER_CLASS;
}

function ipsFor(policy: L2Policy, s: ServiceInfo): { good: string[]; bad: string[] } {
  const all = [...(policy.loadBalancerIPs ? s.ingressIPs : []), ...(policy.externalIPs ? s.externalIPs : [])];
  const good: string[] = [];
  const bad: string[] = [];
  for (const ip of all) {
    if (isIPv4(ip)) good.push(ip);
    // IPv6 is valid but not announced (no NDP responder); only garbage is a problem.
    else if (!ip.includes(':')) bad.push(ip);
  }
  return { good, bad };
}

interface Accumulated {
  ips: Set<string>;
  ifaces: Map<string, number>;
  matchedDown: boolean;
  matchedAny: boolean;
}

function accumulate(inputs: SelectionInputs, problems: Map<string, PolicyProblem[]>): Map<string, { svc: ServiceInfo; acc: Accumulated }> {
  const out = new Map<string, { svc: ServiceInfo; acc: Accumulated }>();
  const policies = inputs.policies.filter((p) => matchesLabelSelector(p.nodeSelector, inputs.node.labels));
  for (const s of inputs.services) {
    if (!handledClass(s)) continue;
    const labels = serviceSelectorLabels(s);
    for (const p of policies) {
      if (!matchesLabelSelector(p.serviceSelector, labels)) continue;
      const { good, bad } = ipsFor(p, s);
      if (bad.length > 0) {
        const list = problems.get(p.name) ?? [];
        list.push({ type: CONDITION_BAD_SERVICE_IPS, message: `${serviceKey(s)}: not an IP address: ${bad.join(', ')}` });
        problems.set(p.name, list);
      }
      if (good.length === 0) continue;
      const entry = out.get(serviceKey(s)) ?? { svc: s, acc: { ips: new Set(), ifaces: new Map(), matchedDown: false, matchedAny: false } };
      for (const ip of good) entry.acc.ips.add(ip);
      for (const d of inputs.devices) {
        if (!interfaceMatches(p, d.name)) continue;
        entry.acc.matchedAny = true;
        if (d.up) entry.acc.ifaces.set(d.name, d.ifindex);
        else entry.acc.matchedDown = true;
      }
      out.set(serviceKey(s), entry);
    }
  }
  return out;
}

export function select(inputs: SelectionInputs): Selection {
  const problems = new Map<string, PolicyProblem[]>();
  const candidates = new Map<string, Candidacy>();
  const standingAside = new Map<string, NotCompetingReason>();
  for (const [key, { svc, acc }] of accumulate(inputs, problems)) {
    // Beyond Cilium: answering ARP for an IP whose traffic this node would drop is a black hole.
    if (svc.externalTrafficPolicy === 'Local' && !inputs.localEndpoints.has(key)) {
      standingAside.set(key, 'no-local-endpoint');
      continue;
    }
    if (acc.ifaces.size === 0) {
      standingAside.set(key, acc.matchedDown ? 'interfaces-down' : 'no-interface');
      continue;
    }
    candidates.set(key, {
      key,
      namespace: svc.namespace,
      name: svc.name,
      leaseName: leaseName(svc),
      ips: [...acc.ips].sort(),
      interfaces: [...acc.ifaces].map(([name, ifindex]) => ({ name, ifindex })).sort((a, b) => a.name.localeCompare(b.name)),
    });
  }
  return { candidates, standingAside, policyProblems: problems };
}

/** The one node that writes a policy's status: the alphabetically first node it selects. */
export function policyStatusWriter(policy: L2Policy, nodes: readonly NodeInfo[]): string | undefined {
  const selected = nodes.filter((n) => matchesLabelSelector(policy.nodeSelector, n.labels)).map((n) => n.name);
  // A policy with a bad node selector selects no node; someone must still report it.
  const pool = selected.length > 0 ? selected : nodes.map((n) => n.name);
  return pool.sort()[0];
}
