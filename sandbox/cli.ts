import type { Command } from 'commander';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { unmountAllUnder } from '../datapath/bpffs.js';
import { createLogger } from '../lib/log.js';
import { sandboxPaths } from './files.js';
import { runDetached, runForeground, stopSandbox } from './lifecycle.js';
import { formatStatus, sandboxStatus } from './status.js';
import { runApiServerProcess } from './apiserver/server.js';
import { SANDBOX_DATAPATHS, type SandboxDatapath } from './plan.js';
import { demoAfterReady, registerDemoCommand } from './demo/cli.js';

function datapathKind(v: string): SandboxDatapath {
  const kind = SANDBOX_DATAPATHS.find((k) => k === v);
  if (!kind) throw new Error(`--datapath must be ${SANDBOX_DATAPATHS.join(' or ')}, got "${v}"`);
  return kind;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
}

function clusterCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 255)
    throw new Error(`--clusters must be an integer from 1 to 255, got "${v}"`);
  return n;
}

/** `meshlb sandbox up|down|status` (and the per-process subcommands the sandbox itself runs). */
export function registerSandboxCommands(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('run a local multi-cluster environment (real etcd + Kubernetes-API-compatible server)');

  sandbox
    .command('up')
    .description('start clusters c1..cN, each with its own etcd and API server; resumes an existing DIR')
    .option('--clusters <n>', 'number of clusters', clusterCount, 2)
    .option('--dir <dir>', 'state directory (kubeconfig, env.json, data)', '.sandbox')
    .option('--detach', 'return once ready; stop with "sandbox down"', false)
    .option('--quiet', 'no usage banner', false)
    .option('--datapath <kind>', "agents' service maps: memory or bpf (a bpffs per cluster; needs root); default: as before, else memory", datapathKind)
    .option('--demo', 'seed the Star Wars demo, serve the status page and print a summary (foreground only)', false)
    .option('--ui-port <port>', 'status page port with --demo (taken: any free port)', port, 8080)
    .action(async (o: { clusters: number; dir: string; detach: boolean; quiet: boolean; datapath?: SandboxDatapath; demo: boolean; uiPort: number }) => {
      if (o.detach) {
        await runDetached({ dir: o.dir, clusters: o.clusters, datapath: o.datapath });
        process.stdout.write(`sandbox ready; kubeconfig: ${sandboxPaths(resolve(o.dir)).kubeconfig}\n`);
        return;
      }
      const logger = createLogger({ component: 'sandbox' });
      await runForeground({ ...o, banner: !o.quiet, logger, ...(o.demo ? { afterReady: demoAfterReady(logger, o.uiPort) } : {}) });
    });

  registerDemoCommand(sandbox);

  sandbox
    .command('down')
    .description('stop the sandbox running in DIR (data is kept unless --purge)')
    .option('--dir <dir>', 'state directory', '.sandbox')
    .option('--purge', 'also delete the directory and all data', false)
    .action(async (o: { dir: string; purge: boolean }) => {
      let message = await stopSandbox(o.dir, { purge: false });
      // A supervisor killed before its teardown leaves its bpffs mounts (--datapath bpf) behind;
      // they go before any purge, which could not remove a mount point.
      const stuck = await unmountAllUnder(resolve(o.dir));
      for (const problem of stuck) process.stderr.write(`sandbox down: ${problem}\n`);
      if (stuck.length > 0) process.exitCode = 1;
      else if (o.purge) {
        await rm(resolve(o.dir), { recursive: true, force: true });
        message += '; directory removed';
      }
      process.stdout.write(message + '\n');
    });

  sandbox
    .command('status')
    .description('show whether the sandbox in DIR runs and each cluster answers')
    .option('--dir <dir>', 'state directory', '.sandbox')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (o: { dir: string; output: string }) => {
      const s = await sandboxStatus(sandboxPaths(resolve(o.dir)));
      process.stdout.write((o.output === 'json' ? JSON.stringify(s, null, 2) : formatStatus(s)) + '\n');
      if (!s.ready) process.exitCode = 1;
    });

  sandbox
    .command('apiserver')
    .description('run one Kubernetes-API-compatible server (the sandbox starts these itself)')
    .requiredOption('--etcd <urls>', 'comma-separated etcd client URLs')
    .requiredOption('--port <port>', 'HTTPS port on 127.0.0.1', port)
    .requiredOption('--token-file <file>', 'file holding the bearer token clients must send')
    .requiredOption('--cert <file>', 'serving certificate (PEM)')
    .requiredOption('--key <file>', 'serving key (PEM)')
    .option('--crd-dir <dir>', 'CRD manifests to create or update at start')
    .option('--host <host>', 'listen address (loopback only)', '127.0.0.1')
    .action(
      async (o: {
        etcd: string;
        port: number;
        tokenFile: string;
        cert: string;
        key: string;
        crdDir?: string;
        host: string;
      }) => {
        process.exitCode = await runApiServerProcess(o);
      },
    );
}
