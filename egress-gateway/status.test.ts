import { describe, expect, test } from 'vitest';
import { parseEgressPolicy } from './policy.js';
import { conditionPatch, validSpecCondition } from './status.js';

const spec = {
  selectors: [{ podSelector: {} }],
  destinationCIDRs: ['0.0.0.0/0'],
  egressGateway: { nodeSelector: {} },
};

test('a valid policy gets ValidSpec True', () => {
  expect(validSpecCondition(parseEgressPolicy({ metadata: { name: 'p' }, spec }))).toEqual({
    type: 'cilium.io/ValidSpec',
    status: 'True',
    reason: 'Valid',
    message: 'policy is valid',
  });
});

test('a rejected policy gets ValidSpec False with every reason in the message', () => {
  const bad = { ...spec, destinationCIDRs: ['1.2.3.4/40'], egressGateway: { nodeSelector: {}, interface: 'eth0', egressIP: '192.0.2.1' } };
  expect(validSpecCondition(parseEgressPolicy({ metadata: { name: 'p' }, spec: bad }))).toEqual({
    type: 'cilium.io/ValidSpec',
    status: 'False',
    reason: 'InvalidSpec',
    message:
      'spec.destinationCIDRs[0]: invalid CIDR "1.2.3.4/40": prefix length must be 0..32; ' +
      'spec.egressGateway: interface and egressIP are mutually exclusive, set at most one',
  });
});

describe('conditionPatch', () => {
  const valid = validSpecCondition(parseEgressPolicy({ metadata: { name: 'p' }, spec }));
  const invalid = { type: 'cilium.io/ValidSpec', status: 'False' as const, reason: 'InvalidSpec', message: 'bad' };

  test('no condition yet: written with the time and generation', () => {
    expect(conditionPatch([], valid, 2, 'T1')).toEqual({
      status: { conditions: [{ ...valid, lastTransitionTime: 'T1', observedGeneration: 2 }], observedGeneration: 2 },
    });
  });

  test('the same condition for the same generation: nothing to write', () => {
    expect(conditionPatch([{ ...valid, lastTransitionTime: 'T1', observedGeneration: 2 }], valid, 2, 'T2')).toBeUndefined();
  });

  test('a new generation with the same status keeps the transition time', () => {
    const p = conditionPatch([{ ...valid, lastTransitionTime: 'T1', observedGeneration: 2 }], valid, 3, 'T2');
    expect(p?.status.conditions).toEqual([{ ...valid, lastTransitionTime: 'T1', observedGeneration: 3 }]);
  });

  test('a flip moves the transition time; other condition types are kept', () => {
    const other = { type: 'example.com/Other', status: 'True', reason: 'X', message: 'x', lastTransitionTime: 'T0' };
    const p = conditionPatch([other, { ...valid, lastTransitionTime: 'T1', observedGeneration: 2 }], invalid, 3, 'T2');
    expect(p?.status.conditions).toEqual([other, { ...invalid, lastTransitionTime: 'T2', observedGeneration: 3 }]);
  });

  test('garbage in stored conditions is dropped, not a crash', () => {
    expect(conditionPatch([null, 7, { no: 'type' }], valid, undefined, 'T1')?.status.conditions).toEqual([{ ...valid, lastTransitionTime: 'T1' }]);
  });
});
