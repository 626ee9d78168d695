/**
 * Entries programmed through the map adapter answer (source, destination) lookups as the
 * datapath would: on pinned BPF LPM tries the kernel answers (`bpftool map lookup`), on the
 * in-memory backend the pure LPM lookup does; both run the same table of expectations.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EgressPolicyValue } from '../../datapath/layouts/egress.js';
import { createMemoryBackend } from '../../datapath/memory-backend.js';
import type { BpfMap, MapBackend } from '../../datapath/maps.js';
import { createPinnedBackend } from '../../datapath/pinned/index.js';
import { decide, type Inputs } from '../../egress-gateway/desired.js';
import { lookupEgress } from '../../egress-gateway/lookup.js';
import { openEgressMap, readEgressMap, syncEgressMap } from '../../egress-gateway/map.js';
import { node, pod, policy } from '../../egress-gateway/test-fixtures.js';
import { bpfSkipReason, mountPrivateBpffs, skipWithReason, type PrivateBpffs } from '../datapath/bpf-env.js';
import { kernelLookup, type Lookup } from './lookups.js';

const GW = { egress: 'true' };
const gatewayNode = node('gw-a', '192.168.0.10', GW, {
  interfaces: [{ name: 'eth1', addresses: ['198.51.100.20'] }],
});

function scenario(localNode: string): Inputs {
  return {
    localNode,
    policies: [
      policy('all-out', {
        destinationCIDRs: ['0.0.0.0/0'],
        excludedCIDRs: ['10.0.0.0/8', '203.0.113.128/25'],
        egressGateway: { nodeSelector: { matchLabels: GW }, interface: 'eth1' },
      }),
      policy('to-partner', {
        selectors: [{ podSelector: { matchLabels: { app: 'b' } } }],
        destinationCIDRs: ['203.0.113.0/24'],
        egressGateway: { nodeSelector: { matchLabels: { partner: 'true' } } },
      }),
    ],
    pods: [pod('a1', ['10.0.1.5']), pod('b1', ['10.0.2.7'], { app: 'b' }), pod('c1', ['10.0.3.9'], { app: 'c' })],
    namespaces: [{ name: 'default', labels: {} }],
    nodes: [node('worker', '192.168.0.2'), gatewayNode],
  };
}

type Expect = [string, string, string, EgressPolicyValue | undefined];
const onWorker: Expect[] = [
  ['10.0.1.5', '8.8.8.8', 'matched by 0.0.0.0/0', { egressIp: '0.0.0.0', gatewayIp: '192.168.0.10' }],
  ['10.0.1.5', '10.20.30.40', 'excluded CIDR wins (longer prefix)', { egressIp: '0.0.0.0', gatewayIp: '0.0.0.1' }],
  ['10.0.1.5', '203.0.113.200', 'excluded /25 inside /0', { egressIp: '0.0.0.0', gatewayIp: '0.0.0.1' }],
  ['10.0.1.5', '203.0.113.5', 'outside the exclusion', { egressIp: '0.0.0.0', gatewayIp: '192.168.0.10' }],
  ['10.0.2.7', '203.0.113.5', 'no partner gateway node: drop', { egressIp: '0.0.0.0', gatewayIp: '0.0.0.0' }],
  ['10.0.2.7', '8.8.8.8', 'destination outside the policy', undefined],
  ['10.0.3.9', '8.8.8.8', 'pod not selected', undefined],
];
const onGateway: Expect[] = [
  ['10.0.1.5', '8.8.8.8', "egress IP is eth1's on the gateway", { egressIp: '198.51.100.20', gatewayIp: '192.168.0.10' }],
  ['10.0.1.5', '10.1.1.1', 'excluded keeps the marker', { egressIp: '198.51.100.20', gatewayIp: '0.0.0.1' }],
];

function memoryLookup(map: BpfMap): Lookup {
  return async (src, dst) => {
    const r = await readEgressMap(map);
    if (!r.ok) throw new Error(r.error.message);
    return lookupEgress(r.value.entries, src, dst);
  };
}

async function program(backend: MapBackend, localNode: string): Promise<BpfMap> {
  const map = await openEgressMap(backend);
  if (!map.ok) throw new Error(map.error.message);
  const synced = await syncEgressMap(map.value, decide(scenario(localNode)).entries);
  if (!synced.ok) throw new Error(synced.error.message);
  return map.value;
}

function runTable(name: string, lookupFor: (localNode: string) => Promise<Lookup>): void {
  describe(name, () => {
    test.each(onWorker)('on a worker: %s → %s (%s)', async (src, dst, _why, want) => {
      expect(await (await lookupFor('worker'))(src, dst)).toEqual(want);
    });
    test.each(onGateway)('on the gateway: %s → %s (%s)', async (src, dst, _why, want) => {
      expect(await (await lookupFor('gw-a'))(src, dst)).toEqual(want);
    });
  });
}

runTable('in-memory backend', async (localNode) => memoryLookup(await program(createMemoryBackend(), localNode)));

const skip = bpfSkipReason();
describe.skipIf(skipWithReason(skip, 'egress LPM lookups on pinned BPF maps'))('pinned BPF LPM trie', () => {
  let fs: PrivateBpffs | undefined;
  const programmed = new Map<string, Lookup>();
  beforeAll(() => {
    fs = mountPrivateBpffs();
  });
  afterAll(() => fs?.cleanup());

  runTable('kernel lookup', async (localNode) => {
    const have = programmed.get(localNode);
    if (have) return have;
    const root = join(fs?.dir ?? '', localNode);
    const backend = createPinnedBackend({ root });
    if (!backend.ok) throw new Error(backend.error);
    await program(backend.value, localNode);
    await backend.value.close();
    const lookup = kernelLookup(join(root, 'cilium_egress_gw_policy_v4'));
    programmed.set(localNode, lookup);
    return lookup;
  });
});
