import type { Command } from 'commander';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { createLogger } from '../lib/log.js';
import { createRegistry, serveObservability } from '../lib/observability.js';
import { createOperator } from './operator.js';
import { parseOperatorFlags, type OperatorFlags } from './options.js';

/** `meshlb operator`: runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function runOperatorProcess(flags: OperatorFlags): Promise<number> {
  const logger = createLogger({ component: 'operator' });
  const settings = parseOperatorFlags(flags);
  if (!settings.ok) {
    logger.error('invalid options', { error: settings.error });
    return 2;
  }
  const s = settings.value;
  const kc = loadKubeConfig({ kubeconfig: s.kubeconfig, context: s.context });
  if (!kc.ok) {
    logger.error('cannot load kubeconfig', { error: kc.error });
    return 2;
  }
  const registry = createRegistry('operator');
  const operator = createOperator({
    kc: kc.value,
    cluster: { name: s.clusterName, id: s.clusterId, maxConnected: s.maxConnectedClusters },
    leaseNamespace: s.leaseNamespace,
    identity: s.identity,
    gcIntervalMs: s.gcIntervalMs,
    gcGraceMs: s.gcGraceMs,
    leaseDurationSeconds: s.leaseDurationSeconds,
    renewDeadlineSeconds: s.renewDeadlineSeconds,
    retryPeriodSeconds: s.retryPeriodSeconds,
    registry,
    logger,
  });
  const observability = await serveObservability({ port: s.healthPort, registry, reports: () => [operator.health()] });
  logger.info('operator started', { identity: s.identity, cluster: s.clusterName, clusterId: s.clusterId, health: observability.url });
  const stopping = new AbortController();
  await operator.start(stopping.signal);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('operator stopping');
  // stop() releases the Lease, so a standby takes over without waiting for it to expire.
  await operator.stop();
  stopping.abort();
  await observability.close();
  return 0;
}

export function registerOperatorCommands(program: Command): void {
  program
    .command('operator')
    .description('cluster-wide controllers (security identity allocation), leader-elected on Lease meshlb-operator')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .requiredOption('--cluster-name <name>', 'this cluster\'s name (goes into every identity)')
    .requiredOption('--cluster-id <id>', 'this cluster\'s ID, 1..max-connected-clusters')
    .option('--max-connected-clusters <n>', '255 or 511', '255')
    .option('--namespace <ns>', 'namespace of the leader-election Lease', 'kube-system')
    .option('--identity <id>', 'leader-election identity (default: hostname-pid)')
    .option('--health-port <port>', 'port on 127.0.0.1 for /healthz, /readyz, /metrics (0: any)', '9234')
    .option('--identity-gc-interval <duration>', 'how often unused identities are looked for', '15m')
    .option('--identity-gc-grace <duration>', 'how long an identity must be unused before it is deleted', '15m')
    .option('--lease-duration <duration>', 'leader-election lease duration', '15s')
    .option('--renew-deadline <duration>', 'leader gives up if it cannot renew within this', '10s')
    .option('--retry-period <duration>', 'leader-election retry period', '2s')
    .action(async (o: OperatorFlags) => {
      process.exitCode = await runOperatorProcess(o);
    });
}
