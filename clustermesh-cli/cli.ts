/** `meshlb clustermesh enable|connect|disconnect|status`: flags in, exit code out. */
import { Command, CommanderError } from 'commander';
import { parseDuration } from '../agent/cli.js';
import { runConnect, runDisconnect } from './connect.js';
import { runEnable } from './enable.js';
import { processIo, type CliIo } from './io.js';
import { CONNECTION_MODES, DEFAULT_CONFIG_DIR, type ConnectionMode } from './plan.js';
import { runStatus } from './status.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function connectionMode(v: string): ConnectionMode {
  if (!(CONNECTION_MODES as readonly string[]).includes(v)) {
    throw new Error(`--connection-mode must be one of ${CONNECTION_MODES.join(', ')}, got "${v}"`);
  }
  return v as ConnectionMode;
}

function outputFormat(v: string): 'text' | 'json' {
  if (v !== 'json' && v !== 'text') throw new Error(`-o must be json or text, got "${v}"`);
  return v;
}

interface Common {
  kubeconfig?: string;
  context: string;
}

export function registerClustermeshCommands(
  program: Command,
  io: CliIo = processIo,
  setExit: (code: number) => void = (code) => void (process.exitCode = code),
): void {
  const cmd = program.command('clustermesh').description('connect clusters into a mesh and report its state');

  cmd
    .command('enable')
    .description("issue the clustermesh certificates and make this cluster's clustermesh-apiserver reachable")
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config)')
    .requiredOption('--context <name>', 'kubeconfig context of the cluster')
    .action(async (o: Common) => setExit(await runEnable(o, io)));

  cmd
    .command('connect')
    .description("configure clusters' agents to read each other")
    .option('--kubeconfig <file>', 'kubeconfig holding every context')
    .requiredOption('--context <name>', 'source cluster context')
    .option('--destination-context <name>', 'destination cluster context (repeat for mesh mode)', collect, [])
    .option('--connection-mode <mode>', CONNECTION_MODES.join('|'), connectionMode, 'bidirectional')
    .option('--allow-mismatching-ca', 'connect clusters whose certificate authorities differ', false)
    .option('--config-dir-path <dir>', "where the agents mount the cilium-clustermesh Secret; {cluster} is replaced by the local cluster's name", DEFAULT_CONFIG_DIR)
    .action(async (o: Common & { destinationContext: string[]; connectionMode: ConnectionMode; allowMismatchingCa: boolean; configDirPath: string }) =>
      setExit(
        await runConnect(
          {
            kubeconfig: o.kubeconfig,
            context: o.context,
            destinationContexts: o.destinationContext,
            connectionMode: o.connectionMode,
            allowMismatchingCa: o.allowMismatchingCa,
            configDirPath: o.configDirPath,
          },
          io,
        ),
      ),
    );

  cmd
    .command('disconnect')
    .description('remove the connection between clusters, both directions (idempotent)')
    .option('--kubeconfig <file>', 'kubeconfig holding every context')
    .requiredOption('--context <name>', 'source cluster context')
    .option('--destination-context <name>', 'destination cluster context (repeatable)', collect, [])
    .action(async (o: Common & { destinationContext: string[] }) =>
      setExit(await runDisconnect({ kubeconfig: o.kubeconfig, context: o.context, destinationContexts: o.destinationContext }, io)),
    );

  cmd
    .command('status')
    .description("the agents' view of the mesh")
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'cluster context (agents are discovered from its Nodes)')
    .option('--agent <url>', "an agent's status base URL (repeatable)", collect, [])
    .option('--sandbox-env <file>', "the sandbox's env.json: agents of the cluster with this --context")
    .option('--wait', 'wait until every node is connected to every cluster', false)
    .option('--wait-duration <duration>', 'how long --wait waits', parseDuration, 300_000)
    .option('-o, --output <format>', 'text or json', outputFormat, 'text')
    .action(
      async (o: { kubeconfig?: string; context?: string; agent: string[]; sandboxEnv?: string; wait: boolean; waitDuration: number; output: 'text' | 'json' }) =>
        setExit(
          await runStatus(
            {
              kubeconfig: o.kubeconfig,
              context: o.context,
              agents: o.agent,
              sandboxEnv: o.sandboxEnv,
              wait: o.wait,
              waitDurationMs: o.waitDuration,
              output: o.output,
            },
            io,
          ),
        ),
    );
}

/** Runs `meshlb clustermesh ...` in-process with the given output; returns the exit code. */
export async function runClustermesh(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = new Command('meshlb')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerClustermeshCommands(program, io, (c) => (code = c));
  try {
    await program.parseAsync(['clustermesh', ...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
