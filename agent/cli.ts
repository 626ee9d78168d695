/** `meshlb agent`: one per node; runs until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { isMaxConnectedClusters } from '../clustermesh/cluster.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { createLogger } from '../lib/log.js';
import { createDatapath, isDatapathKind } from '../datapath/index.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../lib/log.js';
import { startAgent, type Agent } from './agent.js';
import { AGENT_FEATURES } from './features.js';
import type { AgentFeature, AgentModule, AgentModuleContext } from './modules.js';

function integer(flag: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${flag} must be an integer from ${min} to ${max}, got "${v}"`);
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
  [feature: string]: unknown;
}

export async function runAgentProcess(
  o: AgentFlags,
  features: readonly AgentFeature[] = AGENT_FEATURES,
): Promise<number> {
  const log = createLogger({ component: 'agent' });
  if (!isMaxConnectedClusters(o.maxConnectedClusters)) {
    log.error('--max-connected-clusters must be 255 or 511', { value: o.maxConnectedClusters });
    return 2;
  }
  if (!isDatapathKind(o.datapath)) {
    log.error('--datapath must be memory or bpf', { value: o.datapath });
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
    expectedModules: ['datapath', ...features.map((f) => f.name)],
    log,
  });
  if (!agent.ok) {
    log.error('agent failed to start', { err: agent.error });
    return 1;
  }
  const a = agent.value;
  const started: { name: string; module: AgentModule }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse())
      await s.module.stop().catch((err: unknown) => log.error('module stop failed', { module: s.name, err }));
    await a.stop();
  };
  const code = await startModules(o, a, kc.value, features, log, started);
  if (code !== 0) {
    await stopAll();
    return code;
  }
  process.stdout.write(`agent status: ${a.statusUrl}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await stopAll();
  return 0;
}

/** Builds and starts the datapath, then every feature; returns the exit code (0: all running). */
async function startModules(
  o: AgentFlags,
  a: Agent,
  kc: KubeConfig,
  features: readonly AgentFeature[],
  log: Logger,
  started: { name: string; module: AgentModule }[],
): Promise<number> {
  const datapath = createDatapath({
    kind: o.datapath as 'memory' | 'bpf',
    bpfRoot: o.bpfRoot,
    source: { current: () => a.services(), onChange: (l) => a.onTableChange((keys) => l(keys)) },
    log: log.child({ component: 'datapath' }),
  });
  if (!datapath.ok) {
    log.error('datapath cannot start', { err: datapath.error });
    return 1;
  }
  const ctx: AgentModuleContext = {
    kc,
    nodeName: o.nodeName,
    clusterName: o.clusterName,
    clusterId: o.clusterId,
    agent: a,
    datapath: datapath.value,
    log,
  };
  const modules: { name: string; module: AgentModule }[] = [{ name: 'datapath', module: datapath.value }];
  for (const f of features) {
    const m = f.create({ ...ctx, log: log.child({ component: f.name }) }, o);
    if (!m.ok) {
      log.error(`${f.name}: ${m.error}`);
      await datapath.value.stop();
      return 2;
    }
    modules.push({ name: f.name, module: m.value });
  }
  const signal = new AbortController().signal;
  for (const m of modules) {
    a.addHealth(m.name, () => m.module.health());
    try {
      await m.module.start(signal);
      started.push(m);
    } catch (err) {
      log.error(`${m.name} cannot start`, { err: (err as Error).message });
      return 1;
    }
  }
  return 0;
}

export function registerAgentCommands(program: Command): void {
  const cmd = program
    .command('agent')
    .description(
      'per-node agent: replicate remote clusters, merge global services, serve the desired service table',
    )
    .option('--kubeconfig <file>', 'kubeconfig of the local cluster')
    .option('--context <name>', 'kubeconfig context')
    .requiredOption('--node-name <name>', 'this node')
    .requiredOption('--cluster-name <name>', 'local cluster name')
    .requiredOption('--cluster-id <id>', 'local cluster ID', integer('--cluster-id', 1, 511))
    .option('--max-connected-clusters <n>', '255 or 511', integer('--max-connected-clusters', 255, 511), 255)
    .option('--clustermesh-config <dir>', 'directory with one config file per remote cluster')
    .option(
      '--clustermesh-cache-ttl <duration>',
      "revoke a disconnected cluster's services after this long (0: never)",
      parseDuration,
      0,
    )
    .option(
      '--status-port <port>',
      'status API port on 127.0.0.1 (0: any free port)',
      integer('--status-port', 0, 65535),
      9876,
    )
    .option(
      '--datapath <kind>',
      'where service maps are programmed: memory or bpf (pinned BPF maps)',
      'memory',
    )
    .option('--bpf-root <dir>', 'bpffs directory for the pinned maps (--datapath bpf)', '/sys/fs/bpf/meshlb');
  for (const f of AGENT_FEATURES) f.flags?.(cmd);
  cmd.action(async (o: AgentFlags) => {
    process.exitCode = await runAgentProcess(o);
  });
}
