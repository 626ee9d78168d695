/**
 * clustermesh-apiserver initial sync (10,000 services with 10 backends, 20,000 identities,
 * 50,000 endpoints) in keys/s, next to the raw batched etcd put rate of the same keys and
 * values measured in the same run, and the latency from an EndpointSlice PATCH through the
 * API server to the service's etcd write (seen by an etcd watch).
 *
 * Inputs are written straight into the sandbox API server's storage (its etcd) in bulk; only
 * the apiserver's work is timed. The sync rate is keys over the write phase (informers synced →
 * etcd holds the projection); the end-to-end time including listing 90,000 objects from the
 * sandbox API server is reported beside it. BENCH_SCALE (default 1) scales the input sizes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createCA, issueCertificate } from '../certs/index.js';
import { startApiserver } from '../clustermesh-apiserver/index.js';
import type { ProjectionOptions } from '../clustermesh-apiserver/options.js';
import { project } from '../clustermesh-apiserver/project.js';
import { mergePatch } from '../k8s/patch.js';
import { connectKv } from '../kvstore/etcd.js';
import type { KvClient, TxnOp } from '../kvstore/types.js';
import { createLogger, silentLogger } from '../lib/log.js';
import { startApiServer } from '../sandbox/apiserver/server.js';
import { startEtcd, type EtcdHandle } from '../sandbox/etcd/index.js';
import { percentile } from './util.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SERVICES = Math.round(10_000 * SCALE);
const BACKENDS = 10;
const IDENTITIES = Math.round(20_000 * SCALE);
const ENDPOINTS = Math.round(50_000 * SCALE);
const LATENCY_SAMPLES = 200;
const opts: ProjectionOptions = { clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, defaultGlobalNamespace: true };

const progress = createLogger({ bench: 'apiserver' });
const ip = (i: number, a: number) => `${a}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function inputs() {
  const namespaces = [{ metadata: { name: 'bench' } }];
  const services = Array.from({ length: SERVICES }, (_, i) => ({
    metadata: { namespace: 'bench', name: `svc-${i}`, labels: { app: `a${i}` }, annotations: { 'service.cilium.io/global': 'true' } },
    spec: { type: 'ClusterIP', clusterIP: ip(i, 11), clusterIPs: [ip(i, 11)], selector: { app: `a${i}` }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  }));
  const endpointSlices = services.map((_, i) => slice(i, 0));
  const identities = Array.from({ length: IDENTITIES }, (_, i) => ({
    metadata: { name: String(65536 + 256 + i) },
    'security-labels': { 'k8s:app': `app-${i}`, 'k8s:io.cilium.k8s.policy.cluster': 'c1', 'k8s:io.kubernetes.pod.namespace': 'bench' },
  }));
  const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => ({
    metadata: { namespace: 'bench', name: `pod-${i}` },
    status: { identity: { id: 65536 + 256 + (i % IDENTITIES) }, networking: { addressing: [{ ipv4: ip(i, 12) }], node: '172.18.0.2' } },
  }));
  return { namespaces, services, endpointSlices, identities, endpoints, nodes: [] as unknown[] };
}

function slice(i: number, generation: number) {
  return {
    metadata: { namespace: 'bench', name: `svc-${i}-x`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: BACKENDS }, (_, b) => ({ addresses: [ip(i * BACKENDS + b + generation, 13)], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function storageOps(group: string, resource: string, apiVersion: string, kind: string, objects: readonly unknown[]): TxnOp[] {
  return objects.map((o) => {
    const obj = o as { metadata: { name: string; namespace?: string } };
    const ns = obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
    const value = { apiVersion, kind, ...obj, metadata: { uid: randomUUID(), creationTimestamp: new Date().toISOString(), ...obj.metadata } };
    return { op: 'put', key: `/registry/${group}/${resource}/${ns}${obj.metadata.name}`, value: JSON.stringify(value) };
  });
}

async function must<T>(what: string, r: Promise<{ ok: true; value: T } | { ok: false; error: unknown }>): Promise<T> {
  const v = await r;
  if (!v.ok) throw new Error(`${what}: ${JSON.stringify(v.error)}`);
  return v.value;
}

async function etcdIn(dir: string, name: string): Promise<EtcdHandle> {
  const r = await startEtcd({ dataDir: join(dir, name), name });
  if (!r.ok) throw new Error(`${name} etcd: ${r.error.message}`);
  return r.value;
}

/**
 * Raw baseline: the same keys and values, written with applyBatched (128 ops per transaction,
 * 8 in flight: the batch size and concurrency the apiserver's writer uses) as fast as it goes.
 */
async function rawPutRate(mesh: KvClient, entries: ReadonlyMap<string, string>): Promise<number> {
  const ops: TxnOp[] = [...entries].map(([key, value]) => ({ op: 'put', key: `bench/raw/${key}`, value }));
  const t0 = performance.now();
  await must('raw puts', mesh.applyBatched(ops));
  const seconds = (performance.now() - t0) / 1000;
  await must('raw cleanup', mesh.txn([], [{ op: 'deletePrefix', prefix: 'bench/raw/' }]));
  return ops.length / seconds;
}

