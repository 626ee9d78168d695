import { expect, test } from 'vitest';
import {
  decodeContinue,
  decodeEntry,
  encodeContinue,
  objectKey,
  randomNameSuffix,
  resourcePrefix,
} from './storage.js';
import { BUILTIN_RESOURCES } from './resources.js';

const def = (r: string) => BUILTIN_RESOURCES.find((d) => d.resource === r)!;

test('keys follow kube-apiserver layout', () => {
  expect(objectKey(def('services'), 'ns', 'web')).toBe('/registry/core/services/ns/web');
  expect(objectKey(def('nodes'), undefined, 'n1')).toBe('/registry/core/nodes/n1');
  expect(objectKey(def('leases'), 'kube-system', 'l')).toBe(
    '/registry/coordination.k8s.io/leases/kube-system/l',
  );
  expect(resourcePrefix(def('services'))).toBe('/registry/core/services/');
  expect(resourcePrefix(def('services'), 'ns')).toBe('/registry/core/services/ns/');
});

test('continue tokens round-trip and reject garbage', () => {
  const t = encodeContinue({ key: '/registry/core/services/a\0', rev: 42 });
  expect(decodeContinue(t)).toEqual({ key: '/registry/core/services/a\0', rev: 42 });
  expect(decodeContinue('garbage')).toBeUndefined();
  expect(
    decodeContinue(Buffer.from('{"v":"other","key":"k","rev":1}').toString('base64url')),
  ).toBeUndefined();
  expect(
    decodeContinue(Buffer.from('{"v":"meshlb.v1","key":"k","rev":1.5}').toString('base64url')),
  ).toBeUndefined();
});

test('decoded entries carry the mod revision as resourceVersion; bad bytes decode to undefined', () => {
  const obj = decodeEntry(def('configmaps'), Buffer.from('{"metadata":{"name":"a"}}'), 17);
  expect(obj).toEqual({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', resourceVersion: '17' },
  });
  expect(decodeEntry(def('configmaps'), Buffer.from('[1]'), 1)).toBeUndefined();
  expect(decodeEntry(def('configmaps'), Buffer.from('{'), 1)).toBeUndefined();
});

test('generated name suffixes are 5 characters from the Kubernetes alphabet', () => {
  for (let i = 0; i < 50; i++) expect(randomNameSuffix()).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});
