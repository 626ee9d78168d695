/**
 * Cluster mesh: (1) propagation latency of an EndpointSlice change in c1 to c2's agent
 * `/v1/services` in a connected 2-cluster `meshlb sandbox`, at ~100 changes/s; (2) an
 * in-process agent's initial sync of a remote etcd holding 50,000 services, and the agent's
 * memory with 50,000 remote services + 100,000 identities + 100,000 ipcache entries.
 *
 * A cluster's identities must lie in its 65,536-wide range, so the 100,000 identities come
 * from two remotes: A (the 50,000 services, 50,000 identities, 50,000 ipcache entries) and B
 * (50,000 identities, 50,000 ipcache entries). BENCH_SCALE (default 1) multiplies every count
 * and the propagation duration. Progress goes to stderr.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KubeConfig } from '@kubernetes/client-node';
import { startAgent } from '../agent/agent.js';
import {
  clusterService,
  identityKv,
  ipcacheKv,
  serviceKv,
  type KeyValue,
} from '../agent-sync/remote-data.fixture.js';
import {
  createCA,
  issueCertificate,
  issueClustermeshCerts,
  writeCertFiles,
  type CertFiles,
  type Pem,
} from '../certs/index.js';
import { encodeClusterConfig } from '../clustermesh/cluster-config.js';
import { identityRange } from '../clustermesh/cluster.js';
import { CANARY_PREFIXES, clusterConfigKey, syncCanaryKey, type CanaryKind } from '../clustermesh/keys.js';
import { etcdInit } from '../clustermesh-apiserver/etcdinit.js';
import { createObject, mergePatch } from '../k8s/patch.js';
import { coreResource } from '../k8s/resource.js';
import { connectKv } from '../kvstore/etcd.js';
import { silentLogger } from '../lib/log.js';
import { crdDir, meshlbBin } from '../lib/repo.js';
import { startApiServer } from '../sandbox/apiserver/server.js';
import { startEtcd, type EtcdHandle } from '../sandbox/etcd/index.js';
import { percentile } from './util.js';

const exec = promisify(execFile);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SERVICES = Math.round(50_000 * SCALE);
/** Per remote; two remotes. */
const IDENTITIES = Math.round(50_000 * SCALE);
const IPCACHE = Math.round(50_000 * SCALE);
const CHANGE_INTERVAL_MS = 10;
const PROPAGATION_MS = Math.max(1_000, Math.round(10_000 * Math.min(1, SCALE)));
const POLL_MS = 10;

const log = (m: string): void => void process.stderr.write(`[bench mesh] ${m}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function memory(): { rssMiB: number; heapMiB: number } {
  gc();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
}

async function waitUntil(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(probe)
      .catch(() => false))
  ) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

// ---------------------------------------------------------------- propagation (sandbox)

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

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.message}`);
  return r.value;
}

// ---------------------------------------------------------------- initial sync (in-process agent)

interface Remote {
  readonly name: string;
  readonly id: number;
  readonly etcd: EtcdHandle;
  readonly configYaml: string;
  /** What the bench writes with. */
  readonly admin: CertFiles;
}

async function startRemote(dir: string, ca: Pem, name: string, id: number): Promise<Remote> {
  const certs = await issueClustermeshCerts({ ca, clusterName: name, validityDays: 1 });
  const base = join(dir, name);
  const server = await writeCertFiles(join(base, 'server'), certs.server, ca.certPem);
  const admin = await writeCertFiles(join(base, 'admin'), certs.admin, ca.certPem);
  const remote = await writeCertFiles(join(base, 'remote'), certs.remote, ca.certPem);
  const etcd = await startEtcd({
    dataDir: join(base, 'etcd'),
    name,
    tls: { ...server, clientCertAuth: true },
  });
  if (!etcd.ok) throw new Error(`etcd ${name}: ${etcd.error.message}`);
  const init = await etcdInit(
    { endpoints: etcd.value.clientUrls, ...admin, clusterName: name },
    silentLogger,
  );
  if (!init.ok) throw new Error(`etcdinit ${name}: ${init.error.message}`);
  const configYaml = [
    'endpoints:',
    ...etcd.value.clientUrls.map((u) => `- ${u}`),
    `trusted-ca-file: ${remote.caFile}`,
    `key-file: ${remote.keyFile}`,
    `cert-file: ${remote.certFile}`,
    '',
  ].join('\n');
  return { name, id, etcd: etcd.value, configYaml, admin };
}

