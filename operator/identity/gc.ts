/**
 * Identity garbage collection: an identity no endpoint has used for `graceMs` is deleted.
 * The caller keeps `lastUsed` between runs (and seeds it with "now" for identities it has not
 * seen before, so a restarted operator never deletes an identity it just learned about).
 */
export interface GcInput {
  readonly identities: readonly number[];
  /** Identities referenced by at least one endpoint right now. */
  readonly inUse: ReadonlySet<number>;
  /** Identity → last time (ms) it was seen in use. */
  readonly lastUsed: ReadonlyMap<number, number>;
  readonly now: number;
  readonly graceMs: number;
}

export interface GcDecision {
  readonly delete: readonly number[];
  /** The bookkeeping to carry into the next run. */
  readonly lastUsed: ReadonlyMap<number, number>;
}

export function gcIdentities(input: GcInput): GcDecision {
  const lastUsed = new Map<number, number>();
  const toDelete: number[] = [];
  for (const id of [...input.identities].sort((a, b) => a - b)) {
    const seen = input.inUse.has(id) ? input.now : (input.lastUsed.get(id) ?? input.now);
    if (input.now - seen >= input.graceMs && input.graceMs >= 0 && !input.inUse.has(id)) toDelete.push(id);
    else lastUsed.set(id, seen);
  }
  return { delete: toDelete, lastUsed };
}
