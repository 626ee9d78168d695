/** `meshlb sandbox status`: is the sandbox process alive, and does each part answer? */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { probeStatus } from '../lib/net.js';
import { isAlive, readPid, type SandboxPaths } from './files.js';
import type { EnvFile } from './plan.js';

export interface ClusterStatus {
  readonly name: string;
  readonly server: string;
  readonly apiserverReady: boolean;
  readonly etcdHealthy: boolean;
}

export interface SandboxStatus {
  readonly dir: string;
  readonly running: boolean;
  readonly pid?: number;
  readonly ready: boolean;
  readonly clusters: readonly ClusterStatus[];
}

export async function sandboxStatus(paths: SandboxPaths): Promise<SandboxStatus> {
  const pid = await readPid(paths);
  const running = pid !== undefined && isAlive(pid);
  if (!existsSync(paths.env)) return { dir: paths.dir, running, pid, ready: false, clusters: [] };
  const env = JSON.parse(await readFile(paths.env, 'utf8')) as EnvFile;
  const ca = existsSync(paths.caCert) ? await readFile(paths.caCert) : undefined;
  const clusters = await Promise.all(
    env.clusters.map(async (c) => ({
      name: c.name,
      server: c.server,
      apiserverReady: running && (await probeStatus(`${c.server}/readyz`, { ca })) === 200,
      etcdHealthy: running && (await probeStatus(`${c.etcd.endpoints[0]}/health`)) === 200,
    })),
  );
  const ready =
    running && existsSync(paths.ready) && clusters.every((c) => c.apiserverReady && c.etcdHealthy);
  return { dir: paths.dir, running, pid, ready, clusters };
}

export function formatStatus(s: SandboxStatus): string {
  const lines = [
    `sandbox ${s.dir}: ${s.running ? `running (pid ${s.pid})` : 'not running'}${s.ready ? ', ready' : ''}`,
  ];
  for (const c of s.clusters) {
    lines.push(
      `  ${c.name.padEnd(6)} ${c.server.padEnd(28)} apiserver ${c.apiserverReady ? 'ready' : 'DOWN'}  etcd ${c.etcdHealthy ? 'healthy' : 'DOWN'}`,
    );
  }
  return lines.join('\n');
}
