/**
 * The operator's decision, pure: ClusterConfigs × Nodes (+ each node's override) → one
 * CiliumBGPNodeConfig per selected node, plus the conditions each ClusterConfig should show.
 * Legacy PeeringPolicies fill in nodes no ClusterConfig selects (legacy.ts).
 */
import {
  CLUSTER_CONFIGS, CONDITION_CONFLICTING_CLUSTER_CONFIG, CONDITION_MISSING_PEER_CONFIGS, CONDITION_NO_MATCHING_NODE,
  type AdvertisementSpec, type NodeConfigOverrideSpec, type NodeConfigSpec, type NodeInstance, type PeerConfigSpec,
} from '../api/index.js';
import type { ClusterConfigIn, Inputs, NodeIn, Problem } from './inputs.js';
import { translatePolicies } from './legacy.js';
import { olderFirst, ownerOf, selects, type DesiredObject } from './model.js';

export type { DesiredObject, OwnerRef } from './model.js';

/** A condition without its transition time; the adapter keeps the old time when status is unchanged. */
export interface ConditionDraft {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export interface Outcome {
  readonly nodeConfigs: ReadonlyMap<string, DesiredObject<NodeConfigSpec>>;
  /** Derived from legacy PeeringPolicies. */
  readonly peerConfigs: ReadonlyMap<string, DesiredObject<PeerConfigSpec>>;
  readonly advertisements: ReadonlyMap<string, DesiredObject<AdvertisementSpec>>;
  /** Every valid ClusterConfig, by name. */
  readonly clusterConditions: ReadonlyMap<string, readonly ConditionDraft[]>;
  readonly problems: readonly Problem[];
}

function nodeInstances(cc: ClusterConfigIn, node: NodeIn, override: NodeConfigOverrideSpec | undefined, problems: Problem[]): NodeInstance[] {
  return cc.spec.bgpInstances.map((inst) => {
    const ov = override?.bgpInstances.find((o) => o.name === inst.name);
    const routerID = ov?.routerID ?? node.internalIPv4;
    if (routerID === undefined) {
      problems.push({ reason: 'no_router_id', subject: `Node/${node.name}`, message: `instance ${inst.name}: the node has no IPv4 InternalIP and no CiliumBGPNodeConfigOverride sets a routerID` });
    }
    const localPort = ov?.localPort ?? inst.localPort;
    return {
      name: inst.name,
      localASN: ov?.localASN ?? inst.localASN,
      ...(routerID !== undefined ? { routerID } : {}),
      ...(localPort !== undefined ? { localPort } : {}),
      peers: inst.peers.map((p) => {
        const localAddress = ov?.peers.find((op) => op.name === p.name)?.localAddress;
        return {
          name: p.name,
          peerAddress: p.peerAddress,
          peerASN: p.peerASN,
          ...(localAddress !== undefined ? { localAddress } : {}),
          ...(p.peerConfigRef ? { peerConfigRef: p.peerConfigRef } : {}),
        };
      }),
    };
  });
}

function missingPeerConfigs(cc: ClusterConfigIn, existing: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const inst of cc.spec.bgpInstances) {
    for (const p of inst.peers) if (p.peerConfigRef && !existing.has(p.peerConfigRef.name)) missing.add(p.peerConfigRef.name);
  }
  return [...missing].sort();
}

function conditionsOf(matched: number, missing: readonly string[], lostTo: ReadonlyMap<string, string>): ConditionDraft[] {
  const lost = [...lostTo].map(([node, winner]) => `${node} (kept by ${winner})`);
  return [
    matched === 0
      ? { type: CONDITION_NO_MATCHING_NODE, status: 'True', reason: 'NoMatchingNode', message: 'no node matches spec.nodeSelector' }
      : { type: CONDITION_NO_MATCHING_NODE, status: 'False', reason: 'NodesSelected', message: `${matched} node(s) selected` },
    missing.length > 0
      ? { type: CONDITION_MISSING_PEER_CONFIGS, status: 'True', reason: 'MissingPeerConfigs', message: `CiliumBGPPeerConfig not found: ${missing.join(', ')}` }
      : { type: CONDITION_MISSING_PEER_CONFIGS, status: 'False', reason: 'PeerConfigsFound', message: 'every referenced CiliumBGPPeerConfig exists' },
    lost.length > 0
      ? { type: CONDITION_CONFLICTING_CLUSTER_CONFIG, status: 'True', reason: 'ConflictingClusterConfig', message: `nodes selected by an older CiliumBGPClusterConfig: ${lost.join(', ')}` }
      : { type: CONDITION_CONFLICTING_CLUSTER_CONFIG, status: 'False', reason: 'NoConflict', message: 'no node is selected by another CiliumBGPClusterConfig' },
  ];
}

export function decide(inputs: Inputs): Outcome {
  const problems: Problem[] = [];
  const nodeConfigs = new Map<string, DesiredObject<NodeConfigSpec>>();
  const clusterConditions = new Map<string, readonly ConditionDraft[]>();
  const ordered = [...inputs.clusterConfigs].sort(olderFirst);
  const claimedBy = new Map<string, string>();
  const nodes = [...inputs.nodes].sort((a, b) => (a.name < b.name ? -1 : 1));

  for (const cc of ordered) {
    const lostTo = new Map<string, string>();
    let matched = 0;
    for (const node of nodes) {
      if (!selects(cc.spec.nodeSelector, node)) continue;
      matched++;
      const winner = claimedBy.get(node.name);
      if (winner !== undefined) {
        lostTo.set(node.name, winner);
        continue;
      }
      claimedBy.set(node.name, cc.name);
      nodeConfigs.set(node.name, {
        name: node.name,
        owner: ownerOf(CLUSTER_CONFIGS, cc),
        labels: {},
        spec: { bgpInstances: nodeInstances(cc, node, inputs.overrides.get(node.name), problems) },
      });
    }
    clusterConditions.set(cc.name, conditionsOf(matched, missingPeerConfigs(cc, inputs.peerConfigNames), lostTo));
  }

  const legacy = translatePolicies(inputs.peeringPolicies, nodes.filter((n) => !claimedBy.has(n.name)));
  for (const [name, nc] of legacy.nodeConfigs) nodeConfigs.set(name, nc);
  return {
    nodeConfigs,
    peerConfigs: legacy.peerConfigs,
    advertisements: legacy.advertisements,
    clusterConditions,
    problems: [...problems, ...legacy.problems],
  };
}
