import { Command, CommanderError } from 'commander';
import { registerOperatorCommands } from '../operator/cli.js';
import { registerAgentCommands } from '../agent/cli.js';
import { registerSandboxCommands } from '../sandbox/cli.js';
import { registerClustermeshApiserverCommands } from '../clustermesh-apiserver/cli.js';
import { registerBpfCommands } from '../datapath/cli.js';
import { registerClustermeshCommands } from '../clustermesh-cli/cli.js';
import { registerUiCommands } from '../ui/cli.js';
import { registerBgpCommands } from '../bgp/cli.js';

/**
 * The single executable: every process (sandbox, apiserver, agent, operator) and the
 * operator-facing CLI are subcommands. Each feature folder exports a `register*Commands`.
 */
export function buildProgram(): Command {
  const program = new Command('meshlb')
    .description('Cluster-mesh and load-balancer control plane for Kubernetes (Cilium-compatible)')
    .showHelpAfterError()
    .exitOverride();
  registerSandboxCommands(program);
  registerAgentCommands(program);
  registerClustermeshApiserverCommands(program);
  registerOperatorCommands(program);
  registerBpfCommands(program);
  registerClustermeshCommands(program);
  registerUiCommands(program);
  registerBgpCommands(program);
  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it in-process. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`meshlb: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
