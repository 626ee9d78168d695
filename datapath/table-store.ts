/**
 * A desired-table source held in memory: `set` replaces the table and tells listeners which
 * services changed. Used where the table is not the agent's (tests, the bench, tools).
 */
import type { TableSource } from './service-datapath.js';
import type { TableService } from './service-table.js';

export interface TableStore extends TableSource {
  set(table: readonly TableService[]): void;
}

const keyOf = (s: TableService): string => `${s.namespace}/${s.name}`;

export function createTableStore(initial: readonly TableService[] = []): TableStore {
  let table = initial;
  const listeners = new Set<(keys: readonly string[]) => void>();
  return {
    current: () => table,
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    set(next) {
      const before = new Map(table.map((s) => [keyOf(s), JSON.stringify(s)]));
      const changed = new Set<string>();
      for (const s of next) if (before.get(keyOf(s)) !== JSON.stringify(s)) changed.add(keyOf(s));
      const after = new Set(next.map(keyOf));
      for (const k of before.keys()) if (!after.has(k)) changed.add(k);
      table = next;
      if (changed.size > 0) for (const l of listeners) l([...changed]);
    },
  };
}
