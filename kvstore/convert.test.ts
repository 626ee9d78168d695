import { describe, expect, test } from 'vitest';
import { chunk, prefixRangeEnd, toEvent } from './convert.js';

describe('prefixRangeEnd', () => {
  test('increments the last byte', () => {
    expect(prefixRangeEnd('cilium/state/')).toEqual(Buffer.from('cilium/state0'));
  });
  test('drops trailing 0xff bytes before incrementing', () => {
    expect(prefixRangeEnd(Buffer.from([0x61, 0xff, 0xff]))).toEqual(Buffer.from([0x62]));
  });
  test('empty and all-0xff prefixes reach the end of the keyspace', () => {
    expect(prefixRangeEnd('')).toEqual(Buffer.from([0]));
    expect(prefixRangeEnd(Buffer.from([0xff]))).toEqual(Buffer.from([0]));
  });
});

test('chunk splits into pieces of at most size and refuses a bad size', () => {
  expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  expect(chunk([], 3)).toEqual([]);
  expect(() => chunk([1], 0)).toThrow(/positive integer/);
});

const kv = (key: string, mod: number) => ({
  key: Buffer.from(key),
  value: Buffer.from('v'),
  create_revision: '1',
  mod_revision: String(mod),
  version: '1',
  lease: '0',
});

test('toEvent maps puts and deletes and ignores an empty prev_kv', () => {
  const put = toEvent({ type: 'Put', kv: kv('a', 5), prev_kv: { ...kv('', 0), key: Buffer.alloc(0) } });
  expect(put).toMatchObject({ type: 'put', entry: { key: 'a', modRevision: 5 }, prev: undefined });
  const del = toEvent({ type: 'Delete', kv: kv('a', 6), prev_kv: kv('a', 5) });
  expect(del).toMatchObject({ type: 'delete', key: 'a', modRevision: 6, prev: { modRevision: 5 } });
});
