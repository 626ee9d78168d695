/**
 * Everything one node needs to decide its `cilium_egress_gw_policy_v4` contents: policies,
 * pods, namespaces and nodes in; the desired entries and a status per policy out. No I/O.
 */
import type { EgressPolicyKey, EgressPolicyValue } from '../datapath/layouts/egress.js';
import { EXCLUDED_CIDR_GATEWAY, NO_GATEWAY } from '../datapath/layouts/egress.js';
import { matchesLabelSelector } from '../k8s/labels.js';
import { cidrWithin, formatIpv4, parseIpv4, type Cidr4 } from './cidr.js';
import { chooseGateways, gatewayForPod, resolveEgressIp, type EgressNode, type Gateway } from './gateway.js';
import type { EgressPolicy } from './policy.js';

/** Cilium adds this label to every endpoint, so pod selectors may name the namespace. */
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';

export interface EgressPod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ips: readonly string[];
  /** Host-network pods have no endpoint of their own and are never subject to a policy. */
  readonly hostNetwork?: boolean;
}

export interface EgressNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Inputs {
  readonly localNode: string;
  readonly policies: readonly EgressPolicy[];
  readonly pods: readonly EgressPod[];
  readonly namespaces: readonly EgressNamespace[];
  readonly nodes: readonly EgressNode[];
}

export interface DesiredEntry {
  readonly key: EgressPolicyKey;
  readonly value: EgressPolicyValue;
}

export interface PolicyStatus {
  /** Gateway node names in use, in config order. */
  readonly gateways: readonly string[];
  readonly selectedPods: number;
  /** Entries this policy wanted that an earlier policy (by name) already claimed. */
  readonly shadowedEntries: number;
  /** Conditions worth showing an operator, e.g. an egress IP that cannot be found. */
  readonly problems: readonly string[];
}

export interface Outcome {
  /** Keyed by entryId(key); iteration order is deterministic. */
  readonly entries: ReadonlyMap<string, DesiredEntry>;
  readonly policies: ReadonlyMap<string, PolicyStatus>;
}

export function entryId(key: EgressPolicyKey): string {
  return `${key.sourceIp} ${key.destination}/${key.destinationPrefixLen}`;
}

function selectedPods(policy: EgressPolicy, pods: readonly EgressPod[], namespaces: ReadonlyMap<string, EgressNamespace>): EgressPod[] {
  return pods.filter((pod) => {
    if (pod.hostNetwork === true) return false;
    const nsLabels = namespaces.get(pod.namespace)?.labels ?? {};
    const podLabels = { ...pod.labels, [POD_NAMESPACE_LABEL]: pod.namespace };
    return policy.selectors.some(
      (s) => matchesLabelSelector(s.namespaceSelector, nsLabels) && matchesLabelSelector(s.podSelector, podLabels),
    );
  });
}

/** Excluded CIDRs outside every destination CIDR would never be consulted: they get no entry. */
function relevantExclusions(policy: EgressPolicy): Cidr4[] {
  return policy.excluded.filter((x) => policy.destinations.some((d) => cidrWithin(x, d)));
}

interface Resolved {
  readonly gateways: readonly Gateway[];
  /** Egress IP per gateway node name, only for the local node when it is a gateway. */
  readonly localEgressIp: ReadonlyMap<string, string>;
  readonly problems: readonly string[];
}

function resolve(policy: EgressPolicy, inputs: Inputs): Resolved {
  const gateways = chooseGateways(policy.gateways, inputs.nodes);
  const localEgressIp = new Map<string, string>();
  const problems: string[] = [];
  if (gateways.length === 0) problems.push('no node matches the gateway node selector: matching traffic is dropped');
  for (const g of gateways) {
    if (g.node.name !== inputs.localNode) continue;
    const r = resolveEgressIp(g.config.egress, g.node);
    if ('ip' in r) localEgressIp.set(g.node.name, r.ip);
    else problems.push(r.problem);
  }
  return { gateways, localEgressIp, problems };
}

function valueFor(podIp: string, resolved: Resolved): EgressPolicyValue {
  const gateway = gatewayForPod(podIp, resolved.gateways);
  if (gateway === undefined) return { egressIp: NO_GATEWAY, gatewayIp: NO_GATEWAY };
  // egress_ip only means something on the gateway itself; elsewhere it stays 0.0.0.0.
  const egressIp = resolved.localEgressIp.get(gateway.node.name) ?? NO_GATEWAY;
  return { egressIp, gatewayIp: gateway.node.ip };
}

function ipv4Sources(pod: EgressPod): number[] {
  return pod.ips.map(parseIpv4).filter((ip): ip is number => ip !== undefined);
}

export function decide(inputs: Inputs): Outcome {
  const namespaces = new Map(inputs.namespaces.map((n) => [n.name, n]));
  const policies = [...inputs.policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries = new Map<string, DesiredEntry>();
  const statuses = new Map<string, PolicyStatus>();
  for (const policy of policies) {
    const resolved = resolve(policy, inputs);
    const pods = selectedPods(policy, inputs.pods, namespaces);
    const exclusions = relevantExclusions(policy);
    const own = new Set<string>();
    let shadowed = 0;
    const put = (key: EgressPolicyKey, value: EgressPolicyValue): void => {
      const id = entryId(key);
      if (!entries.has(id)) {
        entries.set(id, { key, value });
        own.add(id);
      } else if (!own.has(id)) {
        shadowed++;
      }
    };
    for (const src of [...new Set(pods.flatMap(ipv4Sources))].sort((a, b) => a - b)) {
      const sourceIp = formatIpv4(src);
      const value = valueFor(sourceIp, resolved);
      // Exclusions first: an excluded CIDR equal to a destination CIDR must stay excluded.
      for (const x of exclusions) {
        put(
          { sourceIp, destination: formatIpv4(x.network), destinationPrefixLen: x.prefixLen },
          { egressIp: value.egressIp, gatewayIp: EXCLUDED_CIDR_GATEWAY },
        );
      }
      for (const d of policy.destinations) {
        put({ sourceIp, destination: formatIpv4(d.network), destinationPrefixLen: d.prefixLen }, value);
      }
    }
    statuses.set(policy.name, {
      gateways: resolved.gateways.map((g) => g.node.name),
      selectedPods: pods.length,
      shadowedEntries: shadowed,
      problems: resolved.problems,
    });
  }
  return { entries, policies: statuses };
}
