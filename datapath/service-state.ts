/**
 * The service datapath's memory of what it last applied, and incremental planning on top of
 * it. Per service it keeps the table entry, the frontends it asked for and the ones it
 * programmed (rev-NAT index, backend IDs and encoded entries); per backend a reference count;
 * per frontend who asks for it. A change to some services is planned by re-parsing only those
 * (plus the services competing with them for a frontend) and comparing only the entries they
 * owned and own, with IDs handed out from the cached sets.
 *
 * The full path is the same code with every service touched and the whole maps as the region,
 * on a state recovered from map contents (IDs found there are kept). Planning never changes the
 * state; `commit()` does, once the writes were applied.
 */
import type { MapContents } from './maps.js';
import { encodeBackend, encodeFrontend, type Entry, type FrontendRecord } from './service-encode.js';
import { IdAllocator, MAX_BACKEND_ID, MAX_REV_NAT_INDEX, recoverIds } from './service-ids.js';
import { diffRegion, orderWrites, type RegionDiff, type WriteStep } from './service-plan.js';
import { claimKeys, parseService, resolveService, type ParsedBackend, type ParsedFrontend, type ParsedService, type TableError } from './service-parse.js';
import { lbMapSpecs } from './lb-maps.js';
import type { TableService } from './service-table.js';
import { indexNamed, indexTable, sameService } from './service-table-index.js';

export interface ServiceRecord {
  readonly svc: TableService;
  readonly claims: readonly string[];
  readonly frontends: readonly FrontendRecord[];
  readonly errors: readonly TableError[];
}

export interface StatePlan {
  readonly steps: readonly WriteStep[];
  /** Every problem in the table after this plan (all services, not only the touched ones). */
  readonly errors: readonly TableError[];
  /** How many services were planned. */
  readonly planned: number;
  /** Records the plan as applied. Call only after every step was written. */
  commit(): void;
}

interface Touched {
  readonly key: string;
  readonly svc: TableService | undefined;
  readonly parsed: ParsedService | undefined;
  readonly claims: readonly string[];
}

interface Outcome {
  readonly records: Map<string, ServiceRecord>;
  readonly referenced: Map<number, ParsedBackend>;
}

const addAll = <T>(set: Set<T>, items: Iterable<T>): void => {
  for (const i of items) set.add(i);
};

export class ServiceState {
  private readonly known = new Map<string, Map<string, Buffer>>(lbMapSpecs.map((s) => [s.name, new Map()]));
  private readonly records = new Map<string, ServiceRecord>();
  private readonly wanters = new Map<string, Set<string>>();
  private readonly revNatOf = new Map<string, number>();
  private readonly backendIdOf = new Map<string, number>();
  private readonly identityOfId = new Map<number, string>();
  private readonly backendRefs = new Map<number, number>();
  /** IDs the maps hold (or mention): never handed out, so an ID is reused only once it is gone. */
  private readonly usedBackendIds = new Set<number>();
  private readonly usedRevNat = new Set<number>();

  /** A state for maps holding `actual`: IDs found there are kept for the same backends and frontends. */
  static fromContents(actual: MapContents): ServiceState {
    const state = new ServiceState();
    for (const [name, entries] of actual) state.known.set(name, new Map(entries));
    const recovered = recoverIds(actual);
    for (const [key, id] of recovered.backends) {
      state.backendIdOf.set(key, id);
      state.identityOfId.set(id, key);
    }
    for (const [key, id] of recovered.revNat) state.revNatOf.set(key, id);
    addAll(state.usedBackendIds, recovered.usedBackendIds);
    addAll(state.usedRevNat, recovered.usedRevNat);
    return state;
  }

  /** What the maps hold once the last committed plan was applied. Live view: do not keep it. */
  contents(): MapContents {
    return this.known;
  }

  /** True when `actual` is exactly what this state believes the maps hold. */
  matches(actual: MapContents): boolean {
    for (const [name, mine] of this.known) {
      const theirs = actual.get(name) ?? new Map<string, Buffer>();
      if (theirs.size !== mine.size) return false;
      for (const [hex, value] of mine) if (!theirs.get(hex)?.equals(value)) return false;
    }
    return true;
  }

  /** Plans every service in the table against the whole maps (drift repair, first run). */
  planFull(table: readonly TableService[]): StatePlan {
    const index = indexTable(table);
    const keys = new Set([...index.keys(), ...this.records.keys()]);
    const region = new Map<string, Iterable<string>>([...this.known].map(([name, m]) => [name, m.keys()]));
    return this.plan((key) => index.get(key), keys, region, true);
  }

