import { expect, test } from 'vitest';
import { clusterDemo, DEMO_POOL_CIDR } from './objects.js';

const names = (d: ReturnType<typeof clusterDemo>): string[] => d.objects.map((o) => `${o.type.resource}/${o.body.metadata.name}`);

test('the first cluster holds the Empire, an xwing and its rebel-base; later clusters only rebel-base with affinity local in the second', () => {
  const c1 = clusterDemo({ name: 'c1', id: 1 }, 0);
  expect(names(c1)).toEqual([
    'pods/rebel-base-c1-1', 'pods/rebel-base-c1-2', 'pods/deathstar-1', 'pods/deathstar-2', 'pods/tiefighter', 'pods/xwing',
    'ciliumloadbalancerippools/empire', 'services/deathstar', 'endpointslices/deathstar-c1', 'services/rebel-base', 'endpointslices/rebel-base-c1',
  ]);
  const pool = c1.objects.find((o) => o.type.resource === 'ciliumloadbalancerippools')!;
  expect(pool.body.spec).toEqual({ blocks: [{ cidr: DEMO_POOL_CIDR }] });
  const deathstar = c1.objects.find((o) => o.body.metadata.name === 'deathstar')!;
  expect((deathstar.body.spec as { type: string }).type).toBe('LoadBalancer');

  const c2 = clusterDemo({ name: 'c2', id: 2 }, 1);
  expect(names(c2)).toEqual(['pods/rebel-base-c2-1', 'pods/rebel-base-c2-2', 'services/rebel-base', 'endpointslices/rebel-base-c2']);
  const annotations = (d: ReturnType<typeof clusterDemo>) => d.objects.find((o) => o.body.metadata.name === 'rebel-base')!.body.metadata.annotations;
  expect(annotations(c1)).toEqual({ 'service.cilium.io/global': 'true' });
  expect(annotations(c2)).toEqual({ 'service.cilium.io/global': 'true', 'service.cilium.io/affinity': 'local' });
  expect(annotations(clusterDemo({ name: 'c3', id: 3 }, 2))).toEqual({ 'service.cilium.io/global': 'true' });
});

test('EndpointSlices point at the pods with their IPs, inside the cluster’s pod range', () => {
  const c2 = clusterDemo({ name: 'c2', id: 2 }, 1);
  const slice = c2.objects.find((o) => o.type.resource === 'endpointslices')!.body as unknown as {
    metadata: { labels: Record<string, string> };
    endpoints: { addresses: string[]; targetRef: { name: string } }[];
  };
  expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'rebel-base' });
  expect(slice.endpoints.map((e) => [e.targetRef.name, e.addresses[0]])).toEqual(c2.pods.map((p) => [p.name, p.ip]));
  for (const p of c2.pods) expect(p.ip).toMatch(/^10\.2\.0\.\d+$/);
});
