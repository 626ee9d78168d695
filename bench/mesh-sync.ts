/**
 * Mesh benchmark, initial sync: an in-process agent (startAgent) syncing remote etcds filled
 * in Cilium's format with the admin certificate. A cluster's identities must lie in its
 * 65,536-wide range, so the 100,000 identities come from two remotes: A (50,000 services,
 * 50,000 identities, 50,000 ipcache entries) and B (50,000 identities, 50,000 ipcache entries).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  issueClustermeshCerts,
  writeCertFiles,
  type CertFiles,
  type Pem,
} from '../certs/index.js';
import { encodeClusterConfig } from '../clustermesh/cluster-config.js';
import { identityRange } from '../clustermesh/cluster.js';
import { CANARY_PREFIXES, clusterConfigKey, syncCanaryKey, type CanaryKind } from '../clustermesh/keys.js';
import { etcdInit } from '../clustermesh-apiserver/etcdinit.js';
import { connectKv } from '../kvstore/etcd.js';
import { silentLogger } from '../lib/log.js';
import { startEtcd, type EtcdHandle } from '../sandbox/etcd/index.js';
import { startBenchApi } from './api-world.js';
import { SCALE, log, memory, must, round, waitUntil } from './mesh-common.js';

const SERVICES = Math.round(50_000 * SCALE);
/** Per remote; two remotes. */
const IDENTITIES = Math.round(50_000 * SCALE);
const IPCACHE = Math.round(50_000 * SCALE);

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

export async function initialSync(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-bench-sync-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const api = await startBenchApi('sync-kube');
    stops.push(() => api.stop());
    const { kc } = api;

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
