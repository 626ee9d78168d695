/**
 * What one programmed frontend owns in the maps (slot 0, backend slots, reverse NAT) and the
 * entry of one backend, as bytes. Per frontend: slot 0 with count = number of in-use backends,
 * in-use backends in slots 1..count and the others after them, so the datapath only picks
 * among slots 1..count.
 *
 * A frontend is kept compact (slot 0 key and value, backend IDs) and its entries are derived
 * when needed: slot keys differ from slot 0 only in the slot field and slot values only in the
 * backend ID and count, so they are copies with two fields patched. Whole-table planning writes
 * them straight into packed buffers (service-whole.ts) instead of one object per entry.
 */
import type { Family } from './layouts/addr.js';
import { BackendState } from './layouts/constants.js';
import { lbCodecsFor } from './layouts/lb.js';
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

/** What one programmed frontend owns in the maps, plus the backends it references. */
export interface FrontendRecord {
  /** Frontend identity key (what two services cannot both program). */
  readonly key: string;
  readonly family: Family;
  readonly revNat: number;
  /** Backends in slot order (index i is slot i + 1), parallel to `ids`. */
  readonly backends: readonly ParsedBackend[];
  readonly ids: readonly number[];
  /** Slot 0 key; hex0 is its hex, the frontend's name in the maps. */
  readonly key0: Buffer;
  readonly hex0: string;
  /** Slot 0 value (count of in-use backends); backend slots are this with count 0 and the ID set. */
  readonly value0: Buffer;
  /** Reverse-NAT value: the frontend address and port. */
  readonly revNatValue: Buffer;
}

/** Byte offset of the __u16 slot in a service key: right after the address and port. */
export function slotOffset(family: Family): number {
  return (family === 4 ? 4 : 16) + 2;
}

/** Offsets in a service value (see layouts/lb.ts serviceValueCodec). */
const VALUE_BACKEND_ID = 0;
const VALUE_COUNT = 4;

export function encodeFrontend(fe: ParsedFrontend, revNat: number, backendIds: readonly number[]): FrontendRecord {
  const { family, address, port, proto, scope } = fe.id;
  const codecs = lbCodecsFor(family);
  let count = 0;
  for (const b of fe.backends) if (b.inUse) count++;
  const key0 = codecs.serviceKey.encode({ address, port, proto, scope, slot: 0 });
  return {
    key: fe.key,
    family,
    revNat,
    backends: fe.backends,
    ids: backendIds,
    key0,
    hex0: key0.toString('hex'),
    value0: codecs.serviceValue.encode({ backendId: 0, count, revNatIndex: revNat, flags: fe.flags, flags2: 0, qcount: 0 }),
    revNatValue: codecs.revNatValue.encode({ address, port }),
  };
}

/**
 * Copies `length` bytes; for the 2..24-byte keys and values of these maps a plain loop beats
 * Buffer.copy and TypedArray.set, whose per-call overhead dominates at 220k calls.
 */
export function copyBytes(from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number, length: number): void {
  for (let i = 0; i < length; i++) to[toOffset + i] = from[fromOffset + i]!;
}

/** Writes the key of `slot` of a frontend at `offset` of `out`. */
export function writeSlotKey(fe: FrontendRecord, slot: number, out: Buffer, offset: number): void {
  copyBytes(fe.key0, 0, out, offset, fe.key0.length);
  out.writeUInt16LE(slot, offset + slotOffset(fe.family));
}

/** Writes the value of `slot` (0: the frontend; n: backend slot n) at `offset` of `out`. */
export function writeSlotValue(fe: FrontendRecord, slot: number, out: Buffer, offset: number): void {
  copyBytes(fe.value0, 0, out, offset, fe.value0.length);
  if (slot === 0) return;
  out.writeUInt32LE(fe.ids[slot - 1]!, offset + VALUE_BACKEND_ID);
  out.writeUInt16LE(0, offset + VALUE_COUNT);
}

export function slotKey(fe: FrontendRecord, slot: number): Buffer {
  const out = Buffer.allocUnsafe(fe.key0.length);
  writeSlotKey(fe, slot, out, 0);
  return out;
}

export function slotValue(fe: FrontendRecord, slot: number): Buffer {
  const out = Buffer.allocUnsafe(fe.value0.length);
  writeSlotValue(fe, slot, out, 0);
  return out;
}

export function revNatKeyBytes(family: Family, index: number): Buffer {
  return lbCodecsFor(family).revNatKey.encode(index);
}

export function backendKeyBytes(family: Family, id: number): Buffer {
  return lbCodecsFor(family).backendKey.encode(id);
}

/** Every entry a frontend owns: reverse NAT, then slot 0, then slots 1..n. */
export function frontendEntries(fe: FrontendRecord): (Entry & { slot?: number })[] {
  const names = lbMapNames(fe.family);
  const revNatKey = revNatKeyBytes(fe.family, fe.revNat);
  const out: (Entry & { slot?: number })[] = [{ map: names.revNat, hex: revNatKey.toString('hex'), key: revNatKey, value: fe.revNatValue }];
  for (let slot = 0; slot <= fe.ids.length; slot++) {
    const key = slot === 0 ? fe.key0 : slotKey(fe, slot);
    out.push({ map: names.services, hex: slot === 0 ? fe.hex0 : key.toString('hex'), key, value: slotValue(fe, slot), slot });
  }
  return out;
}

/** Writes four dotted-quad octets; the text was accepted by node:net's isIPv4 when parsed. */
function writeIpv4(text: string, out: Buffer, offset: number): void {
  let octet = 0;
  let at = offset;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      out[at++] = octet;
      octet = 0;
    } else octet = octet * 10 + (c - 48);
  }
  out[at] = octet;
}

/** Size of a backend value of the family (see layouts/lb.ts backendValueCodec). */
export function backendValueSize(family: Family): number {
  return family === 4 ? 12 : 24;
}

/**
 * Writes a backend's value at `offset`: the codec's layout (address, __be16 port, proto, state,
 * __u16 cluster, zone, pad) without its per-call allocations for IPv4, which is most of a large table.
 */
export function writeBackendValue(b: ParsedBackend, out: Buffer, offset: number): void {
  const { family, address, port, proto, clusterId } = b.id;
  if (family === 6) {
    lbCodecsFor(6).backendValue.encode({ address, port, proto, flags: BackendState.Active, clusterId, zone: 0 }).copy(out, offset);
    return;
  }
  writeIpv4(address, out, offset);
  out.writeUInt16BE(port, offset + 4);
  out[offset + 6] = proto;
  out[offset + 7] = BackendState.Active;
  out.writeUInt16LE(clusterId, offset + 8);
  out[offset + 10] = 0;
  out[offset + 11] = 0;
}

export function backendValue(b: ParsedBackend): Buffer {
  const out = Buffer.allocUnsafe(backendValueSize(b.id.family));
  writeBackendValue(b, out, 0);
  return out;
}

export function encodeBackend(b: ParsedBackend, id: number): Entry {
  const key = backendKeyBytes(b.id.family, id);
  return { map: lbMapNames(b.id.family).backends, hex: key.toString('hex'), key, value: backendValue(b) };
}
