/**
 * Identity entries (`cilium/state/identities/v1/id/<n>` → labels text). A reader accepts a
 * remote identity only inside that cluster's range (reserved ones below 256 excepted) and only
 * when its labels name that cluster, so one cluster cannot claim another's identities.
 */
import { fail, ok, type Result } from '../lib/result.js';
import { identityRange, MINIMAL_ALLOCATION_IDENTITY, type MaxConnectedClusters } from './cluster.js';
import { identityKey, parseIdentityKey } from './keys.js';
import { formatLabels, parseLabels, POLICY_CLUSTER_LABEL, type Label } from './labels.js';

export interface IdentityEntry {
  readonly id: number;
  readonly labels: readonly Label[];
}

export function encodeIdentity(entry: IdentityEntry): { key: string; value: string } {
  return { key: identityKey(entry.id), value: formatLabels(entry.labels) };
}

export interface IdentityReadContext {
  readonly cluster: string;
  readonly clusterId: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
}

export function decodeIdentity(key: string, value: string, ctx: IdentityReadContext): Result<IdentityEntry> {
  const id = parseIdentityKey(key);
  if (!id.ok) return id;
  const labels = parseLabels(value);
  if (!labels.ok) return fail(`identity ${key}: ${labels.error}`);
  if (id.value >= MINIMAL_ALLOCATION_IDENTITY) {
    const range = identityRange(ctx.clusterId, ctx.maxConnectedClusters);
    if (id.value < range.min || id.value > range.max) {
      return fail(`identity ${key}: ${id.value} is outside cluster ${ctx.cluster}'s range ${range.min}..${range.max}`);
    }
  }
  const clusterLabel = labels.value.find((l) => l.key === POLICY_CLUSTER_LABEL);
  if (!clusterLabel) return fail(`identity ${key}: no ${POLICY_CLUSTER_LABEL} label`);
  if (clusterLabel.value !== ctx.cluster) {
    return fail(`identity ${key}: ${POLICY_CLUSTER_LABEL}=${clusterLabel.value} is not the remote cluster ${ctx.cluster}`);
  }
  return ok({ id: id.value, labels: labels.value });
}
