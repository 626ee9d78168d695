/**
 * `meshlb sandbox up`: N clusters, each a real etcd plus a Kubernetes-API-compatible server,
 * on loopback. This file composes them; the per-cluster parts live in cluster.ts.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from '../lib/log.js';
import { startSandboxCluster, type RunningCluster } from './cluster.js';
import {
  ensurePki,
  ensureToken,
  isAlive,
  readPid,
  readState,
  removeRunMarkers,
  sandboxPaths,
  writeJson,
  type SandboxPaths,
} from './files.js';
import { pickFreePorts } from './etcd/ports.js';
import { bpffsMountUnavailable } from '../datapath/bpffs.js';
import { buildEnv, buildKubeconfig, chooseDatapath, planClusters, portsNeeded, type SandboxDatapath } from './plan.js';

export interface UpOptions {
  readonly dir: string;
  readonly clusters: number;
  /** Undefined: keep what the sandbox in DIR used before (memory for a new one). */
  readonly datapath?: SandboxDatapath;
  readonly logger: Logger;
}

export interface RunningSandbox {
  readonly paths: SandboxPaths;
  readonly clusters: readonly RunningCluster[];
  stop(): Promise<void>;
}

export async function startSandbox(opts: UpOptions): Promise<RunningSandbox> {
  const paths = sandboxPaths(resolve(opts.dir));
  await mkdir(paths.dir, { recursive: true });
  const owner = await readPid(paths);
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `a sandbox is already running in ${paths.dir} (pid ${owner}); run "meshlb sandbox down --dir ${opts.dir}" first`,
    );
  }
  await writeFile(paths.pid, `${process.pid}\n`);
  await rm(paths.ready, { force: true });

  const previous = await readState(paths);
  const datapath = chooseDatapath(opts.datapath, previous);
  const bpfProblem = datapath === 'bpf' ? bpffsMountUnavailable() : undefined;
  if (bpfProblem) {
    await removeRunMarkers(paths);
    throw new Error(`sandbox up --datapath bpf: ${bpfProblem}`);
  }
  const pool = await pickFreePorts(portsNeeded(opts.clusters));
  const planned = planClusters(previous, opts.clusters, () => {
    const p = pool.shift();
    if (p === undefined) throw new Error('ran out of planned ports');
    return p;
  });
  const state = { ...planned, datapath };
  await writeJson(paths.state, state);
  const [pki, token] = await Promise.all([ensurePki(paths), ensureToken(paths)]);
  // Written first: each cluster's own parts talk to their API server through it.
  await writeFile(paths.kubeconfig, buildKubeconfig(state.clusters, pki.ca.certPem, token), { mode: 0o600 });

  const started: RunningCluster[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((c) => c.stop()));
    await removeRunMarkers(paths);
  };
  try {
    const results = await Promise.allSettled(
      state.clusters.map((c) =>
        startSandboxCluster({
          cluster: c,
          paths,
          pki,
          token,
          datapath,
          logger: opts.logger.child({ cluster: c.name }),
        }),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stopAll();
    throw err;
  }

  const byName = new Map(started.map((c) => [c.name, c]));
  await writeJson(
    paths.env,
    buildEnv(paths.kubeconfig, state.clusters, (c) => byName.get(c.name)?.envExtras() ?? {}),
  );
  await writeFile(paths.ready, `${process.pid}\n`);
  return { paths, clusters: started, stop: stopAll };
}
