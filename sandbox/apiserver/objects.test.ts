import { expect, test } from 'vitest';
import { asServed, keepServerMetadata, nextGeneration, splitStatusWrite } from './objects.js';
import { BUILTIN_RESOURCES } from './resources.js';

const svc = BUILTIN_RESOURCES.find((d) => d.resource === 'services')!;
const cm = BUILTIN_RESOURCES.find((d) => d.resource === 'configmaps')!;
const current = {
  metadata: { name: 'a', namespace: 'n', uid: 'u', creationTimestamp: 't', generation: 3 },
  spec: { x: 1 },
  status: { s: 1 },
};

test('generation moves with spec only when status is a subresource', () => {
  expect(nextGeneration(svc, current, { ...current, status: { s: 2 } })).toBe(3);
  expect(
    nextGeneration(svc, current, { ...current, metadata: { ...current.metadata, labels: { a: 'b' } } }),
  ).toBe(3);
  expect(nextGeneration(svc, current, { ...current, spec: { x: 2 } })).toBe(4);
  expect(nextGeneration(cm, current, { ...current, status: { s: 2 } })).toBe(4);
});

test('status writes are split between the main resource and /status', () => {
  const viaMain = splitStatusWrite(svc, current, { ...current, spec: { x: 2 }, status: { s: 9 } });
  expect(viaMain).toMatchObject({ spec: { x: 2 }, status: { s: 1 } });
  const viaStatus = splitStatusWrite(
    svc,
    current,
    { metadata: { name: 'a', labels: { no: 'no' }, resourceVersion: '7' }, spec: { x: 5 }, status: { s: 9 } },
    'status',
  );
  expect(viaStatus).toMatchObject({ spec: { x: 1 }, status: { s: 9 }, metadata: { resourceVersion: '7' } });
  expect((viaStatus.metadata as { labels?: object }).labels).toBeUndefined();
  expect(splitStatusWrite(cm, current, { spec: {} })).toEqual({ spec: {} });
});

test('server-owned metadata survives a client update', () => {
  const next = keepServerMetadata(svc, current, {
    metadata: { name: 'a', uid: 'forged', creationTimestamp: 'x', managedFields: [] },
    spec: { x: 2 },
  });
  expect(next.metadata).toEqual({
    name: 'a',
    namespace: 'n',
    uid: 'u',
    creationTimestamp: 't',
    generation: 4,
  });
});

test('objects are served with the requested group-version', () => {
  const crdDef = { ...svc, group: 'x.io', version: 'v2', kind: 'Thing' };
  expect(asServed(crdDef, { apiVersion: 'x.io/v1', kind: 'Thing', spec: {} })).toEqual({
    apiVersion: 'x.io/v2',
    kind: 'Thing',
    spec: {},
  });
});
