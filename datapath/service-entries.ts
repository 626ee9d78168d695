/**
 * Desired service table → desired contents of the lb4/lb6 service, backend and reverse-NAT
 * maps. Per frontend: slot 0 with count = number of in-use (active or, with cluster-mesh
 * affinity, preferred) backends, the in-use backends in slots 1..count and the others after
 * them, so the datapath only picks among slots 1..count. Bad entries are skipped with an
 * error naming the service; everything else is still programmed.
 */
import { addressBytes, familyOf, formatAddress, type Family } from './layouts/addr.js';
import { BackendState, LookupScope } from './layouts/constants.js';
import { lbCodecsFor, type ServiceValue } from './layouts/lb.js';
import { lbMapNames, lbMapSpecs } from './lb-maps.js';
import { keyHex, type MapContents } from './maps.js';
import {
  IdAllocator,
  MAX_BACKEND_ID,
  MAX_REV_NAT_INDEX,
  backendIdentityKey,
  frontendIdentityKey,
  recoverIds,
  type BackendIdentity,
  type FrontendIdentity,
} from './service-ids.js';
import { frontendFlags, protoNumber, type TableBackend, type TableFrontend, type TableService } from './service-table.js';

export interface TableError {
  /** "namespace/name" of the service the problem is in. */
  readonly service: string;
  readonly message: string;
}

export interface DesiredOutcome {
  readonly contents: MapContents;
  readonly errors: readonly TableError[];
}

interface PlannedFrontend {
  readonly id: FrontendIdentity;
  readonly flags: number;
  readonly backends: readonly { readonly id: BackendIdentity; readonly inUse: boolean }[];
}

function canonical(text: string, family: Family): string | undefined {
  const bytes = addressBytes(text, family);
  return bytes.ok ? formatAddress(bytes.value) : undefined;
}

function parseFrontend(f: TableFrontend): FrontendIdentity | string {
  const family = familyOf(f.address);
  if (!family) return `frontend address ${JSON.stringify(f.address)} is not an IP address`;
  const proto = protoNumber(f.protocol);
  if (proto === undefined) return `frontend ${f.address}:${f.port} has unknown protocol ${JSON.stringify(f.protocol)}`;
  return { family, address: canonical(f.address, family)!, port: f.port, proto, scope: LookupScope.External };
}

function parseBackend(b: TableBackend): BackendIdentity | string {
  const family = familyOf(b.address);
  if (!family) return `backend address ${JSON.stringify(b.address)} is not an IP address`;
  const proto = protoNumber(b.protocol);
  if (proto === undefined) return `backend ${b.address}:${b.port} has unknown protocol ${JSON.stringify(b.protocol)}`;
  return { family, address: canonical(b.address, family)!, port: b.port, proto, clusterId: b.clusterID };
}

/** Backends of one frontend: same family and protocol (and port name when both have one), in use first. */
function frontendBackends(f: TableFrontend, fid: FrontendIdentity, backends: readonly { raw: TableBackend; id: BackendIdentity }[]) {
  const seen = new Set<string>();
  const matching: { id: BackendIdentity; inUse: boolean }[] = [];
  for (const { raw, id } of backends) {
    if (id.family !== fid.family || id.proto !== fid.proto) continue;
    if (f.portName !== undefined && raw.portName !== undefined && f.portName !== raw.portName) continue;
    const key = backendIdentityKey(id);
    if (seen.has(key)) continue;
    seen.add(key);
    matching.push({ id, inUse: raw.inUse });
  }
  return [...matching.filter((b) => b.inUse), ...matching.filter((b) => !b.inUse)];
}

function planService(svc: TableService, claimed: Set<string>, errors: TableError[]): PlannedFrontend[] {
  const service = `${svc.namespace}/${svc.name}`;
  const backends: { raw: TableBackend; id: BackendIdentity }[] = [];
  for (const raw of svc.backends) {
    const id = parseBackend(raw);
    if (typeof id === 'string') errors.push({ service, message: id });
    else backends.push({ raw, id });
  }
  const out: PlannedFrontend[] = [];
  for (const f of svc.frontends) {
    const id = parseFrontend(f);
    const flags = frontendFlags(f.type);
    if (typeof id === 'string') {
      errors.push({ service, message: id });
      continue;
    }
    if (flags === undefined) {
      errors.push({ service, message: `frontend ${f.address}:${f.port} has unknown type ${JSON.stringify(f.type)}` });
      continue;
    }
    const key = frontendIdentityKey(id);
    if (claimed.has(key)) {
      errors.push({ service, message: `frontend ${f.address}:${f.port}/${f.protocol} is already used by another service` });
      continue;
    }
    claimed.add(key);
    out.push({ id, flags, backends: frontendBackends(f, id, backends) });
  }
  return out;
}

