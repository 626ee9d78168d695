/** `meshlb bpf lb list`: the service maps as `cilium bpf lb list` prints them. */
import type { Command } from 'commander';
import { formatLbList } from './lb-list.js';
import { contentsFromAgent, contentsFromPins } from './lb-list-sources.js';
import { DEFAULT_BPF_ROOT } from './pinned/root.js';
import { runEgressList, type EgressListFlags } from '../egress-gateway/list-cli.js';

export interface LbListFlags {
  bpfRoot?: string;
  agent?: string;
  protocols?: boolean;
}

export async function runLbList(flags: LbListFlags, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (flags.bpfRoot !== undefined && flags.agent !== undefined) {
    err('meshlb bpf lb list: give --bpf-root or --agent, not both\n');
    return 2;
  }
  const contents = flags.agent !== undefined ? await contentsFromAgent(flags.agent) : await contentsFromPins(flags.bpfRoot ?? DEFAULT_BPF_ROOT);
  if (!contents.ok) {
    err(`meshlb bpf lb list: ${contents.error}\n`);
    return 1;
  }
  out(formatLbList(contents.value, { protocols: flags.protocols === true }));
  return 0;
}

export function registerBpfCommands(program: Command): void {
  const bpf = program.command('bpf').description("inspect the node's BPF maps");
  const lb = bpf.command('lb').description('load-balancing maps');
  lb.command('list')
    .description('list the service maps (frontends, backend slots, reverse-NAT IDs, flags)')
    .option('--bpf-root <dir>', `bpffs directory the maps are pinned under (default ${DEFAULT_BPF_ROOT})`)
    .option('--agent <url>', "ask a running agent's status API instead of reading pinned maps")
    .option('--protocols', 'append /TCP, /UDP to addresses as newer Cilium releases do')
    .action(async (o: LbListFlags) => {
      process.exitCode = await runLbList(o, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
  bpf.command('egress').description('egress gateway policy map').command('list')
    .description('list cilium_egress_gw_policy_v4: source IP, destination CIDR, egress IP, gateway IP')
    .option('--bpf-root <dir>', `bpffs directory the map is pinned under (default ${DEFAULT_BPF_ROOT})`)
    .option('--agent <url>', "ask a running agent's status API instead of reading the pinned map")
    .action(async (o: EgressListFlags) => {
      process.exitCode = await runEgressList(o, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
}
