/**
 * The agent in-process against the sandbox API server (local cluster c1, ID 1) and a remote
 * cluster c2 (ID 2) in a real etcd with TLS and client-cert auth: remote backends are merged by
 * affinity, bad remote input is ignored with a metric and a log line, an outage keeps the
 * backends, a restart resyncs without duplicates, the cache TTL revokes, and removing the
 * config file drains.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgent, type Agent, type ClustermeshStatus } from '../../agent/agent.js';
import { clusterService, identityKv, ipcacheKv, nodeKv, serviceKv } from '../../agent-sync/remote-data.fixture.js';
import type { ServiceStatus } from '../../agent-sync/merge.js';
import { createCA } from '../../certs/index.js';
import { createObject, mergePatch } from '../../k8s/patch.js';
import { coreResource } from '../../k8s/resource.js';
import { createLogger } from '../../lib/log.js';
import { withApiServer } from '../k8s/harness.js';
import { getJson, metricSum, removeRemoteConfig, startRemoteEtcd, waitFor, writeRemoteConfig, type RemoteEtcd } from './harness.js';

const h = withApiServer();
const services = coreResource('services');
const slices = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

let c2: RemoteEtcd;
let configDir: string;
let ttlConfigDir: string;
let agent: Agent;
let ttlAgent: Agent;
const logs: string[] = [];

async function startTestAgent(dir: string, cacheTtlMs: number, sink: (l: string) => void = () => {}): Promise<Agent> {
  const r = await startAgent({
    kc: h.kc,
    nodeName: 'c1-node1',
    clusterName: 'c1',
    clusterId: 1,
    maxConnectedClusters: 255,
    clustermeshConfigDir: dir,
    cacheTtlMs,
    statusPort: 0,
    lifecycle: { backoffBaseMs: 100, backoffMaxMs: 500 },
    healthCheckMs: 300,
    configPollMs: 500,
    log: createLogger({}, sink, 'info'),
  });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

beforeAll(async () => {
  configDir = join(h.dir, 'clustermesh');
  ttlConfigDir = join(h.dir, 'clustermesh-ttl');
  mkdirSync(configDir);
  mkdirSync(ttlConfigDir);
  const ca = await createCA({ commonName: 'mesh-ca', validityDays: 1 });
  c2 = await startRemoteEtcd(h.dir, ca, 'c2');
  await c2.writeClusterConfig(2, { syncedCanaries: true, maxConnectedClusters: 255 });
  for (const kv of [
    serviceKv(clusterService('c2', 2, 'rebel-base', ['10.2.0.10'])),
    nodeKv('c2', 2, 'c2-node1', '192.0.2.2'),
    identityKv('c2', 2, 0),
    ipcacheKv('10.2.0.10', 131072),
  ]) {
    await c2.put(kv.key, kv.value);
  }
  await c2.writeCanaries();

  const svc = await createObject(h.kc, services, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'rebel-base', namespace: 'default', annotations: { 'service.cilium.io/global': 'true' } },
    spec: { selector: { app: 'rebel-base' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  } as never);
  if (!svc.ok) throw new Error(svc.error.message);
  const slice = await createObject(h.kc, slices, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'rebel-base-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'rebel-base' } },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.1.0.10'], conditions: { ready: true } },
      { addresses: ['10.1.0.11'], conditions: { ready: true } },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  } as never);
  if (!slice.ok) throw new Error(slice.error.message);

  await writeRemoteConfig(configDir, c2);
  await writeRemoteConfig(ttlConfigDir, c2);
  agent = await startTestAgent(configDir, 0, (l) => logs.push(l));
  ttlAgent = await startTestAgent(ttlConfigDir, 2_000);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await ttlAgent?.stop();
  await c2?.close();
  for (const d of [configDir, ttlConfigDir]) if (d) rmSync(d, { recursive: true, force: true });
});

const rebelBase = async (a: Agent): Promise<ServiceStatus | undefined> =>
  (await getJson<ServiceStatus[]>(`${a.statusUrl}/v1/services`)).find((s) => s.name === 'rebel-base');
const backendsOf = (s: ServiceStatus | undefined) =>
  (s?.backends ?? []).map((b) => `${b.clusterID}/${b.address}:${b.port}/${b.inUse ? 'in-use' : 'idle'}`).sort();
const remoteStatus = async (a: Agent, name = 'c2') =>
  (await getJson<ClustermeshStatus>(`${a.statusUrl}/v1/clustermesh`)).clusters.find((c) => c.name === name);

const ALL_IN_USE = ['1/10.1.0.10:8080/in-use', '1/10.1.0.11:8080/in-use', '2/10.2.0.10:8080/in-use'];

describe('agent with a remote cluster', () => {
  test('remote backends are merged into the global service and the remote is ready', async () => {
    await waitFor('c2 backend in the table', async () => backendsOf(await rebelBase(agent)).length === 3);
    const svc = await rebelBase(agent);
    expect(backendsOf(svc)).toEqual(ALL_IN_USE);
    expect(svc?.frontends).toHaveLength(1);
    expect(svc?.frontends[0]).toMatchObject({ port: 80, protocol: 'TCP', type: 'ClusterIP' });
    const status = await getJson<ClustermeshStatus>(`${agent.statusUrl}/v1/clustermesh`);
    expect(status).toMatchObject({ node: 'c1-node1', cluster: { name: 'c1', id: 1 }, globalServices: 1 });
    await waitFor('c2 ready', async () => (await remoteStatus(agent))?.ready);
    expect(await remoteStatus(agent)).toMatchObject({
      name: 'c2',
      configured: true,
      connected: true,
      ready: true,
      clusterID: 2,
      numServices: 1,
      numNodes: 1,
      numIdentities: 1,
      numEndpoints: 1,
    });
    expect(await metricSum(agent.statusUrl, 'cilium_clustermesh_remote_cluster_readiness_status', { target_cluster: 'c2' })).toBe(1);
    expect(await metricSum(agent.statusUrl, 'cilium_clustermesh_remote_clusters', { source_cluster: 'c1' })).toBe(1);
    for (const path of ['/healthz', '/readyz']) expect((await fetch(agent.statusUrl + path)).status, path).toBe(200);
    expect(await metricSum(agent.statusUrl, 'cilium_clustermesh_remote_cluster_nodes', { target_cluster: 'c2', source_node_name: 'c1-node1' })).toBe(1);
  });

  test('affinity local keeps the remote backend idle while local ones are active; table subscribers hear the key', async () => {
    const heard: string[] = [];
    const off = agent.onTableChange((keys) => heard.push(...keys));
    const patched = await mergePatch(h.kc, { ...services, namespace: 'default', name: 'rebel-base' }, {
      metadata: { annotations: { 'service.cilium.io/affinity': 'local' } },
    });
    expect(patched.ok).toBe(true);
    await waitFor('affinity applied', async () => backendsOf(await rebelBase(agent)).includes('2/10.2.0.10:8080/idle'));
    expect(backendsOf(await rebelBase(agent))).toEqual(['1/10.1.0.10:8080/in-use', '1/10.1.0.11:8080/in-use', '2/10.2.0.10:8080/idle']);
    expect(heard).toContain('default/rebel-base');
    off();
    await mergePatch(h.kc, { ...services, namespace: 'default', name: 'rebel-base' }, {
      metadata: { annotations: { 'service.cilium.io/affinity': 'none' } },
    });
    await waitFor('affinity none again', async () => backendsOf(await rebelBase(agent)).join() === ALL_IN_USE.join());
  });

  test('at least 200 malformed or mismatching remote values are ignored with a metric and a log line', async () => {
    const bad: { key: string; value: string }[] = [];
    const valid = serviceKv(clusterService('c2', 2, 'echo', ['10.2.0.20']));
    for (let i = 0; i < 60; i++) {
      const s = serviceKv(clusterService('c2', 2, `bad-${i}`, ['10.2.0.30']));
      bad.push({ key: s.key, value: i % 2 === 0 ? '{not json' : s.value.replace('"clusterID":2', '"clusterID":9') });
    }
    for (let i = 0; i < 40; i++) {
      const s = serviceKv(clusterService('c3', 3, `stray-${i}`, ['10.3.0.1']));
      bad.push({ key: `cilium/state/services/v1/c2/default/stray-${i}`, value: s.value });
    }
    for (let i = 0; i < 40; i++) {
      const n = nodeKv('c2', 2, `n-${i}`, '192.0.2.9');
      bad.push({ key: n.key, value: n.value.replace('192.0.2.9', `300.0.0.${i}`) });
    }
    for (let i = 0; i < 40; i++) {
      const foreign = identityKv('c3', 3, i);
      bad.push({ key: `cilium/state/identities/v1/id/${131072 + 100 + i}`, value: foreign.value });
    }
    for (let i = 0; i < 40; i++) {
      const p = ipcacheKv(`10.2.1.${i}`, 131072);
      bad.push({ key: `cilium/state/ip/v1/default/10.2.2.${i}`, value: p.value });
    }
    expect(bad.length).toBeGreaterThanOrEqual(200);
    const logsBefore = logs.length;
    const before = await metricSum(agent.statusUrl, 'cilium_clustermesh_remote_invalid_entries_total', { target_cluster: 'c2' });
    for (const kv of bad) await c2.put(kv.key, kv.value);
    await c2.put(valid.key, valid.value);

    await waitFor('every bad value counted', async () =>
      (await metricSum(agent.statusUrl, 'cilium_clustermesh_remote_invalid_entries_total', { target_cluster: 'c2' })) - before === bad.length,
    );
    const url = agent.statusUrl;
    expect(await metricSum(url, 'cilium_clustermesh_remote_invalid_entries_total', { kind: 'services', reason: 'bad_json' })).toBeGreaterThanOrEqual(30);
    expect(await metricSum(url, 'cilium_clustermesh_remote_invalid_entries_total', { kind: 'services', reason: 'mismatch' })).toBeGreaterThanOrEqual(70);
    expect(await metricSum(url, 'cilium_clustermesh_remote_invalid_entries_total', { kind: 'identities', reason: 'mismatch' })).toBe(40);
    expect(await metricSum(url, 'cilium_clustermesh_remote_invalid_entries_total', { kind: 'ipcache', reason: 'mismatch' })).toBe(40);
    const lines = logs.slice(logsBefore).filter((l) => l.includes('ignoring invalid entry from remote cluster'));
    expect(lines).toHaveLength(bad.length);
    expect(lines.some((l) => l.includes('key=cilium/state/services/v1/c2/default/stray-0') && l.includes('reason=mismatch'))).toBe(true);

    // The valid ones are still served, and nothing invalid made it in.
    await waitFor('echo served', async () => (await remoteStatus(agent))?.numServices === 2);
    expect(await remoteStatus(agent)).toMatchObject({ ready: true, numServices: 2, numNodes: 1, numIdentities: 1, numEndpoints: 1 });
    expect(backendsOf(await rebelBase(agent))).toEqual(ALL_IN_USE);
  });

  test('remote etcd stopped: backends kept, not ready; cache TTL revokes on the TTL agent; restart resyncs without duplicates', async () => {
    await waitFor('ttl agent ready', async () => (await remoteStatus(ttlAgent))?.ready);
    await c2.etcd.stop();
    await waitFor('c2 not ready', async () => (await remoteStatus(agent))?.connected === false);
    const down = await remoteStatus(agent);
    expect(down).toMatchObject({ ready: false, connected: false, numServices: 2, numNodes: 1 });
    expect(down?.numFailures).toBeGreaterThan(0);
    expect(down?.lastError).toMatch(/unreachable|etcd/);
    expect(await metricSum(agent.statusUrl, 'cilium_clustermesh_remote_cluster_readiness_status', { target_cluster: 'c2' })).toBe(0);

    await waitFor('ttl agent revoked c2 services', async () => backendsOf(await rebelBase(ttlAgent)).length === 2, 15_000);
    expect(backendsOf(await rebelBase(ttlAgent))).toEqual(['1/10.1.0.10:8080/in-use', '1/10.1.0.11:8080/in-use']);
    expect(await remoteStatus(ttlAgent)).toMatchObject({ servicesRevoked: true, numServices: 0, numNodes: 1 });
    // The agent without a TTL still serves the cached remote backend after all that time.
    expect(backendsOf(await rebelBase(agent))).toEqual(ALL_IN_USE);

    const restarted = await c2.etcd.restart();
    expect(restarted.ok).toBe(true);
    await waitFor('c2 ready again', async () => (await remoteStatus(agent))?.ready, 30_000);
    await waitFor('ttl agent has c2 again', async () => backendsOf(await rebelBase(ttlAgent)).length === 3, 30_000);
    expect(backendsOf(await rebelBase(agent))).toEqual(ALL_IN_USE);
    expect(backendsOf(await rebelBase(ttlAgent))).toEqual(ALL_IN_USE);
    expect(await remoteStatus(agent)).toMatchObject({ ready: true, numServices: 2, numNodes: 1, numIdentities: 1, numEndpoints: 1 });
  });

  test('removing the config file disconnects and drains the cluster', async () => {
    await removeRemoteConfig(configDir, 'c2');
    await waitFor('c2 gone from status', async () => (await remoteStatus(agent)) === undefined || undefined);
    await waitFor('c2 backends drained', async () => backendsOf(await rebelBase(agent)).length === 2);
    expect(backendsOf(await rebelBase(agent))).toEqual(['1/10.1.0.10:8080/in-use', '1/10.1.0.11:8080/in-use']);
    const status = await getJson<ClustermeshStatus>(`${agent.statusUrl}/v1/clustermesh`);
    expect(status).toMatchObject({ globalServices: 0, clusters: [] });
    expect(await metricSum(agent.statusUrl, 'cilium_clustermesh_remote_clusters')).toBe(0);
  });
});
