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
import { encodeBackend, encodeFrontend, frontendEntries, type Entry, type FrontendRecord } from './service-encode.js';
import { IdAllocator, MAX_BACKEND_ID, MAX_REV_NAT_INDEX, recoverIds } from './service-ids.js';
import { derivedContents, isDerived, type DerivedSource } from './service-known.js';
import { diffRegion, orderWrites, type RegionDiff, type WriteStep } from './service-plan.js';
import { planWhole } from './service-whole.js';
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

export class ServiceState implements DerivedSource {
  /**
   * What the maps hold: the contents read from them (fromContents) until a whole-table plan is
   * committed, then views derived from the records (service-known.ts), which stay exact.
   */
  private known: Map<string, ReadonlyMap<string, Buffer>> = derivedContents(this);
  private readonly records = new Map<string, ServiceRecord>();
  /** Programmed frontends by slot 0 key (hex) and by reverse-NAT index; referenced backends by ID. */
  private readonly feByHex0 = new Map<string, FrontendRecord>();
  private readonly feByRevNat = new Map<number, FrontendRecord>();
  private readonly backendOfId = new Map<number, ParsedBackend>();
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
    state.known = new Map(lbMapSpecs.map((s) => [s.name, new Map<string, Buffer>()]));
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

  /** What the maps hold once the last committed plan was applied. May be a live view: do not keep it. */
  contents(): MapContents {
    return new Map([...this.known].map(([name, m]) => [name, isDerived(m) ? new Map(m) : m]));
  }

  frontendByHex0(hex0: string): FrontendRecord | undefined {
    return this.feByHex0.get(hex0);
  }

  frontendByRevNat(index: number): FrontendRecord | undefined {
    return this.feByRevNat.get(index);
  }

  backend(id: number): ParsedBackend | undefined {
    return this.backendRefs.has(id) ? this.backendOfId.get(id) : undefined;
  }

  *frontends(): Iterable<FrontendRecord> {
    for (const r of this.records.values()) yield* r.frontends;
  }

  backendIds(): Iterable<number> {
    return this.backendRefs.keys();
  }

  /** True when `actual` is exactly what this state believes the maps hold. */
  matches(actual: MapContents): boolean {
    for (const [name, mine] of this.known) {
      const theirs = actual.get(name) ?? new Map<string, Buffer>();
      // Same size and every entry of theirs in mine: the same set (keys are unique in both).
      if (theirs.size !== mine.size) return false;
      for (const [hex, value] of theirs) if (!mine.get(hex)?.equals(value)) return false;
    }
    return true;
  }

  /** Plans every service in the table against the whole maps (drift repair, first run). */
  planFull(table: readonly TableService[]): StatePlan {
    const index = indexTable(table);
    const keys = new Set([...index.keys(), ...this.records.keys()]);
    return this.plan((key) => index.get(key), keys, true);
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
    return this.plan(lookup, keys, false);
  }

  /** Plans the services whose table entry differs from what was last planned for them. */
  planChanged(table: readonly TableService[]): StatePlan {
    const index = indexTable(table);
    const keys = new Set<string>();
    for (const [key, svc] of index) if (!sameService(this.records.get(key)?.svc, svc)) keys.add(key);
    for (const key of this.records.keys()) if (!index.has(key)) keys.add(key);
    return this.plan((key) => index.get(key), keys, false);
  }

