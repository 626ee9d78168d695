/**
 * A two-namespace L2 segment for the responder tests: a client namespace and a "node"
 * namespace joined by a veth pair. The client end has 10.0.0.1/24 and fd00::1/64; the node end
 * has no address at all (IPv6 is disabled on it), so every answer for an announced address
 * comes from the XDP program and none from the node's kernel.
 */
import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { bpfSkipReason } from '../datapath/bpf-env.js';

function works(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function sh(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return res.stdout;
}

export function l2SkipReason(): string | undefined {
  const bpf = bpfSkipReason();
  if (bpf) return bpf;
  if (!works('clang', ['--version'])) return 'clang is not installed (apt-get install -y clang libbpf-dev)';
  if (!works('ip', ['netns', 'list'])) return 'iproute2 (ip netns) is not available';
  if (!works('nsenter', ['--version'])) return 'nsenter is not available';
  if (!works('arping', ['-V'])) return 'arping is not installed (apt-get install -y iputils-arping)';
  return undefined;
}

export interface Segment {
  readonly client: string;
  readonly node: string;
  readonly clientIf: 'c0';
  readonly nodeIf: 'n0';
  /** /run/netns/<node>, for nsenter and the adapter's netns option. */
  readonly nodeNetns: string;
  cleanup(): void;
}

export function createSegment(tag: string): Segment {
  const client = `meshlb-l2c-${tag}`;
  const node = `meshlb-l2n-${tag}`;
  const cleanup = (): void => {
    // Deleting a namespace deletes the veth pair and with it any XDP attachment.
    spawnSync('ip', ['netns', 'del', client], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', node], { stdio: 'ignore' });
  };
  try {
    sh('ip', ['netns', 'add', client]);
    sh('ip', ['netns', 'add', node]);
    sh('ip', ['link', 'add', 'c0', 'netns', client, 'type', 'veth', 'peer', 'name', 'n0', 'netns', node]);
    sh('ip', ['netns', 'exec', node, 'sysctl', '-q', '-w', 'net.ipv6.conf.n0.disable_ipv6=1']);
    sh('ip', ['-n', client, 'addr', 'add', '10.0.0.1/24', 'dev', 'c0']);
    sh('ip', ['-n', client, 'addr', 'add', 'fd00::1/64', 'dev', 'c0', 'nodad']);
    for (const [ns, dev] of [
      [client, 'lo'],
      [client, 'c0'],
      [node, 'n0'],
    ] as const)
      sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  } catch (err) {
    cleanup();
    throw err;
  }
  return { client, node, clientIf: 'c0', nodeIf: 'n0', nodeNetns: `/run/netns/${node}`, cleanup };
}

/** The MACs of the ARP replies `arping` got for `ip` (one entry per reply). */
export function arpingReplies(seg: Segment, ip: string, count: number): string[] {
  const res = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      seg.client,
      'arping',
      '-c',
      String(count),
      '-w',
      String(count + 1),
      '-I',
      seg.clientIf,
      ip,
    ],
    { encoding: 'utf8' },
  );
  return [...res.stdout.matchAll(/reply from (\S+) \[([0-9A-Fa-f:]+)\]/g)]
    .filter((m) => m[1] === ip)
    .map((m) => m[2]!.toLowerCase());
}

const neighJson = z.array(
  z.object({ dst: z.string(), lladdr: z.string().optional(), state: z.array(z.string()).optional() }),
);

/** The client's neighbour entry for `ip`: its MAC, or undefined without one. */
export function clientNeighbour(seg: Segment, ip: string): string | undefined {
  const out = sh('ip', ['-j', '-n', seg.client, 'neigh', 'show', 'to', ip, 'dev', seg.clientIf]);
  const entry = neighJson.parse(JSON.parse(out || '[]')).find((n) => n.dst === ip);
  return entry?.lladdr?.toLowerCase();
}

/** The kernel's state words for the client's entry ("INCOMPLETE", "FAILED", ...); [] without one. */
export function clientNeighbourState(seg: Segment, ip: string): string[] {
  const out = sh('ip', ['-j', '-n', seg.client, 'neigh', 'show', 'to', ip, 'dev', seg.clientIf]);
  return neighJson.parse(JSON.parse(out || '[]')).find((n) => n.dst === ip)?.state ?? [];
}

/** A stale entry with a MAC nobody has: an announcement must replace it. */
export function plantStaleNeighbour(seg: Segment, ip: string, mac: string): void {
  sh('ip', ['-n', seg.client, 'neigh', 'replace', ip, 'lladdr', mac, 'dev', seg.clientIf, 'nud', 'stale']);
}

export function flushNeighbour(seg: Segment, ip: string): void {
  spawnSync('ip', ['-n', seg.client, 'neigh', 'del', ip, 'dev', seg.clientIf], { stdio: 'ignore' });
}

/**
 * Makes the client's kernel resolve `ip6` with a neighbor solicitation by sending it one UDP
 * datagram (nobody receives it; only the neighbour discovery matters). No ping here.
 */
export function solicitFromClient(seg: Segment, ip6: string): void {
  const script = `require('node:dgram').createSocket('udp6').send('x', 9, ${JSON.stringify(ip6)}, () => process.exit(0))`;
  spawnSync('nsenter', [`--net=/run/netns/${seg.client}`, process.execPath, '-e', script], {
    stdio: 'ignore',
    timeout: 5000,
  });
}

const addrJson = z.array(
  z.object({
    addr_info: z.array(
      z.object({ local: z.string(), dadfailed: z.boolean().optional(), tentative: z.boolean().optional() }),
    ),
  }),
);

/** Adds `ip6` to the client with duplicate address detection, as a host joining the segment would. */
export function addClientAddressWithDad(seg: Segment, ip6: string): () => void {
  sh('ip', ['-n', seg.client, 'addr', 'add', `${ip6}/64`, 'dev', seg.clientIf]);
  return () =>
    void spawnSync('ip', ['-n', seg.client, 'addr', 'del', `${ip6}/64`, 'dev', seg.clientIf], {
      stdio: 'ignore',
    });
}

/** 'tentative' while DAD runs, then 'dadfailed' or 'ok'; undefined when the address is gone. */
export function clientAddressState(seg: Segment, ip6: string): 'tentative' | 'dadfailed' | 'ok' | undefined {
  const out = sh('ip', ['-j', '-n', seg.client, '-6', 'addr', 'show', 'dev', seg.clientIf]);
  const info = addrJson
    .parse(JSON.parse(out))
    .flatMap((l) => l.addr_info)
    .find((a) => a.local === ip6);
  if (!info) return undefined;
  if (info.dadfailed) return 'dadfailed';
  return info.tentative ? 'tentative' : 'ok';
}

export function xdpProgramOn(seg: Segment): number | undefined {
  const out = sh('nsenter', [`--net=${seg.nodeNetns}`, 'bpftool', '-j', 'net', 'show', 'dev', seg.nodeIf]);
  const parsed = z.array(z.object({ xdp: z.array(z.object({ id: z.number() })) })).parse(JSON.parse(out));
  return parsed[0]?.xdp[0]?.id;
}

export async function eventually<T>(read: () => T, good: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let v = read();
  while (!good(v) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    v = read();
  }
  return v;
}
