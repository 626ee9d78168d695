/**
 * CiliumBGPNodeConfig (written by the operator, one per node, named after it; the agent
 * writes its status) and CiliumBGPNodeConfigOverride (written by users, named after the node
 * it changes).
 */
import { z } from 'zod';
import { asn, condition, GROUP, int, ipAddress, ipv4Address, objectOf, parseWith, port, type KindInfo } from './common.js';
import { peerConfigRef } from './cluster-config.js';
import type { Result } from '../../lib/result.js';

export const NODE_CONFIGS: KindInfo = { group: GROUP, version: 'v2', resource: 'ciliumbgpnodeconfigs', kind: 'CiliumBGPNodeConfig', shortName: 'cbgpnode' };
export const NODE_CONFIG_OVERRIDES: KindInfo = { group: GROUP, version: 'v2', resource: 'ciliumbgpnodeconfigoverrides', kind: 'CiliumBGPNodeConfigOverride', shortName: 'cbgpnodeoverride' };

export const CONDITION_BGP_RECONCILE_ERROR = 'cilium.io/BGPReconcileError';

export const nodePeer = z.object({
  name: z.string().min(1, 'name is required'),
  peerAddress: ipAddress.optional(),
  peerASN: asn(0).optional(),
  localAddress: ipAddress.optional(),
  peerConfigRef: peerConfigRef.optional(),
});
export type NodePeer = z.infer<typeof nodePeer>;

export const nodeInstance = z.object({
  name: z.string().min(1, 'name is required'),
  localASN: asn(1).optional(),
  routerID: ipv4Address.optional(),
  localPort: port.optional(),
  peers: z.array(nodePeer).default([]),
});
export type NodeInstance = z.infer<typeof nodeInstance>;

export const nodeConfigSpec = z.object({ bgpInstances: z.array(nodeInstance).default([]) });
export type NodeConfigSpec = z.infer<typeof nodeConfigSpec>;

export const PEERING_STATES = ['unknown', 'idle', 'connect', 'active', 'open_sent', 'open_confirm', 'established'] as const;
export type PeeringState = (typeof PEERING_STATES)[number];

export const routeCount = z.object({
  afi: z.enum(['ipv4', 'ipv6']),
  safi: z.enum(['unicast']),
  received: int(0, Number.MAX_SAFE_INTEGER, 'received').optional(),
  advertised: int(0, Number.MAX_SAFE_INTEGER, 'advertised').optional(),
});
export type RouteCount = z.infer<typeof routeCount>;

export const peerStatus = z.object({
  name: z.string().min(1),
  peerAddress: z.string().optional(),
  peerASN: asn(0).optional(),
  peeringState: z.enum(PEERING_STATES).optional(),
  timers: z.object({ appliedHoldTimeSeconds: int(0, 65535, 'appliedHoldTimeSeconds').optional(), appliedKeepaliveSeconds: int(0, 65535, 'appliedKeepaliveSeconds').optional() }).optional(),
  /** RFC 3339. */
  establishedTime: z.string().optional(),
  routeCount: z.array(routeCount).optional(),
});
export type PeerStatus = z.infer<typeof peerStatus>;

export const nodeConfigStatus = z.object({
  bgpInstances: z.array(z.object({ name: z.string().min(1), localASN: asn(0).optional(), peers: z.array(peerStatus).default([]) })).default([]),
  conditions: z.array(condition).optional(),
});
export type NodeConfigStatus = z.infer<typeof nodeConfigStatus>;

export const nodeConfigObject = objectOf(nodeConfigSpec.prefault({})).extend({
  // The agent rewrites its status; a mangled one must not hide the spec it has to apply.
  status: nodeConfigStatus.optional().catch(undefined),
});
export type NodeConfig = z.infer<typeof nodeConfigObject>;

export function parseNodeConfig(input: unknown): Result<NodeConfig, readonly string[]> {
  return parseWith(nodeConfigObject, input);
}

export const overrideInstance = z.object({
  name: z.string().min(1, 'name is required'),
  routerID: ipv4Address.optional(),
  localPort: port.optional(),
  localASN: asn(1).optional(),
  peers: z.array(z.object({ name: z.string().min(1, 'name is required'), localAddress: ipAddress.optional() })).default([]),
});
export type OverrideInstance = z.infer<typeof overrideInstance>;

export const nodeConfigOverrideSpec = z.object({ bgpInstances: z.array(overrideInstance).default([]) });
export type NodeConfigOverrideSpec = z.infer<typeof nodeConfigOverrideSpec>;

export const nodeConfigOverrideObject = objectOf(nodeConfigOverrideSpec.prefault({}));
export type NodeConfigOverride = z.infer<typeof nodeConfigOverrideObject>;

export function parseNodeConfigOverride(input: unknown): Result<NodeConfigOverride, readonly string[]> {
  return parseWith(nodeConfigOverrideObject, input);
}
