/**
 * Cluster mesh: (1) propagation latency of an EndpointSlice change in c1 to c2's agent
 * `/v1/services` in a connected 2-cluster `meshlb sandbox`, at ~100 changes/s; (2) an
 * in-process agent's initial sync of a remote etcd holding 50,000 services, and the agent's
 * memory with 50,000 remote services + 100,000 identities + 100,000 ipcache entries.
 *
 * A cluster's identities must lie in its 65,536-wide range, so the 100,000 identities come
 * from two remotes: A (the 50,000 services, 50,000 identities, 50,000 ipcache entries) and B
 * (50,000 identities, 50,000 ipcache entries). BENCH_SCALE (default 1) multiplies every count
 * and the propagation duration (capped at 10 s); BENCH_MESH_PARTS=propagation|sync runs one
 * part. Part (2) lives in mesh-sync.ts. Progress goes to stderr.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createObject, mergePatch } from '../k8s/patch.js';
import { coreResource } from '../k8s/resource.js';
import { meshlbBin } from '../lib/repo.js';
import { SCALE, log, must, round, sleep, waitUntil } from './mesh-common.js';
import { initialSync } from './mesh-sync.js';
import { percentile } from './util.js';

const exec = promisify(execFile);
const CHANGE_INTERVAL_MS = 10;
const PROPAGATION_MS = Math.max(1_000, Math.round(10_000 * Math.min(1, SCALE)));
const POLL_MS = 10;

async function meshlb(...args: string[]): Promise<void> {
  await exec(process.execPath, [meshlbBin, ...args], { timeout: 900_000 });
}

const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

/** Concurrent changes go to different services so each object's patches stay in order. */
const PROP_SERVICES = 20;

function changeAddress(i: number): string {
  return `10.1.${(i >> 8) & 255}.${i & 255}`;
}

function propService(k: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `bench-prop-${k}`,
      namespace: 'default',
      annotations: { 'service.cilium.io/global': 'true' },
    },
    spec: {
      selector: { app: `bench-prop-${k}` },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    },
  };
}

function propEndpoints(i: number): unknown[] {
  return [{ addresses: [changeAddress(i)], conditions: { ready: true } }];
}

function propSlice(k: number): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `bench-prop-${k}-c1`,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': `bench-prop-${k}` },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    // Change k (< PROP_SERVICES) is the initial state of service k.
    endpoints: propEndpoints(k),
  };
}

/** Per bench-prop service index: the change index its c1 backend at c2's agent encodes. */
async function shownAtC2(c2Agent: string): Promise<Map<number, number>> {
  const all = (await (await fetch(`${c2Agent}/v1/services`)).json()) as {
    namespace: string;
    name: string;
    backends: { address: string; clusterID: number }[];
  }[];
  const shown = new Map<number, number>();
  for (const s of all) {
    const m = /^bench-prop-(\d+)$/.exec(s.name);
    const b = s.backends.find((x) => x.clusterID === 1);
    if (s.namespace !== 'default' || !m || !b) continue;
    const [, , hi, lo] = b.address.split('.').map(Number);
    shown.set(Number(m[1]), (hi! << 8) + lo!);
  }
  return shown;
}

async function connectedSandbox(dir: string): Promise<{ kubeconfig: string; c2Agent: string }> {
  log('sandbox up --clusters 2 (this takes a while on a loaded machine) ...');
  await meshlb('sandbox', 'up', '--clusters', '2', '--dir', dir, '--detach');
  const env = JSON.parse(await readFile(join(dir, 'env.json'), 'utf8')) as {
    clusters: { name: string; agents: { status: string }[] }[];
  };
  const c2Agent = env.clusters.find((c) => c.name === 'c2')!.agents[0]!.status;
  const kubeconfig = join(dir, 'kubeconfig');
  log('clustermesh connect c1 ↔ c2 ...');
  await meshlb(
    'clustermesh',
    'connect',
    '--kubeconfig',
    kubeconfig,
    '--context',
    'c1',
    '--destination-context',
    'c2',
  );
  const c1Ready = async (): Promise<boolean> => {
    const s = (await (await fetch(`${c2Agent}/v1/clustermesh`)).json()) as {
      clusters: { name: string; ready: boolean }[];
    };
    return s.clusters.some((c) => c.name === 'c1' && c.ready);
  };
  await waitUntil("c2's agent to have c1 ready", c1Ready, 600_000);
  return { kubeconfig, c2Agent };
}

function contextConfig(kubeconfig: string, ctx: string): KubeConfig {
  const k = new KubeConfig();
  k.loadFromFile(kubeconfig);
  k.setCurrentContext(ctx);
  return k;
}

interface ChangeLog {
  readonly sentAt: number[];
  readonly returnedAt: number[];
  readonly seenAt: number[];
  readonly apiMs: number[];
}

/**
 * One change every CHANGE_INTERVAL_MS for PROPAGATION_MS, round-robin over the services; a
 * service's next patch waits for its previous one, so each object sees its changes in order.
 */
