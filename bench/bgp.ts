/**
 * BGP advertisement throughput: time from session establishment until BIRD holds N (100,000)
 * /32s, for our speaker and, in the same run, for gobgpd advertising the same set (gobgpd
 * learns it from our speaker first, then BIRD's session to it is enabled). Plus our memory.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createSpeaker } from '../bgp/speaker/index.js';
import type { Speaker } from '../bgp/speaker/index.js';

const exec = promisify(execFile);
const N = Number(process.env.BENCH_BGP_ROUTES ?? 100_000);
const NET = '127.0.24';
const BIRD_PORT = 1793;
const GOBGP_PORT = 1794;
const GOBGP_API = 51794;

const birdConf = `router id ${NET}.2;
protocol device { }
protocol bgp ours { local ${NET}.2 port ${BIRD_PORT} as 65000; neighbor ${NET}.1 as 65001; passive on; multihop; strict bind on;
  ipv4 { import all; export none; }; }
protocol bgp viagobgp { disabled; local ${NET}.2 as 65000; neighbor ${NET}.4 port ${GOBGP_PORT} as 65000; strict bind on;
  ipv4 { import all; export none; }; }
`;
const gobgpConf = `[global.config]
  as = 65000
  router-id = "${NET}.4"
  port = ${GOBGP_PORT}
  local-address-list = ["${NET}.4"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${NET}.3"
    peer-as = 65001
  [neighbors.transport.config]
    passive-mode = true
    local-address = "${NET}.4"
  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 255
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${NET}.2"
    peer-as = 65000
  [neighbors.transport.config]
    passive-mode = true
    local-address = "${NET}.4"
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, timeoutMs = 120_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(everyMs);
  }
  throw new Error('bench: timed out');
}

async function birdCount(dir: string, proto: string): Promise<number> {
  const { stdout } = await exec('birdc', ['-s', join(dir, 'bird.ctl'), 'show', 'route', 'protocol', proto, 'count']);
  const m = /(\d+) of \d+ routes/.exec(stdout) ?? /(\d+) routes/.exec(stdout);
  return m ? Number(m[1]) : 0;
}

async function birdEstablished(dir: string, proto: string): Promise<boolean> {
  const { stdout } = await exec('birdc', ['-s', join(dir, 'bird.ctl'), 'show', 'protocols', proto]);
  return stdout.includes('Established');
}

const routes = Array.from({ length: N }, (_, i) => ({ prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32` }));

async function speakerTo(local: string, address: string, port: number): Promise<Speaker> {
  const s = await createSpeaker({ routerId: local, localAsn: 65001 });
  if (!s.ok) throw new Error(s.error);
  s.value.setRoutes('*', routes);
  s.value.setPeers([{ name: 'p', address, port, peerAsn: 65000, localAddress: local, connectRetrySeconds: 1, families: ['ipv4'], nextHopIpv4: '192.0.2.1' }]);
  return s.value;
}

export async function run(): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'meshlb-bench-bgp-'));
  const procs: ChildProcess[] = [];
  const speakers: Speaker[] = [];
  try {
    writeFileSync(join(dir, 'bird.conf'), birdConf);
    writeFileSync(join(dir, 'gobgpd.toml'), gobgpConf);
    procs.push(spawn('bird', ['-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl')], { stdio: 'ignore' }));
    procs.push(spawn('gobgpd', ['-f', join(dir, 'gobgpd.toml'), '--api-hosts', `127.0.0.1:${GOBGP_API}`, '--pprof-disable', '-p'], { stdio: 'ignore' }));
    await until(() => birdEstablished(dir, 'ours').then(() => true));

    const heapBefore = process.memoryUsage();
    const ours = await speakerTo(`${NET}.1`, `${NET}.2`, BIRD_PORT);
    speakers.push(ours);
    await until(async () => ours.peerStatus()[0]?.state === 'established', 30_000, 1);
    const t0 = performance.now();
    await until(async () => (await birdCount(dir, 'ours')) >= N);
    const oursMs = performance.now() - t0;
    const mem = process.memoryUsage();
    process.stderr.write(`ours: ${oursMs.toFixed(0)} ms\n`);

    // Load gobgpd from a second speaker first; then time gobgpd → BIRD alone.
    const feeder = await speakerTo(`${NET}.3`, `${NET}.4`, GOBGP_PORT);
    speakers.push(feeder);
    await until(async () => {
      const { stdout } = await exec('gobgp', ['-u', '127.0.0.1', '-p', String(GOBGP_API), 'global', 'rib', 'summary']);
      return new RegExp(`Destination:\\s*${N}\\b`).test(stdout) || new RegExp(`\\b${N}\\b`).test(stdout);
    }, 300_000, 500);
    await exec('birdc', ['-s', join(dir, 'bird.ctl'), 'enable', 'viagobgp']);
    await until(() => birdEstablished(dir, 'viagobgp'), 60_000, 1);
    const t1 = performance.now();
    await until(async () => (await birdCount(dir, 'viagobgp')) >= N, 300_000);
    const gobgpMs = performance.now() - t1;
    process.stderr.write(`gobgpd: ${gobgpMs.toFixed(0)} ms\n`);

    return {
      routes: N,
      oursMs: Math.round(oursMs),
      gobgpdMs: Math.round(gobgpMs),
      ratioOursToGobgpd: Number((oursMs / gobgpMs).toFixed(3)),
      goal: 'ratio <= 0.5',
      memory: {
        rssMiB: Number((mem.rss / 2 ** 20).toFixed(1)),
        heapUsedMiB: Number((mem.heapUsed / 2 ** 20).toFixed(1)),
        heapGrowthMiB: Number(((mem.heapUsed - heapBefore.heapUsed) / 2 ** 20).toFixed(1)),
      },
      note: 'times measured from BIRD/our session reaching Established to BIRD counting all routes (polled every 20 ms)',
    };
  } finally {
    for (const s of speakers) await s.stop();
    for (const p of procs) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
