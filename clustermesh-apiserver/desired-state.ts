/**
 * Pure: per etcd key, what the units want and what etcd holds as far as this process knows,
 * and the writes that bring the second to the first. Two units may produce the same key (two
 * CiliumEndpoints claiming one IP); the key stays as long as one of them still produces it,
 * with the value of the last writer.
 *
 * One record per key holds both sides and the owner: a full sync of 80,000 keys then costs one
 * map insertion per key instead of one in each of a desired map, an owner map and a written
 * map, and the writes for touched records are computed without looking anything up again.
 */
import type { TxnOp } from '../kvstore/types.js';
import type { Diff } from './project.js';
import type { Unit } from './units.js';

type Entries = readonly (readonly [string, string])[];

export interface KeyRecord {
  readonly key: string;
  /** The value the owning units want; undefined when no unit produces the key. */
  desired: string | undefined;
  /** The value etcd holds (as far as this process knows); undefined when absent. */
  written: string | undefined;
  /** Units have one or two entries and a key almost always one owner: a plain unit, not a Set. */
  owner: Unit | Set<Unit> | undefined;
}

function valueIn(entries: Entries | undefined, key: string): string | undefined {
  if (entries === undefined) return undefined;
  for (const [k, v] of entries) if (k === key) return v;
  return undefined;
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class KeyState {
  private readonly byUnit = new Map<Unit, Entries>();
  private readonly records = new Map<string, KeyRecord>();
  private writtenKeys = 0;

  /** Keys etcd holds under the owned prefixes, as far as this process knows. */
  get writtenSize(): number {
    return this.writtenKeys;
  }

  /** Units that currently produce at least one entry. */
  units(): Unit[] {
    return [...this.byUnit.keys()];
  }

  /** Every key some unit produces, with its desired value (for tests and checks). */
  desiredEntries(): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.records.values()) if (r.desired !== undefined) out.set(r.key, r.desired);
    return out;
  }

  /** Replaces a unit's entries; returns the records whose desired value may have changed. */
  setUnit(unit: Unit, entries: Entries): KeyRecord[] {
    const before = this.byUnit.get(unit);
    const touched: KeyRecord[] = [];
    if (before !== undefined) {
      for (const [key] of before) {
        if (valueIn(entries, key) !== undefined) continue;
        const r = this.records.get(key);
        if (r === undefined) continue;
        touched.push(r);
        this.release(r, unit);
      }
    }
    for (const [key, value] of entries) {
      if (before !== undefined && valueIn(before, key) === value) continue;
      const r = this.record(key);
      touched.push(r);
      this.claim(r, unit);
      r.desired = value;
    }
    if (entries.length === 0) this.byUnit.delete(unit);
    else this.byUnit.set(unit, entries);
    return touched;
  }

  /** Ops that make etcd hold the desired value of each record (each record once). */
  opsFor(records: Iterable<KeyRecord>): TxnOp[] {
    const ops: TxnOp[] = [];
    const seen = new Set<KeyRecord>();
    for (const r of records) {
      if (seen.has(r)) continue;
      seen.add(r);
      if (r.desired === r.written) {
        this.prune(r);
        continue;
      }
      ops.push(r.desired === undefined ? { op: 'delete', key: r.key } : { op: 'put', key: r.key, value: r.desired });
    }
    return ops;
  }

  /** Records ops etcd applied. */
  recordApplied(ops: readonly TxnOp[]): void {
    for (const op of ops) {
      if (op.op === 'put') this.setWritten(this.record(op.key), op.value.toString());
      else if (op.op === 'delete') {
        const r = this.records.get(op.key);
        if (r) this.setWritten(r, undefined);
      } else {
        for (const r of [...this.records.values()]) if (r.key.startsWith(op.prefix)) this.setWritten(r, undefined);
      }
    }
  }

  /** Replaces what etcd is known to hold with a fresh listing of the owned prefixes. */
  resetWritten(current: ReadonlyMap<string, string>): void {
    for (const r of [...this.records.values()]) this.setWritten(r, undefined);
    for (const [key, value] of current) this.setWritten(this.record(key), value);
  }

  /** Every difference between desired and written: puts and deletes, each sorted by key. */
  diff(): Diff {
    const puts: [string, string][] = [];
    const deletes: string[] = [];
    for (const r of this.records.values()) {
      if (r.desired === r.written) continue;
      if (r.desired === undefined) deletes.push(r.key);
      else puts.push([r.key, r.desired]);
    }
    puts.sort((a, b) => byKey(a[0], b[0]));
    deletes.sort(byKey);
    return { puts, deletes };
  }

  private record(key: string): KeyRecord {
    let r = this.records.get(key);
    if (r === undefined) {
      r = { key, desired: undefined, written: undefined, owner: undefined };
      this.records.set(key, r);
    }
    return r;
  }

  private setWritten(r: KeyRecord, value: string | undefined): void {
    if ((r.written === undefined) !== (value === undefined)) this.writtenKeys += value === undefined ? -1 : 1;
    r.written = value;
    this.prune(r);
  }

  /** A record nobody wants and etcd does not hold is forgotten. */
  private prune(r: KeyRecord): void {
    if (r.desired === undefined && r.written === undefined && r.owner === undefined) this.records.delete(r.key);
  }

  private claim(r: KeyRecord, unit: Unit): void {
    const owners = r.owner;
    if (owners === undefined || owners === unit) r.owner = unit;
    else if (typeof owners === 'string') r.owner = new Set([owners, unit]);
    else owners.add(unit);
  }

  private release(r: KeyRecord, unit: Unit): void {
    const owners = r.owner;
    if (owners === unit || owners === undefined) {
      r.owner = undefined;
      r.desired = undefined;
      return;
    }
    if (typeof owners === 'string') return;
    owners.delete(unit);
    const rest = [...owners];
    if (rest.length === 1) r.owner = rest[0]!;
    r.desired = valueIn(this.byUnit.get(rest[rest.length - 1]!), r.key);
  }
}
