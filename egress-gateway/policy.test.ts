import { describe, expect, test } from 'vitest';
import { parseEgressPolicy } from './policy.js';

function policy(spec: Record<string, unknown>, name = 'p'): unknown {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumEgressGatewayPolicy',
    metadata: { name },
    spec: {
      selectors: [{ podSelector: { matchLabels: { app: 'a' } } }],
      destinationCIDRs: ['0.0.0.0/0'],
      egressGateway: { nodeSelector: { matchLabels: { egress: 'true' } } },
      ...spec,
    },
  };
}

describe('valid policies', () => {
  test('a single gateway with an interface', () => {
    const r = parseEgressPolicy(
      policy({ excludedCIDRs: ['10.0.0.0/8'], egressGateway: { nodeSelector: { matchLabels: { egress: 'true' } }, interface: 'eth1' } }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name).toBe('p');
    expect(r.value.destinations).toEqual([{ network: 0, prefixLen: 0 }]);
    expect(r.value.excluded).toEqual([{ network: 0x0a000000, prefixLen: 8 }]);
    expect(r.value.gateways).toHaveLength(1);
    expect(r.value.gateways[0]?.egress).toEqual({ kind: 'interface', name: 'eth1' });
  });

  test.each([
    [{ egressIP: '192.0.2.10' }, { kind: 'egressIP', ip: '192.0.2.10' }],
    [{}, { kind: 'defaultRoute' }],
    [{ interface: '', egressIP: '' }, { kind: 'defaultRoute' }],
  ])('egress source %j → %j', (extra, want) => {
    const r = parseEgressPolicy(policy({ egressGateway: { nodeSelector: {}, ...extra } }));
    expect(r.ok && r.value.gateways[0]?.egress).toEqual(want);
  });

  test('egressGateways[] gives one config per entry, in order', () => {
    const r = parseEgressPolicy(
      policy({
        egressGateway: undefined,
        egressGateways: [
          { nodeSelector: { matchLabels: { zone: 'a' } }, egressIP: '192.0.2.1' },
          { nodeSelector: { matchLabels: { zone: 'b' } }, interface: 'eth0' },
        ],
      }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.gateways.map((g) => g.egress.kind)).toEqual(['egressIP', 'interface']);
  });

  test('a selector with only a namespaceSelector selects every pod there', () => {
    const r = parseEgressPolicy(policy({ selectors: [{ namespaceSelector: { matchLabels: { team: 'x' } } }] }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.selectors[0]?.podSelector.requirements).toEqual([]);
  });
});

describe('bad input is rejected with a reason, never thrown', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['invalid destination CIDR', { destinationCIDRs: ['10.0.0.0/40'] }, 'spec.destinationCIDRs[0]: invalid CIDR "10.0.0.0/40"'],
    ['invalid excluded CIDR', { excludedCIDRs: ['nope'] }, 'spec.excludedCIDRs[0]: invalid CIDR "nope"'],
    ['no destinations', { destinationCIDRs: [] }, 'spec.destinationCIDRs: at least one CIDR is required'],
    ['empty selectors', { selectors: [] }, 'spec.selectors: at least one selector is required'],
    ['absent selectors', { selectors: undefined }, 'spec.selectors: at least one selector is required'],
    ['a selector with neither half', { selectors: [{}] }, 'spec.selectors[0]: needs a namespaceSelector or a podSelector'],
    ['bad label selector', { selectors: [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }] }, 'spec.selectors[0].podSelector'],
    [
      'both interface and egressIP',
      { egressGateway: { nodeSelector: {}, interface: 'eth0', egressIP: '192.0.2.1' } },
      'spec.egressGateway: interface and egressIP are mutually exclusive',
    ],
    ['egressIP not IPv4', { egressGateway: { nodeSelector: {}, egressIP: 'fe80::1' } }, 'spec.egressGateway.egressIP: "fe80::1" is not an IPv4 address'],
    ['no nodeSelector', { egressGateway: { interface: 'eth0' } }, 'spec.egressGateway.nodeSelector: required'],
    ['no gateway at all', { egressGateway: undefined }, 'spec: needs egressGateway or a non-empty egressGateways'],
    [
      'both gateway forms',
      { egressGateways: [{ nodeSelector: {} }] },
      'spec: egressGateway and egressGateways are mutually exclusive',
    ],
    ['a wrongly typed field', { destinationCIDRs: '10.0.0.0/8' }, 'destinationCIDRs'],
  ])('%s', (_what, spec, message) => {
    const r = parseEgressPolicy(policy(spec, 'bad'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.name).toBe('bad');
    expect(r.error.reason).toBe('InvalidSpec');
    expect(r.error.errors.join('\n')).toContain(message);
  });

  test('every problem is reported, not just the first', () => {
    const r = parseEgressPolicy(policy({ selectors: [], destinationCIDRs: ['x'], excludedCIDRs: ['y'] }));
    expect(!r.ok && r.error.errors).toHaveLength(3);
  });

  test.each([null, 42, 'text', {}, { metadata: {} }, { metadata: { name: 'n' } }])('%j is refused', (raw) => {
    const r = parseEgressPolicy(raw);
    expect(r.ok).toBe(false);
  });
});
