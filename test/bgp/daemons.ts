/**
 * Real BGP daemons for interop tests: BIRD 2, FRR bgpd and GoBGP, each started in its own temp
 * dir on a 127.0.0.x address, queried through its own CLI, and killed (also on failure).
 */
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Daemon {
  readonly dir: string;
  readonly proc: ChildProcess;
  /** Kills the process and waits for it. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
}

async function waitExit(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => p.once('exit', () => resolve()));
}

function startProcess(dir: string, cmd: string, args: string[]): Daemon {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  proc.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  proc.on('exit', (code, sig) => {
    if (process.env.BGP_TEST_DEBUG) process.stderr.write(`${cmd} exited ${code} ${sig}\n${log.join('')}\n`);
  });
  return {
    dir,
    proc,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await waitExit(proc);
    },
    pause: () => void proc.kill('SIGSTOP'),
    resume: () => void proc.kill('SIGCONT'),
  };
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `check` until it returns a value that is not undefined, or throws with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

// ---- BIRD ----

export interface BirdNeighbor {
  readonly name: string;
  readonly address: string;
  readonly asn: number;
}

export interface BirdSpec {
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly neighbors: readonly BirdNeighbor[];
  /** Seconds BIRD waits for a restarting neighbor (graceful restart). */
  readonly gracefulRestartTime?: number;
}

export function birdConfig(s: BirdSpec): string {
  const protos = s.neighbors.map(
    (n) => `protocol bgp ${n.name} {
  local ${s.address} port ${s.port} as ${s.asn};
  neighbor ${n.address} as ${n.asn};
  passive on; multihop; strict bind on;
  graceful restart on; graceful restart time ${s.gracefulRestartTime ?? 120};
  error wait time 1, 2; error forget time 5;
  ipv4 { import all; export none; };
  ipv6 { import all; export none; };
}`,
  );
  return `router id ${s.address};\nprotocol device { }\n${protos.join('\n')}\n`;
}

export function startBird(dir: string, spec: BirdSpec): Daemon {
  writeFileSync(join(dir, 'bird.conf'), birdConfig(spec));
  return startProcess(dir, 'bird', ['-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl')]);
}

export async function birdc(dir: string, ...cmd: string[]): Promise<string> {
  const { stdout } = await run('birdc', ['-s', join(dir, 'bird.ctl'), ...cmd], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

export interface BirdRoute {
  readonly prefix: string;
  readonly protocol: string;
  readonly communities: string[];
  readonly largeCommunities: string[];
  readonly localPref?: number;
  readonly asPath: string;
  readonly stale: boolean;
}

/** Parses `show route all` (BIRD 2) into routes per prefix and protocol. */
export function parseBirdRoutes(text: string): BirdRoute[] {
  const out: BirdRoute[] = [];
  let prefix = '';
  let cur: { -readonly [K in keyof BirdRoute]: BirdRoute[K] } | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+\/\d+)?\s+\S+\s+\[(\S+?)\s[^\]]*\]/.exec(line);
    if (head && (head[1] || prefix)) {
      if (head[1]) prefix = head[1];
      cur = { prefix, protocol: head[2]!, communities: [], largeCommunities: [], asPath: '', stale: false };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const attr = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (!attr) continue;
    const [, name, value] = attr as unknown as [string, string, string];
    if (name === 'community') cur.communities = [...value.matchAll(/\((\d+),(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`);
    if (name === 'large_community') cur.largeCommunities = [...value.matchAll(/\((\d+), (\d+), (\d+)\)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`);
    if (name === 'local_pref') cur.localPref = Number(value);
    if (name === 'as_path') cur.asPath = value.trim();
  }
  return out;
}

export async function birdRoutes(dir: string, protocol?: string): Promise<BirdRoute[]> {
  const text = await birdc(dir, 'show', 'route', 'all', ...(protocol ? ['protocol', protocol] : []));
  return parseBirdRoutes(text);
}

export async function birdProtocolState(dir: string, name: string): Promise<string> {
  const text = await birdc(dir, 'show', 'protocols', name);
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ?? '';
}

// ---- GoBGP ----

export interface SimpleSpec {
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly neighbors: readonly { readonly address: string; readonly asn: number }[];
  /** GoBGP's gRPC API port (on 127.0.0.1). */
  readonly apiPort?: number;
}

export function gobgpConfig(s: SimpleSpec): string {
  const ns = s.neighbors.map(
    (n) => `
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${n.address}"
    peer-as = ${n.asn}
  [neighbors.transport.config]
    passive-mode = true
    local-address = "${s.address}"
  [neighbors.ebgp-multihop.config]
    enabled = ${n.asn !== s.asn}
    multihop-ttl = 255
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"`,
  );
  return `[global.config]
  as = ${s.asn}
  router-id = "${s.address}"
  port = ${s.port}
  local-address-list = ["${s.address}"]
${ns.join('\n')}
`;
}

export function startGobgp(dir: string, spec: SimpleSpec): Daemon {
  writeFileSync(join(dir, 'gobgpd.toml'), gobgpConfig(spec));
  return startProcess(dir, 'gobgpd', ['-f', join(dir, 'gobgpd.toml'), '--api-hosts', `127.0.0.1:${spec.apiPort ?? 50052}`, '--pprof-disable', '-p']);
}

export async function gobgp(apiPort: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('gobgp', ['-u', '127.0.0.1', '-p', String(apiPort), ...args], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

// ---- FRR ----

export function frrConfig(s: SimpleSpec): string {
  const lines = [`router bgp ${s.asn}`, ` bgp router-id ${s.address}`, ' no bgp ebgp-requires-policy', ' no bgp network import-check'];
  for (const n of s.neighbors) {
    lines.push(` neighbor ${n.address} remote-as ${n.asn}`, ` neighbor ${n.address} passive`, ` neighbor ${n.address} disable-connected-check`);
    if (n.asn !== s.asn) lines.push(` neighbor ${n.address} ebgp-multihop 255`);
  }
  lines.push(' address-family ipv6 unicast');
  for (const n of s.neighbors) lines.push(`  neighbor ${n.address} activate`);
  lines.push(' exit-address-family');
  return lines.join('\n') + '\n';
}

export function startFrr(dir: string, spec: SimpleSpec): Daemon {
  writeFileSync(join(dir, 'bgpd.conf'), frrConfig(spec));
  return startProcess(dir, '/usr/lib/frr/bgpd', [
    '-f', join(dir, 'bgpd.conf'), '-i', join(dir, 'bgpd.pid'), '--vty_socket', dir, '-Z', '-S',
    '-p', String(spec.port), '-l', spec.address, '-P', '0',
  ]);
}

export async function vtysh(dir: string, cmd: string): Promise<string> {
  const { stdout } = await run('vtysh', ['--vty_socket', dir, '-c', cmd], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}
