/**
 * L2 announcements: Kubernetes API requests per second caused by lease traffic for 100
 * services on 3 nodes (in-process announcers on the memory backend against the sandbox API
 * server) with Cilium's default timings, next to Cilium's documented estimate (services /
 * renew deadline, per node); then failover times over repeated crashes of a lease holder with
 * short timings (6s/2s/500ms: Cilium's 3s/1s/200ms timed out under load here). Progress goes to stderr.
 */
import { startBenchApi } from './api-world.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { createMemoryBackend } from '../datapath/memory-backend.js';
import { createObject } from '../k8s/patch.js';
import { kubeRequest } from '../k8s/request.js';
import { createL2Announcer, type L2Announcer } from '../l2-announcer/controller.js';
import { DEFAULT_LEASE_TIMING, type LeaseTiming } from '../l2-announcer/lease-core.js';
import { silentLogger } from '../lib/log.js';
import { percentile, runConcurrently } from './util.js';

const SERVICES = Number(process.env.BENCH_L2_SERVICES ?? 100);
const NODES = 3;
const WINDOW_S = Number(process.env.BENCH_L2_WINDOW_S ?? 60);
const KILLS = Number(process.env.BENCH_L2_KILLS ?? 10);
const SHORT: LeaseTiming = { leaseDurationMs: 6000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`${s}\n`);

interface World {
  readonly kc: KubeConfig;
  readonly sys: string;
  close(): Promise<void>;
}

async function world(): Promise<World> {
  const api = await startBenchApi('l2');
  // The announcers read their devices from a directory shaped like /sys/class/net.
  const sys = join(api.dir, 'sys');
  mkdirSync(join(sys, 'eth0'), { recursive: true });
  writeFileSync(join(sys, 'eth0', 'ifindex'), '2\n');
  writeFileSync(join(sys, 'eth0', 'operstate'), 'up\n');
  writeFileSync(join(sys, 'eth0', 'type'), '1\n');
  return { kc: api.kc, sys, close: () => api.stop() };
}

async function must(r: Promise<{ ok: boolean; error?: { message: string } }>, what: string): Promise<void> {
  const v = await r;
  if (!v.ok) throw new Error(`${what}: ${v.error?.message ?? ''}`);
}