  /**
   * Plans the services named by "namespace/name" keys (the table's change notifications). The
   * other services are taken as unchanged: the table is only scanned for the named ones.
   */
  planKeys(table: readonly TableService[], changed: Iterable<string>): StatePlan {
    const index = indexNamed(table, changed);
    const keys = new Set<string>(index.keys());
    for (const base of changed) {
      // Duplicate entries of one name are kept apart as "name\0#2", ...; touch them all.
      for (let n = 1; ; n++) {
        const key = n === 1 ? base : `${base}\0#${n}`;
        if (!index.has(key) && !this.records.has(key)) break;
        keys.add(key);
      }
    }
    const lookup = (key: string) => (keys.has(key) ? index.get(key) : this.records.get(key)?.svc);
    return this.plan(lookup, keys, undefined, false);
  }

  /** Plans the services whose table entry differs from what was last planned for them. */
  planChanged(table: readonly TableService[]): StatePlan {
    const index = indexTable(table);
    const keys = new Set<string>();
    for (const [key, svc] of index) if (!sameService(this.records.get(key)?.svc, svc)) keys.add(key);
    for (const key of this.records.keys()) if (!index.has(key)) keys.add(key);
    return this.plan((key) => index.get(key), keys, undefined, false);
  }

  private plan(lookup: (key: string) => TableService | undefined, keys: Set<string>, wholeRegion: Map<string, Iterable<string>> | undefined, rebuild: boolean): StatePlan {
    const touched = this.expand(lookup, keys);
    const outcome = this.resolve(touched);
    const diff = wholeRegion ? this.diffWhole(outcome, wholeRegion) : this.diffTouched(touched, outcome);
    const errors = this.errorsAfter(outcome.records, touched);
    return {
      steps: orderWrites(diff),
      errors,
      planned: touched.length,
      commit: () => (rebuild ? this.commitRebuild(touched, outcome, diff) : this.commitDelta(touched, outcome, diff)),
    };
  }

