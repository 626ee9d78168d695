/** `meshlb clustermesh-apiserver` and `meshlb clustermesh-apiserver etcdinit`. */
import type { Command } from 'commander';
import { isMaxConnectedClusters } from '../clustermesh/cluster.js';
import { createLogger } from '../lib/log.js';
import { etcdInit } from './etcdinit.js';
import { startApiserver } from './index.js';

function integer(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
    return n;
  };
}

function maxConnected(v: string): 255 | 511 {
  const n = Number(v);
  if (!isMaxConnectedClusters(n)) throw new Error(`--max-connected-clusters must be 255 or 511, got "${v}"`);
  return n;
}

function bool(v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new Error(`expected true or false, got "${v}"`);
}

const urls = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

interface RunFlags {
  kubeconfig?: string;
  context?: string;
  clusterName: string;
  clusterId: number;
  maxConnectedClusters: 255 | 511;
  etcd: string[];
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  healthPort: number;
  defaultGlobalNamespace: boolean;
  etcdBatchSize: number;
}

export function registerClustermeshApiserverCommands(program: Command): void {
  // Options live on subcommands (`run` is the default) so that etcdinit's --etcd and
  // --cluster-name are not taken by the parent command.
  const cmd = program
    .command('clustermesh-apiserver')
    .description("republish this cluster's identities, nodes, ipcache entries and global services into etcd");
  cmd
    .command('run', { isDefault: true })
    .description('run the apiserver (the default when no subcommand is given)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .requiredOption('--cluster-name <name>', 'this cluster\'s name')
    .requiredOption('--cluster-id <id>', "this cluster's ID", integer('--cluster-id', 1, 511))
    .option('--max-connected-clusters <n>', '255 or 511', maxConnected, 255)
    .requiredOption('--etcd <urls>', 'comma-separated etcd client URLs', urls)
    .option('--etcd-ca <file>', 'CA bundle for etcd')
    .option('--etcd-cert <file>', 'admin client certificate')
    .option('--etcd-key <file>', 'admin client key')
    .option('--health-port <port>', 'port for /healthz /readyz /metrics on 127.0.0.1', integer('--health-port', 0, 65535), 9880)
    .option('--default-global-namespace <bool>', 'namespaces are global unless annotated false', bool, true)
    .option('--etcd-batch-size <n>', 'operations per etcd transaction', integer('--etcd-batch-size', 1, 128), 128)
    .action(async (o: RunFlags) => {
      const log = createLogger({ component: 'clustermesh-apiserver', cluster: o.clusterName });
      const started = await startApiserver(
        {
          kubeconfig: o.kubeconfig,
          context: o.context,
          clusterName: o.clusterName,
          clusterId: o.clusterId,
          maxConnectedClusters: o.maxConnectedClusters,
          defaultGlobalNamespace: o.defaultGlobalNamespace,
          etcdEndpoints: o.etcd,
          etcdCaFile: o.etcdCa,
          etcdCertFile: o.etcdCert,
          etcdKeyFile: o.etcdKey,
          healthPort: o.healthPort,
          batchSize: o.etcdBatchSize,
        },
        log,
      );
      if (!started.ok) {
        log.error('cannot start', { err: started.error });
        process.exitCode = 1;
        return;
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await started.value.stop();
    });

  cmd
    .command('etcdinit')
    .description('create the etcd users and roles of a clustermesh and enable auth (idempotent)')
    .requiredOption('--etcd <urls>', 'comma-separated etcd client URLs', urls)
    .option('--ca-file <file>', 'CA bundle for etcd')
    .option('--cert-file <file>', 'client certificate of root or admin-<cluster>')
    .option('--key-file <file>', 'client key')
    .requiredOption('--cluster-name <name>', "this cluster's name")
    .action(async (o: { etcd: string[]; caFile?: string; certFile?: string; keyFile?: string; clusterName: string }) => {
      const log = createLogger({ component: 'etcdinit', cluster: o.clusterName });
      const r = await etcdInit({ endpoints: o.etcd, caFile: o.caFile, certFile: o.certFile, keyFile: o.keyFile, clusterName: o.clusterName }, log);
      if (!r.ok) process.exitCode = 1;
      else process.stdout.write(JSON.stringify(r.value) + '\n');
    });
}
