/**
 * Pinned BPF maps through the bpf(2) addon: one file descriptor per map, entries passed to C
 * as one contiguous buffer per batch so a batch costs one call into the addon (and, on kernels
 * with BPF_MAP_UPDATE_BATCH, one syscall per few thousand entries).
 */
import { existsSync } from 'node:fs';
import { fail, ok, type Result } from '../../lib/result.js';
import { checkSizes, type BpfMap, type MapBackend, type MapEntry, type MapError, type MapSpec } from '../maps.js';
import type { BpfAddon } from './addon.js';
import { BpfMapType, errnoError, kernelMapName, pinPath, specMismatch, type PinnedMapInfo } from './spec.js';

const EEXIST = 17;
/** Entries the first dump attempt has room for. */
const DUMP_FIRST_TRY = 4096;

export interface PinnedBackend extends MapBackend {
  readonly kind: 'bpf';
  readonly root: string;
  /** 'native' (bpf(2) addon) or 'bpftool'. */
  readonly impl: 'native' | 'bpftool';
}

function readInfo(addon: BpfAddon, fd: number): PinnedMapInfo | number {
  const out = Buffer.alloc(20);
  const rc = addon.info(fd, out);
  if (rc < 0) return -rc;
  return { type: out.readUInt32LE(0), keySize: out.readUInt32LE(4), valueSize: out.readUInt32LE(8), maxEntries: out.readUInt32LE(12), flags: out.readUInt32LE(16) };
}

/** Opens the pin when it exists (checking its spec), else creates and pins the map. */
function openOrCreate(addon: BpfAddon, root: string, spec: MapSpec): Result<number, MapError> {
  const path = pinPath(root, spec);
  if (!existsSync(path)) {
    const fd = addon.create(BpfMapType[spec.kind], spec.keySize, spec.valueSize, spec.maxEntries, spec.flags, kernelMapName(spec.name));
    if (fd < 0) return fail(errnoError(spec.name, 'create', -fd));
    const pinned = addon.pin(fd, path);
    if (pinned === 0) return ok(fd);
    addon.close(fd);
    // Another process pinned it between our check and our pin: reuse theirs like any pin.
    if (-pinned !== EEXIST) return fail(errnoError(spec.name, `pin at ${path}`, -pinned));
  }
  const fd = addon.get(path);
  if (fd < 0) return fail(errnoError(spec.name, `open pin ${path}`, -fd));
  const info = readInfo(addon, fd);
  const problem = typeof info === 'number' ? errnoError(spec.name, 'map info', info) : specMismatch(spec, info, path);
  if (problem) {
    addon.close(fd);
    return fail(problem);
  }
  return ok(fd);
}

/** Keys and values side by side in two buffers, sizes checked on the way (one pass, no copies of the list). */
function packEntries(spec: MapSpec, entries: readonly MapEntry[]): { keys: Buffer; values: Buffer } | MapError {
  const ks = spec.keySize;
  const vs = spec.valueSize;
  const keys = Buffer.allocUnsafe(entries.length * ks);
  const values = Buffer.allocUnsafe(entries.length * vs);
  for (let i = 0; i < entries.length; i++) {
    const { key, value } = entries[i]!;
    if (key.length !== ks || value.length !== vs) return checkSizes(spec, [key], [value])!;
    key.copy(keys, i * ks);
    value.copy(values, i * vs);
  }
  return { keys, values };
}

