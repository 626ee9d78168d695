import { describe, expect, test } from 'vitest';
import { egressPolicyKey } from '../datapath/layouts/egress.js';
import { decide, type Inputs } from './desired.js';
import { node, pod, policy } from './test-fixtures.js';

const GW = { egress: 'true' };

function inputs(over: Partial<Inputs>): Inputs {
  return {
    localNode: 'worker',
    policies: [policy('p')],
    pods: [pod('a1', ['10.0.1.5'])],
    namespaces: [{ name: 'default', labels: {} }],
    nodes: [node('worker', '192.168.0.2'), node('gw-b', '192.168.0.11', GW), node('gw-a', '192.168.0.10', GW)],
    ...over,
  };
}

/** The outcome's entries as "src dst/len → egress gateway" lines, easy to compare as a table. */
function lines(i: Inputs): string[] {
  return [...decide(i).entries.values()].map(
    (e) => `${e.key.sourceIp} ${e.key.destination}/${e.key.destinationPrefixLen} → ${e.value.egressIp} ${e.value.gatewayIp}`,
  );
}

describe('entries on a node that is not the gateway', () => {
  test('one entry per (pod IP, destination), egress 0.0.0.0, gateway = first matching node by name', () => {
    const i = inputs({
      policies: [policy('p', { destinationCIDRs: ['203.0.113.0/24', '198.51.100.7/32'] })],
      pods: [pod('a1', ['10.0.1.5']), pod('a2', ['10.0.2.9', 'fd00::9']), pod('other', ['10.0.3.1'], { app: 'b' })],
    });
    expect(lines(i)).toEqual([
      '10.0.1.5 203.0.113.0/24 → 0.0.0.0 192.168.0.10',
      '10.0.1.5 198.51.100.7/32 → 0.0.0.0 192.168.0.10',
      '10.0.2.9 203.0.113.0/24 → 0.0.0.0 192.168.0.10',
      '10.0.2.9 198.51.100.7/32 → 0.0.0.0 192.168.0.10',
    ]);
    expect(decide(i).policies.get('p')).toEqual({ gateways: ['gw-a'], selectedPods: 2, shadowedEntries: 0, problems: [] });
  });

  test('the key encodes prefixlen = 32 + destination bits', () => {
    const [entry] = decide(inputs({})).entries.values();
    if (entry === undefined) throw new Error('no entry');
    expect(egressPolicyKey.encode(entry.key).toString('hex')).toBe('38000000' + '0a000105' + 'cb007100');
  });

  test.each<[string, Partial<Inputs>, string]>([
    ['not-ready gateway skipped', { nodes: [node('gw-a', '192.168.0.10', GW, { ready: false }), node('gw-b', '192.168.0.11', GW)] }, '192.168.0.11'],
    ['gateway without IPv4 skipped', { nodes: [node('gw-a', '', GW), node('gw-b', '192.168.0.11', GW)] }, '192.168.0.11'],
    ['label lost → next by name', { nodes: [node('gw-a', '192.168.0.10'), node('gw-b', '192.168.0.11', GW)] }, '192.168.0.11'],
    ['gateway deleted → next by name', { nodes: [node('gw-b', '192.168.0.11', GW), node('gw-c', '192.168.0.12', GW)] }, '192.168.0.11'],
    ['no matching node → 0.0.0.0 (drop)', { nodes: [node('worker', '192.168.0.2')] }, '0.0.0.0'],
  ])('%s', (_what, over, gatewayIp) => {
    const [entry] = decide(inputs(over)).entries.values();
    expect(entry?.value).toEqual({ egressIp: '0.0.0.0', gatewayIp });
  });

  test('no matching gateway node is reported on the policy', () => {
    expect(decide(inputs({ nodes: [] })).policies.get('p')?.problems).toEqual([
      'no node matches the gateway node selector: matching traffic is dropped',
    ]);
  });
});

describe('egress IP on the gateway node itself', () => {
  const ifaces = {
    interfaces: [
      { name: 'eth0', addresses: ['192.168.0.10'] },
      { name: 'eth1', addresses: ['fd00::10', '198.51.100.20', '198.51.100.21'] },
      { name: 'eth2', addresses: ['fd00::11'] },
    ],
    defaultRouteInterface: 'eth0',
  };
  const gw = node('gw-a', '192.168.0.10', GW, ifaces);

  test.each<[string, Record<string, unknown>, string, string[]]>([
    ['given egressIP present on the node', { egressIP: '198.51.100.21' }, '198.51.100.21', []],
    ['given egressIP not on the node', { egressIP: '198.51.100.99' }, '0.0.0.0', ['egressIP 198.51.100.99 is not assigned to any interface on node gw-a']],
    ["interface's first IPv4", { interface: 'eth1' }, '198.51.100.20', []],
    ["default-route device's address", {}, '192.168.0.10', []],
    ['interface without IPv4', { interface: 'eth2' }, '0.0.0.0', ['interface eth2 on node gw-a has no IPv4 address']],
    ['interface missing', { interface: 'eth9' }, '0.0.0.0', ['interface eth9 not found on node gw-a']],
  ])('%s', (_what, source, egressIp, problems) => {
    const i = inputs({
      localNode: 'gw-a',
      nodes: [gw],
      policies: [policy('p', { egressGateway: { nodeSelector: { matchLabels: GW }, ...source } })],
    });
    const [entry] = decide(i).entries.values();
    expect(entry?.value).toEqual({ egressIp, gatewayIp: '192.168.0.10' });
    expect(decide(i).policies.get('p')?.problems).toEqual(problems);
  });

  test('no default route on the gateway is a problem, not a crash', () => {
    const i = inputs({ localNode: 'gw-a', nodes: [node('gw-a', '192.168.0.10', GW)] });
    expect(decide(i).policies.get('p')?.problems).toEqual(['node gw-a has no default route to take the egress IP from']);
  });
});

