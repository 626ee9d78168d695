import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCES, type ResourceDef } from '../resources.js';
import {
  aggregatedDiscovery,
  apiResourceList,
  legacyApiGroupList,
  legacyApiVersions,
  negotiateDiscovery,
  versionInfo,
} from './discovery.js';

const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,' +
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

const pool: ResourceDef = {
  group: 'cilium.io',
  version: 'v2',
  resource: 'ciliumloadbalancerippools',
  singular: 'ciliumloadbalancerippool',
  kind: 'CiliumLoadBalancerIPPool',
  listKind: 'CiliumLoadBalancerIPPoolList',
  namespaced: false,
  shortNames: ['ippools', 'ippool'],
  categories: ['cilium'],
  statusSubresource: true,
  verbs: ['get', 'list', 'watch'],
  builtin: false,
};
const defs = [...BUILTIN_RESOURCES, pool];

describe('negotiateDiscovery', () => {
  test('kubectl 1.32 Accept gets aggregated v2 under its exact content type', () => {
    expect(negotiateDiscovery(KUBECTL_ACCEPT)).toEqual({
      contentType: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      version: 'v2',
    });
  });
  test('v2beta1 only', () => {
    expect(
      negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList'),
    ).toEqual({
      contentType: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
      version: 'v2beta1',
    });
  });
  test('protobuf aggregated is skipped in favour of the JSON one', () => {
    const accept =
      'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,' +
      KUBECTL_ACCEPT;
    expect(negotiateDiscovery(accept)?.version).toBe('v2');
  });
  test('plain JSON, none, or plain JSON preferred by q → legacy', () => {
    expect(negotiateDiscovery('application/json')).toBeUndefined();
    expect(negotiateDiscovery(undefined)).toBeUndefined();
    expect(negotiateDiscovery('*/*')).toBeUndefined();
    expect(
      negotiateDiscovery(
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json',
      ),
    ).toBeUndefined();
  });
});

describe('aggregatedDiscovery', () => {
  test('/api holds only the core group, named ""', () => {
    const doc = aggregatedDiscovery(defs, 'core', 'v2') as { items: { metadata: { name: string } }[] };
    expect(doc).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    expect(doc.items.map((i) => i.metadata.name)).toEqual(['']);
  });
  test('a resource carries everything kubectl needs, status subresource included', () => {
    const doc = aggregatedDiscovery(defs, 'core', 'v2') as {
      items: { versions: { version: string; freshness: string; resources: { resource: string }[] }[] }[];
    };
    const v1 = doc.items[0]!.versions[0]!;
    expect(v1.version).toBe('v1');
    expect(v1.freshness).toBe('Current');
    expect(v1.resources.find((r) => r.resource === 'services')).toEqual({
      resource: 'services',
      responseKind: { group: '', version: 'v1', kind: 'Service' },
      scope: 'Namespaced',
      singularResource: 'service',
      shortNames: ['svc'],
      categories: ['all'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: [
        {
          subresource: 'status',
          responseKind: { group: '', version: 'v1', kind: 'Service' },
          verbs: ['get', 'patch', 'update'],
        },
      ],
    });
    expect(v1.resources.find((r) => r.resource === 'configmaps')).toMatchObject({ subresources: [] });
  });
  test('/apis lists each non-core group once, cluster scope for cluster resources', () => {
    const doc = aggregatedDiscovery(defs, 'apis', 'v2beta1') as {
      apiVersion: string;
      items: {
        metadata: { name: string };
        versions: { resources: { resource: string; scope: string }[] }[];
      }[];
    };
    expect(doc.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect(doc.items.map((i) => i.metadata.name)).toEqual([
      'discovery.k8s.io',
      'coordination.k8s.io',
      'apps',
      'rbac.authorization.k8s.io',
      'apiextensions.k8s.io',
      'cilium.io',
    ]);
    const cilium = doc.items[5]!.versions[0]!.resources[0]!;
    expect(cilium).toMatchObject({ resource: 'ciliumloadbalancerippools', scope: 'Cluster' });
  });
});

describe('legacy discovery', () => {
  test('APIVersions and APIGroupList', () => {
    expect(legacyApiVersions()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const list = legacyApiGroupList(defs) as { groups: unknown[] };
    expect(list).toMatchObject({ kind: 'APIGroupList', apiVersion: 'v1' });
    expect(list.groups).toContainEqual({
      name: 'cilium.io',
      versions: [{ groupVersion: 'cilium.io/v2', version: 'v2' }],
      preferredVersion: { groupVersion: 'cilium.io/v2', version: 'v2' },
    });
    expect(list.groups).toHaveLength(6);
  });
  test('APIResourceList has name, status entries and omits empty shortNames', () => {
    const list = apiResourceList(defs, 'v1') as { resources: { name: string }[] };
    expect(list).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    const names = list.resources.map((r) => r.name);
    expect(names).toContain('services');
    expect(names).toContain('services/status');
    expect(names).not.toContain('configmaps/status');
    expect(list.resources.find((r) => r.name === 'secrets')).toEqual({
      name: 'secrets',
      singularName: 'secret',
      namespaced: true,
      kind: 'Secret',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    });
    expect(list.resources.find((r) => r.name === 'services/status')).toEqual({
      name: 'services/status',
      singularName: '',
      namespaced: true,
      kind: 'Service',
      verbs: ['get', 'patch', 'update'],
    });
  });
  test('unknown group-version → undefined', () => {
    expect(apiResourceList(defs, 'nope.io/v1')).toBeUndefined();
  });
});

test('versionInfo selects kubectl 1.32', () => {
  expect(versionInfo()).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.0-meshlb' });
});
