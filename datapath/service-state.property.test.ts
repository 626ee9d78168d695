/**
 * Property test for incremental planning: random sequences of table changes, each planned
 * incrementally from the changed keys a table store publishes and applied to the memory
 * backend. After every step the maps must be byte for byte what a whole-table plan over the
 * same previous contents produces (same IDs), say what a from-scratch plan says (IDs aside) and
 * what the table says, and no single intermediate write may leave a dangling reference.
 * Services here share backends and compete for frontends, so reference counts, frontend
 * hand-over and ID reuse are all exercised.
 */
import { describe, expect, test } from 'vitest';
import { applySteps, openMaps } from './apply.js';
import { lbMapSpecs } from './lb-maps.js';
import type { MapContents } from './maps.js';
import { createMemoryBackend, type MemoryBackend } from './memory-backend.js';
import { seededRng, type Rng } from './rng.js';
import { danglingReferences } from './service-invariants.js';
import { planServices } from './service-reconciler.js';
import { ServiceState, type StatePlan } from './service-state.js';
import type { TableBackend, TableFrontend, TableService } from './service-table.js';
import { describeMaps, describeTable } from './service-test-helpers.js';
import { createTableStore } from './table-store.js';

const vips = ['10.96.0.1', '10.96.0.2', '10.96.0.3', 'fd00::1', 'fd00::2'];
const addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', 'fd10::1', 'fd10::2', 'not-an-ip'];
const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

function frontend(r: Rng): TableFrontend {
  return { address: r.pick(vips), port: r.pick([80, 443]), protocol: r.pick(['TCP', 'UDP']), type: r.pick(['ClusterIP', 'LoadBalancer', 'NodePort']) };
}

function backend(r: Rng): TableBackend {
  return { address: r.pick(addrs), port: 8080, protocol: r.pick(['TCP', 'UDP']), clusterID: r.int(1, 2), inUse: r.chance(0.75) };
}

function service(r: Rng, name: string): TableService {
  return {
    namespace: r.pick(['default', 'prod']),
    name,
    frontends: Array.from({ length: r.int(1, 2) }, () => frontend(r)),
    backends: Array.from({ length: r.int(0, 5) }, () => backend(r)),
  };
}

/** Small edits: a service changes, appears or goes; the rest keep their (identical) entries. */
function edit(r: Rng, prev: readonly TableService[]): TableService[] {
  const next = prev.flatMap((svc): TableService[] => {
    if (r.chance(0.08)) return [];
    if (!r.chance(0.25)) return [svc];
    const backends = svc.backends.filter(() => r.chance(0.75)).map((b) => (r.chance(0.2) ? { ...b, inUse: !b.inUse } : b));
    if (r.chance(0.5)) backends.push(backend(r));
    return [{ ...svc, frontends: r.chance(0.2) ? [frontend(r)] : svc.frontends, backends }];
  });
  const taken = new Set(next.map((s) => `${s.namespace}/${s.name}`));
  if (r.chance(0.4)) {
    const fresh = service(r, r.pick(names));
    if (!taken.has(`${fresh.namespace}/${fresh.name}`)) next.push(fresh);
  }
  return next;
}

async function memoryMaps(): Promise<{ backend: MemoryBackend; dangling: string[]; apply(plan: StatePlan): Promise<void> }> {
  const dangling: string[] = [];
  const backend: MemoryBackend = createMemoryBackend({ onWrite: (e) => dangling.push(...danglingReferences(backend.snapshot()).map((p) => `${e.op} ${e.map}: ${p}`)) });
  const opened = await openMaps(backend, lbMapSpecs);
  if (!opened.ok) throw new Error(opened.error.message);
  return {
    backend,
    dangling,
    async apply(plan) {
      const applied = await applySteps(opened.value, plan.steps);
      if (!applied.ok) throw new Error(applied.error.error.message);
      plan.commit();
    },
  };
}

/** The oracle does not parse addresses: leave out the backends the planner rejects. */
const withoutBadBackends = (table: readonly TableService[]): TableService[] =>
  table.map((s) => ({ ...s, backends: s.backends.filter((b) => b.address !== 'not-an-ip') }));

const clone = (c: MapContents): MapContents => new Map([...c].map(([name, m]) => [name, new Map(m)]));

describe('incremental planning equals whole-table planning', () => {
  test.each([1, 7, 42, 20261125])('seed %i: 150 random edits', async (seed) => {
    const r = seededRng(seed);
    const maps = await memoryMaps();
    const state = ServiceState.fromContents(maps.backend.snapshot());
    await maps.apply(state.planFull([]));
    const store = createTableStore();
    let changed: readonly string[] = [];
    store.onChange((keys) => (changed = keys));
    let table: TableService[] = [];
    for (let step = 0; step < 150; step++) {
      const where = `seed ${seed} step ${step}`;
      table = edit(r, table);
      changed = [];
      store.set(table);
      const before = clone(maps.backend.snapshot());
      const whole = planServices(table, before);
      // Now and then the periodic full run over unchanged maps: it re-plans only changed services.
      const plan = r.chance(0.2) ? state.planChanged(table) : state.planKeys(table, changed);
      await maps.apply(plan);

      const after = maps.backend.snapshot();
      expect(after, where).toEqual(whole.desired);
      expect(state.contents(), where).toEqual(after);
      expect(plan.errors, where).toEqual(whole.errors);
      expect(describeMaps(after), where).toEqual(describeMaps(planServices(table, new Map()).desired));
      expect(describeMaps(after), where).toEqual(describeTable(withoutBadBackends(table)));
      expect(maps.dangling, where).toEqual([]);
      expect(state.planChanged(table).steps, where).toEqual([]);
    }
  });
});
