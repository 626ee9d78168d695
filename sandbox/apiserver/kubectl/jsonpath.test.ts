import { expect, test } from 'vitest';
import { evaluateJsonPath, parseJsonPath } from './jsonpath.js';

const pool = {
  metadata: { name: 'p', labels: { 'app.io/tier': 'front' } },
  spec: { disabled: false, blocks: [{ cidr: '10.0.0.0/24' }, { start: '10.1.0.1', stop: '10.1.0.9' }] },
  status: {
    conditions: [
      { type: 'cilium.io/IPsAvailable', status: 'Unknown', message: '254' },
      { type: 'cilium.io/PoolConflict', status: 'False', message: '' },
    ],
  },
};
const values = (path: string): unknown[] => {
  const r = evaluateJsonPath(pool, path);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

test('fields, indexes and wildcards', () => {
  expect(values('.spec.disabled')).toEqual([false]);
  expect(values('.spec.blocks[0].cidr')).toEqual(['10.0.0.0/24']);
  expect(values('.spec.blocks[-1].stop')).toEqual(['10.1.0.9']);
  expect(values('.spec.blocks[*].cidr')).toEqual(['10.0.0.0/24']);
  expect(values('{.metadata.name}')).toEqual(['p']);
  expect(values("$.metadata['name']")).toEqual(['p']);
});

test('escaped dots in label keys', () => {
  expect(values('.metadata.labels.app\\.io/tier')).toEqual(['front']);
});

test('filters as CRD printer columns use them', () => {
  expect(values('.status.conditions[?(@.type=="cilium.io/PoolConflict")].status')).toEqual(['False']);
  expect(values(".status.conditions[?(@.type=='cilium.io/IPsAvailable')].message")).toEqual(['254']);
  expect(values('.status.conditions[?(@.type!="cilium.io/PoolConflict")].type')).toEqual([
    'cilium.io/IPsAvailable',
  ]);
  expect(values('.status.conditions[?(@.type=="Nope")].status')).toEqual([]);
});

test('missing keys yield nothing', () => {
  expect(values('.spec.serviceSelector.matchLabels')).toEqual([]);
  expect(values('.spec.blocks[5]')).toEqual([]);
  expect(evaluateJsonPath(undefined, '.a.b')).toEqual({ ok: true, value: [] });
});

test('malformed paths are errors, not crashes', () => {
  expect(parseJsonPath('.a[').ok).toBe(false);
  expect(parseJsonPath('a.b').ok).toBe(false);
  expect(parseJsonPath('.a[?(@.x ~ 1)]').ok).toBe(false);
  expect(parseJsonPath('.a[foo]').ok).toBe(false);
});
