import { describe, expect, test } from 'vitest';
import { decideEvent, diffRelist } from './sync-diff.js';
import type { KvEntry } from './types.js';

const entry = (key: string, modRevision: number): KvEntry => ({
  key,
  value: Buffer.from(key),
  createRevision: 1,
  modRevision,
  version: 1,
  lease: '0',
});

describe('diffRelist', () => {
  test('the first list delivers everything', () => {
    const d = diffRelist(new Map(), [entry('a', 2), entry('b', 3)]);
    expect(d.upserts.map((e) => e.key)).toEqual(['a', 'b']);
    expect(d.deletes).toEqual([]);
  });

  test('after a gap only changed, new and vanished keys are reported', () => {
    const delivered = new Map([
      ['same', 5],
      ['changed', 6],
      ['gone', 7],
    ]);
    const d = diffRelist(delivered, [entry('changed', 9), entry('new', 10), entry('same', 5)]);
    expect(d.upserts.map((e) => [e.key, e.modRevision])).toEqual([
      ['changed', 9],
      ['new', 10],
    ]);
    expect(d.deletes).toEqual(['gone']);
  });

  test('a key deleted and re-created in the gap is an upsert, not a delete', () => {
    const d = diffRelist(new Map([['k', 3]]), [entry('k', 8)]);
    expect(d.upserts.map((e) => e.modRevision)).toEqual([8]);
    expect(d.deletes).toEqual([]);
  });
});

describe('decideEvent', () => {
  const delivered = new Map([['k', 5]]);
  test('a newer put is news, a replayed one is not', () => {
    expect(decideEvent(delivered, { type: 'put', entry: entry('k', 6) }).emit).toBe('upsert');
    expect(decideEvent(delivered, { type: 'put', entry: entry('k', 5) }).emit).toBe('none');
    expect(decideEvent(delivered, { type: 'put', entry: entry('other', 2) }).emit).toBe('upsert');
  });
  test('a delete is news only for a key the consumer holds at an older revision', () => {
    expect(decideEvent(delivered, { type: 'delete', key: 'k', modRevision: 7 })).toEqual({ emit: 'delete', key: 'k' });
    expect(decideEvent(delivered, { type: 'delete', key: 'unknown', modRevision: 7 }).emit).toBe('none');
    expect(decideEvent(delivered, { type: 'delete', key: 'k', modRevision: 4 }).emit).toBe('none');
  });
});
