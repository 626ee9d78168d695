/**
 * Remotes the agent must refuse (duplicate ID, the local ID, a different
 * maxConnectedClusters, no cluster config) show the reason in /v1/clustermesh; a remote that
 * advertises sync canaries is not watched until its canaries exist. The config directory is
 * laid out the way kubelet mounts a Secret (`..data` symlink swapped by rename), so every
 * change here also exercises that path.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgent, type Agent, type ClustermeshStatus } from '../../agent/agent.js';
import { clusterService, serviceKv } from '../../agent-sync/remote-data.fixture.js';
import type { ServiceStatus } from '../../agent-sync/merge.js';
import { createCA, issueClustermeshCert, writeCertFiles, type Pem } from '../../certs/index.js';
import { syncCanaryKey } from '../../clustermesh/keys.js';
import { createObject } from '../../k8s/patch.js';
import { coreResource } from '../../k8s/resource.js';
import { createLogger } from '../../lib/log.js';
import { withApiServer } from '../k8s/harness.js';
import { getJson, startRemoteEtcd, waitFor, type RemoteEtcd } from './harness.js';

const h = withApiServer();
let c2: RemoteEtcd;
/** One etcd (TLS, client certificates required, no etcd users) holding several clusters' data. */
let shared: RemoteEtcd;
let secretDir: string;
let agent: Agent;
const logs: string[] = [];
let generation = 0;
let ca: Pem;

function configYaml(remote: RemoteEtcd, extra = ''): string {
  const f = remote.remoteFiles;
  return `endpoints:\n- ${remote.etcd.clientUrls[0]}\ntrusted-ca-file: ${f.caFile}\nkey-file: ${f.keyFile}\ncert-file: ${f.certFile}\n${extra}`;
}

/** Kubelet's atomic writer: a new `..<gen>` dir, `..data` swapped by rename, one symlink per key. */
async function publishSecret(files: Record<string, string>): Promise<void> {
  const gen = `..gen-${++generation}`;
  await mkdir(join(secretDir, gen));
  for (const [name, content] of Object.entries(files)) await writeFile(join(secretDir, gen, name), content);
  let old: string | undefined;
  try {
    old = await readlink(join(secretDir, '..data'));
  } catch {
    old = undefined;
  }
  await symlink(gen, join(secretDir, '..data_tmp'));
  await rename(join(secretDir, '..data_tmp'), join(secretDir, '..data'));
  for (const name of Object.keys(files)) {
    await symlink(join('..data', name), join(secretDir, name)).catch(() => undefined);
  }
  if (old) {
    const { readdir } = await import('node:fs/promises');
    for (const name of await readdir(join(secretDir, old))) {
      if (!(name in files)) await rm(join(secretDir, name), { force: true });
    }
    await rm(join(secretDir, old), { recursive: true, force: true });
  }
}

beforeAll(async () => {
  secretDir = join(h.dir, 'cilium-clustermesh');
  mkdirSync(secretDir);
  ca = await createCA({ commonName: 'mesh-ca', validityDays: 1 });
  c2 = await startRemoteEtcd(h.dir, ca, 'c2');
  await c2.writeClusterConfig(2);
  shared = await startRemoteEtcd(h.dir, ca, 'shared', false);
  const configs: [string, number, object][] = [
    ['c3', 2, { maxConnectedClusters: 255 }],
    ['c4', 1, { maxConnectedClusters: 255 }],
    ['c5', 5, { maxConnectedClusters: 511 }],
    ['c7', 7, { maxConnectedClusters: 255, syncedCanaries: true }],
  ];
  for (const [name, id, caps] of configs) {
    await shared.put(`cilium/cluster-config/${name}`, JSON.stringify({ id, capabilities: caps }));
  }
  const echo = serviceKv(clusterService('c7', 7, 'echo', ['10.7.0.1']));
  await shared.put(echo.key, echo.value);
  const svc = await createObject(h.kc, coreResource('services'), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo', namespace: 'default', annotations: { 'service.cilium.io/global': 'true' } },
    spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  } as never);
  if (!svc.ok) throw new Error(svc.error.message);

  await publishSecret({ c2: configYaml(c2) });
  const r = await startAgent({
    kc: h.kc,
    nodeName: 'c1-node1',
    clusterName: 'c1',
    clusterId: 1,
    maxConnectedClusters: 255,
    clustermeshConfigDir: secretDir,
    statusPort: 0,
    lifecycle: { backoffBaseMs: 100, backoffMaxMs: 500 },
    healthCheckMs: 300,
    configPollMs: 60_000, // only fs.watch: the symlink swap must be noticed without polling
    log: createLogger({}, (l) => logs.push(l), 'info'),
  });
  if (!r.ok) throw new Error(r.error);
  agent = r.value;
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await c2?.close();
  await shared?.close();
  if (secretDir) rmSync(secretDir, { recursive: true, force: true });
});