/** Writes a remote's data in Cilium's format with the admin certificate, canaries last. */
async function fillRemote(remote: Remote, services: number): Promise<number> {
  const kv = connectKv(
    { endpoints: remote.etcd.clientUrls, tls: remote.admin, callTimeoutMs: 60_000 },
    silentLogger,
  );
  try {
    const kvs: KeyValue[] = [];
    const ip = (octet: number, i: number): string => `10.${octet}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < services; i++)
      kvs.push(serviceKv(clusterService(remote.name, remote.id, `svc-${i}`, [ip(100 + remote.id, i)])));
    const firstId = Math.max(identityRange(remote.id, 255).min, 256);
    for (let n = 0; n < IDENTITIES; n++) kvs.push(identityKv(remote.name, remote.id, n));
    for (let i = 0; i < IPCACHE; i++)
      kvs.push(ipcacheKv(ip(remote.id, i), firstId + (i % Math.max(1, IDENTITIES))));
    must(
      await kv.applyBatched(
        kvs.map((x) => ({ op: 'put' as const, key: x.key, value: x.value })),
        { batchSize: 128 },
      ),
      `fill ${remote.name}`,
    );
    const meta = [
      {
        key: clusterConfigKey(remote.name),
        value: encodeClusterConfig({
          id: remote.id,
          capabilities: { syncedCanaries: true, maxConnectedClusters: 255 },
        }),
      },
      ...(Object.keys(CANARY_PREFIXES) as CanaryKind[]).map((k) => ({
        key: syncCanaryKey(remote.name, k),
        value: new Date().toISOString(),
      })),
    ];
    for (const m of meta) must(await kv.put(m.key, m.value), `put ${m.key}`);
    return kvs.length;
  } finally {
    await kv.close();
  }
}

async function initialSync(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-bench-sync-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const localEtcd = await startEtcd({ dataDir: join(dir, 'local-etcd') });
    if (!localEtcd.ok) throw new Error(localEtcd.error.message);
    stops.push(() => localEtcd.value.stop());
    const localKv = connectKv({ endpoints: localEtcd.value.clientUrls }, silentLogger);
    stops.push(() => localKv.close());
    const ca = await createCA({ commonName: 'bench-ca', validityDays: 1 });
    const leaf = await issueCertificate(ca, {
      commonName: 'apiserver',
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
      validityDays: 1,
    });
    const api = await startApiServer({
      kv: localKv,
      tls: { cert: leaf.certPem, key: leaf.keyPem },
      token: 'bench',
      logger: silentLogger,
      crdDir,
    });
    if (!api.ok) throw new Error(api.error);
    stops.push(() => api.value.stop());
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'b', server: api.value.url, caData: Buffer.from(ca.certPem).toString('base64') }],
      users: [{ name: 'b', token: 'bench' }],
      contexts: [{ name: 'b', cluster: 'b', user: 'b' }],
      currentContext: 'b',
    });

    const meshCa = await createCA({ commonName: 'mesh-ca', validityDays: 1 });
    const a = await startRemote(dir, meshCa, 'remote-a', 2);
    stops.push(() => a.etcd.stop());
    const b = await startRemote(dir, meshCa, 'remote-b', 3);
    stops.push(() => b.etcd.stop());
    log(`writing remote-a: ${SERVICES} services, ${IDENTITIES} identities, ${IPCACHE} ipcache entries ...`);
    const keysA = await fillRemote(a, SERVICES);
    log(`writing remote-b: ${IDENTITIES} identities, ${IPCACHE} ipcache entries ...`);
    const keysB = await fillRemote(b, 0);

    const configDir = join(dir, 'clustermesh');
    await mkdir(configDir);
    const before = memory();
    const started = await startAgent({
      kc,
      nodeName: 'bench-node1',
      clusterName: 'local',
      clusterId: 1,
      maxConnectedClusters: 255,
      clustermeshConfigDir: configDir,
      statusPort: 0,
      configPollMs: 100,
      log: silentLogger,
    });
    if (!started.ok) throw new Error(started.error);
    const agent = started.value;
    stops.push(() => agent.stop());
    const ready = (name: string): boolean =>
      agent.clustermeshStatus().clusters.some((c) => c.name === name && c.ready);

    log('agent: initial sync of remote-a ...');
    const t0 = performance.now();
    await writeFile(join(configDir, a.name), a.configYaml);
    await waitUntil('remote-a ready', () => ready(a.name), 900_000, 10);
    const syncA = performance.now() - t0;
    log('agent: initial sync of remote-b ...');
    const t1 = performance.now();
    await writeFile(join(configDir, b.name), b.configYaml);
    await waitUntil('remote-b ready', () => ready(b.name), 900_000, 10);
    const syncB = performance.now() - t1;
    const counts = agent.clustermeshStatus().clusters.map((c) => ({
      name: c.name,
      services: c.numServices,
      identities: c.numIdentities,
      ipcache: c.numEndpoints,
    }));
    const after = memory();
    return {
      remoteA: {
        keys: keysA,
        services: SERVICES,
        identities: IDENTITIES,
        ipcache: IPCACHE,
        initialSyncMs: Math.round(syncA),
      },
      remoteB: { keys: keysB, identities: IDENTITIES, ipcache: IPCACHE, initialSyncMs: Math.round(syncB) },
      agentCounts: counts,
      agentMemory: {
        totals: { services: SERVICES, identities: 2 * IDENTITIES, ipcache: 2 * IPCACHE },
        rssDeltaMiB: round(after.rssMiB - before.rssMiB),
        heapDeltaMiB: round(after.heapMiB - before.heapMiB),
        note: 'in-process agent: delta of this process after gc, from before the agent started to both remotes synced',
      },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`cleanup: ${String(err)}`));
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
