/**
 * Whole-maps planning (first run, drift repair) straight into packed buffers: every desired
 * entry is written once into one buffer per step, in the safe order of service-plan.ts, and
 * compared with what the maps hold only for maps that hold something. Over empty maps (the
 * agent's start) that means no hex strings, no object per entry, no lookups at all; over full
 * ones each entry costs one hex key and one lookup, like the incremental path.
 */
import type { Family } from './layouts/addr.js';
import { lbMapNames } from './lb-maps.js';
import type { MapContents } from './maps.js';
import { backendValueSize, copyBytes, writeBackendValue, writeSlotKey, writeSlotValue, type FrontendRecord } from './service-encode.js';
import type { ParsedBackend } from './service-parse.js';
import { orderWrites, packedUpdate, type RegionDiff, type WriteStep } from './service-plan.js';

/** Comparison with one map's current contents; absent when the map is empty. */
interface Against {
  readonly have: ReadonlyMap<string, Buffer>;
  readonly wanted: Set<string>;
}

/** Desired entries of one map, appended in order; an entry the map already holds is dropped again. */
class PackedList {
  readonly keys: Buffer;
  readonly values: Buffer;
  readonly slots: Uint16Array | undefined;
  count = 0;

  constructor(readonly keySize: number, readonly valueSize: number, capacity: number, withSlots: boolean, readonly against: Against | undefined) {
    this.keys = Buffer.allocUnsafe(keySize * capacity);
    this.values = Buffer.allocUnsafe(valueSize * capacity);
    this.slots = withSlots ? new Uint16Array(capacity) : undefined;
  }

  /** Call after writing key and value at position `count`. */
  keep(slot = 0): void {
    const at = this.count;
    if (this.against) {
      const hex = this.keys.toString('hex', at * this.keySize, (at + 1) * this.keySize);
      this.against.wanted.add(hex);
      const have = this.against.have.get(hex);
      if (have && have.length === this.valueSize && this.values.compare(have, 0, have.length, at * this.valueSize, (at + 1) * this.valueSize) === 0) return;
    }
    if (this.slots) this.slots[at] = slot;
    this.count++;
  }
}

function against(known: MapContents, map: string): Against | undefined {
  const have = known.get(map);
  return have && have.size > 0 ? { have, wanted: new Set() } : undefined;
}

/** Backend slots (highest slot first, table order within a slot) and slot 0 entries, as two steps' entries. */
function splitBySlot(list: PackedList): { slots: PackedList; slot0: PackedList } {
  const { keySize: ks, valueSize: vs, count } = list;
  const slots = list.slots!;
  let max = 0;
  let zeros = 0;
  for (let i = 0; i < count; i++) {
    if (slots[i]! > max) max = slots[i]!;
    if (slots[i] === 0) zeros++;
  }
  // Counting sort: start of each slot's run, highest slot first.
  const start = new Uint32Array(max + 2);
  for (let i = 0; i < count; i++) if (slots[i] !== 0) start[slots[i]!]!++;
  let at = 0;
  for (let s = max; s >= 1; s--) {
    const n = start[s]!;
    start[s] = at;
    at += n;
  }
  const out = { slots: new PackedList(ks, vs, count - zeros, false, undefined), slot0: new PackedList(ks, vs, zeros, false, undefined) };
  for (let i = 0; i < count; i++) {
    const slot = slots[i]!;
    const target = slot === 0 ? out.slot0 : out.slots;
    const j = slot === 0 ? out.slot0.count++ : start[slot]!++;
    copyBytes(list.keys, i * ks, target.keys, j * ks, ks);
    copyBytes(list.values, i * vs, target.values, j * vs, vs);
  }
  out.slots.count = count - zeros;
  return out;
}

interface FamilyLists {
  readonly backends: PackedList;
  readonly revNat: PackedList;
  readonly services: PackedList;
}

function familyLists(known: MapContents, family: Family, frontends: readonly FrontendRecord[], referenced: ReadonlyMap<number, ParsedBackend>): FamilyLists {
  const names = lbMapNames(family);
  let feCount = 0;
  let slotCount = 0;
  for (const fe of frontends) {
    if (fe.family !== family) continue;
    feCount++;
    slotCount += 1 + fe.ids.length;
  }
  let backendCount = 0;
  for (const b of referenced.values()) if (b.id.family === family) backendCount++;
  const keySize = family === 4 ? 12 : 24;
  const lists = {
    backends: new PackedList(4, backendValueSize(family), backendCount, false, against(known, names.backends)),
    revNat: new PackedList(2, family === 4 ? 6 : 18, feCount, false, against(known, names.revNat)),
    services: new PackedList(keySize, 12, slotCount, true, against(known, names.services)),
  };
  const { backends, revNat, services } = lists;
  for (const [id, b] of referenced) {
    if (b.id.family !== family) continue;
    backends.keys.writeUInt32LE(id, backends.count * 4);
    writeBackendValue(b, backends.values, backends.count * backends.valueSize);
    backends.keep();
  }
  for (const fe of frontends) {
    if (fe.family !== family) continue;
    revNat.keys.writeUInt16BE(fe.revNat, revNat.count * 2);
    copyBytes(fe.revNatValue, 0, revNat.values, revNat.count * revNat.valueSize, revNat.valueSize);
    revNat.keep();
    for (let slot = 0; slot <= fe.ids.length; slot++) {
      writeSlotKey(fe, slot, services.keys, services.count * keySize);
      writeSlotValue(fe, slot, services.values, services.count * 12);
      services.keep(slot);
    }
  }
  return lists;
}

/** Keys the maps hold that no desired entry has. */
function leftovers(known: MapContents, lists: ReadonlyMap<string, PackedList>): Map<string, string[]> {
  const deletes = new Map<string, string[]>();
  for (const [map, list] of lists) {
    const have = known.get(map);
    if (!have || have.size === 0) continue;
    const wanted = list.against?.wanted ?? new Set<string>();
    const gone: string[] = [];
    for (const hex of have.keys()) if (!wanted.has(hex)) gone.push(hex);
    if (gone.length > 0) deletes.set(map, gone);
  }
  return deletes;
}

export interface WholePlan {
  readonly steps: WriteStep[];
  readonly deletes: RegionDiff['deletes'];
}

/** Every frontend's and referenced backend's entries against everything the maps hold. */
export function planWhole(known: MapContents, frontends: readonly FrontendRecord[], referenced: ReadonlyMap<number, ParsedBackend>): WholePlan {
  const phases: WriteStep[][] = [[], [], [], []];
  const byMap = new Map<string, PackedList>();
  const add = (phase: number, map: string, list: PackedList) => {
    if (list.count > 0) phases[phase]!.push(packedUpdate(map, { count: list.count, keys: list.keys.subarray(0, list.count * list.keySize), values: list.values.subarray(0, list.count * list.valueSize) }));
  };
  for (const family of [4, 6] as const) {
    const names = lbMapNames(family);
    const lists = familyLists(known, family, frontends, referenced);
    byMap.set(names.backends, lists.backends).set(names.revNat, lists.revNat).set(names.services, lists.services);
    const { slots, slot0 } = splitBySlot(lists.services);
    add(0, names.backends, lists.backends);
    add(1, names.revNat, lists.revNat);
    add(2, names.services, slots);
    add(3, names.services, slot0);
  }
  const deletes = leftovers(known, byMap);
  // Deletes are rare (drift, leftovers of a previous run): the general ordering handles them.
  const deleteSteps = deletes.size > 0 ? orderWrites({ updates: new Map(), deletes }) : [];
  return { steps: [...phases.flat(), ...deleteSteps], deletes };
}
