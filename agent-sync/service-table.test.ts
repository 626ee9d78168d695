import { describe, expect, test } from 'vitest';
import type { ClusterService } from '../clustermesh/service.js';
import type { K8sEndpointSlice, K8sService } from './local-service.js';
import { mergeAll } from './merge.js';
import { clusterService, localSlices, readyEndpoint, rebelBase, slice } from './scenario.fixture.js';
import { ServiceTable } from './service-table.js';

const globalLocal = { 'service.cilium.io/global': 'true', 'service.cilium.io/affinity': 'local' };

function c1Table(): ServiceTable {
  const table = new ServiceTable({ localClusterId: 1 });
  table.upsertService(rebelBase(globalLocal));
  for (const s of localSlices('c1')) table.upsertEndpointSlice(s);
  table.upsertRemoteService(clusterService('c2'));
  table.upsertRemoteService(clusterService('c3'));
  return table;
}

const inUse = (table: ServiceTable) =>
  (table.get('default', 'rebel-base')?.backends ?? [])
    .filter((b) => b.inUse)
    .map((b) => `${b.clusterID}:${b.address}`);

describe('ServiceTable', () => {
  test('scaling the local backends to zero moves traffic to the remote one, and back', () => {
    const table = c1Table();
    expect(inUse(table)).toEqual(['1:10.1.0.10', '1:10.1.0.11']);
    const changes = table.upsertEndpointSlice(slice('rebel-base-c1', []));
    expect(changes.map((c) => c.key)).toEqual(['default/rebel-base']);
    expect(inUse(table)).toEqual(['2:10.2.0.10']);
    table.upsertEndpointSlice(slice('rebel-base-c1', [readyEndpoint('10.1.0.12')]));
    expect(inUse(table)).toEqual(['1:10.1.0.12']);
  });

  test('a remote entry turning unshared removes its backends', () => {
    const table = c1Table();
    table.upsertRemoteService(clusterService('c2', { shared: false }));
    expect(table.get('default', 'rebel-base')?.backends.map((b) => b.address)).toEqual([
      '10.1.0.10',
      '10.1.0.11',
    ]);
  });

  test('an update that changes nothing reports no change', () => {
    const table = c1Table();
    expect(table.upsertRemoteService(clusterService('c2'))).toEqual([]);
    expect(table.upsertService(rebelBase(globalLocal))).toEqual([]);
  });

  test('remote entries for services that do not exist locally wait for them', () => {
    const table = new ServiceTable({ localClusterId: 3 });
    expect(table.upsertRemoteService(clusterService('c2'))).toEqual([]);
    expect(table.list()).toEqual([]);
    const [change] = table.upsertService(rebelBase());
    expect(change?.before).toBeUndefined();
    expect(change?.after?.backends.map((b) => b.address)).toEqual(['10.2.0.10']);
  });

  test('dropping a cluster removes exactly its backends and reports each affected service once', () => {
    const table = c1Table();
    table.upsertService({
      ...rebelBase(globalLocal, '10.96.0.60'),
      metadata: { namespace: 'default', name: 'x-wing', annotations: globalLocal },
    });
    table.upsertRemoteService(clusterService('c2', { name: 'x-wing' }));
    table.upsertRemoteService(clusterService('c2', { name: 'not-here' }));
    expect(table.remoteServiceCount('c2')).toBe(3);
    const changes = table.dropCluster('c2');
    expect(changes.map((c) => c.key).sort()).toEqual(['default/rebel-base', 'default/x-wing']);
    expect(table.get('default', 'x-wing')?.backends).toEqual([]);
    expect(table.get('default', 'rebel-base')?.backends.map((b) => b.clusterID)).toEqual([1, 1]);
    expect(table.remoteServiceCount('c2')).toBe(0);
    expect(table.remoteServiceCount('c3')).toBe(1);
  });

  test('a slice relabelled to another service leaves the first one', () => {
    const table = c1Table();
    table.upsertService({
      ...rebelBase({}, '10.96.0.70'),
      metadata: { namespace: 'default', name: 'other' },
    });
    const moved: K8sEndpointSlice = { ...slice('rebel-base-c1', [readyEndpoint('10.1.0.10')], 'other') };
    const changes = table.upsertEndpointSlice(moved);
    expect(changes.map((c) => c.key).sort()).toEqual(['default/other', 'default/rebel-base']);
    expect(inUse(table)).toEqual(['2:10.2.0.10']);
    expect(table.get('default', 'other')?.backends.map((b) => b.address)).toEqual(['10.1.0.10']);
  });

  test('deleting the service removes it from the table', () => {
    const table = c1Table();
    const [change] = table.deleteService('default', 'rebel-base');
    expect(change?.after).toBeUndefined();
    expect(change?.before?.name).toBe('rebel-base');
    expect(table.list()).toEqual([]);
  });

  test('warnings follow the current inputs', () => {
    const table = new ServiceTable({ localClusterId: 1 });
    table.upsertService(
      rebelBase({ 'service.cilium.io/global': 'true', 'service.cilium.io/affinity': 'odd' }),
    );
    expect(table.warnings()).toHaveLength(1);
    table.upsertService(rebelBase(globalLocal));
    expect(table.warnings()).toEqual([]);
  });
});

