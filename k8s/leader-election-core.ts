/**
 * Lease-based leader election decisions, pure: given the Lease as read (or its absence), the
 * time and who we are, what to write. The adapter does the I/O and relies on the Lease's
 * resourceVersion as the precondition, so two candidates deciding "take over" at the same
 * moment cannot both win: one write gets a 409.
 */
export interface LeaseRecord {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: Date;
  readonly renewTime?: Date;
  readonly leaseTransitions?: number;
}

export interface LeaseSpecOut {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: Date;
  readonly renewTime: Date;
  readonly leaseTransitions: number;
}

export interface ElectionTiming {
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

export type Decision =
  | { readonly action: 'create'; readonly spec: LeaseSpecOut }
  | { readonly action: 'renew'; readonly spec: LeaseSpecOut }
  | { readonly action: 'takeover'; readonly spec: LeaseSpecOut; readonly previousHolder: string | undefined }
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: Date };

/** When a lease stops protecting its holder; a lease never renewed counts from acquireTime. */
export function leaseExpiry(lease: LeaseRecord, fallbackDurationSeconds: number): Date | undefined {
  const since = lease.renewTime ?? lease.acquireTime;
  if (!since) return undefined;
  const duration = lease.leaseDurationSeconds ?? fallbackDurationSeconds;
  return new Date(since.getTime() + duration * 1000);
}

export function decide(lease: LeaseRecord | undefined, now: Date, identity: string, timing: ElectionTiming): Decision {
  const base = { holderIdentity: identity, leaseDurationSeconds: timing.leaseDurationSeconds, renewTime: now };
  if (lease === undefined) {
    return { action: 'create', spec: { ...base, acquireTime: now, leaseTransitions: 0 } };
  }
  const transitions = lease.leaseTransitions ?? 0;
  const holder = lease.holderIdentity ?? '';
  if (holder === identity) {
    return { action: 'renew', spec: { ...base, acquireTime: lease.acquireTime ?? now, leaseTransitions: transitions } };
  }
  const expiresAt = leaseExpiry(lease, timing.leaseDurationSeconds);
  // An empty holder means the last leader released the lease on purpose: take it at once.
  if (holder !== '' && expiresAt !== undefined && expiresAt.getTime() > now.getTime()) {
    return { action: 'wait', holder, expiresAt };
  }
  return {
    action: 'takeover',
    previousHolder: holder === '' ? undefined : holder,
    spec: { ...base, acquireTime: now, leaseTransitions: transitions + 1 },
  };
}

/** The leader steps down once it has failed to renew for renewDeadline. */
export function renewDeadlinePassed(lastRenew: Date, now: Date, timing: ElectionTiming): boolean {
  return now.getTime() - lastRenew.getTime() >= timing.renewDeadlineSeconds * 1000;
}

/** What a released lease looks like: no holder, shortest duration, transitions kept. */
export function releasedSpec(lease: LeaseRecord, now: Date): LeaseRecord {
  return { ...lease, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now };
}

export function validateTiming(t: ElectionTiming): string | undefined {
  if (!(t.retryPeriodSeconds > 0)) return 'retryPeriod must be positive';
  if (!(t.renewDeadlineSeconds > t.retryPeriodSeconds)) return 'renewDeadline must be longer than retryPeriod';
  if (!(t.leaseDurationSeconds > t.renewDeadlineSeconds)) return 'leaseDuration must be longer than renewDeadline';
  if (!Number.isInteger(t.leaseDurationSeconds)) return 'leaseDuration must be whole seconds (Lease field is an integer)';
  return undefined;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function formatMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A retry period, or less when the awaited lease expires sooner (plus a little for clock granularity). */
export function nextAttemptDelayMs(timing: ElectionTiming, waitingUntil: Date | undefined, now: Date): number {
  const retryMs = timing.retryPeriodSeconds * 1000;
  if (!waitingUntil) return retryMs;
  return Math.max(0, Math.min(retryMs, waitingUntil.getTime() - now.getTime() + 5));
}
