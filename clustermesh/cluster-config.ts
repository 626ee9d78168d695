/**
 * Cluster config (`cilium/cluster-config/<cluster>`): `{"id":N,"capabilities":{...}}`.
 * `id` and every capability are omitempty; `capabilities` is always written (a Go struct).
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import { isMaxConnectedClusters, validateClusterId, type MaxConnectedClusters } from './cluster.js';
import { goJson } from './gojson.js';
import { zodReason } from './zod-reason.js';

export interface ClusterCapabilities {
  readonly syncedCanaries?: boolean;
  readonly cached?: boolean;
  readonly maxConnectedClusters?: number;
  /** Nullable in Cilium: absent means "unknown", false means "known to be off". */
  readonly serviceExportsEnabled?: boolean;
  readonly endpointSlicesExportMode?: string;
}

export interface ClusterConfig {
  readonly id: number;
  readonly capabilities: ClusterCapabilities;
}

export function encodeClusterConfig(config: ClusterConfig): string {
  const c = config.capabilities;
  return goJson({
    id: config.id || undefined,
    capabilities: {
      syncedCanaries: c.syncedCanaries || undefined,
      cached: c.cached || undefined,
      maxConnectedClusters: c.maxConnectedClusters || undefined,
      serviceExportsEnabled: c.serviceExportsEnabled,
      endpointSlicesExportMode: c.endpointSlicesExportMode || undefined,
    },
  });
}

const configSchema = z.object({
  id: z.number().int().min(0).max(0xffffffff).default(0),
  capabilities: z
    .object({
      syncedCanaries: z.boolean().default(false),
      cached: z.boolean().default(false),
      maxConnectedClusters: z.number().int().min(0).default(0),
      serviceExportsEnabled: z.boolean().nullish(),
      endpointSlicesExportMode: z.string().nullish(),
    })
    .nullish(),
});

/**
 * Validates a remote cluster's config. A config without maxConnectedClusters predates the
 * capability and means 255.
 */
export function decodeClusterConfig(value: string, localMaxConnected: MaxConnectedClusters): Result<ClusterConfig> {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return fail(`cluster config is not JSON: ${(e as Error).message}`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) return fail(`cluster config: ${zodReason(parsed.error)}`);
  const caps = parsed.data.capabilities ?? { syncedCanaries: false, cached: false, maxConnectedClusters: 0 };
  const max = caps.maxConnectedClusters || 255;
  if (!isMaxConnectedClusters(max)) return fail(`cluster config: maxConnectedClusters ${max} is neither 255 nor 511`);
  if (max !== localMaxConnected) {
    return fail(`cluster config: maxConnectedClusters ${max} differs from the local ${localMaxConnected}`);
  }
  const id = validateClusterId(parsed.data.id, max);
  if (!id.ok) return fail(`cluster config: ${id.error}`);
  return ok({
    id: parsed.data.id,
    capabilities: {
      syncedCanaries: caps.syncedCanaries,
      cached: caps.cached,
      maxConnectedClusters: caps.maxConnectedClusters || undefined,
      serviceExportsEnabled: caps.serviceExportsEnabled ?? undefined,
      endpointSlicesExportMode: caps.endpointSlicesExportMode ?? undefined,
    },
  });
}
