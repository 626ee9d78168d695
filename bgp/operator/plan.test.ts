import { describe, expect, test } from 'vitest';
import { nodeConfigSpec, peerConfigSpec } from '../api/index.js';
import type { DesiredObject, OwnerRef } from './desired.js';
import { canonical, mergeConditions, planObjects, type ExistingObject } from './plan.js';

const owner: OwnerRef = { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', name: 'cc', uid: 'u1' };
const spec = { bgpInstances: [{ name: 'i', localASN: 65001, routerID: '10.0.0.1', peers: [{ name: 'p', peerAddress: '10.0.0.2', peerASN: 0, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'pc' } }] }] };
const desired = (name: string, s: object = spec): DesiredObject<object> => ({ name, owner, labels: {}, spec: s });
const existing = (name: string, s: unknown = spec, refs: Partial<OwnerRef>[] = [owner]): ExistingObject => ({ metadata: { name, resourceVersion: '7', ownerReferences: refs }, spec: s });
const ours = (o: ExistingObject): boolean => (o.metadata.ownerReferences ?? []).some((r) => r.kind === 'CiliumBGPClusterConfig');

function plan(d: DesiredObject<object>[], e: ExistingObject[]) {
  return planObjects({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfig', specSchema: nodeConfigSpec, desired: new Map(d.map((x) => [x.name, x])), existing: e, ours });
}

describe('planObjects', () => {
  test('creates what is missing with the owner reference, leaves equal objects alone', () => {
    const p = plan([desired('a'), desired('b')], [existing('b')]);
    expect(p.creates).toEqual([{ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfig', metadata: { name: 'a', labels: {}, ownerReferences: [{ ...owner, controller: true }] }, spec }]);
    expect(p.updates).toEqual([]);
    expect(p.deletes).toEqual([]);
  });

  test('a changed spec or a different owner is replaced with the cached resourceVersion', () => {
    const changed = { bgpInstances: [{ ...spec.bgpInstances[0], localPort: 179 }] };
    const p = plan([desired('a', changed), desired('b')], [existing('a'), existing('b', spec, [{ ...owner, uid: 'old' }])]);
    expect(p.updates.map((u) => [u.metadata?.name, u.metadata?.resourceVersion])).toEqual([['a', '7'], ['b', '7']]);
    expect(p.updates[0]!.spec).toEqual(changed);
  });

  test('defaults the server filled in are not a difference', () => {
    const noDefaults = { bgpInstances: [{ name: 'i', localASN: 65001, routerID: '10.0.0.1', peers: [{ name: 'p', peerAddress: '10.0.0.2', peerASN: 0, peerConfigRef: { name: 'pc' } }] }] };
    expect(plan([desired('a')], [existing('a', noDefaults)]).updates).toEqual([]);
    const pc = planObjects({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', specSchema: peerConfigSpec, desired: new Map([['x', { name: 'x', owner, labels: {}, spec: {} }]]), existing: [existing('x', { transport: { peerPort: 179 }, ebgpMultihop: 1 })], ours });
    expect(pc.updates).toEqual([]);
  });

  test('objects that are gone from the desired set are deleted only when ours', () => {
    const p = plan([], [existing('mine'), existing('users', spec, [])]);
    expect(p.deletes).toEqual(['mine']);
  });

  test('canonical ignores key order and undefined members', () => {
    expect(canonical({ b: 1, a: [{ y: 2, x: undefined, z: 3 }] })).toBe(canonical({ a: [{ z: 3, y: 2 }], b: 1 }));
    expect(canonical({ a: [1, 2] })).not.toBe(canonical({ a: [2, 1] }));
  });
});

describe('mergeConditions', () => {
  const draft = { type: 'cilium.io/NoMatchingNode', status: 'True' as const, reason: 'NoMatchingNode', message: 'none' };

  test('adds a new condition with the time now; keeps foreign ones', () => {
    const foreign = { type: 'other', status: 'True' };
    expect(mergeConditions([foreign], [draft], 'T1')).toEqual([foreign, { ...draft, lastTransitionTime: 'T1' }]);
  });

  test('unchanged → nothing to write', () => {
    expect(mergeConditions([{ ...draft, lastTransitionTime: 'T0' }], [draft], 'T1')).toBeUndefined();
  });

  test('message change keeps the transition time, status change moves it', () => {
    expect(mergeConditions([{ ...draft, lastTransitionTime: 'T0' }], [{ ...draft, message: 'x' }], 'T1')).toEqual([{ ...draft, message: 'x', lastTransitionTime: 'T0' }]);
    expect(mergeConditions([{ ...draft, lastTransitionTime: 'T0' }], [{ ...draft, status: 'False' }], 'T1')).toEqual([{ ...draft, status: 'False', lastTransitionTime: 'T1' }]);
  });
});
