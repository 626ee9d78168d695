/**
 * The policy's status condition, computed from the parse result. Pure; whoever writes status
 * (one elected writer, since the policy is cluster-scoped and every agent parses it the same)
 * compares with what is there and patches only on change.
 */
import type { Result } from '../lib/result.js';
import type { EgressPolicy, PolicyRejection } from './policy.js';

export const CONDITION_VALID_SPEC = 'cilium.io/ValidSpec';

export interface PolicyCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export function validSpecCondition(parsed: Result<EgressPolicy, PolicyRejection>): PolicyCondition {
  if (parsed.ok) return { type: CONDITION_VALID_SPEC, status: 'True', reason: 'Valid', message: 'policy is valid' };
  return { type: CONDITION_VALID_SPEC, status: 'False', reason: parsed.error.reason, message: parsed.error.errors.join('; ') };
}

/** A condition as stored on the object (Kubernetes metav1.Condition). */
export interface StoredCondition extends PolicyCondition {
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

function isStored(c: unknown): c is StoredCondition {
  const o = c as Partial<StoredCondition> | null;
  return typeof o === 'object' && o !== null && typeof o.type === 'string';
}

/**
 * The `status` merge-patch body that puts `desired` on a policy, or undefined when the stored
 * condition already says the same for this generation. Conditions of other types are kept;
 * lastTransitionTime moves only when the status flips.
 */
export function conditionPatch(
  stored: readonly unknown[],
  desired: PolicyCondition,
  generation: number | undefined,
  now: string,
): { status: { conditions: StoredCondition[]; observedGeneration?: number } } | undefined {
  const existing = stored.filter(isStored);
  const current = existing.find((c) => c.type === desired.type);
  const same =
    current !== undefined &&
    current.status === desired.status &&
    current.reason === desired.reason &&
    current.message === desired.message &&
    current.observedGeneration === generation;
  if (same) return undefined;
  const transition = current !== undefined && current.status === desired.status ? current.lastTransitionTime : now;
  const next: StoredCondition = {
    ...desired,
    lastTransitionTime: transition,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  const conditions = [...existing.filter((c) => c.type !== desired.type), next];
  return { status: { conditions, ...(generation !== undefined ? { observedGeneration: generation } : {}) } };
}
