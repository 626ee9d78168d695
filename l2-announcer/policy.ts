/**
 * CiliumL2AnnouncementPolicy (cilium.io/v2alpha1) parsing, pure. A policy with a bad part is
 * still returned: the bad part selects nothing and becomes a condition on the policy, so one
 * typo never takes down the announcements of other policies.
 */
import { z } from 'zod';
import {
  labelSelectorFromObject, MATCH_EVERYTHING, MATCH_NOTHING, type LabelSelector,
} from '../k8s/labels.js';
import { fail, ok, type Result } from '../lib/result.js';

export const CONDITION_BAD_NODE_SELECTOR = 'io.cilium/bad-node-selector';
export const CONDITION_BAD_SERVICE_SELECTOR = 'io.cilium/bad-service-selector';
export const CONDITION_BAD_INTERFACE_REGEX = 'io.cilium/bad-interface-regex';
/** Not in Cilium: selected services whose IPs cannot be announced (malformed addresses). */
export const CONDITION_BAD_SERVICE_IPS = 'io.cilium/bad-service-ips';

export const POLICY_CONDITION_TYPES = [
  CONDITION_BAD_NODE_SELECTOR, CONDITION_BAD_SERVICE_SELECTOR, CONDITION_BAD_INTERFACE_REGEX, CONDITION_BAD_SERVICE_IPS,
] as const;

export interface PolicyProblem {
  readonly type: (typeof POLICY_CONDITION_TYPES)[number];
  readonly message: string;
}

export interface L2Policy {
  readonly name: string;
  readonly generation: number;
  readonly serviceSelector: LabelSelector;
  readonly nodeSelector: LabelSelector;
  /** Empty: every device of the node. Unanchored, like Go's regexp.MatchString. */
  readonly interfaces: readonly RegExp[];
  readonly externalIPs: boolean;
  readonly loadBalancerIPs: boolean;
  readonly problems: readonly PolicyProblem[];
}

const policySchema = z.object({
  metadata: z.object({ name: z.string().min(1), generation: z.number().int().optional() }).loose(),
  spec: z
    .object({
      serviceSelector: z.unknown().optional(),
      nodeSelector: z.unknown().optional(),
      interfaces: z.array(z.unknown()).nullish(),
      externalIPs: z.boolean().nullish(),
      loadBalancerIPs: z.boolean().nullish(),
    })
    .loose()
    .nullish(),
}).loose();

/** Cilium treats an absent selector as "everything", unlike a nil metav1.LabelSelector. */
function selector(raw: unknown): Result<LabelSelector, string> {
  if (raw === undefined || raw === null) return ok(MATCH_EVERYTHING);
  return labelSelectorFromObject(raw);
}

function compileInterfaces(raw: readonly unknown[]): { regexes: RegExp[]; errors: string[] } {
  const regexes: RegExp[] = [];
  const errors: string[] = [];
  for (const [i, r] of raw.entries()) {
    if (typeof r !== 'string') {
      errors.push(`interfaces[${i}]: not a string`);
      continue;
    }
    try {
      regexes.push(new RegExp(r));
    } catch (err) {
      errors.push(`interfaces[${i}] "${r}": ${(err as Error).message}`);
    }
  }
  return { regexes, errors };
}

/** Err only when the object is not a policy at all (no name); spec problems become `problems`. */
export function parsePolicy(raw: unknown): Result<L2Policy, string> {
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) return fail(`not a CiliumL2AnnouncementPolicy: ${parsed.error.issues[0]?.message ?? ''}`);
  const spec = parsed.data.spec ?? {};
  const problems: PolicyProblem[] = [];
  const services = selector(spec.serviceSelector);
  if (!services.ok) problems.push({ type: CONDITION_BAD_SERVICE_SELECTOR, message: services.error });
  const nodes = selector(spec.nodeSelector);
  if (!nodes.ok) problems.push({ type: CONDITION_BAD_NODE_SELECTOR, message: nodes.error });
  const ifaces = compileInterfaces(spec.interfaces ?? []);
  if (ifaces.errors.length > 0) problems.push({ type: CONDITION_BAD_INTERFACE_REGEX, message: ifaces.errors.join('; ') });
  return ok({
    name: parsed.data.metadata.name,
    generation: parsed.data.metadata.generation ?? 0,
    serviceSelector: services.ok ? services.value : MATCH_NOTHING,
    nodeSelector: nodes.ok ? nodes.value : MATCH_NOTHING,
    // A policy whose every regex is broken must not fall back to "all devices".
    interfaces: ifaces.errors.length > 0 && ifaces.regexes.length === 0 ? [/(?!)/] : ifaces.regexes,
    externalIPs: spec.externalIPs ?? false,
    loadBalancerIPs: spec.loadBalancerIPs ?? false,
    problems,
  });
}

export function interfaceMatches(policy: L2Policy, ifname: string): boolean {
  return policy.interfaces.length === 0 || policy.interfaces.some((r) => r.test(ifname));
}
