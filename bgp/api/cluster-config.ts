/**
 * CiliumBGPClusterConfig: which nodes run which BGP instances with which peers. The operator
 * expands it into one CiliumBGPNodeConfig per selected node.
 */
import { z } from 'zod';
import { asn, condition, GROUP, ipAddress, labelSelector, objectOf, parseWith, port, type KindInfo } from './common.js';
import type { Result } from '../../lib/result.js';

export const CLUSTER_CONFIGS: KindInfo = { group: GROUP, version: 'v2', resource: 'ciliumbgpclusterconfigs', kind: 'CiliumBGPClusterConfig', shortName: 'cbgpcluster' };

export const CONDITION_NO_MATCHING_NODE = 'cilium.io/NoMatchingNode';
export const CONDITION_MISSING_PEER_CONFIGS = 'cilium.io/MissingPeerConfigs';
export const CONDITION_CONFLICTING_CLUSTER_CONFIG = 'cilium.io/ConflictingClusterConfig';
export const CLUSTER_CONFIG_CONDITION_TYPES = [
  CONDITION_NO_MATCHING_NODE,
  CONDITION_MISSING_PEER_CONFIGS,
  CONDITION_CONFLICTING_CLUSTER_CONFIG,
] as const;

export const peerConfigRef = z.object({
  group: z.string().default(GROUP),
  kind: z.string().default('CiliumBGPPeerConfig'),
  name: z.string().min(1, 'peerConfigRef.name is required'),
});
export type PeerConfigRef = z.infer<typeof peerConfigRef>;

const name = z.string({ error: 'name is required' }).min(1, 'name is required').max(255, 'name must be at most 255 characters');

export const clusterPeer = z.object({
  name,
  peerAddress: ipAddress,
  /** 0 = take the peer's ASN from its OPEN. */
  peerASN: asn(0).default(0),
  peerConfigRef: peerConfigRef.optional(),
});
export type ClusterPeer = z.infer<typeof clusterPeer>;

function uniqueNames(items: readonly { name: string }[], what: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.name)) ctx.addIssue({ code: 'custom', message: `${what} name "${it.name}" is used twice`, path: [i, 'name'] });
    seen.add(it.name);
  });
}

export const bgpInstance = z.object({
  name,
  localASN: asn(1),
  /** Unset: dial out only, no listener. */
  localPort: port.optional(),
  peers: z.array(clusterPeer).superRefine((ps, ctx) => uniqueNames(ps, 'peer', ctx)).default([]),
});
export type BgpInstance = z.infer<typeof bgpInstance>;

export const clusterConfigSpec = z.object({
  /** nil = every node. */
  nodeSelector: labelSelector.optional(),
  bgpInstances: z
    .array(bgpInstance)
    .min(1, 'at least one BGP instance is required')
    .max(16, 'at most 16 BGP instances are allowed')
    .superRefine((is, ctx) => uniqueNames(is, 'instance', ctx)),
});
export type ClusterConfigSpec = z.infer<typeof clusterConfigSpec>;

export const clusterConfigStatus = z.object({ conditions: z.array(condition).optional() });

export const clusterConfigObject = objectOf(clusterConfigSpec).extend({
  // A mangled status must not hide a valid spec: the operator rewrites the conditions anyway.
  status: clusterConfigStatus.optional().catch(undefined),
});
export type ClusterConfig = z.infer<typeof clusterConfigObject>;

export function parseClusterConfig(input: unknown): Result<ClusterConfig, readonly string[]> {
  return parseWith(clusterConfigObject, input);
}
