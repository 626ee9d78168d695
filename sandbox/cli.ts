import type { Command } from 'commander';

/** `meshlb sandbox ...`: filled in by the sandbox orchestration (see sandbox/README in the top README). */
export function registerSandboxCommands(program: Command): void {
  program.command('sandbox').description('run a local multi-cluster environment (real etcd + Kubernetes-API-compatible server)');
}