const status = () => getJson<ClustermeshStatus>(`${agent.statusUrl}/v1/clustermesh`);
const remote = async (name: string) => (await status()).clusters.find((c) => c.name === name);
const echoBackends = async () =>
  ((await getJson<ServiceStatus[]>(`${agent.statusUrl}/v1/services`)).find((s) => s.name === 'echo')?.backends ?? []).map(
    (b) => `${b.clusterID}/${b.address}`,
  );

describe('refused remote clusters', () => {
  test('duplicate ID, local ID, different maxConnectedClusters and a missing config are refused with the reason', async () => {
    await waitFor('c2 connected', async () => (await remote('c2'))?.connected);
    const all = { c2: configYaml(c2), c3: configYaml(shared), c4: configYaml(shared), c5: configYaml(shared), c6: configYaml(shared) };
    await publishSecret(all);
    const expected: Record<string, RegExp> = {
      c3: /^remote cluster c3 has cluster ID 2, already used by remote cluster c2$/,
      c4: /^remote cluster c4 has cluster ID 1, the same as the local cluster c1$/,
      c5: /^remote cluster c5 has maxConnectedClusters 511, the local cluster 255$/,
      c6: /configuration required but not found/,
    };
    for (const [name, reason] of Object.entries(expected)) {
      await waitFor(`${name} refused`, async () => (await remote(name))?.lastError);
      const s = await remote(name);
      expect(s, name).toMatchObject({ configured: true, connected: false, ready: false });
      expect(s?.lastError, name).toMatch(reason);
    }
    expect(await remote('c2')).toMatchObject({ connected: true, clusterID: 2 });
    expect(logs.some((l) => l.includes('remote cluster refused') && l.includes('code=id-duplicate'))).toBe(true);
  });

  test('a remote with sync canaries is not watched until its canaries exist', async () => {
    await publishSecret({ c2: configYaml(c2), c7: configYaml(shared) });
    await waitFor('c3..c6 removed', async () => (await status()).clusters.length === 2);
    await waitFor('c7 waiting for canaries', async () => (await remote('c7'))?.phase === 'waiting-for-canaries');
    await new Promise((r) => setTimeout(r, 500));
    expect(await remote('c7')).toMatchObject({ connected: true, ready: false, numServices: 0, phase: 'waiting-for-canaries' });
    expect(await echoBackends()).toEqual([]);
    for (const kind of ['nodes', 'identities', 'ipcache'] as const) {
      await shared.put(syncCanaryKey('c7', kind), new Date().toISOString());
    }
    await waitFor('three kinds synced', async () => (await remote('c7'))?.synced.length === 3);
    expect(await remote('c7')).toMatchObject({ phase: 'waiting-for-canaries', synced: ['identities', 'ipcache', 'nodes'] });
    expect(await echoBackends()).toEqual([]);
    await shared.put(syncCanaryKey('c7', 'services'), new Date().toISOString());
    await waitFor('c7 ready', async () => (await remote('c7'))?.ready);
    expect(await echoBackends()).toEqual(['7/10.7.0.1']);
  });

  test('a changed config file reconnects; removing it from the Secret drains', async () => {
    const before = logs.length;
    await publishSecret({ c2: configYaml(c2), c7: configYaml(shared, '# rotated\n') });
    await waitFor('reconnect logged', () => logs.slice(before).some((l) => l.includes('config changed: reconnecting') && l.includes('remote=c7')));
    await waitFor('c7 ready after reconnect', async () => (await remote('c7'))?.ready);
    expect(await echoBackends()).toEqual(['7/10.7.0.1']);
    await publishSecret({ c2: configYaml(c2) });
    await waitFor('c7 drained', async () => (await remote('c7')) === undefined && (await echoBackends()).length === 0);
    expect((await status()).clusters.map((c) => c.name)).toEqual(['c2']);
  });

  test('rotated client certificate files reconnect the cluster', async () => {
    const before = logs.length;
    const fresh = await issueClustermeshCert('remote', { ca, clusterName: 'c2', validityDays: 1 });
    await writeCertFiles(dirname(c2.remoteFiles.certFile), fresh, ca.certPem);
    await waitFor('rotation noticed', () =>
      logs.slice(before).some((l) => l.includes('client certificates changed: reconnecting') && l.includes('remote=c2')),
    );
    await waitFor('c2 ready with the new certificate', async () => (await remote('c2'))?.ready);
  });
});