/** Small deterministic PRNG so a failing sequence can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('incremental updates give the same table as a full merge', () => {
  test.each([1, 2, 3, 42, 1234])('random operation sequence, seed %i', (seed) => {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const names = ['a', 'b', 'c', 'd'];
    const clusters = ['c2', 'c3'] as const;
    const affinities = ['none', 'local', 'remote', 'bogus'];
    const ip = (net: number) => `10.${net}.0.${1 + Math.floor(rnd() * 4)}`;

    const services = new Map<string, K8sService>();
    const slices = new Map<string, K8sEndpointSlice>();
    const remotes = new Map<string, Map<string, ClusterService>>(clusters.map((c) => [c, new Map()]));
    const table = new ServiceTable({ localClusterId: 1 });

    for (let i = 0; i < 400; i++) {
      const name = pick(names);
      const op = Math.floor(rnd() * 7);
      if (op === 0) {
        const annotations: Record<string, string> =
          rnd() < 0.7
            ? { 'service.cilium.io/global': 'true', 'service.cilium.io/affinity': pick(affinities) }
            : {};
        const svc = {
          ...rebelBase(annotations, `10.96.0.${names.indexOf(name) + 1}`),
          metadata: { namespace: 'default', name, annotations },
        };
        services.set(name, svc);
        table.upsertService(svc);
      } else if (op === 1) {
        services.delete(name);
        table.deleteService('default', name);
      } else if (op === 2 || op === 3) {
        const sliceName = `${name}-${Math.floor(rnd() * 2)}`;
        const owner = rnd() < 0.8 ? name : pick(names);
        const eps = Array.from({ length: Math.floor(rnd() * 3) }, () => ({
          addresses: [ip(1)],
          conditions: { ready: rnd() < 0.7, serving: rnd() < 0.8, terminating: rnd() < 0.3 },
        }));
        const s = slice(sliceName, eps, owner);
        slices.set(sliceName, s);
        table.upsertEndpointSlice(s);
      } else if (op === 4) {
        const sliceName = `${name}-${Math.floor(rnd() * 2)}`;
        slices.delete(sliceName);
        table.deleteEndpointSlice('default', sliceName);
      } else if (op === 5) {
        const cluster = pick(clusters);
        const backends = Object.fromEntries(
          Array.from({ length: Math.floor(rnd() * 3) }, () => [
            ip(cluster === 'c2' ? 2 : 3),
            { http: { protocol: 'TCP' as const, port: 8080 } },
          ]),
        );
        const entry = clusterService(cluster, { name, backends, shared: rnd() < 0.8 });
        remotes.get(cluster)!.set(name, entry);
        table.upsertRemoteService(entry);
      } else if (rnd() < 0.8) {
        const cluster = pick(clusters);
        remotes.get(cluster)!.delete(name);
        table.deleteRemoteService(cluster, 'default', name);
      } else {
        const cluster = pick(clusters);
        remotes.get(cluster)!.clear();
        table.dropCluster(cluster);
      }

      const full = mergeAll(
        {
          services: [...services.values()],
          endpointSlices: [...slices.values()],
          remoteServices: new Map([...remotes].map(([c, m]) => [c, [...m.values()]])),
        },
        { localClusterId: 1 },
      );
      expect(JSON.stringify(table.list()), `after operation ${i}`).toBe(JSON.stringify(full.services));
      expect(table.warnings()).toEqual(full.warnings);
    }
  });
});
