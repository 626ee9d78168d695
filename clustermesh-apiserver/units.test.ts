import { describe, expect, test } from 'vitest';
import type { ProjectionOptions } from './options.js';
import { affectedUnits, allUnits, projectUnit, SliceIndex, unitProjectable, type SourceCaches, type SourceKind } from './units.js';

const opts: ProjectionOptions = { clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, defaultGlobalNamespace: true };

const svc = (ns: string, name: string, annotations: Record<string, string> = { 'service.cilium.io/global': 'true' }) => ({
  metadata: { namespace: ns, name, annotations },
  spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});
const slice = (ns: string, name: string, service: string, ip: string) => ({
  metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

function caches(over: Partial<SourceCaches> = {}): SourceCaches {
  const index = new SliceIndex();
  for (const [k, s] of over.endpointSlices ?? []) {
    const labels = (s as { metadata: { namespace: string; labels: Record<string, string> } }).metadata;
    index.set(k, `${labels.namespace}/${labels.labels['kubernetes.io/service-name']}`);
  }
  return {
    services: new Map(), endpointSlices: new Map(), namespaces: new Map(), nodes: new Map(), identities: new Map(), endpoints: new Map(),
    slicesByService: index.byService, ...over,
  };
}

describe('affectedUnits', () => {
  test('a slice moving between services affects both', () => {
    expect(affectedUnits('EndpointSlice', slice('a', 's1', 'new', '10.0.0.1'), slice('a', 's1', 'old', '10.0.0.1'), caches()).sort()).toEqual([
      'svc:a/new',
      'svc:a/old',
    ]);
  });

  test('a namespace change affects every service and endpoint in it and nothing elsewhere', () => {
    const c = caches({
      services: new Map([['a/x', {}], ['a/y', {}], ['ab/z', {}]]),
      endpoints: new Map([['a/p', {}], ['b/q', {}]]),
    });
    expect(affectedUnits('Namespace', { metadata: { name: 'a' } }, undefined, c).sort()).toEqual(['cep:a/p', 'ns:a', 'svc:a/x', 'svc:a/y']);
  });

  test('a deleted object is found through its old version', () => {
    expect(affectedUnits('Node', undefined, { metadata: { name: 'n1' } }, caches())).toEqual(['node:n1']);
  });
});

describe('projectUnit', () => {
  test('a service unit includes the backends of its slices and disappears with the service', () => {
    const c = caches({ services: new Map([['a/echo', svc('a', 'echo')]]), endpointSlices: new Map([['a/e1', slice('a', 'e1', 'echo', '10.244.0.5')]]) });
    const p = projectUnit('svc:a/echo', c, opts);
    expect(p.entries.map(([k]) => k)).toEqual(['cilium/state/services/v1/c1/a/echo']);
    expect(JSON.parse(p.entries[0]![1]).backends).toEqual({ '10.244.0.5': { http: { Protocol: 'TCP', Port: 8080 } } });
    expect(projectUnit('svc:a/gone', c, opts).entries).toEqual([]);
  });

  test('a bad namespace annotation is reported by the namespace unit only', () => {
    const ns = { metadata: { name: 'a', annotations: { 'clustermesh.cilium.io/global': 'maybe' } } };
    const c = caches({ namespaces: new Map([['a', ns]]), services: new Map([['a/echo', svc('a', 'echo')]]) });
    expect(projectUnit('ns:a', c, opts).rejected).toMatchObject([{ kind: 'Namespace', name: 'a' }]);
    const s = projectUnit('svc:a/echo', c, opts);
    expect(s.rejected).toEqual([]);
    expect(s.entries).toHaveLength(1); // falls back to the default (global)
  });

  test('allUnits covers every cached object', () => {
    const c = caches({ services: new Map([['a/x', {}]]), nodes: new Map([['n', {}]]), namespaces: new Map([['a', {}]]) });
    expect(allUnits(c).sort()).toEqual(['node:n', 'ns:a', 'svc:a/x']);
  });
});

describe('SliceIndex', () => {
  test('follows a slice across services and forgets it on delete', () => {
    const i = new SliceIndex();
    i.set('a/s', 'a/x');
    i.set('a/s', 'a/y');
    expect([...i.byService]).toEqual([['a/y', new Set(['a/s'])]]);
    i.set('a/s', undefined);
    expect(i.byService.size).toBe(0);
  });
});

describe('unitProjectable', () => {
  const syncedOnly = (...kinds: SourceKind[]) => (k: SourceKind) => kinds.includes(k);

  test('a service waits for its slices and namespaces to have listed', () => {
    expect(unitProjectable('svc:a/x', syncedOnly('Service', 'Namespace'))).toBe(false);
    expect(unitProjectable('svc:a/x', syncedOnly('Service', 'EndpointSlice'))).toBe(false);
    expect(unitProjectable('svc:a/x', syncedOnly('Service', 'EndpointSlice', 'Namespace'))).toBe(true);
  });

  test('an endpoint waits for namespaces; identities and nodes only for themselves', () => {
    expect(unitProjectable('cep:a/p', syncedOnly('CiliumEndpoint'))).toBe(false);
    expect(unitProjectable('cep:a/p', syncedOnly('CiliumEndpoint', 'Namespace'))).toBe(true);
    expect(unitProjectable('id:70000', syncedOnly('CiliumIdentity'))).toBe(true);
    expect(unitProjectable('node:n1', syncedOnly())).toBe(false);
    expect(unitProjectable('node:n1', syncedOnly('Node'))).toBe(true);
  });

  test('an unknown unit type is never projected early', () => {
    expect(unitProjectable('what:x', () => true)).toBe(false);
  });
});
