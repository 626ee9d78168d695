/**
 * The kernel test, driven end to end: policies, pods and nodes in the sandbox API
 * server, the egress-gateway agent feature programming the node's map, then (source,
 * destination) lookups answered by the kernel (`bpftool map lookup` on the pinned LPM trie).
 * The same table runs against agents on the in-memory backend (pure LPM lookup), which is all
 * that runs where BPF is unavailable. `meshlb bpf egress list` reads the same map both ways.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EgressPolicyValue } from '../../datapath/layouts/egress.js';
import { runEgressList } from '../../egress-gateway/list-cli.js';
import { lookupEgress } from '../../egress-gateway/lookup.js';
import { bpfSkipReason, mountPrivateBpffs, skipWithReason, type PrivateBpffs } from '../datapath/bpf-env.js';
import { eventually, policyYaml, withEgressWorld, type TestNode } from './harness.js';
import { kernelLookup, type Lookup } from './lookups.js';

const w = withEgressWorld();
const GW = { egress: 'true' };
/** 5,000 pods × 4 CIDRs would not fit Cilium's default: the agents run with a raised size. */
const MAP_MAX = 32768;
const GATEWAY_HOST = { interfaces: [{ name: 'eth0', addresses: ['192.168.0.10'] }, { name: 'eth1', addresses: ['198.51.100.20'] }], defaultRouteInterface: 'eth0' };

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
  ['10.0.1.5', '8.8.8.8', "egress IP is eth1's, read on the gateway itself", { egressIp: '198.51.100.20', gatewayIp: '192.168.0.10' }],
  ['10.0.1.5', '10.1.1.1', 'excluded keeps the marker', { egressIp: '198.51.100.20', gatewayIp: '0.0.0.1' }],
];

beforeAll(async () => {
  await w.addNode('worker', '192.168.0.2');
  await w.addNode('gw-a', '192.168.0.10', GW);
  await w.addPod('a1', '10.0.1.5');
  await w.addPod('b1', '10.0.2.7', { app: 'b' });
  await w.addPod('c1', '10.0.3.9', { app: 'c' });
  await w.apply(
    policyYaml('all-out', {
      selectors: [{ podSelector: { matchLabels: { app: 'a' } } }],
      destinationCIDRs: ['0.0.0.0/0'],
      excludedCIDRs: ['10.0.0.0/8', '203.0.113.128/25'],
      egressGateway: { nodeSelector: { matchLabels: GW }, interface: 'eth1' },
    }),
    policyYaml('to-partner', {
      selectors: [{ podSelector: { matchLabels: { app: 'b' } } }],
      destinationCIDRs: ['203.0.113.0/24'],
      egressGateway: { nodeSelector: { matchLabels: { partner: 'true' } } },
    }),
  );
});

/** Starts a worker and a gateway agent and waits until both programmed every entry (6 and 6). */
async function startPair(o: { kind: 'memory' | 'bpf'; root?: string }): Promise<Record<string, TestNode>> {
  const worker = await w.startNode('worker', { kind: o.kind, mapMax: MAP_MAX, ...(o.root ? { bpfRoot: join(o.root, 'worker') } : {}) });
  const gw = await w.startNode('gw-a', { kind: o.kind, mapMax: MAP_MAX, host: GATEWAY_HOST, ...(o.root ? { bpfRoot: join(o.root, 'gw-a') } : {}) });
  // a1: 0/0 + two exclusions; b1: one entry (drop) → 4 per node.
  await eventually(async () => {
    expect(await worker.mapEntries()).toHaveLength(4);
    expect(await gw.mapEntries()).toHaveLength(4);
  });
  return { worker, 'gw-a': gw };
}

function runTable(lookupOn: (node: string) => Lookup): void {
  test.each(onWorker)('on a worker: %s → %s (%s)', async (src, dst, _why, want) => {
    expect(await lookupOn('worker')(src, dst)).toEqual(want);
  });
  test.each(onGateway)('on the gateway: %s → %s (%s)', async (src, dst, _why, want) => {
    expect(await lookupOn('gw-a')(src, dst)).toEqual(want);
  });
}

async function listed(flags: { bpfRoot?: string; agent?: string }): Promise<string> {
  let out = '';
  let err = '';
  const code = await runEgressList(flags, (t) => (out += t), (t) => (err += t));
  expect(err).toBe('');
  expect(code).toBe(0);
  return out;
}

const WORKER_LIST = [
  'Source IP  Destination CIDR  Egress IP  Gateway IP',
  '10.0.1.5   0.0.0.0/0         0.0.0.0    192.168.0.10',
  '10.0.1.5   10.0.0.0/8        0.0.0.0    0.0.0.1',
  '10.0.1.5   203.0.113.128/25  0.0.0.0    0.0.0.1',
  '10.0.2.7   203.0.113.0/24    0.0.0.0    0.0.0.0',
  '',
].join('\n');

describe('agents on the in-memory backend', () => {
  let pair: Record<string, TestNode> = {};
  beforeAll(async () => {
    pair = await startPair({ kind: 'memory' });
  });
  afterAll(async () => {
    for (const n of Object.values(pair)) await n.stop();
  });
  runTable((node) => async (src, dst) => lookupEgress(await pair[node]!.mapEntries(), src, dst));
  test('bpf egress list --agent shows the worker map', async () => {
    expect(await listed({ agent: pair.worker!.agent.statusUrl })).toBe(WORKER_LIST);
  });
});

const skip = bpfSkipReason();
describe.skipIf(skipWithReason(skip, 'egress agent with pinned BPF maps'))('agents on pinned BPF maps (kernel lookups)', () => {
  let fs: PrivateBpffs | undefined;
  let pair: Record<string, TestNode> = {};
  beforeAll(async () => {
    fs = mountPrivateBpffs();
    pair = await startPair({ kind: 'bpf', root: fs.dir });
  });
  afterAll(async () => {
    try {
      for (const n of Object.values(pair)) await n.stop();
    } finally {
      fs?.cleanup();
    }
  });
  runTable((node) => kernelLookup(join(fs?.dir ?? '', node, 'cilium_egress_gw_policy_v4')));
  test('bpf egress list --bpf-root reads the pinned map (raised size) as --agent shows it', async () => {
    const fromPins = await listed({ bpfRoot: join(fs?.dir ?? '', 'worker') });
    expect(fromPins).toBe(WORKER_LIST);
    expect(await listed({ agent: pair.worker!.agent.statusUrl })).toBe(fromPins);
  });
  test('bpf egress list without a pinned map says so', async () => {
    let err = '';
    expect(await runEgressList({ bpfRoot: fs?.dir ?? '' }, () => undefined, (t) => (err += t))).toBe(1);
    expect(err).toMatch(/no egress policy map is pinned under/);
  });
});
