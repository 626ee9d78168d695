/**
 * clustermesh-apiserver initial sync (10,000 services with 10 backends, 20,000 identities,
 * 50,000 endpoints) in keys/s, next to the raw batched etcd put rate of the same keys and
 * values measured in the same run, and the latency from an EndpointSlice PATCH through the
 * API server to the service's etcd write (seen by an etcd watch).
 *
 * Inputs are written straight into the sandbox API server's storage (its etcd) in bulk. The
 * apiserver runs as its own process (`bin/meshlb clustermesh-apiserver`, as deployed) and
 * reports its phases in its metrics; the sync rate is keys over the write phase (informers
 * synced → etcd holds the projection); the end-to-end time including listing 90,000 objects
 * from the sandbox API server is reported beside it. The raw baseline also runs in its own
 * process (bench/apiserver-raw.ts). Raw and sync rounds alternate (BENCH_ROUNDS syncs between
 * raw runs), each on a fresh etcd; the best of each side counts. BENCH_SCALE scales the
 * inputs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { mergePatch } from '../k8s/patch.js';
import { connectKv } from '../kvstore/etcd.js';
import type { KvClient, TxnOp } from '../kvstore/types.js';
import { createLogger, silentLogger } from '../lib/log.js';
import { startEtcd, type EtcdHandle } from '../sandbox/etcd/index.js';
import { pickFreePorts } from '../sandbox/etcd/ports.js';
import { startBenchApi } from './api-world.js';
import { BACKENDS, ENDPOINTS, expectedEntries, IDENTITIES, inputs, SERVICES, slice } from './apiserver-inputs.js';
import { percentile } from './util.js';

const LATENCY_SAMPLES = 200;
/** Initial syncs measured (each between two raw baselines); BENCH_ROUNDS overrides. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const BIN = new URL('../../bin/meshlb', import.meta.url).pathname;
const RAW_CHILD = new URL('./apiserver-raw.js', import.meta.url).pathname;

const progress = createLogger({ bench: 'apiserver' });

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

/** The raw baseline in its own process (bench/apiserver-raw.ts). */
async function rawPutRate(endpoints: readonly string[]): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [RAW_CHILD, endpoints.join(',')], { maxBuffer: 1 << 20 });
  return (JSON.parse(stdout) as { keysPerSecond: number }).keysPerSecond;
}

