/**
 * Backend and reverse-NAT IDs, recovered from what the maps hold so an agent restart keeps
 * them: backend IDs from the backend maps (identity = family, address, port, proto, cluster),
 * reverse-NAT indexes from the frontends' slot 0 entries. New IDs take the lowest number that
 * is neither desired nor still present in the maps, so an ID is only reused after its old
 * entries are gone and the datapath can never confuse an old reference with a new backend.
 */
import type { Family } from './layouts/addr.js';
import { lbCodecsFor } from './layouts/lb.js';
import { lbMapNames } from './lb-maps.js';
import type { MapContents } from './maps.js';

export interface BackendIdentity {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly proto: number;
  readonly clusterId: number;
}

export interface FrontendIdentity {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly proto: number;
  readonly scope: number;
}

export function backendIdentityKey(b: BackendIdentity): string {
  return `${b.family}|${b.address}|${b.port}|${b.proto}|${b.clusterId}`;
}

export function frontendIdentityKey(f: FrontendIdentity): string {
  return `${f.family}|${f.address}|${f.port}|${f.proto}|${f.scope}`;
}

export interface RecoveredIds {
  /** Backend identity key → ID found in the backend maps (lowest ID when duplicated). */
  readonly backends: ReadonlyMap<string, number>;
  /** Frontend identity key → reverse-NAT index found in its slot 0 entry. */
  readonly revNat: ReadonlyMap<string, number>;
  /** Every backend ID the maps mention (keys and slot references). */
  readonly usedBackendIds: ReadonlySet<number>;
  /** Every reverse-NAT index the maps mention (keys and service values). */
  readonly usedRevNat: ReadonlySet<number>;
}

function keepLowest(map: Map<string, number>, key: string, id: number): void {
  const seen = map.get(key);
  if (seen === undefined || id < seen) map.set(key, id);
}

function recoverFamily(actual: MapContents, family: Family, out: {
  backends: Map<string, number>;
  revNat: Map<string, number>;
  usedBackendIds: Set<number>;
  usedRevNat: Set<number>;
}): void {
  const codecs = lbCodecsFor(family);
  const names = lbMapNames(family);
  for (const [hex, value] of actual.get(names.backends) ?? []) {
    const id = codecs.backendKey.decode(Buffer.from(hex, 'hex'));
    if (!id.ok) continue;
    out.usedBackendIds.add(id.value);
    const b = codecs.backendValue.decode(value);
    if (b.ok) keepLowest(out.backends, backendIdentityKey({ family, ...b.value }), id.value);
  }
  for (const hex of (actual.get(names.revNat) ?? new Map()).keys()) {
    const index = codecs.revNatKey.decode(Buffer.from(hex, 'hex'));
    if (index.ok) out.usedRevNat.add(index.value);
  }
  for (const [hex, value] of actual.get(names.services) ?? []) {
    const key = codecs.serviceKey.decode(Buffer.from(hex, 'hex'));
    const val = codecs.serviceValue.decode(value);
    if (!key.ok || !val.ok) continue;
    if (val.value.revNatIndex !== 0) out.usedRevNat.add(val.value.revNatIndex);
    if (key.value.slot !== 0) {
      if (val.value.backendId !== 0) out.usedBackendIds.add(val.value.backendId);
      continue;
    }
    if (val.value.revNatIndex !== 0) {
      keepLowest(out.revNat, frontendIdentityKey({ family, ...key.value }), val.value.revNatIndex);
    }
  }
}

export function recoverIds(actual: MapContents): RecoveredIds {
  const out = {
    backends: new Map<string, number>(),
    revNat: new Map<string, number>(),
    usedBackendIds: new Set<number>(),
    usedRevNat: new Set<number>(),
  };
  recoverFamily(actual, 4, out);
  recoverFamily(actual, 6, out);
  return out;
}

/**
 * Hands out the lowest IDs >= 1 that are neither in `taken` nor handed out by this allocator,
 * up to `max`. `taken` is read, not copied: the caller's set of 100k+ IDs stays as it is. IDs
 * are handed out in increasing order, so everything below `next` is taken or handed out and
 * nothing needs remembering.
 */
export class IdAllocator {
  private next = 1;

  constructor(private readonly taken: ReadonlySet<number>, private readonly max: number) {}

  /** The lowest free ID, or undefined when the space is exhausted. */
  allocate(): number | undefined {
    while (this.next <= this.max && this.taken.has(this.next)) this.next++;
    if (this.next > this.max) return undefined;
    return this.next++;
  }
}

export const MAX_BACKEND_ID = 2 ** 32 - 1;
export const MAX_REV_NAT_INDEX = 2 ** 16 - 1;
