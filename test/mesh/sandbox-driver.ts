/**
 * Drives a detached `meshlb sandbox` the way a user does: the meshlb CLI and the real kubectl
 * as child processes, the agents through their status API URLs from env.json. Shared by the
 * mesh end-to-end test and bench/mesh.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { meshlbBin } from '../../lib/repo.js';

const run = promisify(execFile);

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SandboxEnv {
  readonly kubeconfig: string;
  readonly clusters: readonly {
    readonly name: string;
    readonly id: number;
    readonly context: string;
    readonly agents: readonly { readonly node: string; readonly status: string }[];
  }[];
}

/** One entry of an agent's `GET /v1/services`. */
export interface AgentService {
  readonly namespace: string;
  readonly name: string;
  readonly frontends: readonly { address: string; port: number; protocol: string; type: string }[];
  readonly backends: readonly {
    address: string;
    port: number;
    protocol: string;
    clusterID: number;
    inUse: boolean;
  }[];
}

/** One remote of an agent's `GET /v1/clustermesh`. */
export interface AgentRemote {
  readonly name: string;
  readonly connected: boolean;
  readonly ready: boolean;
  readonly clusterID: number;
  readonly numServices: number;
}

export interface Sandbox {
  readonly dir: string;
  readonly env: SandboxEnv;
  meshlb(...args: string[]): Promise<CommandResult>;
  /** kubectl against one context; throws with kubectl's stderr on a non-zero exit. */
  kubectl(context: string, ...args: string[]): Promise<string>;
  /** `kubectl apply` of the given objects (written to files first). */
  apply(context: string, ...objects: object[]): Promise<void>;
  agentUrl(cluster: string): string;
  services(cluster: string): Promise<AgentService[]>;
  service(cluster: string, namespace: string, name: string): Promise<AgentService | undefined>;
  remotes(cluster: string): Promise<AgentRemote[]>;
  down(): Promise<void>;
}

export async function meshlb(...args: string[]): Promise<CommandResult> {
  try {
    const r = await run(process.execPath, [meshlbBin, ...args], { timeout: 900_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/**
 * `sandbox up --detach` with `clusters` clusters in a fresh temp dir. On any failure the
 * sandbox is brought down and the directory removed before the error is rethrown.
 */
export async function startSandbox(clusters: number): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-mesh-'));
  const down = async (): Promise<void> => {
    await meshlb('sandbox', 'down', '--dir', dir, '--purge');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const up = await meshlb('sandbox', 'up', '--clusters', String(clusters), '--dir', dir, '--detach');
    if (up.code !== 0) throw new Error(`sandbox up failed (${up.code}): ${up.stderr.slice(-2000)}`);
    const env = JSON.parse(await readFile(join(dir, 'env.json'), 'utf8')) as SandboxEnv;
    return buildSandbox(dir, env, down);
  } catch (err) {
    await down();
    throw err;
  }
}

function buildSandbox(dir: string, env: SandboxEnv, down: () => Promise<void>): Sandbox {
  const cacheDir = join(dir, 'kubectl-cache');
  let manifests = 0;
  const kubectl = async (context: string, ...args: string[]): Promise<string> => {
    const r = await run(
      '/usr/bin/kubectl',
      ['--kubeconfig', env.kubeconfig, '--cache-dir', cacheDir, '--context', context, ...args],
      {
        timeout: 120_000,
      },
    );
    return r.stdout;
  };
  const agentUrl = (cluster: string): string => {
    const url = env.clusters.find((c) => c.name === cluster)?.agents[0]?.status;
    if (!url) throw new Error(`no agent for cluster ${cluster} in env.json`);
    return url;
  };
  const services = (cluster: string): Promise<AgentService[]> =>
    getJson<AgentService[]>(`${agentUrl(cluster)}/v1/services`);
  return {
    dir,
    env,
    meshlb,
    kubectl,
    async apply(context, ...objects) {
      // One file per object: the sandbox serves OpenAPI for the real kinds, not for v1 List.
      const files: string[] = [];
      for (const o of objects) {
        const file = join(dir, `manifest-${++manifests}.json`);
        await writeFile(file, JSON.stringify(o));
        files.push('-f', file);
      }
      await kubectl(context, 'apply', ...files);
    },
    agentUrl,
    services,
    async service(cluster, namespace, name) {
      return (await services(cluster)).find((s) => s.namespace === namespace && s.name === name);
    },
    async remotes(cluster) {
      return (await getJson<{ clusters: AgentRemote[] }>(`${agentUrl(cluster)}/v1/clustermesh`)).clusters;
    },
    down,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` every `everyMs` until it returns a value other than undefined/false; resolves
 * with the value and the milliseconds since `since` (performance.now() clock).
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  opts: { timeoutMs: number; everyMs?: number; since?: number },
): Promise<{ value: T; elapsedMs: number }> {
  const since = opts.since ?? performance.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return { value: v, elapsedMs: performance.now() - since };
    } catch (err) {
      last = err;
    }
    if (performance.now() - since > opts.timeoutMs) {
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(opts.everyMs ?? 50);
  }
}
