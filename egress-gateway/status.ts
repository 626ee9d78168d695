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
