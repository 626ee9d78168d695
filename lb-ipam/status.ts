/**
 * Desired conditions and addresses → the status patch to send, or nothing when the object
 * already says it. Pure: the time is passed in. Conditions owned by someone else are kept;
 * a condition's lastTransitionTime only moves when its status does (as meta.SetStatusCondition).
 */
import type { Condition, ServiceOutcome } from './desired.js';

export interface WrittenCondition extends Condition {
  readonly lastTransitionTime: string;
}

type Loose = Record<string, unknown>;

function asConditions(raw: readonly unknown[]): Loose[] {
  return raw.filter((c): c is Loose => typeof c === 'object' && c !== null && typeof (c as Loose).type === 'string');
}

function sameCondition(have: Loose, want: Condition): boolean {
  return have.status === want.status && have.reason === want.reason && have.message === want.message && have.observedGeneration === want.observedGeneration;
}

/**
 * The full conditions list to write, or undefined when nothing changes. `owned` are the
 * types this controller manages: those not in `desired` are removed.
 */
export function mergeConditions(current: readonly unknown[], desired: readonly Condition[], owned: readonly string[], now: string): Loose[] | undefined {
  const existing = asConditions(current);
  let changed = existing.length !== current.length;
  const out: Loose[] = [];
  for (const c of existing) {
    const type = c.type as string;
    if (!owned.includes(type)) {
      out.push(c);
      continue;
    }
    const want = desired.find((d) => d.type === type);
    if (!want) {
      changed = true;
      continue;
    }
    if (sameCondition(c, want)) {
      out.push(c);
      continue;
    }
    changed = true;
    const since = c.status === want.status && typeof c.lastTransitionTime === 'string' ? c.lastTransitionTime : now;
    out.push({ ...want, lastTransitionTime: since });
  }
  for (const want of desired) {
    if (existing.some((c) => c.type === want.type)) continue;
    changed = true;
    out.push({ ...want, lastTransitionTime: now });
  }
  return changed ? out : undefined;
}

/** Merge-patch body for a service's /status, or undefined when it is up to date. */
export function serviceStatusPatch(currentIngress: readonly string[], currentConditions: readonly unknown[], desired: ServiceOutcome, type: string, now: string): Loose | undefined {
  const conditions = mergeConditions(currentConditions, desired.condition ? [desired.condition] : [], [type], now);
  const ingressChanged = currentIngress.length !== desired.ingress.length || currentIngress.some((ip, i) => ip !== desired.ingress[i]);
  if (!conditions && !ingressChanged) return undefined;
  const status: Loose = {};
  // Merge patch replaces lists whole, and null removes a field: an empty list is written as absent.
  if (ingressChanged) status.loadBalancer = { ingress: desired.ingress.length > 0 ? desired.ingress.map((ip) => ({ ip })) : null };
  if (conditions) status.conditions = conditions.length > 0 ? conditions : null;
  return { status };
}

/** Merge-patch body for a pool's /status, or undefined when it is up to date. */
export function poolStatusPatch(currentConditions: readonly unknown[], desired: readonly Condition[], owned: readonly string[], now: string): Loose | undefined {
  const conditions = mergeConditions(currentConditions, desired, owned, now);
  return conditions ? { status: { conditions } } : undefined;
}
