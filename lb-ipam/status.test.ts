import { describe, expect, test } from 'vitest';
import type { Condition } from './desired.js';
import { mergeConditions, poolStatusPatch, serviceStatusPatch } from './status.js';

const T = 'cilium.io/IPAMRequestSatisfied';
const sat: Condition = { type: T, status: 'True', reason: 'satisfied', message: '', observedGeneration: 1 };
const foreign = { type: 'example.com/Other', status: 'True', reason: 'x', message: '', lastTransitionTime: 'then' };

describe('status patches', () => {
  test('nothing to write when the object already says it', () => {
    const current = [{ ...sat, lastTransitionTime: 'earlier' }];
    expect(serviceStatusPatch(['198.51.100.1'], current, { ingress: ['198.51.100.1'], condition: sat }, T, 'now')).toBeUndefined();
  });

  test('a new address and condition, keeping a foreign condition', () => {
    expect(serviceStatusPatch([], [foreign], { ingress: ['198.51.100.1'], condition: sat }, T, 'now')).toEqual({
      status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] }, conditions: [foreign, { ...sat, lastTransitionTime: 'now' }] },
    });
  });

  test('lastTransitionTime moves only with the status', () => {
    const had = [{ ...sat, status: 'False', reason: 'no_pool', message: 'm', lastTransitionTime: 'earlier' }];
    const stillFalse: Condition = { ...sat, status: 'False', reason: 'out_of_ips', message: 'n' };
    expect(mergeConditions(had, [stillFalse], [T], 'now')).toEqual([{ ...stillFalse, lastTransitionTime: 'earlier' }]);
    expect(mergeConditions(had, [sat], [T], 'now')).toEqual([{ ...sat, lastTransitionTime: 'now' }]);
  });

  test('leaving LB-IPAM clears ingress and our condition only', () => {
    expect(serviceStatusPatch(['198.51.100.1'], [foreign, { ...sat, lastTransitionTime: 'x' }], { ingress: [] }, T, 'now')).toEqual({
      status: { loadBalancer: { ingress: null }, conditions: [foreign] },
    });
    expect(serviceStatusPatch(['198.51.100.1'], [{ ...sat, lastTransitionTime: 'x' }], { ingress: [] }, T, 'now')).toEqual({
      status: { loadBalancer: { ingress: null }, conditions: null },
    });
  });

  test('pool: owned conditions that are no longer wanted go away', () => {
    const invalid = { type: 'lbipam.meshlb.io/PoolInvalid', status: 'True', reason: 'invalid_spec', message: 'm', observedGeneration: 1, lastTransitionTime: 'x' };
    const total: Condition = { type: 'cilium.io/IPsTotal', status: 'Unknown', reason: 'noreason', message: '8', observedGeneration: 2 };
    expect(poolStatusPatch([invalid], [total], ['cilium.io/IPsTotal', 'lbipam.meshlb.io/PoolInvalid'], 'now')).toEqual({
      status: { conditions: [{ ...total, lastTransitionTime: 'now' }] },
    });
  });
});
