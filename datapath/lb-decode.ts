/**
 * Service map contents → frontends with their slots resolved to backends. Pure; shared by
 * `bpf lb list` and by tests that compare map contents with the table they came from.
 */
import type { Family } from './layouts/addr.js';
import { lbCodecsFor, type BackendValue, type ServiceKey, type ServiceValue } from './layouts/lb.js';
import { lbMapNames } from './lb-maps.js';
import type { MapContents } from './maps.js';

export interface DecodedSlot {
  readonly slot: number;
  readonly value: ServiceValue;
  /** The backend the slot names; undefined when the backend map lacks it. */
  readonly backend: BackendValue | undefined;
}

export interface DecodedFrontend {
  readonly family: Family;
  readonly key: Omit<ServiceKey, 'slot'>;
  /** Slot 0 value; undefined when only backend slots exist (mid-update or leftovers). */
  readonly master: ServiceValue | undefined;
  /** Backend slots ordered by slot number. */
  readonly slots: readonly DecodedSlot[];
}

export interface DecodedLbMaps {
  readonly frontends: readonly DecodedFrontend[];
  /** Entries that could not be decoded, with the reason. */
  readonly problems: readonly string[];
}

const EMPTY: ReadonlyMap<string, Buffer> = new Map();

function frontendId(family: Family, k: ServiceKey): string {
  return `${family}|${k.address}|${k.port}|${k.proto}|${k.scope}`;
}

function decodeBackends(contents: MapContents, family: Family, problems: string[]): Map<number, BackendValue> {
  const codecs = lbCodecsFor(family);
  const out = new Map<number, BackendValue>();
  for (const [hex, raw] of contents.get(lbMapNames(family).backends) ?? EMPTY) {
    const id = codecs.backendKey.decode(Buffer.from(hex, 'hex'));
    const value = codecs.backendValue.decode(raw);
    if (!id.ok) problems.push(id.error);
    else if (!value.ok) problems.push(`backend ${id.value}: ${value.error}`);
    else out.set(id.value, value.value);
  }
  return out;
}

function decodeFamily(contents: MapContents, family: Family, problems: string[]): DecodedFrontend[] {
  const codecs = lbCodecsFor(family);
  const backends = decodeBackends(contents, family, problems);
  const byFrontend = new Map<string, { key: Omit<ServiceKey, 'slot'>; master?: ServiceValue; slots: DecodedSlot[] }>();
  for (const [hex, raw] of contents.get(lbMapNames(family).services) ?? EMPTY) {
    const key = codecs.serviceKey.decode(Buffer.from(hex, 'hex'));
    const value = codecs.serviceValue.decode(raw);
    if (!key.ok || !value.ok) {
      problems.push(!key.ok ? key.error : `service entry ${hex}: ${(value as { error: string }).error}`);
      continue;
    }
    const { slot, ...fkey } = key.value;
    const id = frontendId(family, key.value);
    let fe = byFrontend.get(id);
    if (!fe) byFrontend.set(id, (fe = { key: fkey, slots: [] }));
    if (slot === 0) fe.master = value.value;
    else fe.slots.push({ slot, value: value.value, backend: backends.get(value.value.backendId) });
  }
  return [...byFrontend.values()].map((fe) => ({
    family,
    key: fe.key,
    master: fe.master,
    slots: fe.slots.sort((a, b) => a.slot - b.slot),
  }));
}

function compareFrontends(a: DecodedFrontend, b: DecodedFrontend): number {
  if (a.family !== b.family) return a.family - b.family;
  const aa = lbCodecsFor(a.family).serviceKey.encode({ ...a.key, slot: 0 });
  const bb = lbCodecsFor(b.family).serviceKey.encode({ ...b.key, slot: 0 });
  // Address bytes first, then port: numeric order, as people scan a listing.
  const addrLen = a.family === 4 ? 4 : 16;
  return (
    Buffer.compare(aa.subarray(0, addrLen), bb.subarray(0, addrLen)) ||
    a.key.port - b.key.port ||
    a.key.proto - b.key.proto ||
    a.key.scope - b.key.scope
  );
}

export function decodeLbMaps(contents: MapContents): DecodedLbMaps {
  const problems: string[] = [];
  const frontends = [...decodeFamily(contents, 4, problems), ...decodeFamily(contents, 6, problems)];
  return { frontends: frontends.sort(compareFrontends), problems };
}
