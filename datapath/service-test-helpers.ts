/**
 * Test helpers for the service reconciler: apply a table through the memory backend while
 * checking the datapath invariants after every single write, and an independent description
 * of what the maps should say for a table (the oracle the property test compares against).
 */
import { applySteps, openMaps, readContents, type OpenMaps } from './apply.js';
import { decodeLbMaps } from './lb-decode.js';
import { lbMapSpecs } from './lb-maps.js';
import type { MapContents } from './maps.js';
import { createMemoryBackend, type MemoryBackend, type WriteEvent } from './memory-backend.js';
import { danglingReferences } from './service-invariants.js';
import { planServices, type ServicePlan } from './service-reconciler.js';
import { frontendFlags, type TableService } from './service-table.js';

export interface Harness {
  readonly backend: MemoryBackend;
  readonly maps: OpenMaps;
  /** Every write since the harness was made, with the invariant problems right after it. */
  readonly log: { event: WriteEvent; problems: string[] }[];
  /** Plans and applies one table; returns the plan and the contents afterwards. */
  reconcile(table: readonly TableService[]): Promise<{ plan: ServicePlan; after: MapContents }>;
}

export async function makeHarness(backend?: MemoryBackend): Promise<Harness> {
  const log: Harness['log'] = [];
  let mem: MemoryBackend | undefined = backend;
  // The hook must see the backend it belongs to, so it is created lazily when none is given.
  mem ??= createMemoryBackend({ onWrite: (event) => log.push({ event, problems: danglingReferences(mem!.snapshot()) }) });
  const opened = await openMaps(mem, lbMapSpecs);
  if (!opened.ok) throw new Error(opened.error.message);
  const maps = opened.value;
  return {
    backend: mem,
    maps,
    log,
    async reconcile(table) {
      const actual = await readContents(maps);
      if (!actual.ok) throw new Error(actual.error.message);
      const plan = planServices(table, actual.value);
      const applied = await applySteps(maps, plan.steps);
      if (!applied.ok) throw new Error(`step ${applied.error.step}: ${applied.error.error.message}`);
      return { plan, after: mem!.snapshot() };
    },
  };
}

const protoName: Record<number, string> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

/** One line per frontend (sorted as text): address, flags, count and backends in slot order. */
export function describeMaps(contents: MapContents): string[] {
  return decodeLbMaps(contents).frontends.map((fe) => {
    const backends = fe.slots.map((s) => (s.backend ? `${s.backend.address}:${s.backend.port}/${protoName[s.backend.proto]}@${s.backend.clusterId}` : `missing#${s.value.backendId}`));
    const head = `${fe.key.address}:${fe.key.port}/${protoName[fe.key.proto]}`;
    return `${head} flags=${fe.master?.flags ?? '?'} count=${fe.master?.count ?? '?'} -> ${backends.join(',')}`;
  }).sort();
}

/** What describeMaps should print for a table, computed straight from the rules. */
export function describeTable(table: readonly TableService[]): string[] {
  const claimed = new Set<string>();
  const lines: string[] = [];
  const sorted = [...table].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
  for (const svc of sorted) {
    for (const f of svc.frontends) {
      const id = `${f.address}:${f.port}/${f.protocol}`;
      if (claimed.has(id)) continue;
      claimed.add(id);
      const v6 = f.address.includes(':');
      const seen = new Set<string>();
      const picked = svc.backends.filter((b) => {
        const bid = `${b.address}:${b.port}/${b.protocol}@${b.clusterID}`;
        if (b.address.includes(':') !== v6 || b.protocol !== f.protocol || seen.has(bid)) return false;
        seen.add(bid);
        return true;
      });
      const ordered = [...picked.filter((b) => b.inUse), ...picked.filter((b) => !b.inUse)];
      const line = `${id} flags=${frontendFlags(f.type)} count=${picked.filter((b) => b.inUse).length} -> ${ordered
        .map((b) => `${b.address}:${b.port}/${b.protocol}@${b.clusterID}`)
        .join(',')}`;
      lines.push(line);
    }
  }
  return lines.sort();
}
