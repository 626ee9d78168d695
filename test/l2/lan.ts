/**
 * The e2e test's L2 segment: a "lan" namespace with a bridge, a client namespace on it
 * (198.51.100.1/24, TEST-NET-2), and one veth per node whose root-namespace end (the node's
 * device, where the agent attaches its responder) has no address and no IPv6. Everything is
 * named after the test process, and cleanup deletes the namespaces, which removes the veths.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function sh(cmd: string, args: readonly string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return res.stdout;
}

export interface Lan {
  readonly lan: string;
  readonly client: string;
  /** Root-namespace device names, one per node. */
  readonly nodeIfs: readonly string[];
  mac(ifname: string): string;
  setLink(ifname: string, up: boolean): void;
  /** Detaches any XDP program (what a node's death does to its datapath). */
  xdpOff(ifname: string): void;
  /**
   * MACs of the replies to `count` ARP requests for `ip` from the client (one probe per
   * second). Asynchronous: the API server of the test runs in this process and must not stall.
   */
  arping(ip: string, count: number): Promise<string[]>;
  neighbour(ip: string): Promise<string | undefined>;
  plantNeighbour(ip: string, mac: string): void;
  cleanup(): void;
}

export function createLan(nodes: number): Lan {
  const tag = String(process.pid);
  const lan = `meshlb-l2lan-${tag}`;
  const client = `meshlb-l2cli-${tag}`;
  const nodeIfs = Array.from({ length: nodes }, (_, i) => `m${tag}n${i + 1}`);
  const cleanup = (): void => {
    for (const ifname of nodeIfs) spawnSync('ip', ['link', 'del', ifname], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', client], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', lan], { stdio: 'ignore' });
  };
  try {
    sh('ip', ['netns', 'add', lan]);
    sh('ip', ['netns', 'add', client]);
    sh('ip', ['-n', lan, 'link', 'add', 'br0', 'type', 'bridge']);
    sh('ip', ['-n', lan, 'link', 'set', 'br0', 'up']);
    sh('ip', ['link', 'add', 'c0', 'netns', client, 'type', 'veth', 'peer', 'name', 'c0p', 'netns', lan]);
    sh('ip', ['-n', lan, 'link', 'set', 'c0p', 'master', 'br0', 'up']);
    sh('ip', ['-n', client, 'addr', 'add', '198.51.100.1/24', 'dev', 'c0']);
    sh('ip', ['-n', client, 'link', 'set', 'c0', 'up']);
    for (const [i, ifname] of nodeIfs.entries()) {
      sh('ip', ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', `n${i + 1}p`, 'netns', lan]);
      sh('sysctl', ['-q', '-w', `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
      sh('ip', ['-n', lan, 'link', 'set', `n${i + 1}p`, 'master', 'br0', 'up']);
      sh('ip', ['link', 'set', ifname, 'up']);
    }
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    lan,
    client,
    nodeIfs,
    mac: (ifname) => readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim().toLowerCase(),
    setLink: (ifname, up) => void sh('ip', ['link', 'set', ifname, up ? 'up' : 'down']),
    xdpOff: (ifname) => void spawnSync('ip', ['link', 'set', 'dev', ifname, 'xdpgeneric', 'off'], { stdio: 'ignore' }),
    async arping(ip, count) {
      const stdout = await new Promise<string>((resolve) => {
        execFile('ip', ['netns', 'exec', client, 'arping', '-c', String(count), '-w', String(count + 1), '-I', 'c0', ip], (_err, out) => resolve(String(out)));
      });
      return [...stdout.matchAll(/reply from (\S+) \[([0-9A-Fa-f:]+)\]/g)].filter((m) => m[1] === ip).map((m) => m[2]!.toLowerCase());
    },
    async neighbour(ip) {
      // Polled every few ms while the test's in-process API server must keep answering.
      const out = await new Promise<string>((resolve, reject) => {
        execFile('ip', ['-j', '-n', client, 'neigh', 'show', 'to', ip, 'dev', 'c0'], (err, stdout) => (err ? reject(err) : resolve(String(stdout))));
      });
      const entries = JSON.parse(out || '[]') as { dst: string; lladdr?: string }[];
      return entries.find((n) => n.dst === ip)?.lladdr?.toLowerCase();
    },
    plantNeighbour: (ip, mac) => void sh('ip', ['-n', client, 'neigh', 'replace', ip, 'lladdr', mac, 'dev', 'c0', 'nud', 'stale']),
    cleanup,
  };
}
