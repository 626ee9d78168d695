/**
 * Pure: the etcd entries every unit currently wants, and the writes that bring a written
 * state to them. Two units may produce the same key (two CiliumEndpoints claiming one IP);
 * the key stays as long as one of them still produces it, with the value of the last writer.
 */
import type { TxnOp } from '../kvstore/types.js';
import type { Unit } from './units.js';

type Entries = readonly (readonly [string, string])[];

function valueIn(entries: Entries | undefined, key: string): string | undefined {
  if (entries === undefined) return undefined;
  for (const [k, v] of entries) if (k === key) return v;
  return undefined;
}

export class DesiredState {
  // Units have one or two entries, and a key almost always one owner: small arrays and a
  // plain unit instead of a Set keep a full sync of 100k units light on allocation.
  private readonly byUnit = new Map<Unit, Entries>();
  private readonly owners = new Map<string, Unit | Set<Unit>>();
  private readonly values = new Map<string, string>();

  get entries(): ReadonlyMap<string, string> {
    return this.values;
  }

  /** Units that currently produce at least one entry. */
  units(): Unit[] {
    return [...this.byUnit.keys()];
  }

  /** Replaces a unit's entries; returns the keys whose desired value may have changed. */
  set(unit: Unit, entries: Entries): string[] {
    const before = this.byUnit.get(unit);
    const touched: string[] = [];
    for (const [key] of before ?? []) {
      if (valueIn(entries, key) !== undefined) continue;
      touched.push(key);
      this.release(key, unit);
    }
    for (const [key, value] of entries) {
      if (valueIn(before, key) === value) continue;
      touched.push(key);
      this.claim(key, unit);
      this.values.set(key, value);
    }
    if (entries.length === 0) this.byUnit.delete(unit);
    else this.byUnit.set(unit, entries);
    return touched;
  }

  private claim(key: string, unit: Unit): void {
    const owners = this.owners.get(key);
    if (owners === undefined || owners === unit) this.owners.set(key, unit);
    else if (typeof owners === 'string') this.owners.set(key, new Set([owners, unit]));
    else owners.add(unit);
  }

  private release(key: string, unit: Unit): void {
    const owners = this.owners.get(key);
    if (owners === unit) {
      this.owners.delete(key);
      this.values.delete(key);
      return;
    }
    if (typeof owners === 'string' || owners === undefined) return;
    owners.delete(unit);
    const rest = [...owners];
    if (rest.length === 1) this.owners.set(key, rest[0]!);
    this.values.set(key, valueIn(this.byUnit.get(rest[rest.length - 1]!), key)!);
  }
}

/** Ops that make `written` hold the desired value of each key in `keys`. */
export function opsFor(keys: Iterable<string>, desired: ReadonlyMap<string, string>, written: ReadonlyMap<string, string>): TxnOp[] {
  const ops: TxnOp[] = [];
  for (const key of new Set(keys)) {
    const want = desired.get(key);
    const have = written.get(key);
    if (want === have) continue;
    ops.push(want === undefined ? { op: 'delete', key } : { op: 'put', key, value: want });
  }
  return ops;
}

/** Records applied ops in the written state. */
export function recordOps(written: Map<string, string>, ops: readonly TxnOp[]): void {
  for (const op of ops) {
    if (op.op === 'put') written.set(op.key, op.value.toString());
    else if (op.op === 'delete') written.delete(op.key);
  }
}
