/**
 * Pure helpers shared by both pinned map implementations: kernel map type numbers, the pin
 * path of a map, and the comparison that decides whether an existing pin can be reused.
 */
import { join } from 'node:path';
import type { MapError, MapSpec } from '../maps.js';

/** enum bpf_map_type values (include/uapi/linux/bpf.h). */
export const BpfMapType = { hash: 1, lpm_trie: 11 } as const;

/** The kernel keeps 15 characters of a map's name (BPF_OBJ_NAME_LEN 16 with the NUL). */
export function kernelMapName(name: string): string {
  return name.slice(0, 15);
}

export function pinPath(root: string, spec: MapSpec): string {
  return join(root, spec.name);
}

/** What the kernel reports about an existing map, in bpftool's vocabulary. */
export interface PinnedMapInfo {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/** Undefined when the pinned map can serve the spec, else an error that says what differs. */
export function specMismatch(spec: MapSpec, found: PinnedMapInfo, path: string): MapError | undefined {
  const want: PinnedMapInfo = {
    type: BpfMapType[spec.kind],
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags,
  };
  const diffs = (Object.keys(want) as (keyof PinnedMapInfo)[])
    .filter((k) => want[k] !== found[k])
    .map((k) => `${k} ${found[k]} (want ${want[k]})`);
  if (diffs.length === 0) return undefined;
  return {
    kind: 'spec_mismatch',
    map: spec.name,
    message: `${spec.name}: the map pinned at ${path} has ${diffs.join(', ')}; remove the pin or fix the configuration`,
  };
}

/** errno → MapError, keeping the kernel's meaning where the interface has a kind for it. */
export function errnoError(map: string, what: string, errno: number): MapError {
  const E2BIG = 7;
  const kind = errno === E2BIG ? 'full' : 'io';
  return { kind, map, message: `${map}: ${what} failed: ${errnoName(errno)}` };
}

const names: Record<number, string> = {
  1: 'EPERM (operation not permitted)',
  2: 'ENOENT (no such file or entry)',
  7: 'E2BIG (map is full)',
  9: 'EBADF (bad file descriptor)',
  12: 'ENOMEM (out of memory)',
  13: 'EACCES (permission denied)',
  17: 'EEXIST (already exists)',
  22: 'EINVAL (invalid argument)',
};

export function errnoName(errno: number): string {
  return names[errno] ?? `errno ${errno}`;
}
