/**
 * CiliumBGPPeerConfig: how to talk to a peer (port, timers, auth, graceful restart, multihop,
 * families and which advertisements each family carries). Defaults are Cilium's and are
 * applied here, so everything downstream sees complete values.
 */
import { z } from 'zod';
import { GROUP, int, labelSelector, objectOf, parseWith, type KindInfo } from './common.js';
import type { Result } from '../../lib/result.js';

export const PEER_CONFIGS: KindInfo = { group: GROUP, version: 'v2', resource: 'ciliumbgppeerconfigs', kind: 'CiliumBGPPeerConfig', shortName: 'cbgppeer' };

export const DEFAULT_PEER_PORT = 179;
export const DEFAULT_TIMERS = { connectRetryTimeSeconds: 120, holdTimeSeconds: 90, keepAliveTimeSeconds: 30 } as const;
export const DEFAULT_RESTART_TIME_SECONDS = 120;
export const DEFAULT_EBGP_MULTIHOP = 1;

export const family = z.object({
  afi: z.enum(['ipv4', 'ipv6'], { error: 'afi must be ipv4 or ipv6' }),
  safi: z.enum(['unicast'], { error: 'safi must be unicast' }),
  /** nil → this family advertises nothing. */
  advertisements: labelSelector.optional(),
});
export type Family = z.infer<typeof family>;

export const DEFAULT_FAMILIES: readonly Family[] = [
  { afi: 'ipv6', safi: 'unicast' },
  { afi: 'ipv4', safi: 'unicast' },
];

export const timers = z
  .object({
    connectRetryTimeSeconds: int(1, 2147483647, 'connectRetryTimeSeconds').default(DEFAULT_TIMERS.connectRetryTimeSeconds),
    holdTimeSeconds: int(3, 65535, 'holdTimeSeconds').default(DEFAULT_TIMERS.holdTimeSeconds),
    keepAliveTimeSeconds: int(1, 65535, 'keepAliveTimeSeconds').default(DEFAULT_TIMERS.keepAliveTimeSeconds),
  })
  .refine((t) => t.keepAliveTimeSeconds <= t.holdTimeSeconds, {
    error: 'keepAliveTimeSeconds must not be larger than holdTimeSeconds',
    path: ['keepAliveTimeSeconds'],
  });
export type Timers = z.infer<typeof timers>;

export const gracefulRestart = z.object({
  enabled: z.boolean().default(false),
  restartTimeSeconds: int(1, 4095, 'restartTimeSeconds').default(DEFAULT_RESTART_TIME_SECONDS),
});
export type GracefulRestart = z.infer<typeof gracefulRestart>;

function uniqueFamilies(fs: readonly Family[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  fs.forEach((f, i) => {
    const k = `${f.afi}/${f.safi}`;
    if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `family ${k} is listed twice`, path: [i] });
    seen.add(k);
  });
}

export const peerConfigSpec = z.object({
  transport: z.object({ peerPort: int(1, 65535, 'peerPort').default(DEFAULT_PEER_PORT) }).prefault({}),
  timers: timers.prefault({}),
  /** Name of a Secret (in the agent's secrets namespace) whose `password` key is the TCP MD5 key. */
  authSecretRef: z.string().min(1).optional(),
  gracefulRestart: gracefulRestart.prefault({}),
  ebgpMultihop: int(1, 255, 'ebgpMultihop').default(DEFAULT_EBGP_MULTIHOP),
  families: z.array(family).superRefine(uniqueFamilies).default(() => DEFAULT_FAMILIES.map((f) => ({ ...f }))),
});
export type PeerConfigSpec = z.infer<typeof peerConfigSpec>;

export const peerConfigObject = objectOf(peerConfigSpec.prefault({}));
export type PeerConfig = z.infer<typeof peerConfigObject>;

export function parsePeerConfig(input: unknown): Result<PeerConfig, readonly string[]> {
  return parseWith(peerConfigObject, input);
}