class ContentsBuilder {
  // Every service map is present, empty or not, so "desired" also says "nothing in here".
  readonly maps = new Map<string, Map<string, Buffer>>(lbMapSpecs.map((s) => [s.name, new Map()]));

  put(map: string, key: Buffer, value: Buffer): void {
    let m = this.maps.get(map);
    if (!m) this.maps.set(map, (m = new Map()));
    m.set(keyHex(key), value);
  }
}

function writeFrontend(out: ContentsBuilder, fe: PlannedFrontend, revNat: number, backendIds: ReadonlyMap<string, number>): void {
  const codecs = lbCodecsFor(fe.id.family);
  const names = lbMapNames(fe.id.family);
  const { address, port, proto, scope } = fe.id;
  const count = fe.backends.filter((b) => b.inUse).length;
  const value = (backendId: number, c: number): ServiceValue => ({ backendId, count: c, revNatIndex: revNat, flags: fe.flags, flags2: 0, qcount: 0 });
  out.put(names.revNat, codecs.revNatKey.encode(revNat), codecs.revNatValue.encode({ address, port }));
  out.put(names.services, codecs.serviceKey.encode({ address, port, proto, scope, slot: 0 }), codecs.serviceValue.encode(value(0, count)));
  fe.backends.forEach((b, i) => {
    const id = backendIds.get(backendIdentityKey(b.id))!;
    out.put(names.services, codecs.serviceKey.encode({ address, port, proto, scope, slot: i + 1 }), codecs.serviceValue.encode(value(id, 0)));
    out.put(
      names.backends,
      codecs.backendKey.encode(id),
      codecs.backendValue.encode({ address: b.id.address, port: b.id.port, proto: b.id.proto, flags: BackendState.Active, clusterId: b.id.clusterId, zone: 0 }),
    );
  });
}

/** Assigns backend IDs: recovered ones first (so they are never handed to a newcomer), then new ones. */
function assignBackendIds(frontends: readonly PlannedFrontend[], recovered: ReturnType<typeof recoverIds>) {
  const ids = new Map<string, number>();
  const alloc = new IdAllocator(recovered.usedBackendIds, MAX_BACKEND_ID);
  const wanted = frontends.flatMap((f) => f.backends.map((b) => backendIdentityKey(b.id)));
  for (const key of wanted) {
    const id = recovered.backends.get(key);
    if (id !== undefined) ids.set(key, id);
  }
  for (const key of wanted) {
    if (ids.has(key)) continue;
    const id = alloc.allocate();
    if (id === undefined) throw new Error('backend ID space exhausted'); // 2^32 backends cannot fit in any map
    ids.set(key, id);
  }
  return ids;
}

/**
 * Computes the map contents for a table. `actual` is what the maps hold now; IDs found there
 * are kept for the same backends and frontends.
 */
export function desiredContents(table: readonly TableService[], actual: MapContents): DesiredOutcome {
  const errors: TableError[] = [];
  const claimed = new Set<string>();
  const sorted = [...table].sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
  const planned = sorted.map((svc) => ({ svc, frontends: planService(svc, claimed, errors) }));
  const recovered = recoverIds(actual);
  const backendIds = assignBackendIds(planned.flatMap((p) => p.frontends), recovered);

  const revNatAlloc = new IdAllocator(recovered.usedRevNat, MAX_REV_NAT_INDEX);
  const revNatOf = new Map<PlannedFrontend, number>();
  const revNatClaimed = new Set<number>();
  for (const fe of planned.flatMap((p) => p.frontends)) {
    const id = recovered.revNat.get(frontendIdentityKey(fe.id));
    if (id !== undefined && !revNatClaimed.has(id)) {
      revNatOf.set(fe, id);
      revNatClaimed.add(id);
    }
  }
  const out = new ContentsBuilder();
  for (const { svc, frontends } of planned) {
    for (const fe of frontends) {
      const revNat = revNatOf.get(fe) ?? revNatAlloc.allocate();
      if (revNat === undefined) {
        errors.push({ service: `${svc.namespace}/${svc.name}`, message: `no free reverse NAT index for ${fe.id.address}:${fe.id.port}` });
        continue;
      }
      writeFrontend(out, fe, revNat, backendIds);
    }
  }
  return { contents: out.maps, errors };
}
