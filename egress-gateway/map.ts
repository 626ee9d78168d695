/**
 * Adapter: brings `cilium_egress_gw_policy_v4` on a map backend (memory or pinned BPF) to the
 * desired entries. Reads what is there, diffs with the pure core, writes only the difference.
 */
import { egressPolicyKey, egressPolicyValue } from '../datapath/layouts/egress.js';
import { MapSpecs } from '../datapath/layouts/constants.js';
import type { BpfMap, MapBackend, MapError } from '../datapath/maps.js';
import { ok, type Result } from '../lib/result.js';
import { entryId, type DesiredEntry } from './desired.js';
import { diffEntries } from './diff.js';

export interface EgressMapContents {
  readonly entries: readonly DesiredEntry[];
  /** Keys whose bytes do not decode (e.g. a prefixlen below 32): never ours, always stale. */
  readonly undecodable: readonly Buffer[];
}

export interface SyncReport {
  readonly written: number;
  readonly deleted: number;
}

/**
 * Cilium's default capacity is 16384 entries (one per pod IP × destination/excluded CIDR), and
 * like Cilium's `--egress-gateway-policy-map-max` it can be raised for larger clusters.
 */
export function openEgressMap(backend: MapBackend, maxEntries: number = MapSpecs.egressPolicyV4.maxEntries): Promise<Result<BpfMap, MapError>> {
  return backend.open({ ...MapSpecs.egressPolicyV4, maxEntries });
}

export async function readEgressMap(map: BpfMap): Promise<Result<EgressMapContents, MapError>> {
  const dump = await map.dump();
  if (!dump.ok) return dump;
  const entries: DesiredEntry[] = [];
  const undecodable: Buffer[] = [];
  for (const raw of dump.value) {
    const key = egressPolicyKey.decode(raw.key);
    const value = egressPolicyValue.decode(raw.value);
    if (key.ok && value.ok) entries.push({ key: key.value, value: value.value });
    else undecodable.push(raw.key);
  }
  return ok({ entries, undecodable });
}

/** One reconcile pass; safe to repeat (a second pass with the same input writes nothing). */
export async function syncEgressMap(map: BpfMap, desired: ReadonlyMap<string, DesiredEntry>): Promise<Result<SyncReport, MapError>> {
  const current = await readEgressMap(map);
  if (!current.ok) return current;
  const diff = diffEntries(desired, current.value.entries);
  if (diff.upserts.length > 0) {
    const written = await map.update(
      diff.upserts.map((e) => ({ key: egressPolicyKey.encode(e.key), value: egressPolicyValue.encode(e.value) })),
    );
    if (!written.ok) return written;
  }
  const deleteKeys = [...diff.deletes.map((k) => egressPolicyKey.encode(k)), ...current.value.undecodable];
  if (deleteKeys.length > 0) {
    const deleted = await map.delete(deleteKeys);
    if (!deleted.ok) return deleted;
  }
  return ok({ written: diff.upserts.length, deleted: deleteKeys.length });
}

export interface EgressMapWriter {
  /** Brings the map to `desired`, writing only what differs from what it last wrote. */
  sync(desired: ReadonlyMap<string, DesiredEntry>): Promise<Result<SyncReport, MapError>>;
  /** What the map holds as far as this writer knows (after the last successful sync). */
  entries(): readonly DesiredEntry[];
}

/**
 * A writer that reads the map once and then diffs against its own record of what it wrote, so
 * an incremental pass costs the difference, not a dump of the whole trie. After a failed write
 * the record may be wrong, so the next pass reads the map again.
 */
export function createEgressMapWriter(map: BpfMap): EgressMapWriter {
  let known: Map<string, DesiredEntry> | undefined;
  let undecodable: readonly Buffer[] = [];
  return {
    async sync(desired) {
      if (known === undefined) {
        const read = await readEgressMap(map);
        if (!read.ok) return read;
        known = new Map(read.value.entries.map((e) => [entryId(e.key), e]));
        undecodable = read.value.undecodable;
      }
      const diff = diffEntries(desired, [...known.values()]);
      const deleteKeys = [...diff.deletes.map((k) => egressPolicyKey.encode(k)), ...undecodable];
      const result = await applyDiff(map, diff.upserts, deleteKeys);
      if (!result.ok) {
        known = undefined;
        return result;
      }
      for (const e of diff.upserts) known.set(entryId(e.key), e);
      for (const k of diff.deletes) known.delete(entryId(k));
      undecodable = [];
      return ok({ written: diff.upserts.length, deleted: deleteKeys.length });
    },
    entries: () => [...(known?.values() ?? [])],
  };
}

async function applyDiff(map: BpfMap, upserts: readonly DesiredEntry[], deleteKeys: readonly Buffer[]): Promise<Result<void, MapError>> {
  if (upserts.length > 0) {
    const written = await map.update(upserts.map((e) => ({ key: egressPolicyKey.encode(e.key), value: egressPolicyValue.encode(e.value) })));
    if (!written.ok) return written;
  }
  if (deleteKeys.length > 0) {
    const deleted = await map.delete(deleteKeys);
    if (!deleted.ok) return deleted;
  }
  return ok(undefined);
}