describe('excluded CIDRs', () => {
  test('each excluded CIDR inside a destination gets its own entry marked 0.0.0.1', () => {
    const i = inputs({
      localNode: 'gw-a',
      nodes: [node('gw-a', '192.168.0.10', GW, { interfaces: [{ name: 'eth0', addresses: ['192.168.0.10'] }], defaultRouteInterface: 'eth0' })],
      policies: [policy('p', { destinationCIDRs: ['0.0.0.0/0'], excludedCIDRs: ['10.0.0.0/8', '10.9.0.0/16'] })],
    });
    expect(lines(i)).toEqual([
      '10.0.1.5 10.0.0.0/8 → 192.168.0.10 0.0.0.1',
      '10.0.1.5 10.9.0.0/16 → 192.168.0.10 0.0.0.1',
      '10.0.1.5 0.0.0.0/0 → 192.168.0.10 192.168.0.10',
    ]);
  });

  test('an excluded CIDR outside every destination gets no entry', () => {
    const i = inputs({ policies: [policy('p', { excludedCIDRs: ['10.0.0.0/8'] })] });
    expect(lines(i)).toEqual(['10.0.1.5 203.0.113.0/24 → 0.0.0.0 192.168.0.10']);
  });

  test('an excluded CIDR equal to a destination stays excluded', () => {
    const i = inputs({ policies: [policy('p', { excludedCIDRs: ['203.0.113.0/24'] })] });
    expect(lines(i)).toEqual(['10.0.1.5 203.0.113.0/24 → 0.0.0.0 0.0.0.1']);
    expect(decide(i).policies.get('p')?.shadowedEntries).toBe(0);
  });
});

describe('pod selection', () => {
  const namespaces = [
    { name: 'team-x', labels: { team: 'x' } },
    { name: 'team-y', labels: { team: 'y' } },
  ];
  const pods = [pod('x1', ['10.0.0.1'], { app: 'a' }, 'team-x'), pod('y1', ['10.0.0.2'], { app: 'a' }, 'team-y'), pod('x2', ['10.0.0.3'], { app: 'b' }, 'team-x')];

  test.each<[string, unknown[], string[]]>([
    ['namespace selector only', [{ namespaceSelector: { matchLabels: { team: 'x' } } }], ['10.0.0.1', '10.0.0.3']],
    ['namespace and pod selector', [{ namespaceSelector: { matchLabels: { team: 'x' } }, podSelector: { matchLabels: { app: 'a' } } }], ['10.0.0.1']],
    ['namespace pseudo-label on the pod', [{ podSelector: { matchLabels: { 'io.kubernetes.pod.namespace': 'team-y' } } }], ['10.0.0.2']],
    ['selectors are ORed', [{ podSelector: { matchLabels: { app: 'b' } } }, { namespaceSelector: { matchLabels: { team: 'y' } } }], ['10.0.0.2', '10.0.0.3']],
    ['empty pod selector selects all', [{ podSelector: {} }], ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
  ])('%s', (_what, selectors, sources) => {
    const out = decide(inputs({ namespaces, pods, policies: [policy('p', { selectors })] }));
    expect([...out.entries.values()].map((e) => e.key.sourceIp)).toEqual(sources);
  });

  test('host-network pods are never selected', () => {
    const out = decide(inputs({ pods: [{ ...pod('h', ['192.168.0.2']), hostNetwork: true }] }));
    expect(out.entries.size).toBe(0);
  });
});

describe('overlapping policies', () => {
  const a = policy('a-first', { egressGateway: { nodeSelector: { matchLabels: { pick: 'a' } } } });
  const b = policy('b-second', { egressGateway: { nodeSelector: { matchLabels: { pick: 'b' } } }, destinationCIDRs: ['203.0.113.0/24', '198.51.100.0/24'] });
  const nodes = [node('n-a', '192.168.0.10', { pick: 'a' }), node('n-b', '192.168.0.11', { pick: 'b' })];

  test.each([
    ['a then b', [a, b]],
    ['b then a', [b, a]],
  ])('policy name order decides, whatever the input order (%s)', (_what, policies) => {
    const out = decide(inputs({ policies, nodes }));
    expect(lines(inputs({ policies, nodes }))).toEqual([
      '10.0.1.5 203.0.113.0/24 → 0.0.0.0 192.168.0.10',
      '10.0.1.5 198.51.100.0/24 → 0.0.0.0 192.168.0.11',
    ]);
    expect(out.policies.get('b-second')?.shadowedEntries).toBe(1);
    expect(out.policies.get('a-first')?.shadowedEntries).toBe(0);
  });
});
