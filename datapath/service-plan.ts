/**
 * Turns a set of desired entries and a set of keys that may go into ordered writes, in the
 * order that keeps every intermediate state consistent for the datapath:
 *
 *   1. backends, 2. reverse-NAT entries, 3. backend slots n..1, 4. slot 0 (frontends);
 *   5. delete slot 0 entries, 6. delete backend slots, 7. delete reverse-NAT, 8. delete backends.
 *
 * So a slot never names a backend that is not there yet (or any more), and a slot 0 count never
 * points past the slots written so far: slot 0 is written after its slots and deleted before
 * them. A batch that fails half-way leaves a prefix applied, which is safe by the same order.
 * The region is the whole maps for a full reconciliation, or what the touched services owned
 * and own for an incremental one; either way only entries in it are compared.
 */
import type { Family } from './layouts/addr.js';
import { lbCodecsFor } from './layouts/lb.js';
import { lbMapNames } from './lb-maps.js';
import type { MapContents, MapEntry } from './maps.js';
import { slotOffset, type Entry } from './service-encode.js';

/** Entries back to back: key i at keys[i * keySize], its value at values[i * valueSize]. */
export interface PackedEntries {
  readonly count: number;
  readonly keys: Buffer;
  readonly values: Buffer;
}

export type WriteStep =
  | {
      readonly op: 'update';
      readonly map: string;
      readonly entries: readonly MapEntry[];
      /** The same entries packed, when the planner built them so (backends may write them in one go). */
      readonly packed?: PackedEntries;
    }
  | { readonly op: 'delete'; readonly map: string; readonly keys: readonly Buffer[] };

/** An update step over packed entries; `entries` is only built when something asks for it. */
export function packedUpdate(map: string, packed: PackedEntries): WriteStep {
  let entries: MapEntry[] | undefined;
  const ks = packed.keys.length / packed.count;
  const vs = packed.values.length / packed.count;
  return {
    op: 'update',
    map,
    packed,
    get entries(): readonly MapEntry[] {
      entries ??= Array.from({ length: packed.count }, (_, i) => ({
        key: packed.keys.subarray(i * ks, (i + 1) * ks),
        value: packed.values.subarray(i * vs, (i + 1) * vs),
      }));
      return entries;
    },
  };
}

/** How many entries a step writes or deletes. */
export function stepSize(step: WriteStep): number {
  return step.op === 'delete' ? step.keys.length : (step.packed?.count ?? step.entries.length);
}

export interface RegionDiff {
  /** Entries to write (new or different), per map. Service entries carry their slot. */
  readonly updates: ReadonlyMap<string, readonly (Entry & { readonly slot?: number })[]>;
  /** Hex keys to delete, per map. */
  readonly deletes: ReadonlyMap<string, readonly string[]>;
}

function push<T>(map: Map<string, T[]>, name: string, item: T): void {
  const list = map.get(name);
  if (list) list.push(item);
  else map.set(name, [item]);
}

/**
 * `desired` lists the region's entries as they should be (each map/key once); `region` the
 * keys, per map, the region may hold now. Keys in the region but not desired are deleted.
 */
export function diffRegion(contents: MapContents, region: ReadonlyMap<string, Iterable<string>>, desired: readonly (Entry & { slot?: number })[]): RegionDiff {
  const updates = new Map<string, Entry[]>();
  for (const e of desired) {
    if (!contents.get(e.map)?.get(e.hex)?.equals(e.value)) push(updates, e.map, e);
  }
  // Only keys the maps hold can go; the desired keys are looked up only when there are such.
  const present = new Map<string, string[]>();
  for (const [map, keys] of region) {
    const have = contents.get(map);
    if (have) for (const hex of keys) if (have.has(hex)) push(present, map, hex);
  }
  const deletes = new Map<string, string[]>();
  if (present.size === 0) return { updates, deletes };
  const wanted = new Map<string, Set<string>>([...present.keys()].map((map) => [map, new Set<string>()]));
  for (const e of desired) wanted.get(e.map)?.add(e.hex);
  for (const [map, hexes] of present) {
    const keep = wanted.get(map)!;
    for (const hex of hexes) if (!keep.has(hex)) push(deletes, map, hex);
  }
  return { updates, deletes };
}

/** Slot of a hex service key; a key of the wrong size can only be garbage: treat it as a backend slot (always safe). */
function slotOfHex(family: Family, hex: string): number {
  const key = Buffer.from(hex, 'hex');
  return key.length === lbCodecsFor(family).serviceKey.size ? key.readUInt16LE(slotOffset(family)) : Number.MAX_SAFE_INTEGER;
}

/** Backend-slot entries grouped by slot, highest first (slot 0 apart); a bucket per slot avoids sorting 100k+ keys. */
function bySlotDescending<T>(items: readonly T[], slotOf: (item: T) => number): { slot0: T[]; slots: T[] } {
  const buckets = new Map<number, T[]>();
  for (const item of items) {
    const slot = slotOf(item);
    const bucket = buckets.get(slot);
    if (bucket) bucket.push(item);
    else buckets.set(slot, [item]);
  }
  const slot0 = buckets.get(0) ?? [];
  buckets.delete(0);
  const slots = [...buckets.keys()].sort((a, b) => b - a).flatMap((s) => buckets.get(s)!);
  return { slot0, slots };
}

const asKeys = (hexes: readonly string[]): Buffer[] => hexes.map((h) => Buffer.from(h, 'hex'));

export function orderWrites(diff: RegionDiff): WriteStep[] {
  const phases: WriteStep[][] = [[], [], [], [], [], [], [], []];
  const update = (phase: number, map: string, list: readonly Entry[]) => {
    if (list.length > 0) phases[phase]!.push({ op: 'update', map, entries: list });
  };
  const remove = (phase: number, map: string, list: readonly string[]) => {
    if (list.length > 0) phases[phase]!.push({ op: 'delete', map, keys: asKeys(list) });
  };
  for (const family of [4, 6] as const) {
    const names = lbMapNames(family);
    const writes = bySlotDescending(diff.updates.get(names.services) ?? [], (e) => e.slot ?? slotOfHex(family, e.hex));
    const deletes = bySlotDescending(diff.deletes.get(names.services) ?? [], (hex) => slotOfHex(family, hex));
    update(0, names.backends, diff.updates.get(names.backends) ?? []);
    update(1, names.revNat, diff.updates.get(names.revNat) ?? []);
    update(2, names.services, writes.slots);
    update(3, names.services, writes.slot0);
    remove(4, names.services, deletes.slot0);
    remove(5, names.services, deletes.slots);
    remove(6, names.revNat, diff.deletes.get(names.revNat) ?? []);
    remove(7, names.backends, diff.deletes.get(names.backends) ?? []);
  }
  return phases.flat();
}
