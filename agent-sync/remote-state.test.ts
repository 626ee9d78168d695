import { describe, expect, test } from 'vitest';
import {
  backoffDelay,
  DEFAULT_LIFECYCLE,
  initialRemoteState,
  remoteStatusView,
  step,
  SYNC_KINDS,
  type Effect,
  type LifecycleOptions,
  type Phase,
  type RemoteEvent,
  type RemoteState,
  type StepContext,
} from './remote-state.js';

const options: LifecycleOptions = { backoffBaseMs: 1000, backoffMaxMs: 8000, jitter: 0.2, cacheTtlMs: 2000 };
const ctx = (now: number, random = 0.5, o: LifecycleOptions = options): StepContext => ({
  now,
  random,
  options: o,
});

/** Runs events in order at the given times, returning the final state and every effect. */
function run(events: readonly [number, RemoteEvent][], start: RemoteState = initialRemoteState('c2', 0)) {
  let state = start;
  const effects: Effect[] = [];
  for (const [now, event] of events) {
    const s = step(state, event, ctx(now));
    state = s.state;
    effects.push(...s.effects);
  }
  return { state, effects };
}

const accept = (clusterId = 2, syncedCanaries = true): RemoteEvent => ({
  type: 'config-accepted',
  clusterId,
  syncedCanaries,
});
const allCanaries: [number, RemoteEvent][] = SYNC_KINDS.map((kind) => [1, { type: 'canary', kind }]);
const allSynced: [number, RemoteEvent][] = SYNC_KINDS.map((kind) => [1, { type: 'synced', kind }]);
const readyRun: [number, RemoteEvent][] = [
  [0, { type: 'tick' }],
  [1, accept()],
  ...allCanaries,
  ...allSynced,
];

describe('transitions', () => {
  const table: [string, [number, RemoteEvent][], Phase, Effect[]][] = [
    ['a new remote dials on the first tick', [[0, { type: 'tick' }]], 'connecting', [{ type: 'dial' }]],
    [
      'a remote with canaries waits for them',
      [
        [0, { type: 'tick' }],
        [1, accept()],
      ],
      'waiting-for-canaries',
      [{ type: 'dial' }],
    ],
    [
      'without canaries every prefix is watched at once',
      [
        [0, { type: 'tick' }],
        [1, accept(2, false)],
      ],
      'syncing',
      [{ type: 'dial' }, ...SYNC_KINDS.map((kind): Effect => ({ type: 'watch', kind }))],
    ],
    [
      'each canary starts its own watch; all four mean syncing',
      [[0, { type: 'tick' }], [1, accept()], ...allCanaries],
      'syncing',
      [{ type: 'dial' }, ...SYNC_KINDS.map((kind): Effect => ({ type: 'watch', kind }))],
    ],
    [
      'all four prefixes synced mean ready',
      readyRun,
      'ready',
      [{ type: 'dial' }, ...SYNC_KINDS.map((kind): Effect => ({ type: 'watch', kind }))],
    ],
    [
      'a failure when ready disconnects and schedules a retry',
      [...readyRun, [10, { type: 'failure', error: 'etcd unreachable' }]],
      'disconnected',
      [
        { type: 'dial' },
        ...SYNC_KINDS.map((kind): Effect => ({ type: 'watch', kind })),
        { type: 'close' },
        { type: 'schedule', at: 1010 },
      ],
    ],
    [
      'a refusal is a failure with the reason',
      [
        [0, { type: 'tick' }],
        [1, { type: 'refused', reason: 'remote cluster c2 has cluster ID 0 (unset)' }],
      ],
      'disconnected',
      [{ type: 'dial' }, { type: 'close' }, { type: 'schedule', at: 1001 }],
    ],
    [
      'a tick before the retry time does nothing',
      [
        [0, { type: 'tick' }],
        [1, { type: 'failure', error: 'x' }],
        [500, { type: 'tick' }],
      ],
      'disconnected',
      [{ type: 'dial' }, { type: 'close' }, { type: 'schedule', at: 1001 }],
    ],
    [
      'a tick at the retry time dials again',
      [
        [0, { type: 'tick' }],
        [1, { type: 'failure', error: 'x' }],
        [1001, { type: 'tick' }],
      ],
      'connecting',
      [{ type: 'dial' }, { type: 'close' }, { type: 'schedule', at: 1001 }, { type: 'dial' }],
    ],
    [
      'removing the config drains the cluster',
      [...readyRun, [5, { type: 'config-removed' }]],
      'removed',
      [
        { type: 'dial' },
        ...SYNC_KINDS.map((kind): Effect => ({ type: 'watch', kind })),
        { type: 'close' },
        { type: 'drain' },
      ],
    ],
    [
      'removing the config of a disconnected remote drains it',
      [[0, { type: 'config-removed' }]],
      'removed',
      [{ type: 'drain' }],
    ],
    [
      'a changed config reconnects at once',
      [...readyRun, [5, { type: 'config-changed' }]],
      'connecting',
      [
        { type: 'dial' },
        ...SYNC_KINDS.map((kind): Effect => ({ type: 'watch', kind })),
        { type: 'close' },
        { type: 'dial' },
      ],
    ],
  ];
  test.each(table)('%s', (_what, events, phase, effects) => {
    const out = run(events);
    expect(out.state.phase).toBe(phase);
    expect(out.effects).toEqual(effects);
  });
});

