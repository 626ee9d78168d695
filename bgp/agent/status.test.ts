import { describe, expect, test } from 'vitest';
import type { PeerStatus } from '../speaker/index.js';
import { decideWrite, nodeConfigStatus, reconcileCondition, rfc3339, type InstanceView } from './status.js';
import type { DesiredInstance } from './types.js';

const desired: DesiredInstance = {
  name: 'i1',
  localAsn: 65001,
  routerId: '192.0.2.1',
  peers: [
    { config: { name: 'p1', address: '127.0.0.2', peerAsn: 65000 }, routes: [] },
    { config: { name: 'p2', address: '127.0.0.3', peerAsn: 0 }, routes: [] },
  ],
};

const established: PeerStatus = {
  name: 'p1',
  address: '127.0.0.2',
  peerAsn: 65000,
  state: 'established',
  appliedHoldTimeSeconds: 9,
  appliedKeepaliveSeconds: 3,
  establishedTime: '2026-11-25T19:00:00.123Z',
  routeCounts: [{ family: 'ipv4', received: 0, advertised: 2 }],
  rejectedRoutes: [],
};

const now = new Date('2026-11-25T19:05:00Z');

describe('nodeConfigStatus', () => {
  test('per peer state, applied timers, established time and counts; unknown for peers the speaker lacks', () => {
    const view: InstanceView = { desired, peers: [established, { ...established, name: 'p2', address: '127.0.0.3', state: 'opensent', routeCounts: [] }] };
    const cond = reconcileCondition([], undefined, now);
    expect(nodeConfigStatus([view], cond)).toEqual({
      bgpInstances: [
        {
          name: 'i1',
          localASN: 65001,
          peers: [
            {
              name: 'p1', peerAddress: '127.0.0.2', peerASN: 65000, peeringState: 'established',
              timers: { appliedHoldTimeSeconds: 9, appliedKeepaliveSeconds: 3 },
              establishedTime: '2026-11-25T19:00:00Z',
              routeCount: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 2 }],
            },
            { name: 'p2', peerAddress: '127.0.0.3', peerASN: 65000, peeringState: 'open_sent', routeCount: [] },
          ],
        },
      ],
      conditions: [
        { type: 'cilium.io/BGPReconcileError', status: 'False', reason: 'BGPReconcileSucceeded', message: 'BGP configuration reconciled', lastTransitionTime: '2026-11-25T19:05:00Z' },
      ],
    });
    const none = nodeConfigStatus([{ desired, peers: [] }], cond);
    expect(none.bgpInstances[0]!.peers.map((p) => p.peeringState)).toEqual(['unknown', 'unknown']);
  });
});

describe('reconcileCondition', () => {
  test('errors make it True with every message; the transition time only moves on a status change', () => {
    const ok = reconcileCondition([], undefined, now);
    const later = new Date('2026-11-25T19:06:00Z');
    expect(reconcileCondition([], ok, later).lastTransitionTime).toBe('2026-11-25T19:05:00Z');
    const bad = reconcileCondition(['a is wrong', 'b is wrong'], ok, later, 3);
    expect(bad).toEqual({
      type: 'cilium.io/BGPReconcileError', status: 'True', reason: 'BGPReconcileError',
      message: 'a is wrong; b is wrong', lastTransitionTime: '2026-11-25T19:06:00Z', observedGeneration: 3,
    });
  });
});

describe('decideWrite', () => {
  const cond = reconcileCondition([], undefined, now);
  const base = nodeConfigStatus([{ desired, peers: [established] }], cond);
  const moreRoutes = nodeConfigStatus([{ desired, peers: [{ ...established, routeCounts: [{ family: 'ipv4', received: 0, advertised: 3 }] }] }], cond);
  const down = nodeConfigStatus([{ desired, peers: [{ ...established, state: 'active' }] }], cond);

  test.each([
    ['first status', moreRoutes, undefined, 0, { write: 'now' }],
    ['unchanged', base, base, 0, { write: 'no' }],
    ['state change right after a write', down, base, 4_000, { write: 'now' }],
    ['counter change right after a write', moreRoutes, base, 4_000, { write: 'later', inMs: 1_000 }],
    ['counter change after the interval', moreRoutes, base, 5_000, { write: 'now' }],
  ] as const)('%s', (_n, next, last, at, want) => {
    expect(decideWrite(next, last, 0, at, 5_000)).toEqual(want);
  });

  test('rfc3339 drops fractions', () => {
    expect(rfc3339('2026-01-02T03:04:05.999Z')).toBe('2026-01-02T03:04:05Z');
  });
});
