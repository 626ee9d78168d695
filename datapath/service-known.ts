/**
 * What the service maps hold once a plan was applied, derived from the planner's records
 * instead of kept entry by entry. After a whole-table plan the maps hold exactly the records'
 * entries and the referenced backends, and every later plan keeps it so, which makes a copy of
 * 220k keys, values and hex strings (most of the memory and garbage collection of a full
 * program) unnecessary: lookups decode the key and ask the records.
 *
 * Each view is a read-only Map of hex key → value bytes, like dumped map contents, so the
 * planner compares against it exactly as against contents read from the maps.
 */
import type { Family } from './layouts/addr.js';
import { lbMapNames } from './lb-maps.js';
import { backendKeyBytes, backendValue, revNatKeyBytes, slotKey, slotOffset, slotValue, type FrontendRecord } from './service-encode.js';
import type { ParsedBackend } from './service-parse.js';

/** The planner state the views read (live: they always show the current records). */
export interface DerivedSource {
  frontendByHex0(hex0: string): FrontendRecord | undefined;
  frontendByRevNat(index: number): FrontendRecord | undefined;
  /** A backend some programmed frontend references, by ID. */
  backend(id: number): ParsedBackend | undefined;
  frontends(): Iterable<FrontendRecord>;
  backendIds(): Iterable<number>;
}

abstract class DerivedMap implements ReadonlyMap<string, Buffer> {
  constructor(protected readonly src: DerivedSource, protected readonly family: Family) {}

  abstract get(hex: string): Buffer | undefined;
  abstract entries(): MapIterator<[string, Buffer]>;

  has(hex: string): boolean {
    return this.get(hex) !== undefined;
  }

  get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }

  *keys(): MapIterator<string> {
    for (const [hex] of this.entries()) yield hex;
  }

  *values(): MapIterator<Buffer> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(fn: (value: Buffer, key: string, map: ReadonlyMap<string, Buffer>) => void): void {
    for (const [hex, value] of this.entries()) fn(value, hex, this);
  }

  [Symbol.iterator](): MapIterator<[string, Buffer]> {
    return this.entries();
  }
}

class DerivedServices extends DerivedMap {
  get(hex: string): Buffer | undefined {
    const key = Buffer.from(hex, 'hex');
    const offset = slotOffset(this.family);
    if (key.length !== offset + 6 || hex.length !== key.length * 2) return undefined;
    const slot = key.readUInt16LE(offset);
    key.writeUInt16LE(0, offset);
    const fe = this.src.frontendByHex0(key.toString('hex'));
    if (!fe || fe.family !== this.family || slot > fe.ids.length) return undefined;
    return slotValue(fe, slot);
  }

  override get size(): number {
    let n = 0;
    for (const fe of this.src.frontends()) if (fe.family === this.family) n += 1 + fe.ids.length;
    return n;
  }

  *entries(): MapIterator<[string, Buffer]> {
    for (const fe of this.src.frontends()) {
      if (fe.family !== this.family) continue;
      for (let slot = 0; slot <= fe.ids.length; slot++) yield [slot === 0 ? fe.hex0 : slotKey(fe, slot).toString('hex'), slotValue(fe, slot)];
    }
  }
}

class DerivedRevNat extends DerivedMap {
  get(hex: string): Buffer | undefined {
    if (hex.length !== 4) return undefined;
    const fe = this.src.frontendByRevNat(Buffer.from(hex, 'hex').readUInt16BE(0));
    return fe && fe.family === this.family ? fe.revNatValue : undefined;
  }

  *entries(): MapIterator<[string, Buffer]> {
    for (const fe of this.src.frontends()) if (fe.family === this.family) yield [revNatKeyBytes(fe.family, fe.revNat).toString('hex'), fe.revNatValue];
  }
}

class DerivedBackends extends DerivedMap {
  get(hex: string): Buffer | undefined {
    if (hex.length !== 8) return undefined;
    const b = this.src.backend(Buffer.from(hex, 'hex').readUInt32LE(0));
    return b && b.id.family === this.family ? backendValue(b) : undefined;
  }

  *entries(): MapIterator<[string, Buffer]> {
    for (const id of this.src.backendIds()) {
      const b = this.src.backend(id);
      if (b && b.id.family === this.family) yield [backendKeyBytes(this.family, id).toString('hex'), backendValue(b)];
    }
  }
}

/** One derived view per service map, by map name. */
export function derivedContents(src: DerivedSource): Map<string, ReadonlyMap<string, Buffer>> {
  const out = new Map<string, ReadonlyMap<string, Buffer>>();
  for (const family of [4, 6] as const) {
    const names = lbMapNames(family);
    out.set(names.services, new DerivedServices(src, family));
    out.set(names.backends, new DerivedBackends(src, family));
    out.set(names.revNat, new DerivedRevNat(src, family));
  }
  return out;
}

export function isDerived(map: ReadonlyMap<string, Buffer>): boolean {
  return map instanceof DerivedMap;
}
