/**
 * The cgroup/connect4 program in lb_connect4.c: compiled with clang, loaded with bpftool with
 * its maps bound to the control plane's pins (never maps of its own), attached to one cgroup.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, ok, type Result } from '../../lib/result.js';
import { MapSpecs } from '../layouts/constants.js';
import { runBpftool } from '../pinned/bpftool.js';

/** The C source; dist/ has no .c files, so look beside the source tree too. */
export function connect4Source(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here.replace(/\/dist\/datapath\/bpf$/, '/datapath/bpf'), 'lb_connect4.c');
}

function run(cmd: string, args: readonly string[]): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve(fail(`${cmd}: ${e.message}`)));
    child.on('close', (code) =>
      resolve(code === 0 ? ok(undefined) : fail(`${cmd} exited ${code}: ${Buffer.concat(err).toString('utf8').trim().slice(-600)}`)),
    );
  });
}

export async function compileConnect4(outFile: string): Promise<Result<string, string>> {
  const built = await run('clang', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', connect4Source(), '-o', outFile]);
  return built.ok ? ok(outFile) : built;
}

/** Loads the object pinned at `progPin`, its maps reusing the pins under `bpfRoot`. */
export async function loadConnect4(obj: string, progPin: string, bpfRoot: string): Promise<Result<void, string>> {
  const maps = [MapSpecs.lb4Services.name, MapSpecs.lb4Backends.name].flatMap((name) => ['map', 'name', name, 'pinned', join(bpfRoot, name)]);
  const res = await runBpftool(['prog', 'load', obj, progPin, 'type', 'cgroup/connect4', ...maps]);
  return res.ok ? ok(undefined) : res;
}

export async function attachConnect4(cgroup: string, progPin: string): Promise<Result<void, string>> {
  const res = await runBpftool(['cgroup', 'attach', cgroup, 'connect4', 'pinned', progPin]);
  return res.ok ? ok(undefined) : res;
}

export async function detachConnect4(cgroup: string, progPin: string): Promise<Result<void, string>> {
  const res = await runBpftool(['cgroup', 'detach', cgroup, 'connect4', 'pinned', progPin]);
  return res.ok ? ok(undefined) : res;
}
