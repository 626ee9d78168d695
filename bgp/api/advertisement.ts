/**
 * CiliumBGPAdvertisement: what to advertise (pod CIDRs, pod IP pools, service addresses) and
 * with which path attributes. Selected per peer family by label.
 */
import { z } from 'zod';
import { GROUP, int, labelSelector, MAX_ASN, objectOf, parseWith, type KindInfo } from './common.js';
import type { Result } from '../../lib/result.js';

export const ADVERTISEMENTS: KindInfo = { group: GROUP, version: 'v2', resource: 'ciliumbgpadvertisements', kind: 'CiliumBGPAdvertisement', shortName: 'cbgpadvert' };

export const WELL_KNOWN_COMMUNITIES = [
  'internet', 'planned-shut', 'accept-own', 'route-filter-translated-v4', 'route-filter-v4',
  'route-filter-translated-v6', 'route-filter-v6', 'llgr-stale', 'no-llgr', 'blackhole',
  'no-export', 'no-advertise', 'no-export-subconfed', 'no-peer',
] as const;
export type WellKnownCommunity = (typeof WELL_KNOWN_COMMUNITIES)[number];

const u16 = (s: string): boolean => /^\d{1,5}$/.test(s) && Number(s) <= 65535;
const u32 = (s: string): boolean => /^\d{1,10}$/.test(s) && Number(s) <= MAX_ASN;

/** "N" (a 32-bit value) or "a:b" (two 16-bit halves). */
export function isStandardCommunity(s: string): boolean {
  const parts = s.split(':');
  return parts.length === 1 ? u32(s) : parts.length === 2 && parts.every(u16);
}

/** "a:b:c", three 32-bit values (RFC 8092). */
export function isLargeCommunity(s: string): boolean {
  const parts = s.split(':');
  return parts.length === 3 && parts.every(u32);
}

export const communities = z.object({
  standard: z.array(z.string().refine(isStandardCommunity, { error: 'standard community must be "N" (0..4294967295) or "a:b" (0..65535 each)' })).optional(),
  wellKnown: z.array(z.enum(WELL_KNOWN_COMMUNITIES, { error: `well-known community must be one of ${WELL_KNOWN_COMMUNITIES.join(', ')}` })).optional(),
  large: z.array(z.string().refine(isLargeCommunity, { error: 'large community must be "a:b:c" (0..4294967295 each)' })).optional(),
});
export type Communities = z.infer<typeof communities>;

export const pathAttributes = z.object({
  communities: communities.optional(),
  /** Sent to iBGP peers only. */
  localPreference: int(0, MAX_ASN, 'localPreference').optional(),
});
export type PathAttributes = z.infer<typeof pathAttributes>;

export const SERVICE_ADDRESS_TYPES = ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'] as const;
export type ServiceAddressType = (typeof SERVICE_ADDRESS_TYPES)[number];
export const serviceAddressType = z.enum(SERVICE_ADDRESS_TYPES, { error: `address type must be one of ${SERVICE_ADDRESS_TYPES.join(', ')}` });

export const ADVERTISEMENT_TYPES = ['PodCIDR', 'CiliumPodIPPool', 'Service'] as const;
export type AdvertisementType = (typeof ADVERTISEMENT_TYPES)[number];

export const advertisementEntry = z
  .object({
    advertisementType: z.enum(ADVERTISEMENT_TYPES, { error: `advertisementType must be one of ${ADVERTISEMENT_TYPES.join(', ')}` }),
    service: z
      .object({
        addresses: z.array(serviceAddressType).min(1, 'service.addresses needs at least one address type'),
        aggregationLengthIPv4: int(0, 32, 'aggregationLengthIPv4').optional(),
        aggregationLengthIPv6: int(0, 128, 'aggregationLengthIPv6').optional(),
      })
      .optional(),
    /** nil = nothing. Services carry io.kubernetes.service.name/namespace pseudo-labels. */
    selector: labelSelector.optional(),
    attributes: pathAttributes.optional(),
  })
  .refine((a) => a.advertisementType !== 'Service' || a.service !== undefined, {
    error: 'advertisementType Service needs service.addresses',
    path: ['service'],
  });
export type AdvertisementEntry = z.infer<typeof advertisementEntry>;

export const advertisementSpec = z.object({
  advertisements: z.array(advertisementEntry).min(1, 'at least one advertisement is required'),
});
export type AdvertisementSpec = z.infer<typeof advertisementSpec>;

export const advertisementObject = objectOf(advertisementSpec);
export type Advertisement = z.infer<typeof advertisementObject>;

export function parseAdvertisement(input: unknown): Result<Advertisement, readonly string[]> {
  return parseWith(advertisementObject, input);
}