async function seed(w: World, services: number): Promise<void> {
  const policies = { group: 'cilium.io', version: 'v2alpha1', resource: 'ciliuml2announcementpolicies' };
  for (let i = 0; i < 50; i++) {
    const r = await kubeRequest(w.kc, { method: 'GET', path: '/apis/cilium.io/v2alpha1/ciliuml2announcementpolicies' });
    if (r.ok) break;
    await sleep(100);
  }
  await must(createObject(w.kc, policies, { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumL2AnnouncementPolicy', metadata: { name: 'all' }, spec: { loadBalancerIPs: true } }), 'policy');
  for (let n = 1; n <= NODES; n++) await must(createObject(w.kc, { group: '', version: 'v1', resource: 'nodes' }, { apiVersion: 'v1', kind: 'Node', metadata: { name: `n${n}` } }), 'node');
  await runConcurrently(services, 8, async (i) => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: `s${i}` }, ports: [{ port: 80 }] } };
    await must(createObject(w.kc, { group: '', version: 'v1', resource: 'services' }, svc), `service s${i}`);
    const ip = `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    // The sandbox's own service controller may write the object at the same moment: retry conflicts.
    for (let attempt = 0; ; attempt++) {
      const r = await kubeRequest(w.kc, { method: 'PATCH', path: `/api/v1/namespaces/default/services/s${i}/status`, contentType: 'application/merge-patch+json', body: { status: { loadBalancer: { ingress: [{ ip }] } } } });
      if (r.ok) break;
      if (attempt >= 10) throw new Error(`status s${i}: ${r.error.message}`);
      await sleep(50);
    }
  });
}

function announcer(w: World, node: string, timing: LeaseTiming): L2Announcer {
  return createL2Announcer({
    kc: w.kc, nodeName: node, leaseNamespace: 'kube-system', timing, devices: () => true, backend: createMemoryBackend(),
    registry: new Registry(), log: silentLogger, sysClassNet: w.sys,
  });
}

const heldBy = (nodes: readonly L2Announcer[], svc: string): number[] =>
  nodes.flatMap((a, i) => (a.announcements().some((x) => x.service === svc && x.thisNode) ? [i] : []));

async function allHeld(nodes: readonly L2Announcer[], services: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const held = nodes.reduce((s, a) => s + a.announcements().filter((x) => x.thisNode).length, 0);
    if (held >= services) return;
    if (Date.now() > end) throw new Error(`only ${held}/${services} leases held`);
    await sleep(200);
  }
}

async function totalRequests(nodes: readonly L2Announcer[]): Promise<number> {
  let sum = 0;
  for (const a of nodes) for (const v of (await a.metrics.apiRequests.get()).values) sum += v.value;
  return sum;
}

async function leaseTraffic(w: World): Promise<Record<string, number>> {
  const nodes = Array.from({ length: NODES }, (_, i) => announcer(w, `n${i + 1}`, DEFAULT_LEASE_TIMING));
  const abort = new AbortController();
  try {
    for (const a of nodes) await a.start(abort.signal);
    await allHeld(nodes, SERVICES, 120_000);
    log(`all ${SERVICES} leases held; measuring ${WINDOW_S}s`);
    const before = await totalRequests(nodes);
    await sleep(WINDOW_S * 1000);
    const sent = (await totalRequests(nodes)) - before;
    const perNode = nodes.map((a) => a.announcements().filter((x) => x.thisNode).length);
    const ciliumPerNode = SERVICES / (DEFAULT_LEASE_TIMING.renewDeadlineMs / 1000);
    return {
      services: SERVICES,
      nodes: NODES,
      windowSeconds: WINDOW_S,
      requestsPerSecondTotal: Number((sent / WINDOW_S).toFixed(2)),
      requestsPerSecondPerNodeAvg: Number((sent / WINDOW_S / NODES).toFixed(2)),
      ciliumEstimatePerNode: ciliumPerNode,
      ciliumEstimateTotal: ciliumPerNode * NODES,
      leasesHeldMin: Math.min(...perNode),
      leasesHeldMax: Math.max(...perNode),
    };
  } finally {
    for (const a of nodes) await a.stop();
    abort.abort();
  }
}

async function failover(w: World): Promise<Record<string, number>> {
  const nodes = Array.from({ length: NODES }, (_, i) => announcer(w, `f${i + 1}`, SHORT));
  const abort = new AbortController();
  const samples: number[] = [];
  try {
    for (const a of nodes) await a.start(abort.signal);
    await allHeld(nodes, SERVICES, 120_000);
    for (let k = 0; k < KILLS; k++) {
      // A crashed holder may have held many leases: let every one find its new holder first.
      await allHeld(nodes, SERVICES, 120_000);
      const svc = `default/s${k % SERVICES}`;
      const [victim] = heldBy(nodes, svc);
      if (victim === undefined) throw new Error(`${svc} has no holder`);
      await sleep(Math.random() * SHORT.renewDeadlineMs);
      const t0 = performance.now();
      await nodes[victim]!.crash();
      for (;;) {
        const now = heldBy(nodes, svc).filter((i) => i !== victim);
        if (now.length > 0) break;
        await sleep(5);
      }
      samples.push(performance.now() - t0);
      log(`  kill ${k + 1}/${KILLS}: ${Math.round(samples.at(-1)!)} ms`);
      nodes[victim] = announcer(w, `f${victim + 1}`, SHORT);
      await nodes[victim]!.start(abort.signal);
    }
    return {
      kills: KILLS,
      leaseDurationMs: SHORT.leaseDurationMs,
      renewDeadlineMs: SHORT.renewDeadlineMs,
      retryPeriodMs: SHORT.retryPeriodMs,
      p50Ms: Math.round(percentile(samples, 50)),
      maxMs: Math.round(Math.max(...samples)),
      boundMs: SHORT.leaseDurationMs + SHORT.renewDeadlineMs,
    };
  } finally {
    for (const a of nodes) await a.stop();
    abort.abort();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const w = await world();
  try {
    await seed(w, SERVICES);
    log('lease traffic with default timings (15s/5s/2s)');
    const traffic = await leaseTraffic(w);
    log('failover with 6s/2s/500ms');
    // A failover failure must not hide the traffic numbers already measured.
    const fail = await failover(w).catch((err: unknown) => ({ error: String(err) }));
    return { leaseTraffic: traffic, failover: fail };
  } finally {
    await w.close();
  }
}
