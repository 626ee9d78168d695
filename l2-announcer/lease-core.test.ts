import { describe, expect, test } from 'vitest';
import {
  decide, holdingAfterWrite, isGarbage, microTime, specFor, validateTiming, type DecideInput, type LeaseTiming, type LeaseView,
} from './lease-core.js';

const t: LeaseTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 5_000, retryPeriodMs: 2_000 };
const T0 = 1_000_000;

function lease(holder: string, renewTime: number | undefined, o: Partial<LeaseView> = {}): LeaseView {
  return { holder, leaseDurationSeconds: 15, renewTime, acquireTime: renewTime, transitions: 0, resourceVersion: '1', ...o };
}

function input(o: Partial<DecideInput>): DecideInput {
  return { want: true, lease: undefined, holding: undefined, now: T0, identity: 'me', timing: t, ...o };
}

describe('decide', () => {
  test('no lease: create it', () => {
    expect(decide(input({}))).toEqual({ action: { do: 'create' }, holding: false });
  });

  test('someone else holds a live lease: wait until it expires, without requests', () => {
    const d = decide(input({ lease: lease('other', T0 - 1000) }));
    expect(d).toEqual({ action: { do: 'none' }, holding: false, recheckAt: T0 - 1000 + 15_000 });
  });

  test('an expired or released lease is taken over', () => {
    expect(decide(input({ lease: lease('other', T0 - 15_000) })).action).toEqual({ do: 'takeover' });
    expect(decide(input({ lease: lease('', T0) })).action).toEqual({ do: 'takeover' });
  });

  test('the holder renews once per renew deadline and not in between', () => {
    const holding = holdingAfterWrite(T0, t);
    const mine = lease('me', T0);
    expect(decide(input({ lease: mine, holding, now: T0 + 1000 }))).toEqual({ action: { do: 'none' }, holding: true, recheckAt: T0 + 5000 });
    expect(decide(input({ lease: mine, holding, now: T0 + 5000 })).action).toEqual({ do: 'renew' });
  });

  test('a holder that could not renew lets go a retry period before anyone may take over', () => {
    const holding = holdingAfterWrite(T0, t);
    const mine = lease('me', T0);
    expect(decide(input({ lease: mine, holding, now: T0 + 12_999 })).holding).toBe(true);
    expect(decide(input({ lease: mine, holding, now: T0 + 13_000 })).holding).toBe(false);
    // The other side of the invariant: at the holder's last moment, others still wait.
    expect(decide(input({ lease: mine, identity: 'other', now: T0 + 12_999 })).action).toEqual({ do: 'none' });
  });

  test('after a failed write the next attempt waits a retry period', () => {
    const d = decide(input({ lease: lease('other', T0 - 20_000), lastFailureAt: T0 - 500 }));
    expect(d).toEqual({ action: { do: 'none' }, holding: false, recheckAt: T0 + 1500 });
    expect(decide(input({ lease: lease('other', T0 - 20_000), lastFailureAt: T0 - 2000 })).action).toEqual({ do: 'takeover' });
  });

  test('a lease that names us but we do not remember (restart) is renewed before we announce', () => {
    const d = decide(input({ lease: lease('me', T0 - 1000) }));
    expect(d).toMatchObject({ action: { do: 'renew' }, holding: false });
  });

  test('holding ends as soon as the lease names someone else', () => {
    const d = decide(input({ lease: lease('other', T0), holding: holdingAfterWrite(T0, t), now: T0 + 100 }));
    expect(d.holding).toBe(false);
  });

  test('no longer wanted: release our lease, ignore others', () => {
    expect(decide(input({ want: false, lease: lease('me', T0), holding: holdingAfterWrite(T0, t) }))).toEqual({ action: { do: 'release' }, holding: false });
    expect(decide(input({ want: false, lease: lease('other', T0) }))).toEqual({ action: { do: 'none' }, holding: false });
    expect(decide(input({ want: false }))).toEqual({ action: { do: 'none' }, holding: false });
  });
});

test('specFor: takeover counts a transition and acquires now; renew keeps acquireTime', () => {
  const l = lease('other', T0 - 20_000, { transitions: 2, acquireTime: T0 - 60_000 });
  expect(specFor('takeover', l, T0, 'me', t)).toEqual({
    holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 3,
  });
  expect(specFor('renew', l, T0, 'me', t).acquireTime).toBe(microTime(T0 - 60_000));
  expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02T03:04:05.006000Z');
});

test('garbage: released leases and leases expired for another whole duration', () => {
  expect(isGarbage(lease('', T0), T0)).toBe(true);
  expect(isGarbage(lease('x', T0 - 20_000), T0)).toBe(false);
  expect(isGarbage(lease('x', T0 - 30_001), T0)).toBe(true);
});

test('timing validation', () => {
  expect(validateTiming(t)).toBeUndefined();
  expect(validateTiming({ leaseDurationMs: 3000, renewDeadlineMs: 1000, retryPeriodMs: 200 })).toBeUndefined();
  expect(validateTiming({ ...t, leaseDurationMs: 6000 })).toMatch(/longer than renew deadline/);
  expect(validateTiming({ ...t, leaseDurationMs: 15_500 })).toMatch(/whole seconds/);
  expect(validateTiming({ ...t, retryPeriodMs: 0 })).toMatch(/positive/);
});
