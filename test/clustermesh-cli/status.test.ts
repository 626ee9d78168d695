/**
 * The whole chain with real parts: `clustermesh connect` writes cluster a's Secret, the
 * kubelet-like syncer mirrors it into a directory, a real agent reads it and connects to
 * cluster b's TLS etcd (remote certificate from b's Secret), and `clustermesh status` reports
 * it in the reference format. Also: unreachable agents, --wait expiring, env.json discovery.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent.js';
import { runClustermesh } from '../../clustermesh-cli/cli.js';
import { syncSecretToDir, type SecretSync } from '../../clustermesh-cli/secret-sync.js';
import { silentLogger } from '../../lib/log.js';
import { startRemoteEtcd, type RemoteEtcd } from '../agent/harness.js';
import { capture, seedCluster, startClusters, type Clusters } from './clusters.js';

let clusters: Clusters;
let c2: RemoteEtcd | undefined;
let sync: SecretSync | undefined;
let agent: Agent | undefined;
let configDir: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await runClustermesh([...args, '--kubeconfig', clusters.kubeconfig], c.io);
  return { code, out: c.out, err: c.err };
}

beforeAll(async () => {
  clusters = await startClusters(['a', 'b']);
  c2 = await startRemoteEtcd(clusters.dir, clusters.sharedCa, 'c2');
  await c2.writeClusterConfig(2, { syncedCanaries: true, maxConnectedClusters: 255 });
  await c2.writeCanaries();
  await seedCluster(clusters, 'a', { name: 'c1', id: 1 });
  await seedCluster(clusters, 'b', { name: 'c2', id: 2, endpoint: c2.etcd.clientUrls[0] });
  configDir = join(clusters.dir, 'agent-a', 'clustermesh');
  await mkdir(configDir, { recursive: true });
  sync = syncSecretToDir({ kc: clusters.kc('a'), namespace: 'kube-system', name: 'cilium-clustermesh', dir: configDir });
  await sync.whenSynced();
  const started = await startAgent({
    kc: clusters.kc('a'),
    nodeName: 'c1-node1',
    clusterName: 'c1',
    clusterId: 1,
    maxConnectedClusters: 255,
    clustermeshConfigDir: configDir,
    statusPort: 0,
    lifecycle: { backoffBaseMs: 100, backoffMaxMs: 500 },
    healthCheckMs: 300,
    configPollMs: 300,
    log: silentLogger,
  });
  if (!started.ok) throw new Error(started.error);
  agent = started.value;
});

afterAll(async () => {
  await agent?.stop();
  await sync?.stop();
  await c2?.close();
  await clusters?.stop();
});

test('connect → synced config directory → real agent connected → status in the reference format', async () => {
  const connected = await cli('connect', '--context', 'a', '--destination-context', 'b', '--connection-mode', 'unicast', '--config-dir-path', configDir);
  expect(connected.err).toBe('');
  expect(connected.code).toBe(0);

  // With no remote configured yet every node is trivially connected to all clusters, so first
  // wait for the agent to have picked up the synced file; --wait then waits for the sync.
  const seen = Date.now() + 15_000;
  while (!agent!.clustermeshStatus().clusters.some((c) => c.name === 'c2') && Date.now() < seen) await new Promise((res) => setTimeout(res, 50));
  const r = await cli('status', '--agent', agent!.statusUrl, '--wait', '--wait-duration', '30s');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toBe(
    [
      '✅ All 1 nodes are connected to all clusters [min:1 / avg:1.0 / max:1]',
      '🔌 Cluster Connections:',
      '  - c2: 1/1 configured, 1/1 connected',
      '🔀 Global services: [ min:0 / avg:0.0 / max:0 ]',
      '',
    ].join('\n'),
  );

  const json = await cli('status', '--agent', agent!.statusUrl, '-o', 'json');
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out)).toMatchObject({ nodes: 1, notReady: 0, allConnected: true, clusters: [{ name: 'c2', configured: 1, connected: 1 }], errors: [] });

  // env.json discovery, as the sandbox writes it.
  const env = join(clusters.dir, 'env.json');
  await writeFile(env, JSON.stringify({ kubeconfig: clusters.kubeconfig, clusters: [{ name: 'c1', context: 'a', agents: [{ node: 'c1-node1', status: agent!.statusUrl }] }] }));
  const viaEnv = await cli('status', '--context', 'a', '--sandbox-env', env);
  expect(viaEnv.code).toBe(0);
  expect(viaEnv.out).toBe(r.out);

  // Disconnect removes the file; the agent drops the remote.
  expect((await cli('disconnect', '--context', 'a', '--destination-context', 'b')).code).toBe(0);
  const deadline = Date.now() + 15_000;
  let clustersSeen: unknown[] = [{}];
  while (clustersSeen.length > 0 && Date.now() < deadline) {
    const s = await cli('status', '--agent', agent!.statusUrl, '-o', 'json');
    clustersSeen = (JSON.parse(s.out) as { clusters: unknown[] }).clusters;
    if (clustersSeen.length > 0) await new Promise((res) => setTimeout(res, 100));
  }
  expect(clustersSeen).toEqual([]);
});

test('an unreachable agent is reported, and --wait gives up with exit 1', async () => {
  const r = await cli('status', '--agent', agent!.statusUrl, '--agent', 'http://127.0.0.1:1', '--wait', '--wait-duration', '1s');
  expect(r.code).toBe(1);
  expect(r.out.split('\n')[0]).toBe('⚠️  1/2 nodes are not connected to all clusters [min:0 / avg:0.0 / max:0]');
  expect(r.out).toContain('  ❌ http://127.0.0.1:1: status unavailable: GET http://127.0.0.1:1/v1/clustermesh:');
  expect(r.err).toBe('Error: not all nodes are connected to all clusters after 1s\n');
});

test('no agents to ask is an error', async () => {
  const r = await cli('status', '--context', 'a');
  expect(r.code).toBe(1);
  expect(r.err).toContain('no agents found');
});