function mapHandle(addon: BpfAddon, spec: MapSpec, fd: number, isClosed: () => boolean): BpfMap {
  const name = spec.name;
  const closedError = (): MapError => ({ kind: 'closed', map: name, message: `${name}: backend is closed` });
  return {
    spec,
    async update(entries: readonly MapEntry[]): Promise<Result<void, MapError>> {
      if (isClosed()) return fail(closedError());
      const packed = packEntries(spec, entries);
      if ('kind' in packed) return fail(packed);
      const written = addon.update(fd, packed.keys, packed.values, spec.keySize, spec.valueSize);
      if (written < 0) return fail(errnoError(name, 'update', -written));
      if (written < entries.length) return fail(errnoError(name, `update of entry ${written}`, addon.lastErrno()));
      return ok(undefined);
    },
    async updatePacked(keys: Buffer, values: Buffer): Promise<Result<void, MapError>> {
      if (isClosed()) return fail(closedError());
      const count = keys.length / spec.keySize;
      if (!Number.isInteger(count) || values.length !== count * spec.valueSize) {
        return fail({ kind: 'bad_size', map: name, message: `${name}: packed entries must be ${spec.keySize}-byte keys and ${spec.valueSize}-byte values, got ${keys.length} and ${values.length} bytes` });
      }
      const written = addon.update(fd, keys, values, spec.keySize, spec.valueSize);
      if (written < 0) return fail(errnoError(name, 'update', -written));
      if (written < count) return fail(errnoError(name, `update of entry ${written}`, addon.lastErrno()));
      return ok(undefined);
    },
    async delete(keys: readonly Buffer[]): Promise<Result<void, MapError>> {
      if (isClosed()) return fail(closedError());
      const bad = checkSizes(spec, keys);
      if (bad) return fail(bad);
      const done = addon.remove(fd, Buffer.concat(keys), spec.keySize);
      if (done < 0) return fail(errnoError(name, 'delete', -done));
      if (done < keys.length) return fail(errnoError(name, `delete of entry ${done}`, addon.lastErrno()));
      return ok(undefined);
    },
    async lookup(key: Buffer): Promise<Result<Buffer | undefined, MapError>> {
      if (isClosed()) return fail(closedError());
      const bad = checkSizes(spec, [key]);
      if (bad) return fail(bad);
      const value = Buffer.alloc(spec.valueSize);
      const found = addon.lookup(fd, key, value);
      if (found < 0) return fail(errnoError(name, 'lookup', -found));
      return ok(found === 1 ? value : undefined);
    },
    async dump(): Promise<Result<MapEntry[], MapError>> {
      if (isClosed()) return fail(closedError());
      // Small first: an empty or small map (the agent's start) costs no buffers sized for the
      // whole map. A dump that fills the small buffers is redone at full size.
      let cap = Math.min(spec.maxEntries, DUMP_FIRST_TRY);
      let keys: Buffer;
      let values: Buffer;
      let n: number;
      for (;;) {
        keys = Buffer.allocUnsafe(cap * spec.keySize);
        values = Buffer.allocUnsafe(cap * spec.valueSize);
        n = addon.dump(fd, keys, values, spec.keySize, spec.valueSize);
        if (n < 0) return fail(errnoError(name, 'dump', -n));
        if (n < cap || cap === spec.maxEntries) break;
        cap = spec.maxEntries;
      }
      const out: MapEntry[] = new Array<MapEntry>(n);
      for (let i = 0; i < n; i++) {
        out[i] = {
          key: keys.subarray(i * spec.keySize, (i + 1) * spec.keySize),
          value: values.subarray(i * spec.valueSize, (i + 1) * spec.valueSize),
        };
      }
      return ok(out);
    },
  };
}

export function createNativePinnedBackend(addon: BpfAddon, root: string): PinnedBackend {
  const fds: number[] = [];
  let closed = false;
  return {
    kind: 'bpf',
    impl: 'native',
    root,
    async open(spec: MapSpec): Promise<Result<BpfMap, MapError>> {
      if (closed) return fail({ kind: 'closed', map: spec.name, message: `${spec.name}: backend is closed` });
      const fd = openOrCreate(addon, root, spec);
      if (!fd.ok) return fd;
      fds.push(fd.value);
      return ok(mapHandle(addon, spec, fd.value, () => closed));
    },
    async close(): Promise<void> {
      closed = true;
      for (const fd of fds.splice(0)) addon.close(fd);
    },
  };
}
