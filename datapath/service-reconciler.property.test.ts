/**
 * Property test: random sequences of desired tables through the planner and the memory
 * backend. After each step the maps say exactly what the table says (checked against an
 * independent description), IDs of surviving backends and frontends do not change, a second
 * run plans nothing, and at no single intermediate write does any reference dangle.
 */
import { describe, expect, test } from 'vitest';
import { lb4, lb6 } from './layouts/lb.js';
import type { MapContents } from './maps.js';
import { seededRng, type Rng } from './rng.js';
import { describeMaps, describeTable, makeHarness } from './service-test-helpers.js';
import type { TableBackend, TableFrontend, TableService } from './service-table.js';

const frontendAddrs = ['10.96.0.1', '10.96.0.2', '10.96.0.3', '10.96.0.4', 'fd00::1', 'fd00::2'];
const backendAddrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', 'fd10::1', 'fd10::2', 'fd10::3'];
const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalIPs'];
const protocols = ['TCP', 'UDP'];
const names = ['s0', 's1', 's2', 's3', 's4', 's5'];

function randomFrontend(r: Rng): TableFrontend {
  return { address: r.pick(frontendAddrs), port: r.pick([80, 443]), protocol: r.pick(protocols), type: r.pick(types) };
}

function randomBackend(r: Rng): TableBackend {
  return { address: r.pick(backendAddrs), port: r.pick([8080, 9090]), protocol: r.pick(protocols), clusterID: r.int(1, 3), inUse: r.chance(0.7) };
}

function randomService(r: Rng, name: string): TableService {
  const frontends = Array.from({ length: r.int(1, 3) }, () => randomFrontend(r));
  const backends = Array.from({ length: r.int(0, 7) }, () => randomBackend(r));
  return { namespace: r.pick(['default', 'prod']), name, frontends, backends };
}

/** Mostly small edits of the previous table (so IDs have something to stay stable across). */
function nextTable(r: Rng, prev: readonly TableService[]): TableService[] {
  if (prev.length === 0 || r.chance(0.15)) {
    return names.filter(() => r.chance(0.5)).map((n) => randomService(r, n));
  }
  return prev.flatMap((svc): TableService[] => {
    if (r.chance(0.1)) return [];
    if (!r.chance(0.5)) return [svc];
    const backends = svc.backends.filter(() => r.chance(0.8)).map((b) => (r.chance(0.2) ? { ...b, inUse: !b.inUse } : b));
    while (r.chance(0.4)) backends.push(randomBackend(r));
    const frontends = r.chance(0.2) ? [...svc.frontends.slice(1), randomFrontend(r)] : svc.frontends;
    return [{ ...svc, frontends, backends }];
  }).concat(r.chance(0.2) ? [randomService(r, `n${r.int(0, 99)}`)] : []);
}

/** Backend identity → ID and frontend → reverse-NAT index, both families. */
function idsOf(contents: MapContents): Map<string, number> {
  const out = new Map<string, number>();
  for (const [family, codecs] of [[4, lb4], [6, lb6]] as const) {
    for (const [hex, raw] of contents.get(`cilium_lb${family}_backends_v3`) ?? []) {
      const id = codecs.backendKey.decode(Buffer.from(hex, 'hex'));
      const v = codecs.backendValue.decode(raw);
      if (id.ok && v.ok) out.set(`be ${v.value.address} ${v.value.port} ${v.value.proto} ${v.value.clusterId}`, id.value);
    }
    for (const [hex, raw] of contents.get(`cilium_lb${family}_services_v2`) ?? []) {
      const k = codecs.serviceKey.decode(Buffer.from(hex, 'hex'));
      const v = codecs.serviceValue.decode(raw);
      if (k.ok && v.ok && k.value.slot === 0) out.set(`fe ${k.value.address} ${k.value.port} ${k.value.proto}`, v.value.revNatIndex);
    }
  }
  return out;
}

describe('service reconciler properties', () => {
  test.each([1, 2, 3, 20240611])('seed %i: 120 random steps converge safely with stable IDs', async (seed) => {
    const r = seededRng(seed);
    const h = await makeHarness();
    let table: TableService[] = [];
    let prevIds = new Map<string, number>();
    for (let step = 0; step < 120; step++) {
      const where = `seed ${seed} step ${step}`;
      table = nextTable(r, table);
      h.log.length = 0;
      const { plan, after } = await h.reconcile(table);

      expect(plan.errors.filter((e) => !e.message.endsWith('is already used by another service')), where).toEqual([]);
      expect(after, where).toEqual(plan.desired);
      expect(describeMaps(after), where).toEqual(describeTable(table));
      expect(h.log.flatMap((l) => l.problems.map((p) => `${l.event.op} ${l.event.map}: ${p}`)), where).toEqual([]);

      const ids = idsOf(after);
      for (const [identity, id] of ids) {
        if (prevIds.has(identity)) expect(id, `${where}: ${identity}`).toBe(prevIds.get(identity));
      }
      prevIds = ids;

      h.log.length = 0;
      const again = await h.reconcile(table);
      expect(again.plan.steps, where).toEqual([]);
    }
  });

  test('the invariant check catches a naive order (slot 0 first, backends last)', async () => {
    const r = seededRng(5);
    const good = await makeHarness();
    const table = [randomService(r, 'a'), randomService(r, 'b')].map((s) => ({
      ...s,
      backends: [...s.backends, { address: '10.0.0.9', port: 8080, protocol: 'TCP', clusterID: 1, inUse: true }],
      frontends: s.frontends.map((f) => ({ ...f, protocol: 'TCP' })),
    }));
    const { plan } = await good.reconcile(table);
    const naive = await makeHarness();
    for (const step of [...plan.steps].reverse()) {
      if (step.op === 'update') await naive.maps.get(step.map)!.update([...step.entries].reverse());
    }
    expect(naive.log.flatMap((l) => l.problems).length).toBeGreaterThan(0);
    expect(good.log.flatMap((l) => l.problems)).toEqual([]);
  });
});
