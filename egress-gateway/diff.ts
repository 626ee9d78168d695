/**
 * Desired entries against what the map holds now → the writes and deletes that close the gap.
 * Pure; the adapter applies `upserts` then `deletes` in the order given.
 */
import type { EgressPolicyKey, EgressPolicyValue } from '../datapath/layouts/egress.js';
import { entryId, type DesiredEntry } from './desired.js';

export interface EgressDiff {
  readonly upserts: readonly DesiredEntry[];
  readonly deletes: readonly EgressPolicyKey[];
}

function sameValue(a: EgressPolicyValue, b: EgressPolicyValue): boolean {
  return a.egressIp === b.egressIp && a.gatewayIp === b.gatewayIp;
}

function byId(a: EgressPolicyKey, b: EgressPolicyKey): number {
  const x = entryId(a);
  const y = entryId(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Upserts go most specific first and deletes least specific first: an excluded CIDR is a
 * longer prefix inside a destination, so it is in place before the destination's entry appears
 * and outlives it when both go, and excluded traffic is never sent to a gateway in between.
 */
export function diffEntries(desired: ReadonlyMap<string, DesiredEntry>, current: readonly DesiredEntry[]): EgressDiff {
  const have = new Map(current.map((e) => [entryId(e.key), e]));
  const upserts = [...desired.values()].filter((d) => {
    const now = have.get(entryId(d.key));
    return now === undefined || !sameValue(now.value, d.value);
  });
  const deletes = current.map((e) => e.key).filter((k) => !desired.has(entryId(k)));
  upserts.sort((a, b) => b.key.destinationPrefixLen - a.key.destinationPrefixLen || byId(a.key, b.key));
  deletes.sort((a, b) => a.destinationPrefixLen - b.destinationPrefixLen || byId(a, b));
  return { upserts, deletes };
}
