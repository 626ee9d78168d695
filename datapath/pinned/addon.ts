/**
 * Loads the bpf(2) addon built from native/ (see native/build.mjs). Absent or unloadable
 * means "use bpftool": the reason is kept so health and logs can say why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every call returns a number; negative values are -errno. */
export interface BpfAddon {
  create(type: number, keySize: number, valueSize: number, maxEntries: number, flags: number, name: string): number;
  pin(fd: number, path: string): number;
  get(path: string): number;
  /** Fills out[0..4] with type, key size, value size, max entries, flags. */
  info(fd: number, out: Buffer): number;
  /**
   * Returns how many entries were written, in order; fewer than given means lastErrno() says
   * why. Uses the kernel's batch command, one syscall per entry where the kernel refuses it.
   */
  update(fd: number, keys: Buffer, values: Buffer, keySize: number, valueSize: number): number;
  /** Like update, always one syscall per entry (the baseline the bench compares batches with). */
  updateEach(fd: number, keys: Buffer, values: Buffer, keySize: number, valueSize: number): number;
  /** How many batch calls the kernel refused so far (each then went one syscall per entry). */
  batchRefusals(): number;
  remove(fd: number, keys: Buffer, keySize: number): number;
  /** 1 found (value filled), 0 absent. */
  lookup(fd: number, key: Buffer, valueOut: Buffer): number;
  /** Number of entries written into the output buffers. */
  dump(fd: number, keysOut: Buffer, valuesOut: Buffer, keySize: number, valueSize: number): number;
  close(fd: number): number;
  lastErrno(): number;
}

export type AddonLoad = { readonly addon: BpfAddon } | { readonly addon: undefined; readonly reason: string };

/** native/ sits at the package root, two or three levels above this file (source or dist/). */
function addonPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'native', 'build', 'Release', 'meshlb_bpf.node');
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, 'package.json'))) return undefined;
    dir = dirname(dir);
  }
  return undefined;
}

let cached: AddonLoad | undefined;

export function loadBpfAddon(): AddonLoad {
  if (cached) return cached;
  const path = addonPath();
  if (!path) return (cached = { addon: undefined, reason: 'native/build/Release/meshlb_bpf.node is not built (npm run build:native)' });
  try {
    const addon = createRequire(import.meta.url)(path) as BpfAddon;
    return (cached = { addon });
  } catch (err) {
    return (cached = { addon: undefined, reason: `cannot load ${path}: ${err instanceof Error ? err.message : String(err)}` });
  }
}
