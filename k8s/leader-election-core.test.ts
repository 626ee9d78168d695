import { describe, expect, test } from 'vitest';
import { decide, formatMicroTime, nextAttemptDelayMs, releasedSpec, renewDeadlinePassed, validateTiming } from './leader-election-core.js';

const timing = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };
const t = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));

describe('decide', () => {
  test('an absent lease is created with us as holder and no transitions', () => {
    expect(decide(undefined, t(0), 'a', timing)).toEqual({
      action: 'create',
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: t(0), renewTime: t(0), leaseTransitions: 0 },
    });
  });

  test('our own lease is renewed, keeping acquireTime and transitions', () => {
    const lease = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: t(0), renewTime: t(4), leaseTransitions: 3 };
    expect(decide(lease, t(6), 'a', timing)).toEqual({
      action: 'renew',
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: t(0), renewTime: t(6), leaseTransitions: 3 },
    });
  });

  test("another candidate's live lease is waited for until renewTime + leaseDuration", () => {
    const lease = { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: t(0), renewTime: t(10), leaseTransitions: 1 };
    expect(decide(lease, t(24), 'a', timing)).toEqual({ action: 'wait', holder: 'b', expiresAt: t(25) });
  });

  test('an expired lease is taken over and transitions incremented', () => {
    const lease = { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: t(0), renewTime: t(10), leaseTransitions: 1 };
    expect(decide(lease, t(25), 'a', timing)).toEqual({
      action: 'takeover',
      previousHolder: 'b',
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: t(25), renewTime: t(25), leaseTransitions: 2 },
    });
  });

  test("the lease's own duration counts, not ours", () => {
    const lease = { holderIdentity: 'b', leaseDurationSeconds: 60, renewTime: t(0) };
    expect(decide(lease, t(30), 'a', timing).action).toBe('wait');
  });

  test('a released lease (empty holder) is taken at once', () => {
    const released = releasedSpec({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: t(0), leaseTransitions: 4 }, t(1));
    expect(released).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 4 });
    const d = decide(released, t(1), 'a', timing);
    expect(d).toMatchObject({ action: 'takeover', previousHolder: undefined, spec: { leaseTransitions: 5 } });
  });

  test('a lease without any time is taken over', () => {
    expect(decide({ holderIdentity: 'b' }, t(0), 'a', timing).action).toBe('takeover');
  });
});

test('renew deadline', () => {
  expect(renewDeadlinePassed(t(0), t(9), timing)).toBe(false);
  expect(renewDeadlinePassed(t(0), t(10), timing)).toBe(true);
});

test('timing must nest retry < renewDeadline < leaseDuration', () => {
  expect(validateTiming(timing)).toBeUndefined();
  expect(validateTiming({ ...timing, renewDeadlineSeconds: 20 })).toMatch(/leaseDuration/);
  expect(validateTiming({ ...timing, retryPeriodSeconds: 10 })).toMatch(/renewDeadline/);
});

test('MicroTime has six fractional digits', () => {
  expect(formatMicroTime(new Date('2030-01-01T00:00:01.234Z'))).toBe('2030-01-01T00:00:01.234000Z');
});

test('a waiting candidate retries when the lease expires if that is sooner than a retry period', () => {
  expect(nextAttemptDelayMs(timing, undefined, t(0))).toBe(2000);
  expect(nextAttemptDelayMs(timing, t(10), t(0))).toBe(2000);
  expect(nextAttemptDelayMs(timing, new Date(t(0).getTime() + 700), t(0))).toBe(705);
  expect(nextAttemptDelayMs(timing, t(0), t(3))).toBe(0);
});
