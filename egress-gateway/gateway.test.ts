import { describe, expect, test } from 'vitest';
import { chooseGateways, gatewayForPod, type Gateway } from './gateway.js';
import { node, policy } from './test-fixtures.js';

function gatewaysNamed(...names: string[]): Gateway[] {
  const configs = policy('p', {
    egressGateway: undefined,
    egressGateways: names.map((n) => ({ nodeSelector: { matchLabels: { 'kubernetes.io/hostname': n } } })),
  }).gateways;
  const nodes = names.map((n, i) => node(n, `192.168.0.${i + 10}`, { 'kubernetes.io/hostname': n }));
  return chooseGateways(configs, nodes);
}

const PODS = Array.from({ length: 3000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

function assignment(gateways: readonly Gateway[]): Map<string, string> {
  return new Map(PODS.map((ip) => [ip, gatewayForPod(ip, gateways)?.node.name ?? '']));
}

describe('chooseGateways', () => {
  test('configs with overlapping selectors take distinct nodes, first by name', () => {
    const configs = policy('p', {
      egressGateway: undefined,
      egressGateways: [{ nodeSelector: { matchLabels: { egress: 'true' } } }, { nodeSelector: { matchLabels: { egress: 'true' } } }],
    }).gateways;
    const nodes = [node('c', '192.168.0.3', { egress: 'true' }), node('a', '192.168.0.1', { egress: 'true' }), node('b', '192.168.0.2', { egress: 'true' })];
    expect(chooseGateways(configs, nodes).map((g) => g.node.name)).toEqual(['a', 'b']);
  });

  test('a config with no matching node contributes no gateway', () => {
    const configs = policy('p').gateways;
    expect(chooseGateways(configs, [node('a', '192.168.0.1')])).toEqual([]);
  });
});

describe('gatewayForPod over several gateways', () => {
  test('no gateway → undefined', () => {
    expect(gatewayForPod('10.0.0.1', [])).toBeUndefined();
  });

  test('deterministic: the same inputs in another order give the same choice', () => {
    const g = gatewaysNamed('gw-1', 'gw-2', 'gw-3');
    expect(assignment([...g].reverse())).toEqual(assignment(g));
  });

  test('pods are spread evenly (each of 3 gateways gets 3000/3 ± 10%)', () => {
    const counts = new Map<string, number>();
    for (const name of assignment(gatewaysNamed('gw-1', 'gw-2', 'gw-3')).values()) counts.set(name, (counts.get(name) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['gw-1', 'gw-2', 'gw-3']);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(900);
      expect(n).toBeLessThan(1100);
    }
  });

  test('adding a gateway moves pods only onto the new gateway', () => {
    const before = assignment(gatewaysNamed('gw-1', 'gw-2', 'gw-3'));
    const after = assignment(gatewaysNamed('gw-1', 'gw-2', 'gw-3', 'gw-4'));
    const moved = PODS.filter((ip) => before.get(ip) !== after.get(ip));
    expect(moved.every((ip) => after.get(ip) === 'gw-4')).toBe(true);
    expect(moved.length).toBeGreaterThan(600);
    expect(moved.length).toBeLessThan(900);
  });

  test('removing a gateway moves only the pods it had', () => {
    const before = assignment(gatewaysNamed('gw-1', 'gw-2', 'gw-3'));
    const after = assignment(gatewaysNamed('gw-1', 'gw-3'));
    const wrong = PODS.filter((ip) =>
      before.get(ip) === 'gw-2' ? after.get(ip) === 'gw-2' : after.get(ip) !== before.get(ip),
    );
    expect(wrong).toEqual([]);
  });
});
