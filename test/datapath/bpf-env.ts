/**
 * What the BPF tests need from the machine, and a private bpffs per test file: a fresh bpf
 * filesystem mounted on a temp dir, so tests never see or touch /sys/fs/bpf.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function commandWorks(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Undefined when BPF maps can be pinned here, else why not (printed by the skipping test). */
export function bpfSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (BPF maps and bpffs mounts need CAP_SYS_ADMIN/CAP_BPF)';
  if (!commandWorks('bpftool', ['version'])) return 'bpftool is not installed (apt-get install -y bpftool)';
  const probe = mkdtempSync(join(tmpdir(), 'meshlb-bpf-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'bpf', 'bpf', probe], { stdio: 'ignore' }).status !== 0) return 'cannot mount a bpf filesystem';
    spawnSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

export interface PrivateBpffs {
  readonly dir: string;
  cleanup(): void;
}

export function mountPrivateBpffs(): PrivateBpffs {
  const dir = mkdtempSync(join(tmpdir(), 'meshlb-bpffs-'));
  execFileSync('mount', ['-t', 'bpf', 'bpf', dir]);
  return {
    dir,
    cleanup() {
      // Unmounting drops every pin under it; maps go away once no program or fd holds them.
      spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function skipWithReason(reason: string | undefined, what: string): boolean {
  if (reason) process.stdout.write(`SKIP ${what}: ${reason}\n`);
  return reason !== undefined;
}