  /** The touched services plus every service asking for a frontend they ask or asked for. */
  private expand(lookup: (key: string) => TableService | undefined, keys: Set<string>): Touched[] {
    const touched = new Map<string, Touched>();
    const add = (key: string): Touched => {
      const svc = lookup(key);
      const parsed = svc ? parseService(svc) : undefined;
      const t = { key, svc, parsed, claims: parsed ? claimKeys(parsed) : [] };
      touched.set(key, t);
      return t;
    };
    for (const key of keys) add(key);
    for (const key of keys) {
      const t = touched.get(key)!;
      for (const claim of [...(this.records.get(key)?.claims ?? []), ...t.claims]) {
        for (const other of this.wanters.get(claim) ?? []) if (!touched.has(other)) add(other);
      }
    }
    // Table order (namespace/name) decides who wins a frontend and which IDs are handed out first.
    return [...touched.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Whether `key` wins `claim` once the touched services ask for their new claims. */
  private winnerCheck(touched: readonly Touched[]): (key: string, claim: string) => boolean {
    const inTouched = new Map<string, string>();
    for (const t of touched) for (const c of t.claims) if (!inTouched.has(c)) inTouched.set(c, t.key);
    const touchedKeys = new Set(touched.map((t) => t.key));
    return (key, claim) => {
      let best = inTouched.get(claim)!;
      for (const other of this.wanters.get(claim) ?? []) if (!touchedKeys.has(other) && other < best) best = other;
      return best === key;
    };
  }

  private resolve(touched: readonly Touched[]): Outcome {
    const wins = this.winnerCheck(touched);
    const resolved = touched.map((t) => ({ t, ...(t.parsed ? resolveService(t.parsed, (c) => wins(t.key, c)) : { frontends: [], errors: [] }) }));
    const parsedBackends = new Map<string, ParsedBackend>();
    const backendIds = this.assignBackendIds(resolved.flatMap((r) => r.frontends), parsedBackends);
    const revNats = this.assignRevNats(resolved.flatMap((r) => r.frontends));
    const records = new Map<string, ServiceRecord>();
    for (const { t, frontends, errors } of resolved) {
      if (!t.svc) continue;
      const programmed: FrontendRecord[] = [];
      for (const fe of frontends) {
        const revNat = revNats.get(fe);
        if (revNat === undefined) errors.push({ service: t.parsed!.name, message: `no free reverse NAT index for ${fe.id.address}:${fe.id.port}` });
        else programmed.push(encodeFrontend(fe, revNat, fe.backends.map((b) => backendIds.get(b.key)!)));
      }
      records.set(t.key, { svc: t.svc, claims: t.claims, frontends: programmed, errors });
    }
    // Only programmed frontends reference backends (one without a rev-NAT index writes nothing).
    const referenced = new Map<number, ParsedBackend>();
    for (const r of records.values()) for (const fe of r.frontends) for (const b of fe.backends) referenced.set(b.id, parsedBackends.get(b.key)!);
    return { records, referenced };
  }

  /** Known IDs for known backends; new ones get the lowest ID the maps do not hold or mention. */
  private assignBackendIds(frontends: readonly ParsedFrontend[], parsed: Map<string, ParsedBackend>): Map<string, number> {
    const ids = new Map<string, number>();
    const alloc = new IdAllocator(this.usedBackendIds, MAX_BACKEND_ID);
    for (const b of frontends.flatMap((f) => f.backends)) {
      if (ids.has(b.key)) continue;
      let id = this.backendIdOf.get(b.key);
      if (id === undefined) {
        id = alloc.allocate();
        if (id === undefined) throw new Error('backend ID space exhausted'); // 2^32 backends cannot fit in any map
      }
      ids.set(b.key, id);
      parsed.set(b.key, b);
    }
    return ids;
  }

  /** Kept indexes first (an index found twice goes to the first frontend), then new ones in order. */
  private assignRevNats(frontends: readonly ParsedFrontend[]): Map<ParsedFrontend, number> {
    const out = new Map<ParsedFrontend, number>();
    const claimed = new Set<number>();
    for (const fe of frontends) {
      const id = this.revNatOf.get(fe.key);
      if (id !== undefined && !claimed.has(id)) {
        out.set(fe, id);
        claimed.add(id);
      }
    }
    const alloc = new IdAllocator(this.usedRevNat, MAX_REV_NAT_INDEX);
    for (const fe of frontends) {
      if (out.has(fe)) continue;
      const id = alloc.allocate();
      if (id !== undefined) out.set(fe, id);
    }
    return out;
  }

  private desiredEntries(outcome: Outcome, backendIds: Iterable<number>): Entry[] {
    const entries: Entry[] = [];
    for (const id of backendIds) entries.push(encodeBackend(outcome.referenced.get(id)!, id));
    for (const record of outcome.records.values()) {
      for (const fe of record.frontends) entries.push(fe.revNatEntry, ...fe.slots);
    }
    return entries;
  }

  private diffWhole(outcome: Outcome, region: Map<string, Iterable<string>>): RegionDiff {
    return diffRegion(this.known, region, this.desiredEntries(outcome, outcome.referenced.keys()));
  }

  /** Reference count changes of backend IDs between the touched services' old and new frontends. */
  private refDeltas(touched: readonly Touched[], outcome: Outcome): Map<number, number> {
    const delta = new Map<number, number>();
    const bump = (records: Iterable<ServiceRecord | undefined>, by: number) => {
      for (const r of records) for (const fe of r?.frontends ?? []) for (const b of fe.backends) delta.set(b.id, (delta.get(b.id) ?? 0) + by);
    };
    bump(touched.map((t) => this.records.get(t.key)), -1);
    bump(outcome.records.values(), +1);
    return delta;
  }

  private diffTouched(touched: readonly Touched[], outcome: Outcome): RegionDiff {
    const region = new Map<string, string[]>();
    const addKey = (map: string, hex: string) => (region.get(map) ?? region.set(map, []).get(map)!).push(hex);
    for (const t of touched) {
      for (const fe of this.records.get(t.key)?.frontends ?? []) {
        addKey(fe.revNatEntry.map, fe.revNatEntry.hex);
        for (const s of fe.slots) addKey(s.map, s.hex);
      }
    }
    // A backend leaves the maps when nothing references it any more.
    for (const [id, d] of this.refDeltas(touched, outcome)) {
      if ((this.backendRefs.get(id) ?? 0) + d > 0) continue;
      const entry = encodeBackendKey(this.identityOfId.get(id), id);
      if (entry) addKey(entry.map, entry.hex);
    }
    return diffRegion(this.known, region, this.desiredEntries(outcome, outcome.referenced.keys()));
  }

  private errorsAfter(planned: ReadonlyMap<string, ServiceRecord>, touched: readonly Touched[]): TableError[] {
    const touchedKeys = new Set(touched.map((t) => t.key));
    const withErrors: [string, readonly TableError[]][] = [];
    for (const [key, r] of this.records) if (!touchedKeys.has(key) && r.errors.length > 0) withErrors.push([key, r.errors]);
    for (const [key, r] of planned) if (r.errors.length > 0) withErrors.push([key, r.errors]);
    return withErrors.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([, e]) => e);
  }

  private applyDiff(diff: RegionDiff): void {
    for (const [map, entries] of diff.updates) {
      const m = this.known.get(map) ?? this.known.set(map, new Map()).get(map)!;
      for (const e of entries) m.set(e.hex, e.value);
    }
    for (const [map, hexes] of diff.deletes) for (const hex of hexes) this.known.get(map)?.delete(hex);
  }

  private commitDelta(touched: readonly Touched[], outcome: Outcome, diff: RegionDiff): void {
    const deltas = this.refDeltas(touched, outcome);
    for (const t of touched) {
      const old = this.records.get(t.key);
      for (const c of old?.claims ?? []) this.wanters.get(c)?.delete(t.key);
      for (const fe of old?.frontends ?? []) if (this.revNatOf.get(fe.key) === fe.revNat) this.revNatOf.delete(fe.key);
      this.records.delete(t.key);
    }
    for (const [key, r] of outcome.records) this.remember(key, r);
    for (const [id, d] of deltas) {
      const refs = (this.backendRefs.get(id) ?? 0) + d;
      if (refs > 0) this.backendRefs.set(id, refs);
      else this.forgetBackend(id);
    }
    for (const [id, b] of outcome.referenced) {
      this.backendIdOf.set(b.key, id);
      this.identityOfId.set(id, b.key);
      this.usedBackendIds.add(id);
    }
    for (const r of outcome.records.values()) for (const fe of r.frontends) this.usedRevNat.add(fe.revNat);
    for (const hex of revNatDeletes(diff)) this.usedRevNat.delete(Buffer.from(hex, 'hex').readUInt16BE(0));
    this.applyDiff(diff);
  }

  /** After a full plan on a recovered state: everything derived again from the records and the new contents. */
  private commitRebuild(touched: readonly Touched[], outcome: Outcome, diff: RegionDiff): void {
    this.applyDiff(diff);
    for (const t of touched) this.records.delete(t.key);
    for (const m of [this.wanters, this.revNatOf, this.backendIdOf, this.identityOfId, this.backendRefs]) m.clear();
    this.usedBackendIds.clear();
    this.usedRevNat.clear();
    for (const [key, r] of outcome.records) this.remember(key, r);
    // The maps now hold exactly the records' entries, so the IDs in use are the records' IDs.
    for (const r of this.records.values()) {
      for (const fe of r.frontends) {
        this.usedRevNat.add(fe.revNat);
        for (const b of fe.backends) {
          this.backendRefs.set(b.id, (this.backendRefs.get(b.id) ?? 0) + 1);
          this.backendIdOf.set(b.key, b.id);
          this.identityOfId.set(b.id, b.key);
          this.usedBackendIds.add(b.id);
        }
      }
    }
  }

  private remember(key: string, r: ServiceRecord): void {
    this.records.set(key, r);
    for (const c of r.claims) (this.wanters.get(c) ?? this.wanters.set(c, new Set()).get(c)!).add(key);
    for (const fe of r.frontends) this.revNatOf.set(fe.key, fe.revNat);
  }

  private forgetBackend(id: number): void {
    this.backendRefs.delete(id);
    const key = this.identityOfId.get(id);
    if (key !== undefined && this.backendIdOf.get(key) === id) this.backendIdOf.delete(key);
    this.identityOfId.delete(id);
    this.usedBackendIds.delete(id);
  }
}

function revNatDeletes(diff: RegionDiff): string[] {
  return [...diff.deletes].filter(([map]) => map.includes('reverse_nat')).flatMap(([, hexes]) => hexes);
}

/** The backend map key of an ID, in the map of the identity's family. */
function encodeBackendKey(identity: string | undefined, id: number): { map: string; hex: string } | undefined {
  if (identity === undefined) return undefined;
  const family = identity.startsWith('6|') ? 6 : 4;
  const key = Buffer.alloc(4);
  key.writeUInt32LE(id, 0);
  return { map: family === 4 ? 'cilium_lb4_backends_v3' : 'cilium_lb6_backends_v3', hex: key.toString('hex') };
}
