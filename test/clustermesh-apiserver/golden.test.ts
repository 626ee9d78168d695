/**
 * Golden, end to end: the fixture objects in the sandbox API server, the apiserver module
 * reading them through list/watch, and etcd holding exactly the expected projection.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeClusterConfig } from '../../clustermesh/cluster-config.js';
import { startApiserver, type RunningApiserver } from '../../clustermesh-apiserver/index.js';
import { loadGoldenExpected, loadGoldenInputs, runGolden } from '../../clustermesh-apiserver/testdata/golden.js';
import { silentLogger } from '../../lib/log.js';
import { contents, seed, startMeshEnv, type MeshEnv } from './env.js';

const inputs = loadGoldenInputs();
const expected = loadGoldenExpected();
let env: MeshEnv;
let apiserver: RunningApiserver | undefined;

beforeAll(async () => {
  env = await startMeshEnv();
  const { identities, endpoints } = runGolden(inputs);
  await seed(env.api.kv, 'namespaces', inputs.namespaces);
  await seed(env.api.kv, 'services', inputs.services);
  await seed(env.api.kv, 'endpointslices', inputs.endpointSlices);
  await seed(env.api.kv, 'nodes', inputs.nodes);
  await seed(env.api.kv, 'ciliumidentities', identities);
  await seed(env.api.kv, 'ciliumendpoints', endpoints);
  const o = inputs.options;
  const started = await startApiserver(
    {
      clusterName: o.clusterName, clusterId: o.clusterId, maxConnectedClusters: o.maxConnectedClusters,
      defaultGlobalNamespace: o.defaultGlobalNamespace, etcdEndpoints: env.meshEtcd.clientUrls, healthPort: 0,
    },
    silentLogger,
    { kc: env.kc },
  );
  if (!started.ok) throw new Error(started.error);
  apiserver = started.value;
  await started.value.initialSync;
}, 60_000);

afterAll(async () => {
  await apiserver?.stop();
  await env?.stop();
});

describe('golden: fixtures in the API server → etcd', () => {
  test('cilium/state/ holds exactly the expected keys and values', async () => {
    const state = await contents(env.mesh, 'cilium/state/');
    expect([...state.keys()].sort()).toEqual(Object.keys(expected.entries).sort());
    for (const [key, want] of Object.entries(expected.entries)) {
      const got = state.get(key)!;
      if (typeof want === 'string') expect(got, key).toBe(want); // identity labels byte for byte
      else expect(JSON.parse(got), key).toEqual(want);
    }
  });

  test('cluster config, sync canaries and heartbeat are present under a lease', async () => {
    const all = await contents(env.mesh, 'cilium/');
    const config = decodeClusterConfig(all.get('cilium/cluster-config/c1')!, 255);
    expect(config).toEqual({ ok: true, value: { id: 1, capabilities: { syncedCanaries: true, cached: false, maxConnectedClusters: 255, serviceExportsEnabled: false } } });
    const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    for (const prefix of ['cilium/state/nodes/v1', 'cilium/state/services/v1', 'cilium/state/identities/v1', 'cilium/state/ip/v1']) {
      expect(all.get(`cilium/synced/c1/${prefix}`), prefix).toMatch(rfc3339);
    }
    expect(all.get('cilium/.heartbeat')).toMatch(rfc3339);
    for (const key of ['cilium/cluster-config/c1', 'cilium/synced/c1/cilium/state/nodes/v1', 'cilium/.heartbeat']) {
      const entry = await env.mesh.get(key);
      expect(entry.ok && entry.value?.lease !== '0', key).toBe(true);
    }
  });

  test('ready after the initial sync; metrics count each rejected object once', async () => {
    const url = apiserver!.observability!.url;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const rejected = metrics.split('\n').filter((l) => l.startsWith('cilium_clustermesh_apiserver_rejected_objects_total{'));
    const total = rejected.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect(total).toBe(expected.rejected.length);
    expect(metrics).toMatch(/cilium_kvstore_initial_sync_completed\{scope="cilium\/state\/services\/v1",source="c1",action="write",process="clustermesh-apiserver"\} 1/);
    expect(metrics).toMatch(/cilium_kvstore_operations_duration_seconds_count\{[^}]*action="update"[^}]*outcome="success"/);
  });
});
