/**
 * Bad input never crashes anything: policies with invalid CIDRs, both interface and egressIP,
 * or an empty selector get `cilium.io/ValidSpec: False` (written by the operator's status
 * controller, read back with kubectl), are ignored by the agents, and the valid policy beside
 * them keeps working. The agent's status API and metrics say what it did.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import { createEgressStatusController } from '../../egress-gateway/status-controller.js';
import { createLogger, silentLogger } from '../../lib/log.js';
import type { Module } from '../../lib/module.js';
import { eventually, policyYaml, withEgressWorld, type TestNode } from './harness.js';

const w = withEgressWorld();
let node: TestNode;
let status: Module | undefined;
const abort = new AbortController();
const logs: string[] = [];

const GOOD = {
  selectors: [{ podSelector: { matchLabels: { app: 'a' } } }],
  destinationCIDRs: ['203.0.113.0/24'],
  egressGateway: { nodeSelector: { matchLabels: { egress: 'true' } } },
};

const BAD: Record<string, [Record<string, unknown>, RegExp]> = {
  'bad-cidr': [{ ...GOOD, destinationCIDRs: ['203.0.113.0/33', '198.51.100.7/24'] }, /destinationCIDRs\[0\].*prefix length.*destinationCIDRs\[1\]/],
  'both-egress': [{ ...GOOD, egressGateway: { nodeSelector: {}, interface: 'eth1', egressIP: '198.51.100.1' } }, /interface and egressIP are mutually exclusive/],
  'empty-selector': [{ ...GOOD, selectors: [{}] }, /selectors\[0\]: needs a namespaceSelector or a podSelector/],
  'no-selectors': [{ ...GOOD, selectors: [] }, /at least one selector is required/],
};

interface Condition { type: string; status: string; reason: string; message: string; lastTransitionTime: string }

async function validSpec(name: string): Promise<Condition | undefined> {
  const r = await w.kubectl(['get', 'ciliumegressgatewaypolicies', name, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  const conds = (JSON.parse(r.stdout) as { status?: { conditions?: Condition[] } }).status?.conditions ?? [];
  return conds.find((c) => c.type === 'cilium.io/ValidSpec');
}

beforeAll(async () => {
  await w.addNode('worker', '192.168.0.2');
  await w.addNode('gw-a', '192.168.0.10', { egress: 'true' });
  await w.addPod('p1', '10.0.1.5');
  status = createEgressStatusController({ kc: w.h.kc, registry: new Registry(), logger: silentLogger, debounceMs: 5 });
  await status.start(abort.signal);
  node = await w.startNode('worker', { log: createLogger({}, (l) => logs.push(l), 'info') });
  await w.apply(policyYaml('good', GOOD), ...Object.entries(BAD).map(([name, [spec]]) => policyYaml(name, spec)));
});

afterAll(async () => {
  abort.abort();
  await status?.stop();
});

describe('bad policies', () => {
  test.each(Object.keys(BAD))('%s gets ValidSpec False with the reason, seen by kubectl', async (name) => {
    const c = await eventually(async () => {
      const got = await validSpec(name);
      expect(got?.status).toBe('False');
      return got;
    });
    expect(c?.reason).toBe('InvalidSpec');
    expect(c?.message).toMatch(BAD[name]![1]);
  });

  test('the valid policy gets ValidSpec True and its entry is programmed', async () => {
    await eventually(async () => expect((await validSpec('good'))?.status).toBe('True'));
    await eventually(async () => {
      expect((await node.mapEntries()).map((e) => [e.key.sourceIp, `${e.key.destination}/${e.key.destinationPrefixLen}`, e.value.gatewayIp])).toEqual([
        ['10.0.1.5', '203.0.113.0/24', '192.168.0.10'],
      ]);
    });
  });

  test('the agent stays healthy, lists each policy with its verdict, and counts and logs the rejections', async () => {
    const health = (await (await fetch(`${node.agent.statusUrl}/readyz`)).json()) as { modules: { name: string; healthy: boolean; ready: boolean }[] };
    expect(health.modules.find((m) => m.name === 'egress-gateway')).toMatchObject({ healthy: true, ready: true });
    const policies = (await (await fetch(`${node.agent.statusUrl}/v1/egress/policies`)).json()) as { name: string; valid: boolean; errors: string[] }[];
    expect(policies.map((p) => [p.name, p.valid])).toEqual([
      ['bad-cidr', false], ['both-egress', false], ['empty-selector', false], ['good', true], ['no-selectors', false],
    ]);
    const metrics = await (await fetch(`${node.agent.statusUrl}/metrics`)).text();
    expect(metrics).toMatch(/meshlb_egress_gateway_policies\{valid="false"[^}]*\} 4\n/);
    expect(metrics).toMatch(/meshlb_egress_gateway_rejected_objects_total\{kind="policy"[^}]*\} 4\n/);
    expect(logs.filter((l) => l.includes('egress gateway policy rejected'))).toHaveLength(4);
  });

  test('GET /v1/egress lists the map as `bpf egress list` rows', async () => {
    expect(await (await fetch(`${node.agent.statusUrl}/v1/egress`)).json()).toEqual([
      { sourceIP: '10.0.1.5', destinationCIDR: '203.0.113.0/24', egressIP: '0.0.0.0', gatewayIP: '192.168.0.10' },
    ]);
  });

  test('fixing a policy flips its condition to True and its entries appear', async () => {
    await w.apply(policyYaml('bad-cidr', { ...GOOD, destinationCIDRs: ['198.51.100.0/24'] }));
    await eventually(async () => expect((await validSpec('bad-cidr'))?.status).toBe('True'));
    await eventually(async () => expect((await node.mapEntries()).map((e) => e.key.destination).sort()).toEqual(['198.51.100.0', '203.0.113.0']));
  });

  test('a malformed pod (IP that is not an address) is skipped, the rest carries on', async () => {
    await w.addPod('weird', 'not-an-ip');
    await w.addPod('p2', '10.0.1.6');
    await eventually(async () => expect(new Set((await node.mapEntries()).map((e) => e.key.sourceIp))).toEqual(new Set(['10.0.1.5', '10.0.1.6'])));
  });
});
