/**
 * Mounting a private bpf filesystem for a process tree that owns it (the sandbox mounts one
 * per cluster so its agent's pins never touch /sys/fs/bpf), removing the pins and unmounting
 * it again, and finding such mounts left behind by a supervisor that was killed.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fail, ok, type Result } from '../lib/result.js';
import { isBpffs } from './pinned/root.js';

const run = promisify(execFile);

function message(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).split('\n')[0]!;
}

/** Undefined when this process may mount a bpffs, else why not. */
export function bpffsMountUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'BPF needs Linux';
  if (process.getuid?.() !== 0) return 'mounting a bpf filesystem needs root';
  return undefined;
}

/** Mounts a bpffs on `dir` (created if missing); an existing bpffs there is reused as is. */
export async function mountBpffs(dir: string): Promise<Result<string, string>> {
  const why = bpffsMountUnavailable();
  if (why) return fail(why);
  await mkdir(dir, { recursive: true });
  if (isBpffs(dir)) return ok(dir);
  try {
    await run('mount', ['-t', 'bpf', 'bpf', dir]);
  } catch (err) {
    return fail(`cannot mount a bpf filesystem on ${dir}: ${message(err)}`);
  }
  return isBpffs(dir) ? ok(dir) : fail(`mount -t bpf on ${dir} did not give a bpf filesystem`);
}

/** Removes every pin under `dir`, unmounts it and removes the directory; a no-op when not mounted. */
export async function unmountBpffs(dir: string): Promise<Result<void, string>> {
  if (isBpffs(dir)) {
    // The kernel's own entries (maps.debug, progs.debug with bpf_preload) cannot be removed;
    // unmounting drops them with the rest.
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
    }
    try {
      await run('umount', [dir]);
    } catch (err) {
      return fail(`cannot unmount ${dir}: ${message(err)}`);
    }
  }
  await rmdir(dir).catch(() => undefined);
  return ok(undefined);
}

/** Octal escapes in /proc/mounts (\040 for space and so on). */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/mounts text: bpf mount points at or below `under`. */
export function bpfMountsUnder(procMounts: string, under: string): string[] {
  const base = resolve(under);
  return procMounts
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length >= 3 && f[2] === 'bpf')
    .map((f) => unescapeMountPath(f[1]!))
    .filter((p) => p === base || p.startsWith(base + '/'));
}

/** Unmounts every bpffs under `dir` (deepest first); returns the ones it could not. */
export async function unmountAllUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/mounts', 'utf8').catch(() => '');
  const mounts = bpfMountsUnder(text, dir).sort((a, b) => b.length - a.length);
  const failed: string[] = [];
  for (const m of mounts) {
    const r = await unmountBpffs(m);
    if (!r.ok) failed.push(r.error);
  }
  return failed;
}