  /** `whole`: every entry of the maps is in the region (and the state is rebuilt on commit). */
  private plan(lookup: (key: string) => TableService | undefined, keys: Set<string>, whole: boolean): StatePlan {
    const touched = this.expand(lookup, keys);
    const outcome = this.resolve(touched);
    const errors = this.errorsAfter(outcome.records, touched);
    if (whole) {
      const frontends = [...outcome.records.values()].flatMap((r) => r.frontends);
      const { steps } = planWhole(this.known, frontends, outcome.referenced);
      return { steps, errors, planned: touched.length, commit: () => this.commitRebuild(touched, outcome) };
    }
    const diff = this.diffTouched(touched, outcome);
    return { steps: orderWrites(diff), errors, planned: touched.length, commit: () => this.commitDelta(touched, outcome, diff) };
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
    const idsOf = this.assignBackendIds(resolved.flatMap((r) => r.frontends));
    const revNats = this.assignRevNats(resolved.flatMap((r) => r.frontends));
    const records = new Map<string, ServiceRecord>();
    for (const { t, frontends, errors } of resolved) {
      if (!t.svc) continue;
      const programmed: FrontendRecord[] = [];
      for (const fe of frontends) {
        const revNat = revNats.get(fe);
        if (revNat === undefined) errors.push({ service: t.parsed!.name, message: `no free reverse NAT index for ${fe.id.address}:${fe.id.port}` });
        else programmed.push(encodeFrontend(fe, revNat, idsOf.get(fe)!));
      }
      records.set(t.key, { svc: t.svc, claims: t.claims, frontends: programmed, errors });
    }
    // Only programmed frontends reference backends (one without a rev-NAT index writes nothing).
    const referenced = new Map<number, ParsedBackend>();
    for (const r of records.values()) for (const fe of r.frontends) for (let i = 0; i < fe.ids.length; i++) referenced.set(fe.ids[i]!, fe.backends[i]!);
    return { records, referenced };
  }

  /** Known IDs for known backends; new ones get the lowest ID the maps do not hold or mention. Per frontend, in slot order. */
  private assignBackendIds(frontends: readonly ParsedFrontend[]): Map<ParsedFrontend, number[]> {
    const ids = new Map<string, number>();
    const out = new Map<ParsedFrontend, number[]>();
    const alloc = new IdAllocator(this.usedBackendIds, MAX_BACKEND_ID);
    for (const f of frontends) {
      const mine: number[] = [];
      for (const b of f.backends) {
        let id = ids.get(b.key) ?? this.backendIdOf.get(b.key);
        if (id === undefined) {
          id = alloc.allocate();
          if (id === undefined) throw new Error('backend ID space exhausted'); // 2^32 backends cannot fit in any map
        }
        ids.set(b.key, id);
        mine.push(id);
      }
      out.set(f, mine);
    }
    return out;
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

  private desiredEntries(outcome: Outcome): Entry[] {
    const entries: Entry[] = [];
    for (const [id, b] of outcome.referenced) entries.push(encodeBackend(b, id));
    for (const record of outcome.records.values()) {
      for (const fe of record.frontends) entries.push(...frontendEntries(fe));
    }
    return entries;
  }

  /** Reference count changes of backend IDs between the touched services' old and new frontends. */
  private refDeltas(touched: readonly Touched[], outcome: Outcome): Map<number, number> {
    const delta = new Map<number, number>();
    const bump = (records: Iterable<ServiceRecord | undefined>, by: number) => {
      for (const r of records) for (const fe of r?.frontends ?? []) for (const id of fe.ids) delta.set(id, (delta.get(id) ?? 0) + by);
    };
    bump(touched.map((t) => this.records.get(t.key)), -1);
    bump(outcome.records.values(), +1);
    return delta;
  }

  private diffTouched(touched: readonly Touched[], outcome: Outcome): RegionDiff {
    const region = new Map<string, string[]>();
    const addKey = (map: string, hex: string) => (region.get(map) ?? region.set(map, []).get(map)!).push(hex);
    for (const t of touched) {
      for (const fe of this.records.get(t.key)?.frontends ?? []) for (const e of frontendEntries(fe)) addKey(e.map, e.hex);
    }
    // A backend leaves the maps when nothing references it any more.
    for (const [id, d] of this.refDeltas(touched, outcome)) {
      if ((this.backendRefs.get(id) ?? 0) + d > 0) continue;
      const entry = encodeBackendKey(this.identityOfId.get(id), id);
      if (entry) addKey(entry.map, entry.hex);
    }
    return diffRegion(this.known, region, this.desiredEntries(outcome));
  }

  private errorsAfter(planned: ReadonlyMap<string, ServiceRecord>, touched: readonly Touched[]): TableError[] {
    const touchedKeys = new Set(touched.map((t) => t.key));
    const withErrors: [string, readonly TableError[]][] = [];
    for (const [key, r] of this.records) if (!touchedKeys.has(key) && r.errors.length > 0) withErrors.push([key, r.errors]);
    for (const [key, r] of planned) if (r.errors.length > 0) withErrors.push([key, r.errors]);
    return withErrors.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([, e]) => e);
  }

