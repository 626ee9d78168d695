/** The bpffs directory the pins live in: created when missing, refused when not on a bpffs. */
import { mkdirSync, statfsSync } from 'node:fs';
import { fail, ok, type Result } from '../../lib/result.js';

export const DEFAULT_BPF_ROOT = '/sys/fs/bpf/meshlb';

const BPF_FS_MAGIC = 0xcafe4a11;

export function isBpffs(dir: string): boolean {
  try {
    return statfsSync(dir).type === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

export function prepareRoot(root: string): Result<string, string> {
  try {
    mkdirSync(root, { recursive: true });
  } catch (err) {
    return fail(`cannot create bpf root ${root}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isBpffs(root)) return fail(`bpf root ${root} is not on a bpf filesystem (mount -t bpf bpf <dir>)`);
  return ok(root);
}
