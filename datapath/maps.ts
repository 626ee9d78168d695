/**
 * The map backend interface: named fixed-size key/value maps with batch writes. Two
 * implementations: in memory (tests, machines without BPF) and pinned BPF maps. Everything
 * above this interface deals in raw key/value bytes produced by the layouts/ codecs.
 */
import type { Result } from '../lib/result.js';
import type { MapSpec } from './layouts/constants.js';

export type { MapSpec } from './layouts/constants.js';

export interface MapEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

export type MapErrorKind =
  /** A key or value does not have the map's size. */
  | 'bad_size'
  /** The map holds maxEntries entries and the key is new (E2BIG from the kernel). */
  | 'full'
  /** An existing map has a different type or sizes than asked for. */
  | 'spec_mismatch'
  /** The backend was closed. */
  | 'closed'
  /** Anything the operating system reported. */
  | 'io';

export interface MapError {
  readonly kind: MapErrorKind;
  readonly map: string;
  readonly message: string;
}

export interface BpfMap {
  readonly spec: MapSpec;
  /**
   * Inserts or replaces entries in the given order. On failure the entries before the failing
   * one stay written (like BPF batch updates); callers order batches so every prefix is safe.
   */
  update(entries: readonly MapEntry[]): Promise<Result<void, MapError>>;
  /**
   * Optional fast path of `update` for entries packed back to back (key i at keys[i * keySize],
   * value i at values[i * valueSize]); same order and failure semantics.
   */
  updatePacked?(keys: Buffer, values: Buffer): Promise<Result<void, MapError>>;
  /** Deletes keys in order; a key that is not there is not an error (deletes are idempotent). */
  delete(keys: readonly Buffer[]): Promise<Result<void, MapError>>;
  lookup(key: Buffer): Promise<Result<Buffer | undefined, MapError>>;
  dump(): Promise<Result<MapEntry[], MapError>>;
}

export interface MapBackend {
  readonly kind: 'memory' | 'bpf';
  /** Creates the map, or opens the existing one with the same name (it must match the spec). */
  open(spec: MapSpec): Promise<Result<BpfMap, MapError>>;
  close(): Promise<void>;
}

/** Map contents as plain data: map name → (hex of key bytes → value bytes). */
export type MapContents = ReadonlyMap<string, ReadonlyMap<string, Buffer>>;

export function keyHex(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex');
}

export function contentsOf(dumps: ReadonlyMap<string, readonly MapEntry[]>): MapContents {
  const out = new Map<string, Map<string, Buffer>>();
  for (const [name, entries] of dumps) {
    out.set(name, new Map(entries.map((e) => [keyHex(e.key), e.value])));
  }
  return out;
}

/** Checks entry sizes against the spec before anything is written. */
export function checkSizes(spec: MapSpec, keys: readonly Buffer[], values: readonly Buffer[] = []): MapError | undefined {
  const badKey = keys.find((k) => k.length !== spec.keySize);
  if (badKey) return sizeError(spec, 'key', spec.keySize, badKey.length);
  const badValue = values.find((v) => v.length !== spec.valueSize);
  if (badValue) return sizeError(spec, 'value', spec.valueSize, badValue.length);
  return undefined;
}

function sizeError(spec: MapSpec, what: string, want: number, got: number): MapError {
  return { kind: 'bad_size', map: spec.name, message: `${spec.name}: ${what} must be ${want} bytes, got ${got}` };
}