async function patchLatency(kc: KubeConfig, mesh: KvClient): Promise<number[]> {
  const pending = new Map<string, number>();
  const samples: number[] = [];
  const watch = mesh.watch('cilium/state/services/v1/c1/bench/', 0, {
    onEvents: (events) => {
      const now = performance.now();
      for (const e of events) {
        const started = e.type === 'put' ? pending.get(e.entry.key) : undefined;
        if (started === undefined || e.type !== 'put') continue;
        pending.delete(e.entry.key);
        samples.push(now - started);
      }
    },
    onError: () => undefined,
  });
  await watch.ready;
  for (let n = 0; n < LATENCY_SAMPLES; n++) {
    const i = (n * 7919) % SERVICES;
    const key = `cilium/state/services/v1/c1/bench/svc-${i}`;
    pending.set(key, performance.now());
    const ref = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: 'bench', name: `svc-${i}-x` };
    await must('patch', mergePatch(kc, ref, { endpoints: slice(i, n + 1).endpoints }));
    const deadline = Date.now() + 10_000;
    while (pending.has(key) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }
  await watch.cancel();
  return samples;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-bench-apiserver-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    const [apiEtcd, meshEtcd] = await Promise.all([etcdIn(dir, 'api'), etcdIn(dir, 'mesh')]);
    cleanups.push(() => apiEtcd.stop(), () => meshEtcd.stop());
    const apiKv = connectKv({ endpoints: apiEtcd.clientUrls, callTimeoutMs: 30_000 }, silentLogger);
    const mesh = connectKv({ endpoints: meshEtcd.clientUrls, callTimeoutMs: 30_000 }, silentLogger);
    cleanups.push(() => apiKv.close(), () => mesh.close());
    const ca = await createCA({ commonName: 'bench-ca', validityDays: 1 });
    const leaf = await issueCertificate(ca, { commonName: 'apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server'], validityDays: 1 });
    const token = randomUUID();
    const crdDir = new URL('../../deploy/crds/', import.meta.url).pathname;
    const server = await must('API server', startApiServer({ kv: apiKv, tls: { cert: leaf.certPem, key: leaf.keyPem }, token, crdDir, logger: silentLogger }));
    cleanups.push(() => server.stop());

    const input = inputs();
    const expected = project(input, opts).entries;
    progress.info('seeding the API server storage', { objects: SERVICES * 2 + IDENTITIES + ENDPOINTS, keys: expected.size });
    await must('seed', apiKv.applyBatched([
      ...storageOps('core', 'namespaces', 'v1', 'Namespace', input.namespaces),
      ...storageOps('core', 'services', 'v1', 'Service', input.services),
      ...storageOps('discovery.k8s.io', 'endpointslices', 'discovery.k8s.io/v1', 'EndpointSlice', input.endpointSlices),
      ...storageOps('cilium.io', 'ciliumidentities', 'cilium.io/v2', 'CiliumIdentity', input.identities),
      ...storageOps('cilium.io', 'ciliumendpoints', 'cilium.io/v2', 'CiliumEndpoint', input.endpoints),
    ]));

    progress.info('raw batched put baseline');
    const rawBefore = await rawPutRate(mesh, expected);

    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'b', server: server.url, caData: Buffer.from(ca.certPem).toString('base64') }],
      users: [{ name: 'b', token }],
      contexts: [{ name: 'b', cluster: 'b', user: 'b' }],
      currentContext: 'b',
    });
    progress.info('clustermesh-apiserver initial sync');
    const started = await must('apiserver', startApiserver(
      { clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, defaultGlobalNamespace: true, etcdEndpoints: meshEtcd.clientUrls },
      process.env.BENCH_VERBOSE ? createLogger({ component: 'clustermesh-apiserver' }, undefined, 'info') : silentLogger,
      { kc },
    ));
    cleanups.push(() => started.stop());
    await started.initialSync;
    const timing = started.publisher.initialSyncTiming()!;
    const written = (await must('count', mesh.count('cilium/state/'))).count;
    if (written !== expected.size) throw new Error(`etcd holds ${written} keys, expected ${expected.size}`);
    const writeSeconds = (timing.writtenAt - timing.informersSyncedAt) / 1000;
    const syncKeysPerSecond = timing.keys / writeSeconds;
    // Measured again after the sync (the machine is shared and noisy); the better one counts.
    progress.info('raw batched put baseline, again');
    const rawAfter = await rawPutRate(mesh, expected);
    const rawKeysPerSecond = Math.max(rawBefore, rawAfter);

    progress.info('EndpointSlice PATCH → etcd latency', { samples: LATENCY_SAMPLES });
    const latencies = await patchLatency(kc, mesh);
    return {
      inputs: { services: SERVICES, backendsPerService: BACKENDS, identities: IDENTITIES, endpoints: ENDPOINTS },
      keys: timing.keys,
      initialSync: {
        keysPerSecond: Math.round(syncKeysPerSecond),
        writePhaseSeconds: Number(writeSeconds.toFixed(2)),
        informerListSeconds: Number(((timing.informersSyncedAt - timing.startedAt) / 1000).toFixed(2)),
        endToEndSeconds: Number(((timing.writtenAt - timing.startedAt) / 1000).toFixed(2)),
      },
      rawBatchedPut: {
        keysPerSecond: Math.round(rawKeysPerSecond),
        beforeSync: Math.round(rawBefore),
        afterSync: Math.round(rawAfter),
        batchSize: 128,
        transactionsInFlight: 8,
      },
      ratio: Number((syncKeysPerSecond / rawKeysPerSecond).toFixed(3)),
      ratioGoal: 0.7,
      patchToEtcdMs: {
        samples: latencies.length,
        p50: Number(percentile(latencies, 50).toFixed(2)),
        p99: Number(percentile(latencies, 99).toFixed(2)),
      },
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}
