/**
 * Plans the writes that turn the actual service maps into the desired ones, in the order that
 * keeps every intermediate state consistent for the datapath:
 *
 *   1. backends, 2. reverse-NAT entries, 3. backend slots n..1, 4. slot 0 (frontends);
 *   5. delete slot 0 entries, 6. delete backend slots, 7. delete reverse-NAT, 8. delete backends.
 *
 * So a slot never names a backend that is not there yet (or any more), and a slot 0 count never
 * points past the slots written so far: slot 0 is written after its slots and deleted before
 * them. A batch that fails half-way leaves a prefix applied, which is safe by the same order.
 */
import type { Family } from './layouts/addr.js';
import { lbCodecsFor } from './layouts/lb.js';
import { lbMapNames } from './lb-maps.js';
import type { MapContents, MapEntry } from './maps.js';

export type WriteStep =
  | { readonly op: 'update'; readonly map: string; readonly entries: readonly MapEntry[] }
  | { readonly op: 'delete'; readonly map: string; readonly keys: readonly Buffer[] };

const EMPTY: ReadonlyMap<string, Buffer> = new Map();

function changed(actual: ReadonlyMap<string, Buffer>, desired: ReadonlyMap<string, Buffer>): string[] {
  return [...desired].filter(([k, v]) => !actual.get(k)?.equals(v)).map(([k]) => k);
}

function removed(actual: ReadonlyMap<string, Buffer>, desired: ReadonlyMap<string, Buffer>): string[] {
  return [...actual.keys()].filter((k) => !desired.has(k));
}

/** Sorts hex keys of a service map by slot, highest first; slot 0 entries and the rest apart. */
function splitBySlot(family: Family, keys: readonly string[]): { slot0: string[]; slots: string[] } {
  const size = lbCodecsFor(family).serviceKey.size;
  // The slot sits right after the address and port; read it without decoding the whole key.
  const slotOffset = (family === 4 ? 4 : 16) + 2;
  const withSlot = keys.map((hex) => {
    const key = Buffer.from(hex, 'hex');
    // A key of the wrong size can only be garbage: treat it as a backend slot, which is always safe.
    return { hex, slot: key.length === size ? key.readUInt16LE(slotOffset) : Number.MAX_SAFE_INTEGER };
  });
  withSlot.sort((a, b) => b.slot - a.slot || (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
  return {
    slot0: withSlot.filter((e) => e.slot === 0).map((e) => e.hex),
    slots: withSlot.filter((e) => e.slot !== 0).map((e) => e.hex),
  };
}

function updateStep(map: string, keys: readonly string[], desired: ReadonlyMap<string, Buffer>): WriteStep[] {
  if (keys.length === 0) return [];
  return [{ op: 'update', map, entries: keys.map((k) => ({ key: Buffer.from(k, 'hex'), value: desired.get(k)! })) }];
}

function deleteStep(map: string, keys: readonly string[]): WriteStep[] {
  return keys.length === 0 ? [] : [{ op: 'delete', map, keys: keys.map((k) => Buffer.from(k, 'hex')) }];
}

export function planServiceWrites(actual: MapContents, desired: MapContents): WriteStep[] {
  const phases: WriteStep[][] = [[], [], [], [], [], [], [], []];
  for (const family of [4, 6] as const) {
    const names = lbMapNames(family);
    const get = (c: MapContents, m: string) => c.get(m) ?? EMPTY;
    const [aBe, dBe] = [get(actual, names.backends), get(desired, names.backends)];
    const [aRn, dRn] = [get(actual, names.revNat), get(desired, names.revNat)];
    const [aSvc, dSvc] = [get(actual, names.services), get(desired, names.services)];
    const writes = splitBySlot(family, changed(aSvc, dSvc));
    const deletes = splitBySlot(family, removed(aSvc, dSvc));
    phases[0]!.push(...updateStep(names.backends, changed(aBe, dBe).sort(), dBe));
    phases[1]!.push(...updateStep(names.revNat, changed(aRn, dRn).sort(), dRn));
    phases[2]!.push(...updateStep(names.services, writes.slots, dSvc));
    phases[3]!.push(...updateStep(names.services, writes.slot0, dSvc));
    phases[4]!.push(...deleteStep(names.services, deletes.slot0));
    phases[5]!.push(...deleteStep(names.services, deletes.slots));
    phases[6]!.push(...deleteStep(names.revNat, removed(aRn, dRn).sort()));
    phases[7]!.push(...deleteStep(names.backends, removed(aBe, dBe).sort()));
  }
  return phases.flat();
}