async function makeChanges(
  c1: KubeConfig,
  changes: ChangeLog,
): Promise<{ count: number; elapsedMs: number }> {
  const chains = new Map<number, Promise<void>>();
  const start = performance.now();
  let i = PROP_SERVICES;
  for (; performance.now() - start < PROPAGATION_MS; i++) {
    const wait = start + (i - PROP_SERVICES) * CHANGE_INTERVAL_MS - performance.now();
    if (wait > 0) await sleep(wait);
    const k = i % PROP_SERVICES;
    const n = i;
    const ref = { ...SLICES, namespace: 'default', name: `bench-prop-${k}-c1` };
    const patch = async (): Promise<void> => {
      changes.sentAt[n] = performance.now();
      must(await mergePatch(c1, ref, { endpoints: propEndpoints(n) }), 'patch endpointslice');
      changes.returnedAt[n] = performance.now();
      changes.apiMs.push(changes.returnedAt[n]! - changes.sentAt[n]!);
    };
    chains.set(k, (chains.get(k) ?? Promise.resolve()).then(patch));
  }
  await Promise.all(chains.values());
  return { count: i - PROP_SERVICES, elapsedMs: performance.now() - start };
}

async function propagation(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-bench-mesh-'));
  try {
    const { kubeconfig, c2Agent } = await connectedSandbox(dir);
    for (const ctx of ['c1', 'c2']) {
      const kc = contextConfig(kubeconfig, ctx);
      for (let k = 0; k < PROP_SERVICES; k++)
        must(await createObject(kc, coreResource('services'), propService(k) as never), 'create service');
    }
    const c1 = contextConfig(kubeconfig, 'c1');
    for (let k = 0; k < PROP_SERVICES; k++)
      must(await createObject(c1, SLICES, propSlice(k) as never), 'create endpointslice');
    await waitUntil(
      "c2's agent to show c1's first backends",
      async () => (await shownAtC2(c2Agent)).size === PROP_SERVICES,
      120_000,
    );

    log(
      `propagation: one change every ${CHANGE_INTERVAL_MS} ms over ${PROP_SERVICES} services for ${PROPAGATION_MS} ms, polling c2's agent every ${POLL_MS} ms ...`,
    );
    const changes: ChangeLog = { sentAt: [], returnedAt: [], seenAt: [], apiMs: [] };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const shown = await shownAtC2(c2Agent).catch(() => new Map<number, number>());
        const now = performance.now();
        // A change superseded before a poll caught it counts as propagated when a later one of
        // the same service shows.
        for (let j = PROP_SERVICES; j < changes.sentAt.length; j++) {
          if (changes.seenAt[j] === undefined && (shown.get(j % PROP_SERVICES) ?? -1) >= j)
            changes.seenAt[j] = now;
        }
        await sleep(POLL_MS);
      }
    })();
    const made = await makeChanges(c1, changes);
    const allSeen = (): boolean =>
      changes.sentAt.every((_, j) => j < PROP_SERVICES || changes.seenAt[j] !== undefined);
    await waitUntil('every change at c2', allSeen, 60_000, 20).catch((err: unknown) => log(String(err)));
    polling = false;
    await poller;
    const since = (from: readonly number[]): number[] =>
      from.flatMap((t, j) => (changes.seenAt[j] === undefined ? [] : [changes.seenAt[j]! - t]));
    const lat = since(changes.sentAt);
    // Negative when a poll saw the change before the PATCH response reached this process.
    const latCommitted = since(changes.returnedAt);
    return {
      changes: made.count,
      services: PROP_SERVICES,
      targetChangesPerSec: 1000 / CHANGE_INTERVAL_MS,
      achievedChangesPerSec: round(made.count / (made.elapsedMs / 1000)),
      propagated: lat.length,
      pollIntervalMs: POLL_MS,
      latencyMs: {
        p50: round(percentile(lat, 50)),
        p99: round(percentile(lat, 99)),
        max: round(Math.max(...lat)),
      },
      latencyFromPatchResponseMs: {
        p50: round(percentile(latCommitted, 50)),
        p99: round(percentile(latCommitted, 99)),
      },
      apiPatchMs: { p50: round(percentile(changes.apiMs, 50)), p99: round(percentile(changes.apiMs, 99)) },
      measuredFrom:
        'latencyMs: PATCH sent to c1 → a 10 ms poll of c2 /v1/services shows it; achieved rate counts until every PATCH returned',
    };
  } finally {
    await meshlb('sandbox', 'down', '--dir', dir, '--purge').catch((err: unknown) =>
      log(`sandbox down: ${String(err)}`),
    );
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const which = process.env.BENCH_MESH_PARTS ?? 'propagation,sync';
  const out: Record<string, unknown> = { scale: SCALE, parts: which };
  if (which.includes('sync')) out.initialSync = await initialSync();
  if (which.includes('propagation')) out.propagation = await propagation();
  return out;
}
