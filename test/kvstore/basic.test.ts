import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient, TxnOp } from '../../kvstore/types.js';
import { withEtcd } from '../helpers/etcd.js';

const fixture = withEtcd();
let kv: KvClient;
beforeAll(() => {
  kv = connectKv({ endpoints: fixture.endpoints });
});
afterAll(async () => {
  await kv?.close();
});

function value<T>(r: { ok: true; value: T } | { ok: false; error: { kind: string; message: string } }): T {
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

describe('kv basics against a real etcd', () => {
  test('put, get, delete', async () => {
    const put = value(await kv.put('basic/a', 'one'));
    const got = value(await kv.get('basic/a'));
    expect(got?.value.toString()).toBe('one');
    expect(got?.modRevision).toBe(put.revision);
    expect(got?.createRevision).toBe(put.revision);
    expect(got?.version).toBe(1);
    expect(got?.lease).toBe('0');
    expect(value(await kv.delete('basic/a')).deleted).toBe(1);
    expect(value(await kv.get('basic/a'))).toBeUndefined();
    expect(value(await kv.delete('basic/a')).deleted).toBe(0);
  });

  test('list pages with limit and startKey, at a fixed revision, and count', async () => {
    for (const k of ['c', 'a', 'b', 'd']) value(await kv.put(`list/${k}`, k));
    value(await kv.put('lisz', 'outside the prefix'));
    const first = value(await kv.list('list/', { limit: 2 }));
    expect(first.entries.map((e) => e.key)).toEqual(['list/a', 'list/b']);
    expect(first.more).toBe(true);
    const second = value(await kv.list('list/', { limit: 2, startKey: 'list/b\0' }));
    expect(second.entries.map((e) => e.key)).toEqual(['list/c', 'list/d']);
    expect(second.more).toBe(false);

    const before = first.revision;
    value(await kv.put('list/e', 'e'));
    const old = value(await kv.list('list/', { revision: before }));
    expect(old.revision).toBe(before);
    expect(old.entries.map((e) => e.key)).toEqual(['list/a', 'list/b', 'list/c', 'list/d']);
    const c = value(await kv.count('list/'));
    expect(c.count).toBe(5);
    expect(c.revision).toBeGreaterThan(before);
  });

  test('txn with a modRevision precondition: a stale writer gets a conflict and the current entry', async () => {
    const created = value(await kv.txn([{ key: 'txn/k', modRevision: 0 }], [{ op: 'put', key: 'txn/k', value: 'v1' }]));
    expect(created.succeeded).toBe(true);
    const again = value(await kv.txn([{ key: 'txn/k', modRevision: 0 }], [{ op: 'put', key: 'txn/k', value: 'v1b' }]));
    expect(again.succeeded).toBe(false);
    expect(again.current.get('txn/k')?.value.toString()).toBe('v1');

    const updated = value(await kv.txn([{ key: 'txn/k', modRevision: created.revision }], [{ op: 'put', key: 'txn/k', value: 'v2' }]));
    expect(updated.succeeded).toBe(true);
    const stale = value(await kv.txn([{ key: 'txn/k', modRevision: created.revision }], [{ op: 'put', key: 'txn/k', value: 'v3' }]));
    expect(stale.succeeded).toBe(false);
    expect(stale.current.get('txn/k')?.modRevision).toBe(updated.revision);
    expect(value(await kv.get('txn/k'))?.value.toString()).toBe('v2');

    const absent = value(await kv.txn([{ key: 'txn/none', exists: true }], []));
    expect(absent.succeeded).toBe(false);
    expect(absent.current.has('txn/none')).toBe(true);
    expect(absent.current.get('txn/none')).toBeUndefined();
  });

  test('deletePrefix removes only the prefix', async () => {
    value(await kv.put('dp/x/1', '1'));
    value(await kv.put('dp/x/2', '2'));
    value(await kv.put('dp/y', 'y'));
    value(await kv.txn([], [{ op: 'deletePrefix', prefix: 'dp/x/' }]));
    expect(value(await kv.list('dp/')).entries.map((e) => e.key)).toEqual(['dp/y']);
  });

  test('applyBatched writes 10k keys and returns the last revision', async () => {
    const ops: TxnOp[] = Array.from({ length: 10_000 }, (_, i) => ({ op: 'put', key: `bulk/${String(i).padStart(5, '0')}`, value: 'x'.repeat(100) }));
    const r = value(await kv.applyBatched(ops));
    const c = value(await kv.count('bulk/'));
    expect(c.count).toBe(10_000);
    expect(r.revision).toBe(c.revision);
  });

  test('a batch larger than etcd allows is refused as invalid', async () => {
    const ops: TxnOp[] = Array.from({ length: 200 }, (_, i) => ({ op: 'put', key: `big/${i}`, value: 'x' }));
    const r = await kv.applyBatched(ops, { batchSize: 200 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('invalid');
  });

  test('a put under a lease ID that is not a number is refused as invalid, and nothing is written', async () => {
    const r = await kv.applyBatched([{ op: 'put', key: 'badlease/k', value: 'x', lease: 'not-a-lease' }]);
    expect(r).toMatchObject({ ok: false, retry: false, error: { kind: 'invalid' } });
    expect(value(await kv.count('badlease/')).count).toBe(0);
  });

  test('compacting an already compacted revision reports compacted', async () => {
    const rev = value(await kv.put('cmp/k', '1')).revision;
    value(await kv.compact(rev));
    const r = await kv.list('cmp/', { revision: rev - 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('compacted');
  });
});
