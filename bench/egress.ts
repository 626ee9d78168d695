/**
 * Egress gateway: time to program 5,000 pods × 4 destination CIDRs into an empty
 * `cilium_egress_gw_policy_v4` (in-memory backend), and the latency of one incremental pass
 * when a single pod appears. The raw baseline writes the same pre-encoded entries directly.
 */
import { performance } from 'node:perf_hooks';
import { egressPolicyKey, egressPolicyValue } from '../datapath/layouts/egress.js';
import { createMemoryBackend } from '../datapath/memory-backend.js';
import { decide, type EgressPod, type Inputs } from '../egress-gateway/desired.js';
import { openEgressMap, syncEgressMap } from '../egress-gateway/map.js';
import { parseEgressPolicy } from '../egress-gateway/policy.js';
import { percentile } from './util.js';

const PODS = 5000;
const ROUNDS = 50;
/** 5,000 × 4 = 20,000 entries: more than Cilium's default 16,384, so the map is sized up. */
const MAP_MAX = 32768;

function podIp(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255)}`;
}

function inputs(pods: readonly EgressPod[]): Inputs {
  const policy = parseEgressPolicy({
    metadata: { name: 'bench' },
    spec: {
      selectors: [{ podSelector: { matchLabels: { app: 'a' } } }],
      destinationCIDRs: ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '100.64.0.0/10'],
      egressGateways: [{ nodeSelector: { matchLabels: { zone: 'a' } } }, { nodeSelector: { matchLabels: { zone: 'b' } } }],
    },
  });
  if (!policy.ok) throw new Error(policy.error.errors.join('; '));
  return {
    localNode: 'worker',
    policies: [policy.value],
    pods,
    namespaces: [{ name: 'default', labels: {} }],
    nodes: [
      { name: 'gw-a', ip: '192.168.0.10', labels: { zone: 'a' }, ready: true },
      { name: 'gw-b', ip: '192.168.0.11', labels: { zone: 'b' }, ready: true },
    ],
  };
}

const pods = Array.from({ length: PODS }, (_, i): EgressPod => ({ name: `p${i}`, namespace: 'default', labels: { app: 'a' }, ips: [podIp(i + 1)] }));

export async function run(): Promise<unknown> {
  const raw = await openEgressMap(createMemoryBackend(), MAP_MAX);
  const map = await openEgressMap(createMemoryBackend(), MAP_MAX);
  if (!raw.ok || !map.ok) throw new Error('cannot open the in-memory map');

  const t0 = performance.now();
  const desired = decide(inputs(pods)).entries;
  const t1 = performance.now();
  const full = await syncEgressMap(map.value, desired);
  const t2 = performance.now();
  if (!full.ok) throw new Error(full.error.message);

  const encoded = [...desired.values()].map((e) => ({ key: egressPolicyKey.encode(e.key), value: egressPolicyValue.encode(e.value) }));
  const r0 = performance.now();
  await raw.value.update(encoded);
  const rawMs = performance.now() - r0;

  process.stderr.write(`programmed ${full.value.written} entries; measuring ${ROUNDS} single-pod passes\n`);
  const samples: number[] = [];
  let current = pods;
  for (let i = 0; i < ROUNDS; i++) {
    current = [...current, { name: `new${i}`, namespace: 'default', labels: { app: 'a' }, ips: [podIp(PODS + 1 + i)] }];
    const s = performance.now();
    const pass = await syncEgressMap(map.value, decide(inputs(current)).entries);
    samples.push(performance.now() - s);
    if (!pass.ok || pass.value.written !== 4) throw new Error('incremental pass did not write exactly the new pod\'s 4 entries');
  }
  return {
    backend: 'memory',
    mapMaxEntries: MAP_MAX,
    pods: PODS,
    destinationCidrs: 4,
    entries: full.value.written,
    decideMs: +(t1 - t0).toFixed(1),
    fullProgramMs: +(t2 - t0).toFixed(1),
    rawWriteMs: +rawMs.toFixed(1),
    fullVsRaw: +((t2 - t0) / rawMs).toFixed(1),
    incrementalOnePodMs: { p50: +percentile(samples, 50).toFixed(2), p95: +percentile(samples, 95).toFixed(2) },
    note: 'incremental = full decide + diff against a map dump (no per-object index yet)',
  };
}
