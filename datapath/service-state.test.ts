import { describe, expect, test } from 'vitest';
import { lb4 } from './layouts/lb.js';
import type { MapContents } from './maps.js';
import { ServiceState } from './service-state.js';
import type { TableBackend, TableService } from './service-table.js';
import { describeMaps } from './service-test-helpers.js';

const be = (address: string, inUse = true): TableBackend => ({ address, port: 8080, protocol: 'TCP', clusterID: 1, inUse });
const svc = (name: string, vip: string, backends: TableBackend[]): TableService => ({
  namespace: 'default',
  name,
  frontends: [{ address: vip, port: 80, protocol: 'TCP', type: 'ClusterIP' }],
  backends,
});

/** A state that has applied `table` (plans are committed without a backend: pure core only). */
function applied(table: readonly TableService[]): ServiceState {
  const state = ServiceState.fromContents(new Map());
  state.planFull(table).commit();
  return state;
}

function backendIds(contents: MapContents): number[] {
  return [...(contents.get('cilium_lb4_backends_v3') ?? new Map()).keys()].map((hex) => {
    const id = lb4.backendKey.decode(Buffer.from(hex, 'hex'));
    return id.ok ? id.value : -1;
  }).sort((a, b) => a - b);
}

describe('incremental planning', () => {
  const many = Array.from({ length: 50 }, (_, i) => svc(`s${i}`, `10.96.1.${i}`, [be(`10.1.0.${i}`), be(`10.2.0.${i}`)]));

  test('a change to one service plans that service only and writes only its entries', () => {
    const state = applied(many);
    const table = many.map((s, i) => (i === 7 ? { ...s, backends: s.backends.slice(1) } : s));
    const plan = state.planKeys(table, ['default/s7']);
    expect(plan.planned).toBe(1);
    // slot 1 now names the second backend, slot 0 count 2 → 1, slot 2 and the first backend go.
    expect(plan.steps.map((s) => `${s.op} ${s.map} ${s.op === 'update' ? s.entries.length : s.keys.length}`)).toEqual([
      'update cilium_lb4_services_v2 1',
      'update cilium_lb4_services_v2 1',
      'delete cilium_lb4_services_v2 1',
      'delete cilium_lb4_backends_v3 1',
    ]);
    plan.commit();
    expect(describeMaps(state.contents()).find((l) => l.startsWith('10.96.1.7:'))).toBe('10.96.1.7:80/TCP flags=0 count=1 -> 10.2.0.7:8080/TCP@1');
  });

  test('keys of unchanged services and of services in no table plan nothing', () => {
    const state = applied(many);
    expect(state.planKeys(many, ['default/s3', 'default/nope']).steps).toEqual([]);
    expect(state.planChanged(many)).toMatchObject({ steps: [], planned: 0 });
  });

  test('a service taking a frontend from a later one: the later one is re-planned and reports the conflict', () => {
    const state = applied([svc('b', '10.96.0.1', [be('10.0.0.2')])]);
    const table = [svc('a', '10.96.0.1', [be('10.0.0.1')]), svc('b', '10.96.0.1', [be('10.0.0.2')])];
    const plan = state.planKeys(table, ['default/a']);
    expect(plan.planned).toBe(2);
    expect(plan.errors).toEqual([{ service: 'default/b', message: 'frontend 10.96.0.1:80/TCP is already used by another service' }]);
    plan.commit();
    expect(describeMaps(state.contents())).toEqual(['10.96.0.1:80/TCP flags=0 count=1 -> 10.0.0.1:8080/TCP@1']);
    // The frontend keeps its reverse-NAT index across the hand-over.
    expect(state.contents().get('cilium_lb4_reverse_nat')?.size).toBe(1);

    const back = state.planKeys([table[1]!], ['default/a']);
    expect(back.errors).toEqual([]);
    back.commit();
    expect(describeMaps(state.contents())).toEqual(['10.96.0.1:80/TCP flags=0 count=1 -> 10.0.0.2:8080/TCP@1']);
  });

  test('a backend two services share stays until the last one lets go; its ID is reused only after that', () => {
    const shared = be('10.0.0.9');
    const state = applied([svc('a', '10.96.0.1', [shared]), svc('b', '10.96.0.2', [shared, be('10.0.0.8')])]);
    expect(backendIds(state.contents())).toEqual([1, 2]);
    let plan = state.planKeys([svc('a', '10.96.0.1', []), svc('b', '10.96.0.2', [shared, be('10.0.0.8')])], ['default/a']);
    expect(plan.steps.some((s) => s.map === 'cilium_lb4_backends_v3')).toBe(false);
    plan.commit();
    plan = state.planKeys([svc('a', '10.96.0.1', [be('10.0.0.7')]), svc('b', '10.96.0.2', [be('10.0.0.8')])], ['default/a', 'default/b']);
    plan.commit();
    // ID 1 (10.0.0.9) was deleted in the same plan that added 10.0.0.7, so 10.0.0.7 got 3.
    expect(backendIds(state.contents())).toEqual([2, 3]);
    state.planKeys([svc('a', '10.96.0.1', [be('10.0.0.7'), be('10.0.0.6')]), svc('b', '10.96.0.2', [be('10.0.0.8')])], ['default/a']).commit();
    expect(backendIds(state.contents())).toEqual([1, 2, 3]);
  });

  test('matches() tells whether the maps hold exactly what the state believes', () => {
    const state = applied(many.slice(0, 2));
    const copy = new Map([...state.contents()].map(([k, m]) => [k, new Map(m)]));
    expect(state.matches(copy)).toBe(true);
    const [hex, value] = [...copy.get('cilium_lb4_services_v2')!][0]!;
    copy.get('cilium_lb4_services_v2')!.set(hex, Buffer.from(value).fill(0xff, 4, 6));
    expect(state.matches(copy)).toBe(false);
    copy.get('cilium_lb4_services_v2')!.delete(hex);
    expect(state.matches(copy)).toBe(false);
  });
});
