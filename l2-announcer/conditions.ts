/**
 * A policy's status conditions from its problems, pure. Conditions of types this module owns
 * are set (status True, reason `error`) while the problem lasts and removed once it is gone;
 * other conditions are kept. Returns undefined when nothing would change, so the writer
 * patches only on a real difference (idempotent, no write loops).
 */
import { POLICY_CONDITION_TYPES, type PolicyProblem } from './policy.js';

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
}

const owned = new Set<string>(POLICY_CONDITION_TYPES);

function same(a: Condition, b: Condition): boolean {
  return a.status === b.status && a.reason === b.reason && a.message === b.message && a.observedGeneration === b.observedGeneration;
}

export function desiredConditions(
  current: readonly Condition[],
  problems: readonly PolicyProblem[],
  generation: number,
  now: Date,
): Condition[] | undefined {
  const byType = new Map<string, string[]>();
  for (const p of problems) byType.set(p.type, [...(byType.get(p.type) ?? []), p.message]);
  const kept = current.filter((c) => !owned.has(c.type));
  const next: Condition[] = [...kept];
  for (const [type, messages] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    const want: Condition = { type, status: 'True', reason: 'error', message: messages.join('; '), observedGeneration: generation };
    const had = current.find((c) => c.type === type);
    const transition = had && had.status === want.status ? had.lastTransitionTime : undefined;
    next.push({ ...want, lastTransitionTime: transition ?? now.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }
  const ownedBefore = current.filter((c) => owned.has(c.type));
  const ownedAfter = next.filter((c) => owned.has(c.type));
  const unchanged =
    ownedBefore.length === ownedAfter.length &&
    ownedAfter.every((c) => {
      const had = ownedBefore.find((h) => h.type === c.type);
      return had !== undefined && same(had, c);
    });
  return unchanged ? undefined : next;
}
