/**
 * One sandbox cluster: a real etcd and the Kubernetes-API-compatible server as a child process,
 * then its clustermesh side (TLS etcd, certificates and Secrets). Later features add their
 * processes here and their fields to env.json through envExtras().
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { syncSecretToDir } from '../clustermesh-cli/secret-sync.js';
import { mountBpffs, unmountBpffs } from '../datapath/bpffs.js';
import { loadKubeConfig } from '../k8s/index.js';
import type { Logger } from '../lib/log.js';
import { probeStatus } from '../lib/net.js';
import { crdDir, meshlbBin } from '../lib/repo.js';
import { pollUntil, superviseChild, type ChildSpec, type SupervisedChild } from './children.js';
import { ensureMeshCerts, meshEnv, meshFiles, publishMeshSecrets, startMeshEtcd } from './clustermesh.js';
import type { EtcdHandle } from './etcd/process.js';
import {
  agentConfigDir,
  agentSpec,
  agentStatusUrl,
  clustermeshApiserverSpec,
  initMeshEtcd,
  nodeName,
  operatorSpec,
  publishClusterObjects,
  type MeshProcessInputs,
} from './mesh-processes.js';
import { startEtcd } from './etcd/process.js';
import type { SandboxPaths, SandboxPki } from './files.js';
import { apiServerUrl, type ClusterState, type SandboxDatapath } from './plan.js';

export interface ClusterInputs {
  readonly cluster: ClusterState;
  readonly paths: SandboxPaths;
  readonly pki: SandboxPki;
  readonly token: string;
  /** Default memory; bpf mounts a bpffs at DIR/<cluster>/bpffs for the agent's pins. */
  readonly datapath?: SandboxDatapath;
  readonly logger: Logger;
}

export interface RunningCluster {
  readonly name: string;
  readonly etcd: EtcdHandle;
  readonly meshEtcd: EtcdHandle;
  readonly apiserver: SupervisedChild;
  envExtras(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Stops what was started, newest first, whether start-up finished or not. */
class Teardown {
  private readonly steps: (() => Promise<void>)[] = [];
  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }
  async run(log: Logger): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      await step().catch((err: unknown) => log.warn('sandbox teardown step failed', { err }));
    }
  }
}

export async function startSandboxCluster(inputs: ClusterInputs): Promise<RunningCluster> {
  const { cluster, paths, logger } = inputs;
  const dir = paths.cluster(cluster.name);
  await mkdir(dir, { recursive: true });
  const teardown = new Teardown();
  try {
    const etcd = await startSupervisedEtcd(
      () =>
        startEtcd({
          dataDir: join(dir, 'etcd'),
          name: cluster.name,
          clientPort: cluster.ports.etcdClient,
          peerPort: cluster.ports.etcdPeer,
        }),
      `etcd of ${cluster.name}`,
      teardown,
      logger,
    );
    const apiserver = await superviseChild(apiServerSpec(inputs, etcd.clientUrls, dir), logger);
    teardown.add(() => apiserver.stop());

    const files = meshFiles(dir);
    const certs = await ensureMeshCerts(cluster, files, inputs.pki.meshCa);
    const meshEtcd = await startSupervisedEtcd(
      () => startMeshEtcd(cluster, files),
      `clustermesh etcd of ${cluster.name}`,
      teardown,
      logger,
    );
    const kc = loadKubeConfig({ kubeconfig: paths.kubeconfig, context: cluster.name });
    if (!kc.ok) throw new Error(`sandbox kubeconfig: ${kc.error}`);
    await publishMeshSecrets(kc.value, certs, logger);

    let mesh: MeshProcessInputs = {
      cluster,
      clusterDir: dir,
      kubeconfig: paths.kubeconfig,
      meshEndpoints: meshEtcd.clientUrls,
      files,
    };
    if (inputs.datapath === 'bpf') mesh = { ...mesh, bpfRoot: await mountAgentBpffs(join(dir, 'bpffs'), teardown) };
    await initMeshEtcd(mesh, logger);
    await publishClusterObjects(kc.value, mesh);
    // As the kubelet would mount Secret cilium-clustermesh into the agent's pod.
    const secretSync = syncSecretToDir({
      kc: kc.value,
      namespace: 'kube-system',
      name: 'cilium-clustermesh',
      dir: agentConfigDir(mesh),
      logger,
    });
    teardown.add(() => secretSync.stop());
    await secretSync.whenSynced();
    const specs = [clustermeshApiserverSpec(mesh), operatorSpec(mesh), await agentSpec(mesh)];
    const children = await Promise.allSettled(specs.map((spec) => superviseChild(spec, logger)));
    for (const c of children) if (c.status === 'fulfilled') teardown.add(() => c.value.stop());
    const failed = children.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) throw failed.reason;

    return {
      name: cluster.name,
      etcd,
      meshEtcd,
      apiserver,
      envExtras: () => ({
        ...meshEnv(meshEtcd, files),
        agents: [
          {
            node: nodeName(cluster),
            status: agentStatusUrl(cluster),
            clustermeshConfigDir: agentConfigDir(mesh),
            ...(mesh.bpfRoot ? { bpfRoot: mesh.bpfRoot } : {}),
          },
        ],
      }),
      stop: () => teardown.run(logger),
    };
  } catch (err) {
    await teardown.run(logger);
    throw err;
  }
}

/** Mounted before the agent starts; pins removed and unmounted after it stopped (teardown runs newest first). */
async function mountAgentBpffs(dir: string, teardown: Teardown): Promise<string> {
  const mounted = await mountBpffs(dir);
  if (!mounted.ok) throw new Error(`sandbox --datapath bpf: ${mounted.error}`);
  teardown.add(async () => {
    const r = await unmountBpffs(dir);
    if (!r.ok) throw new Error(r.error);
  });
  return mounted.value;
}

type EtcdStart = () => ReturnType<typeof startEtcd>;

/** A crashed etcd is restarted with its data, as a kubelet would restart a static pod. */
async function startSupervisedEtcd(
  start: EtcdStart,
  what: string,
  teardown: Teardown,
  log: Logger,
): Promise<EtcdHandle> {
  const r = await start();
  if (!r.ok) throw new Error(`${what} did not start: ${r.error.message}\n${r.error.logTail}`);
  const etcd = r.value;
  const unsubscribe = etcd.onExit((code, signal, expected) => {
    if (expected) return;
    log.error(`${what} crashed; restarting it with its data`, { code, signal, log: etcd.logFile });
    void etcd.restart().then((res) => {
      if (!res.ok) log.error(`${what} restart failed`, { error: res.error.message });
    });
  });
  teardown.add(async () => {
    unsubscribe();
    await etcd.stop();
  });
  return etcd;
}

function apiServerSpec(inputs: ClusterInputs, etcdUrls: readonly string[], dir: string): ChildSpec {
  const { cluster, paths, pki } = inputs;
  const url = apiServerUrl(cluster);
  return {
    name: `apiserver-${cluster.name}`,
    command: process.execPath,
    args: [
      meshlbBin,
      'sandbox',
      'apiserver',
      '--etcd',
      etcdUrls.join(','),
      '--port',
      String(cluster.ports.apiserver),
      '--token-file',
      paths.token,
      '--cert',
      paths.serverCert,
      '--key',
      paths.serverKey,
      '--crd-dir',
      crdDir,
    ],
    logFile: join(dir, 'apiserver.log'),
    waitReady: (signal: AbortSignal) =>
      pollUntil(async () => (await probeStatus(`${url}/readyz`, { ca: pki.ca.certPem })) === 200, signal),
  };
}
