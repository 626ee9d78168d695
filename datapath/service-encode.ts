/**
 * Map entries of one programmed frontend (slot 0, backend slots, reverse NAT) and of one
 * backend, as key/value bytes with their hex keys. Per frontend: slot 0 with count = number of
 * in-use backends, in-use backends in slots 1..count and the others after them, so the
 * datapath only picks among slots 1..count. The slot keys differ only in the slot field, so
 * slot 0 is encoded once and copied (address parsing dominated whole-table planning).
 */
import type { Family } from './layouts/addr.js';
import { BackendState } from './layouts/constants.js';
import { lbCodecsFor, type ServiceValue } from './layouts/lb.js';
import { lbMapNames } from './lb-maps.js';
import type { ParsedBackend, ParsedFrontend } from './service-parse.js';

export interface Entry {
  readonly map: string;
  readonly hex: string;
  readonly key: Buffer;
  readonly value: Buffer;
}

export interface SlotEntry extends Entry {
  readonly slot: number;
}

/** What one programmed frontend owns in the maps, plus the backend IDs it references. */
export interface FrontendRecord {
  readonly key: string;
  readonly family: Family;
  readonly revNat: number;
  /** Backend ID and identity key per slot 1..n. */
  readonly backends: readonly { readonly id: number; readonly key: string }[];
  readonly revNatEntry: Entry;
  /** Slot 0 first, then slots 1..n. */
  readonly slots: readonly SlotEntry[];
}

function entry(map: string, key: Buffer, value: Buffer): Entry {
  return { map, hex: key.toString('hex'), key, value };
}

function slotEntry(map: string, key: Buffer, value: Buffer, slot: number): SlotEntry {
  return { map, hex: key.toString('hex'), key, value, slot };
}

/** Byte offset of the __u16 slot in a service key: right after the address and port. */
export function slotOffset(family: Family): number {
  return (family === 4 ? 4 : 16) + 2;
}

export function encodeFrontend(fe: ParsedFrontend, revNat: number, backendIds: readonly number[]): FrontendRecord {
  const { family, address, port, proto, scope } = fe.id;
  const codecs = lbCodecsFor(family);
  const names = lbMapNames(family);
  const count = fe.backends.filter((b) => b.inUse).length;
  const value = (backendId: number, c: number): ServiceValue => ({ backendId, count: c, revNatIndex: revNat, flags: fe.flags, flags2: 0, qcount: 0 });
  const key0 = codecs.serviceKey.encode({ address, port, proto, scope, slot: 0 });
  // Slot entries differ from slot 0 only in the slot (key) and backend ID (value): copy and patch.
  const value0 = codecs.serviceValue.encode(value(0, 0));
  const offset = slotOffset(family);
  const slots: SlotEntry[] = [slotEntry(names.services, key0, codecs.serviceValue.encode(value(0, count)), 0)];
  for (let i = 0; i < backendIds.length; i++) {
    const key = Buffer.from(key0);
    key.writeUInt16LE(i + 1, offset);
    const val = Buffer.from(value0);
    val.writeUInt32LE(backendIds[i]!, 0);
    slots.push(slotEntry(names.services, key, val, i + 1));
  }
  return {
    key: fe.key,
    family,
    revNat,
    backends: fe.backends.map((b, i) => ({ id: backendIds[i]!, key: b.key })),
    revNatEntry: entry(names.revNat, codecs.revNatKey.encode(revNat), codecs.revNatValue.encode({ address, port })),
    slots,
  };
}

export function encodeBackend(b: ParsedBackend, id: number): Entry {
  const codecs = lbCodecsFor(b.id.family);
  const { address, port, proto, clusterId } = b.id;
  const value = codecs.backendValue.encode({ address, port, proto, flags: BackendState.Active, clusterId, zone: 0 });
  return entry(lbMapNames(b.id.family).backends, codecs.backendKey.encode(id), value);
}
