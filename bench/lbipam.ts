/**
 * LB-IPAM: the pure allocator and decide() for 10,000 services, end-to-end allocation through
 * the sandbox API server (services created → every one has an address), and the memory a /64
 * pool with 10,000 allocations takes. Progress goes to stderr.
 */
import { startBenchApi } from './api-world.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { createObject } from '../k8s/patch.js';
import { kubeRequest } from '../k8s/request.js';
import { collectionPath, coreResource } from '../k8s/resource.js';
import { RangeAllocator } from '../lb-ipam/allocator.js';
import { LB_IP_POOLS } from '../lb-ipam/controller.js';
import { decide, DEFAULT_OPTIONS } from '../lb-ipam/desired.js';
import { createLbIpamController } from '../lb-ipam/index.js';
import { poolFromObject, serviceFromObject, type Service } from '../lb-ipam/inputs.js';
import { parseBlock } from '../lb-ipam/ranges.js';
import { silentLogger } from '../lib/log.js';
import { runConcurrently } from './util.js';

const SERVICES = 10_000;
const E2E_SERVICES = Number(process.env.BENCH_LBIPAM_E2E ?? 2_000);
const CONCURRENCY = 8;

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function v64(): RangeAllocator {
  const r = parseBlock({ cidr: '2001:db8::/64' });
  if (!r.ok) throw new Error(r.error);
  return new RangeAllocator(r.value);
}

function allocatorOpsPerSec(): number {
  const a = v64();
  const start = performance.now();
  for (let i = 0; i < SERVICES; i++) if (!a.allocateAny([`default/s${i}`]).ok) throw new Error('full');
  return SERVICES / ((performance.now() - start) / 1000);
}

function services(n: number): Service[] {
  return Array.from({ length: n }, (_, i) => serviceFromObject({
    metadata: { name: `s${i}`, namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { type: 'LoadBalancer', ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack', ports: [{ port: 80 }] },
  })!);
}

const pool64 = poolFromObject({ metadata: { name: 'big' }, spec: { blocks: [{ cidr: '2001:db8::/64' }] } })!;

function decideMs(): { firstMs: number; steadyMs: number } {
  const svcs = services(SERVICES);
  let t = performance.now();
  const first = decide({ pools: [pool64], services: svcs, options: DEFAULT_OPTIONS });
  const firstMs = performance.now() - t;
  const settled = svcs.map((s) => ({ ...s, ingress: first.services.get(s.key)!.ingress }));
  t = performance.now();
  decide({ pools: [pool64], services: settled, options: DEFAULT_OPTIONS });
  return { firstMs: Math.round(firstMs), steadyMs: Math.round(performance.now() - t) };
}

function memory(): { allocatorMiB: number; decideStateMiB: number } {
  const base = heapMiB();
  const a = v64();
  for (let i = 0; i < SERVICES; i++) a.allocateAny([`default/s${i}`]);
  const allocatorMiB = heapMiB() - base;
  const base2 = heapMiB();
  const svcs = services(SERVICES);
  const out = decide({ pools: [pool64], services: svcs, options: DEFAULT_OPTIONS });
  const decideStateMiB = heapMiB() - base2;
  // Keep both alive until measured.
  if (a.stats().used !== BigInt(SERVICES) || out.services.size !== SERVICES) throw new Error('bench state lost');
  return { allocatorMiB: Number(allocatorMiB.toFixed(2)), decideStateMiB: Number(decideStateMiB.toFixed(2)) };
}

async function endToEnd(): Promise<Record<string, number>> {
  const api = await startBenchApi('lbipam');
  const kc = api.kc;
  const abort = new AbortController();
  const controller = createLbIpamController({ kc, registry: new Registry(), logger: silentLogger });
  try {
    const pool = await createObject(kc, LB_IP_POOLS, { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'bench' }, spec: { blocks: [{ cidr: '10.64.0.0/16' }, { cidr: '2001:db8::/64' }] } });
    if (!pool.ok) throw new Error(`pool: ${pool.error.message}`);
    await controller.start(abort.signal);
    let retries = 0;
    const start = performance.now();
    // Each takes a node port, of which the sandbox has 2,768: hence fewer services than above.
    await runConcurrently(E2E_SERVICES, CONCURRENCY, async (i) => {
      const svc = { metadata: { name: `s${i}`, namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: `s${i}` }, ports: [{ port: 80 }] } };
      // The sandbox lists every service on each create (cluster IPs, node ports); under load that can time out.
      for (let attempt = 0; ; attempt++) {
        const r = await createObject(kc, coreResource('services'), svc);
        if (r.ok || r.error.kind === 'already_exists') break;
        if (!r.retry || attempt >= 5) throw new Error(`service s${i}: ${r.error.message}`);
        retries++;
      }
    });
    const createdMs = performance.now() - start;
    for (;;) {
      const list = await kubeRequest<{ items: { status?: { loadBalancer?: { ingress?: unknown[] } } }[] }>(kc, { method: 'GET', path: collectionPath({ ...coreResource('services'), namespace: 'default' }) });
      const done = list.ok ? list.value.items.filter((s) => (s.status?.loadBalancer?.ingress?.length ?? 0) > 0).length : 0;
      if (done >= E2E_SERVICES) break;
      process.stderr.write(`  ${done}/${E2E_SERVICES} allocated\n`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const totalMs = performance.now() - start;
    return {
      services: E2E_SERVICES,
      createOnlyPerSec: Math.round(E2E_SERVICES / (createdMs / 1000)),
      allocatedPerSec: Math.round(E2E_SERVICES / (totalMs / 1000)),
      ratioToCreateOnly: Number((createdMs / totalMs).toFixed(3)),
      createRetries: retries,
    };
  } finally {
    await controller.stop();
    abort.abort();
    await api.stop();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  process.stderr.write(`pure allocator, ${SERVICES} allocations on a /64 ...\n`);
  const opsPerSec = allocatorOpsPerSec();
  process.stderr.write(`decide() for ${SERVICES} services ...\n`);
  const decideTimes = decideMs();
  process.stderr.write('memory ...\n');
  const mem = memory();
  process.stderr.write(`end to end through the sandbox API server, ${E2E_SERVICES} services ...\n`);
  const e2e = await endToEnd();
  return {
    allocator: { services: SERVICES, allocateAnyOpsPerSec: Math.round(opsPerSec) },
    decide: { services: SERVICES, ...decideTimes },
    memoryWithSlash64And10kAllocations: mem,
    endToEnd: e2e,
  };
}