describe('events that do not apply are ignored, not applied', () => {
  const table: [string, [number, RemoteEvent][], RemoteEvent][] = [
    ['config accepted while disconnected', [], accept()],
    ['canary while disconnected', [], { type: 'canary', kind: 'nodes' }],
    ['synced while connecting', [[0, { type: 'tick' }]], { type: 'synced', kind: 'nodes' }],
    [
      'synced before its canary',
      [
        [0, { type: 'tick' }],
        [1, accept()],
      ],
      { type: 'synced', kind: 'nodes' },
    ],
    [
      'a late failure from a closed session',
      [
        [0, { type: 'tick' }],
        [1, { type: 'failure', error: 'a' }],
      ],
      { type: 'failure', error: 'b' },
    ],
    ['anything after removal', [[0, { type: 'config-removed' }]], { type: 'tick' }],
  ];
  test.each(table)('%s', (_what, before, event) => {
    const { state } = run(before);
    const out = step(state, event, ctx(100));
    expect(out.state).toBe(state);
    expect(out.effects).toEqual([]);
    expect(out.ignored).toBeTruthy();
  });
});

describe('failure bookkeeping', () => {
  test('failures count up, keep the last error and time, and reset the backoff only when ready', () => {
    const failAt = (t: number, error: string): [number, RemoteEvent][] => [
      [t, { type: 'tick' }],
      [t, { type: 'failure', error }],
    ];
    const { state } = run([...failAt(0, 'first'), ...failAt(1000, 'second'), ...failAt(3000, 'third')]);
    expect(state).toMatchObject({
      failures: 3,
      consecutiveFailures: 3,
      lastError: 'third',
      lastFailureAt: 3000,
      nextAttemptAt: 7000,
    });
    const ready = run(
      [[7000, { type: 'tick' }], [7000, accept()], ...allCanaries, ...allSynced],
      state,
    ).state;
    expect(ready).toMatchObject({ phase: 'ready', failures: 3, consecutiveFailures: 0, lastError: 'third' });
  });

  test('reconnecting resets canaries and sync, so readiness needs a fresh sync', () => {
    const { state } = run([
      ...readyRun,
      [5, { type: 'failure', error: 'x' }],
      [2000, { type: 'tick' }],
      [2000, accept()],
    ]);
    expect(state).toMatchObject({ phase: 'waiting-for-canaries', canariesSeen: [], synced: [] });
  });
});

describe('backoff', () => {
  test.each([
    [1, 0.5, 1000],
    [2, 0.5, 2000],
    [3, 0.5, 4000],
    [4, 0.5, 8000],
    [5, 0.5, 8000],
    [60, 0.5, 8000],
    [1, 0, 800],
    [1, 0.999999, 1200],
    [3, 0, 3200],
    [4, 0.999999, 8000],
  ])('failure %i with random %f waits %i ms', (n, random, ms) => {
    expect(backoffDelay(n, random, options)).toBe(ms);
  });

  test('the defaults are bounded by their cap', () => {
    expect(backoffDelay(1000, 0.99, DEFAULT_LIFECYCLE)).toBe(DEFAULT_LIFECYCLE.backoffMaxMs);
  });
});

describe('cache TTL', () => {
  const down: [number, RemoteEvent][] = [...readyRun, [10, { type: 'failure', error: 'etcd down' }]];

  test('services are kept while disconnected for less than the TTL', () => {
    const out = run([...down, [2009, { type: 'tick' }]]);
    expect(out.state.servicesRevoked).toBe(false);
    expect(out.effects).not.toContainEqual({ type: 'revoke-services' });
  });

  test('services are revoked once, when the TTL has passed, also while redialling', () => {
    const out = run([...down, [1010, { type: 'tick' }], [2010, { type: 'tick' }], [3000, { type: 'tick' }]]);
    expect(out.state.phase).toBe('connecting');
    expect(out.state.servicesRevoked).toBe(true);
    expect(out.effects.filter((e) => e.type === 'revoke-services')).toHaveLength(1);
    expect(out.effects).not.toContainEqual({ type: 'drain' });
  });

  test('without a TTL services are never revoked', () => {
    let { state } = run(down);
    const s = step(state, { type: 'tick' }, ctx(10_000_000, 0.5, { ...options, cacheTtlMs: undefined }));
    state = s.state;
    expect(state.servicesRevoked).toBe(false);
    expect(s.effects).toEqual([{ type: 'dial' }]);
  });

  test('a resync of the services prefix clears the revocation', () => {
    const { state } = run([
      ...down,
      [2010, { type: 'tick' }],
      [2010, accept()],
      ...allCanaries,
      ...allSynced,
    ]);
    expect(state).toMatchObject({ phase: 'ready', servicesRevoked: false, disconnectedSince: undefined });
  });
});

describe('cluster ID change', () => {
  test('drains the old data when the remote comes back with another ID', () => {
    const out = run([
      ...readyRun,
      [5, { type: 'failure', error: 'x' }],
      [2000, { type: 'tick' }],
      [2000, accept(7)],
    ]);
    expect(out.effects.at(-1)).toEqual({ type: 'drain' });
    expect(out.state.clusterId).toBe(7);
  });

  test('the same ID does not drain', () => {
    const out = run([
      ...readyRun,
      [5, { type: 'failure', error: 'x' }],
      [2000, { type: 'tick' }],
      [2000, accept(2)],
    ]);
    expect(out.effects).not.toContainEqual({ type: 'drain' });
  });
});

test('status view', () => {
  const { state } = run([...readyRun, [10, { type: 'failure', error: 'etcd down' }]]);
  expect(remoteStatusView(state)).toEqual({
    name: 'c2',
    phase: 'disconnected',
    connected: false,
    ready: false,
    clusterID: 2,
    numFailures: 1,
    lastFailure: 10,
    lastError: 'etcd down',
    servicesRevoked: false,
  });
});
