/**
 * What the datapath relies on in the service maps, as a check over plain contents: every
 * service entry's reverse-NAT index exists, every backend slot names an existing backend, and
 * slot 0's count never points past the slots that exist. Used by tests after every single
 * write, and usable by a health check over dumped maps.
 */
import type { Family } from './layouts/addr.js';
import { lbCodecsFor } from './layouts/lb.js';
import { lbMapNames } from './lb-maps.js';
import { keyHex, type MapContents } from './maps.js';

const EMPTY: ReadonlyMap<string, Buffer> = new Map();

function familyProblems(contents: MapContents, family: Family): string[] {
  const codecs = lbCodecsFor(family);
  const names = lbMapNames(family);
  const services = contents.get(names.services) ?? EMPTY;
  const backends = contents.get(names.backends) ?? EMPTY;
  const revNat = contents.get(names.revNat) ?? EMPTY;
  const problems: string[] = [];
  for (const [hex, raw] of services) {
    const key = codecs.serviceKey.decode(Buffer.from(hex, 'hex'));
    const value = codecs.serviceValue.decode(raw);
    if (!key.ok || !value.ok) {
      problems.push(`${names.services}: undecodable entry ${hex}`);
      continue;
    }
    const { address, port, slot } = key.value;
    const where = `${address}:${port} slot ${slot}`;
    if (value.value.revNatIndex === 0 || !revNat.has(keyHex(codecs.revNatKey.encode(value.value.revNatIndex)))) {
      problems.push(`${where}: reverse NAT index ${value.value.revNatIndex} is missing`);
    }
    if (slot === 0) {
      for (let s = 1; s <= value.value.count; s++) {
        if (!services.has(keyHex(codecs.serviceKey.encode({ ...key.value, slot: s })))) {
          problems.push(`${where}: count ${value.value.count} but slot ${s} is missing`);
          break;
        }
      }
    } else if (value.value.backendId === 0 || !backends.has(keyHex(codecs.backendKey.encode(value.value.backendId)))) {
      problems.push(`${where}: backend ${value.value.backendId} is missing`);
    }
  }
  return problems;
}

export function danglingReferences(contents: MapContents): string[] {
  return [...familyProblems(contents, 4), ...familyProblems(contents, 6)];
}
