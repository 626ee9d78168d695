/**
 * Per-service lease decisions, pure (times in ms since the epoch). The adapter keeps every
 * Lease in one watch cache, so deciding costs no request: a holder writes once per renew
 * deadline, a waiting candidate writes once when the lease it watches expires, and nobody
 * polls. Two candidates writing at once are told apart by the resourceVersion precondition.
 *
 * Safety ("never two holders"): a holder counts itself holder only until
 * `sentAt + leaseDuration - retryPeriod`, where `sentAt` is the time it put into renewTime
 * before sending. Another node takes over only once `renewTime + leaseDuration` has passed,
 * so the old holder has let go (withdrawn its responder entries) a retry period earlier.
 */

export interface LeaseTiming {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 5_000, retryPeriodMs: 2_000 };

export interface LeaseView {
  readonly holder: string;
  readonly leaseDurationSeconds: number;
  /** ms since the epoch; undefined when the lease was never renewed nor acquired. */
  readonly renewTime?: number;
  readonly acquireTime?: number;
  readonly transitions: number;
  readonly resourceVersion: string;
}

export interface Holding {
  /** renewTime of our last successful write. */
  readonly renewedAt: number;
  /** We act as holder strictly before this time unless renewed. */
  readonly validUntil: number;
}

export type LeaseAction =
  | { readonly do: 'create' }
  | { readonly do: 'renew' }
  | { readonly do: 'takeover' }
  /** Give the lease up: delete it with a resourceVersion precondition. */
  | { readonly do: 'release' }
  | { readonly do: 'none' };

export interface LeaseDecision {
  readonly action: LeaseAction;
  /** Whether we may announce right now (before the action's outcome is known). */
  readonly holding: boolean;
  /** When to decide again without any event; undefined: only on events. */
  readonly recheckAt?: number;
}

export function validateTiming(t: LeaseTiming): string | undefined {
  if (!(t.retryPeriodMs > 0)) return 'retry period must be positive';
  if (!(t.renewDeadlineMs > t.retryPeriodMs)) return 'renew deadline must be longer than the retry period';
  if (!(t.leaseDurationMs > t.renewDeadlineMs + t.retryPeriodMs)) return 'lease duration must be longer than renew deadline + retry period';
  if (t.leaseDurationMs % 1000 !== 0) return 'lease duration must be whole seconds (the Lease field is an integer)';
  return undefined;
}

export function expiresAt(lease: LeaseView): number | undefined {
  const since = lease.renewTime ?? lease.acquireTime;
  return since === undefined ? undefined : since + lease.leaseDurationSeconds * 1000;
}

export function holdingAfterWrite(sentAt: number, t: LeaseTiming): Holding {
  return { renewedAt: sentAt, validUntil: sentAt + t.leaseDurationMs - t.retryPeriodMs };
}

export interface DecideInput {
  readonly want: boolean;
  readonly lease: LeaseView | undefined;
  readonly holding: Holding | undefined;
  /** A write for this lease failed at this time; retry a retry period later. */
  readonly lastFailureAt?: number;
  readonly now: number;
  readonly identity: string;
  readonly timing: LeaseTiming;
}

function stillHolding(i: DecideInput): boolean {
  return i.holding !== undefined && i.now < i.holding.validUntil && i.lease?.holder === i.identity;
}

function retryAt(i: DecideInput): number | undefined {
  if (i.lastFailureAt === undefined) return undefined;
  const at = i.lastFailureAt + i.timing.retryPeriodMs;
  return at > i.now ? at : undefined;
}

function decideHolder(i: DecideInput, holding: boolean): LeaseDecision {
  const validUntil = holding ? i.holding!.validUntil : undefined;
  const backoff = retryAt(i);
  if (backoff !== undefined) return { action: { do: 'none' }, holding, recheckAt: Math.min(backoff, validUntil ?? backoff) };
  const renewDue = holding ? i.holding!.renewedAt + i.timing.renewDeadlineMs : i.now;
  if (i.now >= renewDue) return { action: { do: 'renew' }, holding, ...(validUntil ? { recheckAt: validUntil } : {}) };
  return { action: { do: 'none' }, holding, recheckAt: renewDue };
}

export function decide(i: DecideInput): LeaseDecision {
  const holding = stillHolding(i);
  if (!i.want) {
    const ours = i.lease !== undefined && i.lease.holder === i.identity;
    if (!ours) return { action: { do: 'none' }, holding: false };
    const backoff = retryAt(i);
    if (backoff !== undefined) return { action: { do: 'none' }, holding: false, recheckAt: backoff };
    return { action: { do: 'release' }, holding: false };
  }
  if (i.lease === undefined) {
    const backoff = retryAt(i);
    return backoff ? { action: { do: 'none' }, holding: false, recheckAt: backoff } : { action: { do: 'create' }, holding: false };
  }
  // Ours in the API but not in memory (we restarted): renewing is how we find out it still is.
  if (i.lease.holder === i.identity) return decideHolder(i, holding);
  const expiry = expiresAt(i.lease);
  if (i.lease.holder !== '' && expiry !== undefined && expiry > i.now) {
    return { action: { do: 'none' }, holding: false, recheckAt: expiry };
  }
  const backoff = retryAt(i);
  if (backoff !== undefined) return { action: { do: 'none' }, holding: false, recheckAt: backoff };
  return { action: { do: 'takeover' }, holding: false };
}

export interface LeaseSpecJson {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The spec a create, renew or takeover writes. */
export function specFor(kind: 'create' | 'renew' | 'takeover', lease: LeaseView | undefined, now: number, identity: string, t: LeaseTiming): LeaseSpecJson {
  const keepAcquire = kind === 'renew' && lease?.acquireTime !== undefined ? lease.acquireTime : now;
  const transitions = (lease?.transitions ?? 0) + (kind === 'takeover' ? 1 : 0);
  return {
    holderIdentity: identity,
    leaseDurationSeconds: t.leaseDurationMs / 1000,
    acquireTime: microTime(keepAcquire),
    renewTime: microTime(now),
    leaseTransitions: transitions,
  };
}

/** Leases nobody holds (released, or expired twice over) of services nobody here wants: delete. */
export function isGarbage(lease: LeaseView, now: number): boolean {
  if (lease.holder === '') return true;
  const expiry = expiresAt(lease);
  return expiry === undefined || now > expiry + lease.leaseDurationSeconds * 1000;
}
