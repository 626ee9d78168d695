/** `meshlb agent`: one per node; runs until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { isMaxConnectedClusters } from '../clustermesh/cluster.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { createLogger } from '../lib/log.js';
import { createDatapath, isDatapathKind } from '../datapath/index.js';
import { startAgent } from './agent.js';

function integer(flag: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer from ${min} to ${max}, got "${v}"`);
    return n;
  };
}

/** Go-style durations as Cilium takes them ("2s", "500ms", "1m"); a bare number is seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`invalid duration "${v}" (want e.g. 500ms, 2s, 1m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

interface AgentFlags {
  kubeconfig?: string;
  context?: string;
  nodeName: string;
  clusterName: string;
  clusterId: number;
  maxConnectedClusters: number;
  clustermeshConfig?: string;
  clustermeshCacheTtl: number;
  statusPort: number;
  datapath: string;
  bpfRoot?: string;
}

export async function runAgentProcess(o: AgentFlags): Promise<number> {
  const log = createLogger({ component: 'agent' });
  if (!isMaxConnectedClusters(o.maxConnectedClusters)) {
    log.error('--max-connected-clusters must be 255 or 511', { value: o.maxConnectedClusters });
    return 2;
  }
  const kc = loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context });
  if (!kc.ok) {
    log.error('cannot load kubeconfig', { err: kc.error });
    return 2;
  }
  const agent = await startAgent({
    kc: kc.value,
    nodeName: o.nodeName,
    clusterName: o.clusterName,
    clusterId: o.clusterId,
    maxConnectedClusters: o.maxConnectedClusters,
    clustermeshConfigDir: o.clustermeshConfig,
    cacheTtlMs: o.clustermeshCacheTtl,
    statusPort: o.statusPort,
    expectedModules: ['datapath'],
    log,
  });
  if (!agent.ok) {
    log.error('agent failed to start', { err: agent.error });
    return 1;
  }
  const a = agent.value;
  if (!isDatapathKind(o.datapath)) {
    log.error('--datapath must be memory or bpf', { value: o.datapath });
    await a.stop();
    return 2;
  }
  const datapath = createDatapath({
    kind: o.datapath,
    bpfRoot: o.bpfRoot,
    source: { current: () => a.services(), onChange: (l) => a.onTableChange((keys) => l(keys)) },
    log: log.child({ component: 'datapath' }),
  });
  if (!datapath.ok) {
    log.error('datapath cannot start', { err: datapath.error });
    await a.stop();
    return 1;
  }
  a.addHealth('datapath', () => datapath.value.health());
  try {
    await datapath.value.start(new AbortController().signal);
  } catch (err) {
    log.error('datapath cannot start', { err: (err as Error).message });
    await a.stop();
    return 1;
  }
  process.stdout.write(`agent status: ${agent.value.statusUrl}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await datapath.value.stop();
  await agent.value.stop();
  return 0;
}

export function registerAgentCommands(program: Command): void {
  program
    .command('agent')
    .description('per-node agent: replicate remote clusters, merge global services, serve the desired service table')
    .option('--kubeconfig <file>', 'kubeconfig of the local cluster')
    .option('--context <name>', 'kubeconfig context')
    .requiredOption('--node-name <name>', 'this node')
    .requiredOption('--cluster-name <name>', 'local cluster name')
    .requiredOption('--cluster-id <id>', 'local cluster ID', integer('--cluster-id', 1, 511))
    .option('--max-connected-clusters <n>', '255 or 511', integer('--max-connected-clusters', 255, 511), 255)
    .option('--clustermesh-config <dir>', 'directory with one config file per remote cluster')
    .option('--clustermesh-cache-ttl <duration>', "revoke a disconnected cluster's services after this long (0: never)", parseDuration, 0)
    .option('--status-port <port>', 'status API port on 127.0.0.1 (0: any free port)', integer('--status-port', 0, 65535), 9876)
    .option('--datapath <kind>', 'where service maps are programmed: memory or bpf (pinned BPF maps)', 'memory')
    .option('--bpf-root <dir>', 'bpffs directory for the pinned maps (--datapath bpf)', '/sys/fs/bpf/meshlb')
    .action(async (o: AgentFlags) => {
      process.exitCode = await runAgentProcess(o);
    });
}