  /** Contents read from the maps follow the writes; derived views follow the records by themselves. */
  private applyDiff(diff: RegionDiff): void {
    const raw = (map: string): Map<string, Buffer> | undefined => {
      const m = this.known.get(map) ?? this.known.set(map, new Map()).get(map)!;
      return isDerived(m) ? undefined : (m as Map<string, Buffer>);
    };
    for (const [map, entries] of diff.updates) {
      const m = raw(map);
      if (m) for (const e of entries) m.set(e.hex, e.value);
    }
    for (const [map, hexes] of diff.deletes) {
      const m = raw(map);
      if (m) for (const hex of hexes) m.delete(hex);
    }
  }

  private commitDelta(touched: readonly Touched[], outcome: Outcome, diff: RegionDiff): void {
    const deltas = this.refDeltas(touched, outcome);
    for (const t of touched) {
      const old = this.records.get(t.key);
      for (const c of old?.claims ?? []) this.wanters.get(c)?.delete(t.key);
      for (const fe of old?.frontends ?? []) {
        if (this.revNatOf.get(fe.key) === fe.revNat) this.revNatOf.delete(fe.key);
        if (this.feByHex0.get(fe.hex0) === fe) this.feByHex0.delete(fe.hex0);
        if (this.feByRevNat.get(fe.revNat) === fe) this.feByRevNat.delete(fe.revNat);
      }
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
      this.backendOfId.set(id, b);
    }
    for (const r of outcome.records.values()) for (const fe of r.frontends) this.usedRevNat.add(fe.revNat);
    for (const hex of revNatDeletes(diff)) this.usedRevNat.delete(Buffer.from(hex, 'hex').readUInt16BE(0));
    this.applyDiff(diff);
  }

  /**
   * After a whole-table plan: everything derived again from the records. The maps now hold
   * exactly the records' entries, so the IDs in use are the records' IDs and the contents are
   * the records' (derived views from here on).
   */
  private commitRebuild(touched: readonly Touched[], outcome: Outcome): void {
    for (const t of touched) this.records.delete(t.key);
    for (const m of [this.wanters, this.revNatOf, this.backendIdOf, this.identityOfId, this.backendRefs, this.feByHex0, this.feByRevNat, this.backendOfId]) m.clear();
    this.usedBackendIds.clear();
    this.usedRevNat.clear();
    for (const [key, r] of outcome.records) this.remember(key, r);
    for (const r of this.records.values()) {
      for (const fe of r.frontends) {
        this.usedRevNat.add(fe.revNat);
        for (let i = 0; i < fe.ids.length; i++) {
          const id = fe.ids[i]!;
          const b = fe.backends[i]!;
          this.backendRefs.set(id, (this.backendRefs.get(id) ?? 0) + 1);
          this.backendIdOf.set(b.key, id);
          this.identityOfId.set(id, b.key);
          this.backendOfId.set(id, b);
          this.usedBackendIds.add(id);
        }
      }
    }
    this.known = derivedContents(this);
  }

  private remember(key: string, r: ServiceRecord): void {
    this.records.set(key, r);
    for (const c of r.claims) (this.wanters.get(c) ?? this.wanters.set(c, new Set()).get(c)!).add(key);
    for (const fe of r.frontends) {
      this.revNatOf.set(fe.key, fe.revNat);
      this.feByHex0.set(fe.hex0, fe);
      this.feByRevNat.set(fe.revNat, fe);
    }
  }

  private forgetBackend(id: number): void {
    this.backendRefs.delete(id);
    const key = this.identityOfId.get(id);
    if (key !== undefined && this.backendIdOf.get(key) === id) this.backendIdOf.delete(key);
    this.identityOfId.delete(id);
    this.usedBackendIds.delete(id);
    this.backendOfId.delete(id);
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
