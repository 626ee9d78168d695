import { expect, test } from 'vitest';
import { BUILTIN_RESOURCES, type ResourceDef } from '../resources.js';
import { groupVersionOfOpenApiPath, openApiV3GroupVersion, openApiV3Root, schemaNameOf } from './openapi.js';

const pool: ResourceDef = {
  group: 'cilium.io',
  version: 'v2',
  resource: 'ciliumloadbalancerippools',
  singular: 'ciliumloadbalancerippool',
  kind: 'CiliumLoadBalancerIPPool',
  listKind: 'CiliumLoadBalancerIPPoolList',
  namespaced: false,
  shortNames: [],
  categories: [],
  statusSubresource: true,
  verbs: ['get'],
  builtin: false,
  schema: {
    type: 'object',
    properties: { spec: { type: 'object', properties: { disabled: { type: 'boolean' } } } },
  },
};
const defs = [...BUILTIN_RESOURCES, pool];

interface Op {
  parameters: { name: string; in: string }[];
  requestBody: { content: Record<string, unknown> };
  'x-kubernetes-group-version-kind': unknown;
}
interface Doc {
  paths: Record<string, { patch: Op }>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

test('root lists every group-version with a hashed relative URL', () => {
  const root = openApiV3Root(defs, (gv) => `h-${gv.length}`) as { paths: Record<string, unknown> };
  expect(Object.keys(root.paths).sort()).toEqual([
    'api/v1',
    'apis/apiextensions.k8s.io/v1',
    'apis/apps/v1',
    'apis/cilium.io/v2',
    'apis/coordination.k8s.io/v1',
    'apis/discovery.k8s.io/v1',
    'apis/rbac.authorization.k8s.io/v1',
  ]);
  expect(root.paths['api/v1']).toEqual({ serverRelativeURL: '/openapi/v3/api/v1?hash=h-2' });
  expect(root.paths['apis/cilium.io/v2']).toEqual({
    serverRelativeURL: '/openapi/v3/apis/cilium.io/v2?hash=h-12',
  });
});

test('each kind has a PATCH operation with its GVK and a fieldValidation query parameter', () => {
  const doc = openApiV3GroupVersion(defs, 'v1') as Doc;
  const svc = doc.paths['/api/v1/namespaces/{namespace}/services/{name}']!.patch;
  expect(svc['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Service' });
  expect(svc.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
  expect(doc.paths['/api/v1/namespaces/{name}']!.patch['x-kubernetes-group-version-kind']).toMatchObject({
    kind: 'Namespace',
  });
  const kinds = Object.values(doc.paths).map(
    (p) => (p.patch['x-kubernetes-group-version-kind'] as { kind: string }).kind,
  );
  expect(kinds.sort()).toEqual(['ConfigMap', 'Endpoints', 'Namespace', 'Node', 'Pod', 'Secret', 'Service', 'ServiceAccount']);
});

test('strategic merge patch is not advertised (kubectl then uses its compiled-in patch metadata)', () => {
  const doc = openApiV3GroupVersion(defs, 'api/v1') as Doc;
  for (const p of Object.values(doc.paths)) {
    expect(Object.keys(p.patch.requestBody.content)).not.toContain('application/strategic-merge-patch+json');
  }
});

test('custom resources publish their schema plus apiVersion/kind/metadata; built-ins a permissive one', () => {
  const doc = openApiV3GroupVersion(defs, 'apis/cilium.io/v2') as Doc;
  expect(Object.keys(doc.paths)).toEqual(['/apis/cilium.io/v2/ciliumloadbalancerippools/{name}']);
  const schema = doc.components.schemas['io.cilium.v2.CiliumLoadBalancerIPPool']!;
  expect(schema['x-kubernetes-group-version-kind']).toEqual([
    { group: 'cilium.io', version: 'v2', kind: 'CiliumLoadBalancerIPPool' },
  ]);
  expect(Object.keys(schema.properties as object).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  const core = openApiV3GroupVersion(defs, 'v1') as Doc;
  expect(core.components.schemas['io.k8s.api.core.v1.Service']).toMatchObject({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
});

test('unknown group-version → undefined; path forms are interchangeable', () => {
  expect(openApiV3GroupVersion(defs, 'apis/nope.io/v1')).toBeUndefined();
  expect(groupVersionOfOpenApiPath('/openapi/v3/apis/cilium.io/v2')).toBe('cilium.io/v2');
  expect(groupVersionOfOpenApiPath('api/v1')).toBe('v1');
  expect(groupVersionOfOpenApiPath('discovery.k8s.io/v1')).toBe('discovery.k8s.io/v1');
  expect(schemaNameOf(defs.find((d) => d.resource === 'endpointslices')!)).toBe(
    'io.k8s.api.discovery.v1.EndpointSlice',
  );
});
