import { describe, expect, test } from 'vitest';
import { ResourceRegistry, parsePath, verbOf } from './routing.js';
import { BUILTIN_RESOURCES } from './resources.js';

describe('parsePath', () => {
  test('discovery paths', () => {
    expect(parsePath('/api')).toEqual({ kind: 'discovery-root', legacy: true });
    expect(parsePath('/apis')).toEqual({ kind: 'discovery-root', legacy: false });
    expect(parsePath('/apis/cilium.io')).toEqual({ kind: 'discovery-group', group: 'cilium.io' });
    expect(parsePath('/api/v1')).toEqual({ kind: 'discovery-gv', group: '', version: 'v1' });
    expect(parsePath('/apis/cilium.io/v2')).toEqual({
      kind: 'discovery-gv',
      group: 'cilium.io',
      version: 'v2',
    });
  });

  test('namespaced, cluster-wide and cluster-scoped resource paths', () => {
    expect(parsePath('/api/v1/namespaces/ns1/services/web/status')).toMatchObject({
      kind: 'resource',
      group: '',
      version: 'v1',
      resource: 'services',
      namespace: 'ns1',
      name: 'web',
      subresource: 'status',
    });
    expect(parsePath('/api/v1/services')).toMatchObject({
      resource: 'services',
      namespace: undefined,
      name: undefined,
    });
    expect(parsePath('/apis/coordination.k8s.io/v1/namespaces/x/leases')).toMatchObject({
      group: 'coordination.k8s.io',
      resource: 'leases',
      namespace: 'x',
    });
  });

  test('a namespace itself and its status are not resources inside it', () => {
    expect(parsePath('/api/v1/namespaces')).toMatchObject({ resource: 'namespaces', name: undefined });
    expect(parsePath('/api/v1/namespaces/ns1')).toMatchObject({
      resource: 'namespaces',
      name: 'ns1',
      namespace: undefined,
    });
    expect(parsePath('/api/v1/namespaces/ns1/status')).toMatchObject({
      resource: 'namespaces',
      name: 'ns1',
      subresource: 'status',
    });
  });

  test('unknown shapes', () => {
    expect(parsePath('/')).toEqual({ kind: 'unknown' });
    expect(parsePath('/api/v2/pods')).toEqual({ kind: 'unknown' });
    expect(parsePath('/api/v1/namespaces/a/pods/b/status/c')).toEqual({ kind: 'unknown' });
    expect(parsePath('/api/v1/%E0%A4%A')).toEqual({ kind: 'unknown' });
  });
});

test('verbOf', () => {
  expect(verbOf('GET', false, false)).toBe('list');
  expect(verbOf('GET', true, false)).toBe('get');
  expect(verbOf('GET', false, true)).toBe('watch');
  expect(verbOf('POST', false, false)).toBe('create');
  expect(verbOf('POST', true, false)).toBeUndefined();
  expect(verbOf('PUT', false, false)).toBeUndefined();
  expect(verbOf('DELETE', false, false)).toBe('deletecollection');
  expect(verbOf('TRACE', true, false)).toBeUndefined();
});

test('registry adds and removes CRD-backed resources', () => {
  const r = new ResourceRegistry(BUILTIN_RESOURCES);
  const def = { ...BUILTIN_RESOURCES[0]!, group: 'x.io', resource: 'things', builtin: false };
  expect(r.find('x.io', 'v1', 'things')).toBeUndefined();
  r.setCrd('things.x.io', [def]);
  expect(r.find('x.io', 'v1', 'things')).toBe(def);
  expect(r.removeCrd('things.x.io')).toEqual([def]);
  expect(r.find('x.io', 'v1', 'things')).toBeUndefined();
  expect(r.find('', 'v1', 'services')?.kind).toBe('Service');
});
