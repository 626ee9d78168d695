import { expect, test } from 'vitest';
import { acceptedCrdStatus, crdToResourceDefs, parseCrd } from './crd.js';

const crd = {
  metadata: { name: 'pools.x.io' },
  spec: {
    group: 'x.io',
    scope: 'Cluster',
    names: { plural: 'pools', kind: 'Pool', shortNames: ['pl'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      },
      { name: 'v1beta1', served: false, storage: false },
      { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
    ],
  },
};

test('served versions become ResourceDefs with names, scope, status and columns', () => {
  const defs = crdToResourceDefs(crd);
  expect(defs.map((d) => d.version)).toEqual(['v1', 'v2']);
  expect(defs[0]).toMatchObject({
    group: 'x.io',
    resource: 'pools',
    singular: 'pool',
    kind: 'Pool',
    listKind: 'PoolList',
    namespaced: false,
    shortNames: ['pl'],
    statusSubresource: true,
    builtin: false,
    printerColumns: [{ name: 'Size' }],
  });
  expect(defs[1]).toMatchObject({ statusSubresource: false, schema: { type: 'object' } });
});

test('invalid CRDs serve nothing and say why', () => {
  expect(crdToResourceDefs({ spec: {} })).toEqual([]);
  const wrongName = parseCrd({ ...crd, metadata: { name: 'other.x.io' } });
  expect(wrongName.ok).toBe(false);
  if (!wrongName.ok) expect(wrongName.error[0]?.field).toBe('metadata.name');
  const twoStorage = parseCrd({
    ...crd,
    spec: { ...crd.spec, versions: crd.spec.versions.map((v) => ({ ...v, storage: true })) },
  });
  expect(!twoStorage.ok && twoStorage.error[0]?.field).toBe('spec.versions');
});

test('accepted status', () => {
  const s = acceptedCrdStatus(crd, '2024-01-01T00:00:00Z') as {
    conditions: { type: string; status: string }[];
    acceptedNames: object;
    storedVersions: string[];
  };
  expect(s.conditions.map((c) => `${c.type}=${c.status}`)).toEqual([
    'NamesAccepted=True',
    'Established=True',
  ]);
  expect(s.acceptedNames).toMatchObject({
    plural: 'pools',
    singular: 'pool',
    kind: 'Pool',
    listKind: 'PoolList',
  });
  expect(s.storedVersions).toEqual(['v1']);
});
