import { expect, test } from 'vitest';
import {
  allocateClusterIP,
  allocateNodePort,
  allocateService,
  applyStaticDefaults,
  inServiceCidr,
} from './defaults.js';
import { BUILTIN_RESOURCES } from './resources.js';

const def = (r: string) => BUILTIN_RESOURCES.find((d) => d.resource === r)!;
const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};
const none = { clusterIPs: new Set<string>(), nodePorts: new Set<number>() };

test('cluster IPs come from 10.96.0.0/12, skipping the first two and used ones', () => {
  expect(allocateClusterIP(new Set(), () => 0)).toBe('10.96.0.2');
  expect(allocateClusterIP(new Set(['10.96.0.2']), seq(0, 1))).toBe('10.96.0.3');
  expect(inServiceCidr('10.111.255.255')).toBe(true);
  expect(inServiceCidr('10.112.0.0')).toBe(false);
  expect(inServiceCidr('10.96.0.256')).toBe(false);
});

test('node ports wrap around the range and never repeat', () => {
  expect(allocateNodePort(new Set([32767]), () => 2767)).toBe(30000);
  const all = new Set(Array.from({ length: 2768 }, (_, i) => 30000 + i));
  expect(allocateNodePort(all, () => 0)).toBeUndefined();
});

test('static defaults', () => {
  expect(applyStaticDefaults(def('secrets'), { metadata: { name: 's' } })).toMatchObject({ type: 'Opaque' });
  const ns = applyStaticDefaults(def('namespaces'), { metadata: { name: 'n' } });
  expect(ns).toMatchObject({
    status: { phase: 'Active' },
    metadata: { labels: { 'kubernetes.io/metadata.name': 'n' } },
  });
  const svc = applyStaticDefaults(def('services'), {
    spec: {
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 80, targetPort: 'http' },
      ],
    },
  });
  expect(svc.spec).toMatchObject({
    type: 'ClusterIP',
    sessionAffinity: 'None',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [
      { port: 53, protocol: 'UDP', targetPort: 53 },
      { port: 80, protocol: 'TCP', targetPort: 'http' },
    ],
  });
});

test('allocateService: headless stays None, NodePort gets ports, old allocations survive updates', () => {
  expect(
    allocateService({ spec: { clusterIP: 'None' } }, undefined, none, () => 0).object.spec,
  ).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
  const np = allocateService({ spec: { type: 'NodePort', ports: [{ port: 80 }] } }, undefined, none, () => 5);
  expect(np.causes).toEqual([]);
  expect(np.object.spec).toMatchObject({ clusterIP: '10.96.0.7', ports: [{ port: 80, nodePort: 30005 }] });
  const again = allocateService(
    { spec: { type: 'NodePort', ports: [{ port: 80 }] } },
    np.object,
    { clusterIPs: new Set(['10.96.0.7']), nodePorts: new Set([30005]) },
    () => 9,
  );
  expect(again.causes).toEqual([]);
  expect(again.object.spec).toMatchObject({ clusterIP: '10.96.0.7', ports: [{ nodePort: 30005 }] });
  const toClusterIP = allocateService(
    { spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: 30005 }] } },
    np.object,
    none,
    () => 0,
  );
  expect((toClusterIP.object.spec as { ports: object[] }).ports[0]).not.toHaveProperty('nodePort');
});

test('allocateService refuses taken or out-of-range requests', () => {
  const used = { clusterIPs: new Set(['10.96.0.10']), nodePorts: new Set([30001]) };
  expect(
    allocateService({ spec: { clusterIP: '10.96.0.10' } }, undefined, used, () => 0).causes[0]?.message,
  ).toContain('already allocated');
  expect(allocateService({ spec: { clusterIP: '1.2.3.4' } }, undefined, used, () => 0).causes[0]?.field).toBe(
    'spec.clusterIP',
  );
  const np = allocateService(
    {
      spec: {
        type: 'LoadBalancer',
        ports: [
          { port: 1, nodePort: 30001 },
          { port: 2, nodePort: 99 },
        ],
      },
    },
    undefined,
    used,
    () => 0,
  );
  expect(np.causes.map((c) => c.field)).toEqual(['spec.ports[0].nodePort', 'spec.ports[1].nodePort']);
});
