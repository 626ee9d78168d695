/**
 * Consistency with a real process: SIGKILL in the middle of the initial sync of 5,000
 * services, change the cluster, restart → etcd equals the projection of the cluster (0
 * missing, 0 stale). Then the same after etcd itself restarts, with changes while it is down.
 * Needs dist/ (npm test builds it; run `npm run build` before running this file alone).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { project } from '../../clustermesh-apiserver/project.js';
import type { ProjectionOptions } from '../../clustermesh-apiserver/options.js';
import { must } from '../helpers/kv.js';
import { contents, seed, startMeshEnv, unseed, waitFor, type MeshEnv } from './env.js';
import { spawnApiserver, type ApiserverProcess } from './process.js';

const N = 5_000;
const opts: ProjectionOptions = { clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, defaultGlobalNamespace: true };
const SERVICES = 'cilium/state/services/v1/c1/';

const ip = (i: number, base: number) => `10.${base}.${(i >> 8) & 255}.${i & 255}`;
const svc = (i: number, generation = 0) => ({
  metadata: { namespace: 'load', name: `svc-${i}`, labels: { app: `a${i}` }, annotations: { 'service.cilium.io/global': 'true' } },
  spec: { type: 'ClusterIP', clusterIP: ip(i, 96 + generation), clusterIPs: [ip(i, 96 + generation)], selector: { app: `a${i}` }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});
const slice = (i: number, backends = 2) => ({
  metadata: { namespace: 'load', name: `svc-${i}-x`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
  addressType: 'IPv4',
  endpoints: Array.from({ length: backends }, (_, b) => ({ addresses: [ip(i * 4 + b, 200)], conditions: { ready: true } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

/** The cluster as the test changes it, so the expected projection can be computed. */
const cluster = { services: new Map<number, unknown>(), slices: new Map<number, unknown>(), namespaces: [{ metadata: { name: 'load' } }] };

function expected(): Map<string, string> {
  return project({ services: [...cluster.services.values()], endpointSlices: [...cluster.slices.values()], namespaces: cluster.namespaces, nodes: [], identities: [], endpoints: [] }, opts).entries;
}

async function change(env: MeshEnv, del: number[], add: number[], modify: number[]): Promise<void> {
  await unseed(env.api.kv, 'services', del.map((i) => cluster.services.get(i)));
  await unseed(env.api.kv, 'endpointslices', del.map((i) => cluster.slices.get(i)));
  for (const i of del) {
    cluster.services.delete(i);
    cluster.slices.delete(i);
  }
  for (const i of add) {
    cluster.services.set(i, svc(i));
    cluster.slices.set(i, slice(i));
  }
  for (const i of modify) {
    cluster.services.set(i, svc(i, 1));
    cluster.slices.set(i, slice(i, 3));
  }
  await seed(env.api.kv, 'services', [...add, ...modify].map((i) => cluster.services.get(i)));
  await seed(env.api.kv, 'endpointslices', [...add, ...modify].map((i) => cluster.slices.get(i)));
}

/** Missing and stale keys and wrong values of etcd against the expected projection. */
async function mismatch(env: MeshEnv): Promise<{ missing: number; stale: number; wrong: number }> {
  const want = expected();
  const have = await contents(env.mesh, 'cilium/state/');
  let missing = 0;
  let wrong = 0;
  for (const [k, v] of want) {
    if (!have.has(k)) missing++;
    else if (have.get(k) !== v) wrong++;
  }
  const stale = [...have.keys()].filter((k) => !want.has(k)).length;
  return { missing, stale, wrong };
}

const built = existsSync(new URL('../../dist/cli/main.js', import.meta.url));
if (!built) console.log('consistency tests skipped: dist/ is missing; run `npm run build` first');
let env: MeshEnv;
const procs: ApiserverProcess[] = [];

function start(batchSize: number): ApiserverProcess {
  const p = spawnApiserver(
    ['--kubeconfig', env.kubeconfigPath, '--cluster-name', 'c1', '--cluster-id', '1', '--etcd', env.meshEtcd.clientUrls.join(','), '--etcd-batch-size', String(batchSize)],
    env.dir,
    `apiserver-${procs.length}`,
  );
  procs.push(p);
  return p;
}

beforeAll(async () => {
  if (!built) return;
  env = await startMeshEnv();
  for (let i = 0; i < N; i++) {
    cluster.services.set(i, svc(i));
    cluster.slices.set(i, slice(i));
  }
  await seed(env.api.kv, 'namespaces', cluster.namespaces);
  await seed(env.api.kv, 'services', [...cluster.services.values()]);
  await seed(env.api.kv, 'endpointslices', [...cluster.slices.values()]);
}, 300_000);

afterAll(async () => {
  for (const p of procs) await p.kill();
  await env?.stop();
});

test.skipIf(!built)('SIGKILL mid initial sync, change the cluster, restart: 0 missing, 0 stale', async () => {
  // Small transactions stretch the initial sync so the kill lands inside it.
  const first = start(4);
  const atKill = await waitFor('initial sync under way', async () => {
    const n = must(await env.mesh.count(SERVICES)).count;
    return n >= 200 ? n : undefined;
  }, 400_000, 5);
  await first.kill('SIGKILL');
  const written = must(await env.mesh.count(SERVICES)).count;
  expect(written, `killed after ${atKill} services`).toBeLessThan(N);
  expect(must(await env.mesh.get('cilium/synced/c1/cilium/state/services/v1'))).toBeUndefined();

  // Delete some already written, add new ones, change some written and some not yet written.
  await change(env, range(0, 300), range(N, N + 300), [...range(300, 500), ...range(N - 200, N)]);
  const second = start(128);
  // Generous: on a shared, loaded machine listing 10,000 objects can take minutes.
  await second.waitReady(400_000);
  expect(await mismatch(env)).toEqual({ missing: 0, stale: 0, wrong: 0 });
  expect(must(await env.mesh.count(SERVICES)).count).toBe(N);
  expect(must(await env.mesh.get('cilium/synced/c1/cilium/state/services/v1'))).toBeDefined();
}, 600_000);

test.skipIf(!built)('etcd restarts while the apiserver runs, with changes while it is down: converges', async () => {
  await env.meshEtcd.stop();
  await change(env, range(1000, 1100), range(N + 300, N + 400), range(2000, 2100));
  const restarted = await env.meshEtcd.restart();
  expect(restarted.ok).toBe(true);
  await waitFor('etcd equals the projection', async () => {
    const m = await mismatch(env);
    return m.missing + m.stale + m.wrong === 0 ? m : undefined;
  }, 400_000, 500);
  expect(must(await env.mesh.get('cilium/cluster-config/c1'))).toBeDefined();
  // Still incremental afterwards.
  await change(env, [N + 300], [], []);
  await waitFor('deleted service withdrawn', async () => (must(await env.mesh.get(`${SERVICES}load/svc-${N + 300}`)) === undefined ? true : undefined), 30_000);
  expect(await mismatch(env)).toEqual({ missing: 0, stale: 0, wrong: 0 });
}, 600_000);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
