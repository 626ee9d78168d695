/**
 * The desired table by service key, and a cheap equality for table entries, so a full
 * reconciliation over unchanged maps only re-plans the services whose entry changed.
 */
import type { TableBackend, TableFrontend, TableService } from './service-table.js';

/**
 * "namespace/name" → entry. A name listed twice is kept apart as "namespace/name\0#2" (and so
 * on), which sorts right after the first, so both are planned in table order.
 */
export function indexTable(table: readonly TableService[]): Map<string, TableService> {
  const index = new Map<string, TableService>();
  for (const svc of table) {
    const base = `${svc.namespace}/${svc.name}`;
    let key = base;
    for (let n = 2; index.has(key); n++) key = `${base}\0#${n}`;
    index.set(key, svc);
  }
  return index;
}

/**
 * Like indexTable, for the named services only ("namespace/name"; namespaces hold no "/"):
 * one pass comparing names, without building a key for every service of a large table.
 */
export function indexNamed(table: readonly TableService[], names: Iterable<string>): Map<string, TableService> {
  const wanted = new Map<string, Set<string>>();
  for (const key of names) {
    const slash = key.indexOf('/');
    if (slash < 0) continue;
    const ns = key.slice(0, slash);
    (wanted.get(ns) ?? wanted.set(ns, new Set()).get(ns)!).add(key.slice(slash + 1));
  }
  const index = new Map<string, TableService>();
  for (const svc of table) {
    if (!wanted.get(svc.namespace)?.has(svc.name)) continue;
    const base = `${svc.namespace}/${svc.name}`;
    let key = base;
    for (let n = 2; index.has(key); n++) key = `${base}\0#${n}`;
    index.set(key, svc);
  }
  return index;
}

const sameFrontend = (a: TableFrontend, b: TableFrontend): boolean =>
  a.address === b.address && a.port === b.port && a.protocol === b.protocol && a.type === b.type && a.portName === b.portName;

const sameBackend = (a: TableBackend, b: TableBackend): boolean =>
  a.address === b.address && a.port === b.port && a.protocol === b.protocol && a.clusterID === b.clusterID && a.inUse === b.inUse && a.portName === b.portName;

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]!));
}

export function sameService(a: TableService | undefined, b: TableService): boolean {
  if (a === b) return true;
  if (!a || a.namespace !== b.namespace || a.name !== b.name) return false;
  return sameList(a.frontends, b.frontends, sameFrontend) && sameList(a.backends, b.backends, sameBackend);
}
