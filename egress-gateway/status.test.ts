import { expect, test } from 'vitest';
import { parseEgressPolicy } from './policy.js';
import { validSpecCondition } from './status.js';

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
