/**
 * Pure: the etcd entries every unit currently wants, and the writes that bring a written
 * state to them. Two units may produce the same key (two CiliumEndpoints claiming one IP);
 * the key stays as long as one of them still produces it, with the value of the last writer.
 */
import type { TxnOp } from '../kvstore/types.js';
import type { Unit } from './units.js';

export class DesiredState {
  private readonly byUnit = new Map<Unit, Map<string, string>>();
  private readonly owners = new Map<string, Set<Unit>>();
  private readonly values = new Map<string, string>();

  get entries(): ReadonlyMap<string, string> {
    return this.values;
  }

  /** Units that currently produce at least one entry. */
  units(): Unit[] {
    return [...this.byUnit.keys()];
  }

  /** Replaces a unit's entries; returns the keys whose desired value may have changed. */
  set(unit: Unit, entries: readonly (readonly [string, string])[]): string[] {
    const before = this.byUnit.get(unit);
    const after = new Map(entries);
    const touched: string[] = [];
    for (const key of before?.keys() ?? []) {
      if (after.has(key)) continue;
      touched.push(key);
      const owners = this.owners.get(key)!;
      owners.delete(unit);
      if (owners.size === 0) {
        this.owners.delete(key);
        this.values.delete(key);
      } else {
        this.values.set(key, this.byUnit.get([...owners][owners.size - 1]!)!.get(key)!);
      }
    }
    for (const [key, value] of after) {
      if (before?.get(key) === value) continue;
      touched.push(key);
      const owners = this.owners.get(key) ?? new Set<Unit>();
      owners.add(unit);
      this.owners.set(key, owners);
      this.values.set(key, value);
    }
    if (after.size === 0) this.byUnit.delete(unit);
    else this.byUnit.set(unit, after);
    return touched;
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
