/**
 * Identity allocation: one numeric identity per distinct label set, from this cluster's range.
 * Deterministic for the same inputs (label sets are handled in sorted order and always get the
 * lowest free ID), an existing identity is kept for its label set, and identities nobody needs
 * any more are reported as unused (the GC decides when they go).
 */
import type { IdentityRange } from '../../clustermesh/cluster.js';

export interface ExistingIdentity {
  readonly id: number;
  /** Labels in kvstore text form (see clustermesh/labels.ts formatLabels). */
  readonly labels: string;
}

export interface Allocation {
  /** Label set → identity, for every desired label set that has one. */
  readonly assigned: ReadonlyMap<string, number>;
  /** Identities to create, in ID order. */
  readonly created: readonly ExistingIdentity[];
  /** Existing identities no desired label set uses (including duplicates of a label set). */
  readonly unused: readonly number[];
  /** Label sets left without an identity because the range is full. */
  readonly exhausted: readonly string[];
}

export function allocate(
  existing: readonly ExistingIdentity[],
  desired: Iterable<string>,
  range: IdentityRange,
): Allocation {
  const wanted = [...new Set(desired)].sort();
  const wantedSet = new Set(wanted);
  const taken = new Set(existing.map((e) => e.id));
  const assigned = new Map<string, number>();
  // The lowest in-range existing ID wins for a label set; other copies become unused.
  for (const e of [...existing].sort((a, b) => a.id - b.id)) {
    if (e.id < range.min || e.id > range.max || !wantedSet.has(e.labels) || assigned.has(e.labels)) continue;
    assigned.set(e.labels, e.id);
  }
  const created: ExistingIdentity[] = [];
  const exhausted: string[] = [];
  let next = range.min;
  for (const labels of wanted) {
    if (assigned.has(labels)) continue;
    while (next <= range.max && taken.has(next)) next++;
    if (next > range.max) {
      exhausted.push(labels);
      continue;
    }
    taken.add(next);
    assigned.set(labels, next);
    created.push({ id: next, labels });
  }
  const used = new Set(assigned.values());
  const unused = existing.map((e) => e.id).filter((id) => !used.has(id)).sort((a, b) => a - b);
  return { assigned, created, unused, exhausted };
}
