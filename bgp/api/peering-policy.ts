/**
 * The legacy CiliumBGPPeeringPolicy (cilium.io/v2alpha1): one object per node group holding
 * everything at once (instances, neighbors with their timers, what to export). Accepted so
 * existing configurations keep working; the operator translates it into the v2 model (see
 * bgp/README.md).
 */
import { z } from 'zod';
import { asn, cidr, GROUP, int, labelSelector, objectOf, parseWith, type KindInfo } from './common.js';
import { communities, serviceAddressType } from './advertisement.js';
import { DEFAULT_EBGP_MULTIHOP, DEFAULT_PEER_PORT, DEFAULT_RESTART_TIME_SECONDS, DEFAULT_TIMERS, family } from './peer-config.js';
import type { Result } from '../../lib/result.js';

export const PEERING_POLICIES: KindInfo = { group: GROUP, version: 'v2alpha1', resource: 'ciliumbgppeeringpolicies', kind: 'CiliumBGPPeeringPolicy', shortName: 'bgpp' };

export const PATH_SELECTOR_TYPES = ['PodCIDR', 'CiliumLoadBalancerIPPool', 'CiliumPodIPPool'] as const;

export const advertisedPathAttributes = z.object({
  selectorType: z.enum(PATH_SELECTOR_TYPES, { error: `selectorType must be one of ${PATH_SELECTOR_TYPES.join(', ')}` }),
  /** nil = every object of selectorType. */
  selector: labelSelector.optional(),
  communities: communities.optional(),
  localPreference: int(0, 4294967295, 'localPreference').optional(),
});
export type AdvertisedPathAttributes = z.infer<typeof advertisedPathAttributes>;

export const neighbor = z
  .object({
    /** A host prefix (/32 or /128) in Cilium's examples; the address part is the peer. */
    peerAddress: cidr,
    peerPort: int(1, 65535, 'peerPort').default(DEFAULT_PEER_PORT),
    peerASN: asn(0),
    authSecretRef: z.string().min(1).optional(),
    eBGPMultihopTTL: int(1, 255, 'eBGPMultihopTTL').default(DEFAULT_EBGP_MULTIHOP),
    connectRetryTimeSeconds: int(1, 2147483647, 'connectRetryTimeSeconds').default(DEFAULT_TIMERS.connectRetryTimeSeconds),
    holdTimeSeconds: int(3, 65535, 'holdTimeSeconds').default(DEFAULT_TIMERS.holdTimeSeconds),
    keepAliveTimeSeconds: int(1, 65535, 'keepAliveTimeSeconds').default(DEFAULT_TIMERS.keepAliveTimeSeconds),
    gracefulRestart: z
      .object({ enabled: z.boolean(), restartTimeSeconds: int(1, 4095, 'restartTimeSeconds').default(DEFAULT_RESTART_TIME_SECONDS) })
      .optional(),
    /** Empty or unset: ipv4 and ipv6 unicast. */
    families: z.array(family.omit({ advertisements: true })).optional(),
    advertisedPathAttributes: z.array(advertisedPathAttributes).optional(),
  })
  .refine((n) => n.keepAliveTimeSeconds <= n.holdTimeSeconds, {
    error: 'keepAliveTimeSeconds must not be larger than holdTimeSeconds',
    path: ['keepAliveTimeSeconds'],
  });
export type Neighbor = z.infer<typeof neighbor>;

export const virtualRouter = z.object({
  localASN: asn(0),
  exportPodCIDR: z.boolean().default(false),
  podIPPoolSelector: labelSelector.optional(),
  serviceSelector: labelSelector.optional(),
  serviceAdvertisements: z.array(serviceAddressType).default(['LoadBalancerIP']),
  neighbors: z.array(neighbor),
});
export type VirtualRouter = z.infer<typeof virtualRouter>;

export const peeringPolicySpec = z.object({
  /** nil = every node. */
  nodeSelector: labelSelector.optional(),
  virtualRouters: z.array(virtualRouter).min(1, 'at least one virtual router is required'),
});
export type PeeringPolicySpec = z.infer<typeof peeringPolicySpec>;

export const peeringPolicyObject = objectOf(peeringPolicySpec);
export type PeeringPolicy = z.infer<typeof peeringPolicyObject>;

export function parsePeeringPolicy(input: unknown): Result<PeeringPolicy, readonly string[]> {
  return parseWith(peeringPolicyObject, input);
}
