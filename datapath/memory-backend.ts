/**
 * In-memory map backend: each map is a Map keyed by the hex of the key bytes. Opening a name
 * twice returns the same store, like reopening a pinned map, so an "agent restart" in tests is
 * a fresh reconciler over the same backend. The write hook sees every single entry write,
 * which lets tests check invariants at each intermediate state of a batch.
 */
import { fail, ok, type Result } from '../lib/result.js';
import { checkSizes, keyHex, type BpfMap, type MapBackend, type MapContents, type MapEntry, type MapError, type MapSpec } from './maps.js';

export interface WriteEvent {
  readonly op: 'update' | 'delete';
  readonly map: string;
  readonly key: Buffer;
  /** The new value for updates. */
  readonly value?: Buffer;
}

export interface MemoryBackendOptions {
  /** Called after each entry is written or deleted, with the backend already in the new state. */
  readonly onWrite?: (event: WriteEvent) => void;
}

export interface MemoryBackend extends MapBackend {
  readonly kind: 'memory';
  /** A deep copy of every map's contents. */
  snapshot(): MapContents;
}

function specsEqual(a: MapSpec, b: MapSpec): boolean {
  return a.kind === b.kind && a.keySize === b.keySize && a.valueSize === b.valueSize && a.maxEntries === b.maxEntries;
}

export function createMemoryBackend(options: MemoryBackendOptions = {}): MemoryBackend {
  const stores = new Map<string, { spec: MapSpec; data: Map<string, Buffer> }>();
  let closed = false;

  const closedError = (map: string): MapError => ({ kind: 'closed', map, message: `${map}: backend is closed` });

  function handle(spec: MapSpec, data: Map<string, Buffer>): BpfMap {
    const name = spec.name;
    return {
      spec,
      async update(entries: readonly MapEntry[]): Promise<Result<void, MapError>> {
        if (closed) return fail(closedError(name));
        const bad = checkSizes(spec, entries.map((e) => e.key), entries.map((e) => e.value));
        if (bad) return fail(bad);
        for (const { key, value } of entries) {
          const hex = keyHex(key);
          if (!data.has(hex) && data.size >= spec.maxEntries) {
            return fail({ kind: 'full', map: name, message: `${name}: map is full (${spec.maxEntries} entries)` });
          }
          // Copies, so callers mutating their buffers later cannot change the map behind our back.
          data.set(hex, Buffer.from(value));
          options.onWrite?.({ op: 'update', map: name, key: Buffer.from(key), value: Buffer.from(value) });
        }
        return ok(undefined);
      },
      async delete(keys: readonly Buffer[]): Promise<Result<void, MapError>> {
        if (closed) return fail(closedError(name));
        const bad = checkSizes(spec, keys);
        if (bad) return fail(bad);
        for (const key of keys) {
          if (data.delete(keyHex(key))) options.onWrite?.({ op: 'delete', map: name, key: Buffer.from(key) });
        }
        return ok(undefined);
      },
      async lookup(key: Buffer): Promise<Result<Buffer | undefined, MapError>> {
        if (closed) return fail(closedError(name));
        const bad = checkSizes(spec, [key]);
        if (bad) return fail(bad);
        const value = data.get(keyHex(key));
        return ok(value ? Buffer.from(value) : undefined);
      },
      async dump(): Promise<Result<MapEntry[], MapError>> {
        if (closed) return fail(closedError(name));
        return ok([...data].map(([hex, value]) => ({ key: Buffer.from(hex, 'hex'), value: Buffer.from(value) })));
      },
    };
  }

  return {
    kind: 'memory',
    async open(spec: MapSpec): Promise<Result<BpfMap, MapError>> {
      if (closed) return fail(closedError(spec.name));
      const existing = stores.get(spec.name);
      if (existing && !specsEqual(existing.spec, spec)) {
        return fail({ kind: 'spec_mismatch', map: spec.name, message: `${spec.name}: exists with a different type or size` });
      }
      const store = existing ?? { spec, data: new Map<string, Buffer>() };
      stores.set(spec.name, store);
      return ok(handle(store.spec, store.data));
    },
    async close(): Promise<void> {
      closed = true;
    },
    snapshot(): MapContents {
      const out = new Map<string, Map<string, Buffer>>();
      for (const [name, { data }] of stores) out.set(name, new Map([...data].map(([k, v]) => [k, Buffer.from(v)])));
      return out;
    },
  };
}