/** A gauge's value from Prometheus text: the first sample of `name` carrying label `label` (k="v"). */
function gauge(metrics: string, name: string, label?: string): number | undefined {
  const line = metrics
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && (label === undefined || l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

interface SyncPhases {
  readonly listSeconds: number;
  readonly writeSeconds: number;
  readonly keys: number;
}

/** Polls /readyz until the apiserver finished its initial sync, then reads the phases. */
async function awaitInitialSync(child: ChildProcess, healthUrl: string, logFile: string): Promise<SyncPhases> {
  const deadline = Date.now() + 15 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`apiserver exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const ready = await fetch(`${healthUrl}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) {
      const metrics = await (await fetch(`${healthUrl}/metrics`)).text();
      const phase = (p: string) => gauge(metrics, 'cilium_clustermesh_apiserver_initial_sync_phase_seconds', `phase="${p}"`);
      const listSeconds = phase('list');
      const writeSeconds = phase('write');
      const keys = gauge(metrics, 'cilium_clustermesh_apiserver_initial_sync_keys');
      if (listSeconds === undefined || writeSeconds === undefined || keys === undefined) throw new Error('apiserver is ready but reports no initial sync phases');
      return { listSeconds, writeSeconds, keys };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`apiserver not ready after 15 min: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

function spawnApiserver(dir: string, kubeconfig: string, etcd: readonly string[], port: number, round: number): { child: ChildProcess; logFile: string } {
  const logFile = join(dir, `clustermesh-apiserver-${round}.log`);
  const fd = openSync(logFile, 'a');
  const args = ['clustermesh-apiserver', '--kubeconfig', kubeconfig, '--cluster-name', 'c1', '--cluster-id', '1', '--etcd', etcd.join(','), '--health-port', String(port)];
  // BENCH_APISERVER_NODE_OPTIONS: extra node flags for the apiserver (e.g. --cpu-prof) when studying it.
  const nodeFlags = (process.env.BENCH_APISERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, BIN, ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, MESHLB_LOG_LEVEL: 'info' } });
  closeSync(fd);
  return { child, logFile };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
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
  const cleanups: (() => Promise<unknown>)[] = [() => (process.env.BENCH_KEEP_DIR ? Promise.resolve() : rm(dir, { recursive: true, force: true }))];
  try {
    const api = await startBenchApi('apiserver-kube');
    cleanups.push(() => api.stop());
    const { kc, kv: apiKv } = api;
    // Every measurement (raw or sync) gets a fresh mesh etcd: etcd slows down as uncompacted
    // history from the previous measurement accumulates, which would favour whichever ran first.
    let meshEtcds = 0;
    const freshMeshEtcd = async (): Promise<EtcdHandle> => {
      const etcd = await etcdIn(dir, `mesh-${meshEtcds++}`);
      cleanups.push(() => etcd.stop());
      return etcd;
    };
    const rawOnFreshEtcd = async (): Promise<number> => {
      const etcd = await freshMeshEtcd();
      try {
        return await rawPutRate(etcd.clientUrls);
      } finally {
        await etcd.stop();
      }
    };
    const input = inputs();
    const expectedKeys = expectedEntries().size;
    progress.info('seeding the API server storage', { objects: SERVICES * 2 + IDENTITIES + ENDPOINTS, keys: expectedKeys });
    await must('seed', apiKv.applyBatched([
      ...storageOps('core', 'namespaces', 'v1', 'Namespace', input.namespaces),
      ...storageOps('core', 'services', 'v1', 'Service', input.services),
      ...storageOps('discovery.k8s.io', 'endpointslices', 'discovery.k8s.io/v1', 'EndpointSlice', input.endpointSlices),
      ...storageOps('cilium.io', 'ciliumidentities', 'cilium.io/v2', 'CiliumIdentity', input.identities),
      ...storageOps('cilium.io', 'ciliumendpoints', 'cilium.io/v2', 'CiliumEndpoint', input.endpoints),
    ]));

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kc.exportConfig(), { mode: 0o600 });

    // Raw and sync rounds alternate (raw, sync, raw, ... raw) and the best of each counts: the
    // machine is shared and noisy, and either side may land in a busy moment.
    const raws: number[] = [];
    const syncs: SyncPhases[] = [];
    let last: { apiserver: ChildProcess; etcd: EtcdHandle } | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      progress.info('raw batched put baseline', { round });
      raws.push(await rawOnFreshEtcd());
      if (last) {
        await stopChild(last.apiserver);
        await last.etcd.stop();
      }
      progress.info('clustermesh-apiserver initial sync (own process)', { round });
      const etcd = await freshMeshEtcd();
      const [port] = (await pickFreePorts(1)) as [number];
      const started = spawnApiserver(dir, kubeconfig, etcd.clientUrls, port, round);
      cleanups.push(() => stopChild(started.child));
      last = { apiserver: started.child, etcd };
      const phases = await awaitInitialSync(started.child, `http://127.0.0.1:${port}`, started.logFile);
      const counter = connectKv({ endpoints: etcd.clientUrls, callTimeoutMs: 30_000 }, silentLogger);
      const written = (await must('count', counter.count('cilium/state/')).finally(() => counter.close())).count;
      if (written !== expectedKeys || phases.keys !== expectedKeys) throw new Error(`etcd holds ${written} keys (apiserver reports ${phases.keys}), expected ${expectedKeys}`);
      syncs.push(phases);
    }
    progress.info('raw batched put baseline', { round: ROUNDS });
    raws.push(await rawOnFreshEtcd());
    const best = syncs.reduce((a, b) => (b.keys / b.writeSeconds > a.keys / a.writeSeconds ? b : a));
    const syncKeysPerSecond = best.keys / best.writeSeconds;
    const rawKeysPerSecond = Math.max(...raws);

    progress.info('EndpointSlice PATCH → etcd latency', { samples: LATENCY_SAMPLES });
    const mesh = connectKv({ endpoints: last!.etcd.clientUrls, callTimeoutMs: 30_000 }, silentLogger);
    cleanups.push(() => mesh.close());
    const latencies = await patchLatency(kc, mesh);
    return {
      inputs: { services: SERVICES, backendsPerService: BACKENDS, identities: IDENTITIES, endpoints: ENDPOINTS },
      keys: best.keys,
      initialSync: {
        keysPerSecond: Math.round(syncKeysPerSecond),
        writePhaseSeconds: Number(best.writeSeconds.toFixed(2)),
        informerListSeconds: Number(best.listSeconds.toFixed(2)),
        endToEndSeconds: Number((best.listSeconds + best.writeSeconds).toFixed(2)),
        roundsKeysPerSecond: syncs.map((p) => Math.round(p.keys / p.writeSeconds)),
      },
      rawBatchedPut: {
        keysPerSecond: Math.round(rawKeysPerSecond),
        roundsKeysPerSecond: raws.map(Math.round),
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
