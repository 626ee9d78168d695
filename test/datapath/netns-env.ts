/**
 * Network namespace, cgroup and process helpers for the connect4 end-to-end test. Everything
 * created here is named after the test process and removed by the returned cleanups.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmdirSync, statfsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const CGROUP2_ROOT = '/sys/fs/cgroup/unified';
const CGROUP2_MAGIC = 0x63677270;

function works(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export function netnsSkipReason(): string | undefined {
  try {
    if (statfsSync(CGROUP2_ROOT).type !== CGROUP2_MAGIC) return `${CGROUP2_ROOT} is not a cgroup v2 mount`;
  } catch {
    return `no cgroup v2 mount at ${CGROUP2_ROOT}`;
  }
  if (!works('clang', ['--version'])) return 'clang is not installed';
  if (!works('ip', ['netns', 'list'])) return 'iproute2 (ip netns) is not available';
  if (!works('nsenter', ['--version'])) return 'nsenter is not available';
  return undefined;
}

export function createNetns(name: string): () => void {
  spawnSync('ip', ['netns', 'add', name], { stdio: 'inherit' });
  spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up'], { stdio: 'inherit' });
  return () => void spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

export function createCgroup(path: string): () => void {
  mkdirSync(path);
  return () => {
    try {
      rmdirSync(path);
    } catch {
      // Processes still in it die with the test's kills; a second try covers the race.
      spawnSync('sleep', ['0.2']);
      rmdirSync(path);
    }
  };
}

/** A child that speaks lines: `send(line)` resolves with the next line it prints. */
export interface LineProcess {
  readonly child: ChildProcess;
  next(): Promise<string>;
  send(line: string): Promise<string>;
  kill(): void;
}

export function spawnLines(cmd: string, args: readonly string[]): LineProcess {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const next = (): Promise<string> => {
    const l = lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      waiters.push(resolve);
      child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}`)));
    });
  };
  return {
    child,
    next,
    send(line) {
      child.stdin!.write(line + '\n');
      return next();
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Three (or more) HTTP servers on 127.0.0.x inside the netns; each answers with its name. */
export const backendsScript = `
const http = require('node:http');
const list = JSON.parse(process.argv[1]);
let up = 0;
for (const [name, host, port] of list) {
  http.createServer((req, res) => res.end(name)).listen(port, host, () => {
    if (++up === list.length) console.log('ready');
  });
}
`;

/** Reads a count per line, makes that many fresh connections to the VIP, prints who answered. */
export const clientScript = `
const http = require('node:http');
const [host, port] = [process.argv[1], Number(process.argv[2])];
const get = () => new Promise((resolve) => {
  const req = http.get({ host, port, agent: false, timeout: 2000 }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve(body));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => resolve('error:' + e.code));
});
require('node:readline').createInterface({ input: process.stdin }).on('line', async (line) => {
  const out = [];
  for (let i = 0; i < Number(line); i++) out.push(await get());
  console.log(JSON.stringify(out));
});
console.log('ready');
`;
