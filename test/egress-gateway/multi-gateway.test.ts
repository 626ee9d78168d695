/**
 * Several gateways (`egressGateways[]`): pods are spread evenly over them, and the assignment
 * is stable: a gateway that has nothing to do with the policy changes no pod's gateway, and a
 * gateway added to the policy takes pods only for itself. Two agents (a worker and a gateway)
 * must agree on every pod's gateway.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { eventually, gatewaysFor, policyYaml, withEgressWorld, type TestNode } from './harness.js';

const w = withEgressWorld();
const POD_COUNT = 60;
const podIps = Array.from({ length: POD_COUNT }, (_, i) => `10.0.${1 + (i >> 4)}.${10 + (i & 15)}`);
const GATEWAY_IPS = { 'gw-a': '192.168.0.10', 'gw-b': '192.168.0.11', 'gw-c': '192.168.0.12' };
let nodes: TestNode[] = [];

function spec(zones: readonly string[]): Record<string, unknown> {
  return {
    selectors: [{ podSelector: { matchLabels: { app: 'a' } } }],
    destinationCIDRs: ['203.0.113.0/24'],
    egressGateways: zones.map((zone) => ({ nodeSelector: { matchLabels: { zone } } })),
  };
}

/** The pod → gateway IP assignment; every node must hold the same one. */
async function assignment(): Promise<Record<string, string>> {
  const seen = await Promise.all(nodes.map(async (n) => gatewaysFor(await n.mapEntries(), '203.0.113.0/24')));
  for (const s of seen.slice(1)) expect(s).toEqual(seen[0]);
  expect(Object.keys(seen[0] ?? {})).toHaveLength(POD_COUNT);
  return seen[0] ?? {};
}

function counts(a: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const gw of Object.values(a)) out[gw] = (out[gw] ?? 0) + 1;
  return out;
}

beforeAll(async () => {
  await w.addNode('worker', '192.168.0.2');
  await w.addNode('gw-a', GATEWAY_IPS['gw-a'], { zone: 'a' });
  await w.addNode('gw-b', GATEWAY_IPS['gw-b'], { zone: 'b' });
  for (const [i, ip] of podIps.entries()) await w.addPod(`p${i}`, ip);
  nodes = [
    await w.startNode('worker'),
    await w.startNode('gw-a', { host: { interfaces: [{ name: 'eth0', addresses: [GATEWAY_IPS['gw-a']] }], defaultRouteInterface: 'eth0' } }),
  ];
  await w.apply(policyYaml('spread', spec(['a', 'b', 'c'])));
  await eventually(async () => expect(Object.keys(counts(await assignment())).sort()).toEqual([GATEWAY_IPS['gw-a'], GATEWAY_IPS['gw-b']]));
}, 120_000);

describe('several gateways', () => {
  test('pods are spread evenly over the two gateways (each gets 60/2 ± 1/3)', async () => {
    for (const n of Object.values(counts(await assignment()))) {
      expect(n).toBeGreaterThanOrEqual(20);
      expect(n).toBeLessThanOrEqual(40);
    }
  });

  test('on the gateway itself its own pods carry its egress IP, the others 0.0.0.0', async () => {
    const gw = nodes[1]!;
    for (const e of await gw.mapEntries()) {
      expect(e.value.egressIp).toBe(e.value.gatewayIp === GATEWAY_IPS['gw-a'] ? GATEWAY_IPS['gw-a'] : '0.0.0.0');
    }
  });

  test('an unrelated gateway (another policy\'s zone) changes no pod\'s gateway', async () => {
    const before = await assignment();
    await w.addNode('gw-x', '192.168.0.99', { zone: 'x' });
    await w.apply(policyYaml('other', { ...spec(['x']), selectors: [{ podSelector: { matchLabels: { app: 'other' } } }] }));
    await eventually(async () => expect(nodes[0]!.egress.policies().find((p) => p.name === 'other')?.gateways).toEqual(['gw-x']));
    expect(await assignment()).toEqual(before);
  });

  test('a gateway joining the policy takes pods only for itself, and the spread stays even', async () => {
    const before = await assignment();
    await w.addNode('gw-c', GATEWAY_IPS['gw-c'], { zone: 'c' });
    const after = await eventually(async () => {
      const a = await assignment();
      expect(Object.values(a)).toContain(GATEWAY_IPS['gw-c']);
      return a;
    });
    const moved = Object.keys(after).filter((ip) => after[ip] !== before[ip]);
    expect(moved.every((ip) => after[ip] === GATEWAY_IPS['gw-c'])).toBe(true);
    for (const n of Object.values(counts(after))) {
      expect(n).toBeGreaterThanOrEqual(12);
      expect(n).toBeLessThanOrEqual(28);
    }
  });

  test('a gateway leaving moves only its own pods', async () => {
    const before = await assignment();
    await w.labelNode('gw-b', { zone: null });
    const after = await eventually(async () => {
      const a = await assignment();
      expect(Object.values(a)).not.toContain(GATEWAY_IPS['gw-b']);
      return a;
    });
    const moved = Object.keys(after).filter((ip) => after[ip] !== before[ip]);
    expect(moved.every((ip) => before[ip] === GATEWAY_IPS['gw-b'])).toBe(true);
  });
});
