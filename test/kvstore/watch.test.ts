import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient, KvError, KvEvent } from '../../kvstore/types.js';
import { withEtcd } from '../helpers/etcd.js';
import { eventKey, eventRevision, must, putSequence } from '../helpers/kv.js';

const fixture = withEtcd();
let kv: KvClient;
beforeAll(() => {
  kv = connectKv({ endpoints: fixture.endpoints });
});
afterAll(async () => {
  await kv?.close();
});

describe('watch', () => {
  test('delivers every change under the prefix in revision order, batched per response', async () => {
    const start = must(await kv.put('other/x', 'not watched')).revision;
    const events: KvEvent[] = [];
    const batches: number[] = [];
    const w = kv.watch('w1/', start + 1, {
      onEvents: (evs, rev) => {
        events.push(...evs);
        batches.push(rev);
      },
      onError: (e) => {
        throw new Error(`unexpected watch error ${e.kind}`);
      },
    });
    try {
      await w.ready;
      const revs = await putSequence(kv, 'w1/', 20);
      must(await kv.txn([], [{ op: 'deletePrefix', prefix: 'w1/000' }]));
      await expect.poll(() => events.length).toBe(30);
      expect(events.slice(0, 20).map(eventRevision)).toEqual(revs);
      expect(events.slice(20).every((e) => e.type === 'delete')).toBe(true);
      expect(events.slice(20).map(eventKey)).toEqual(Array.from({ length: 10 }, (_, i) => `w1/000${i}`));
      // The ten deletes share one revision and arrive in one response.
      expect(new Set(events.slice(20).map(eventRevision)).size).toBe(1);
      expect(batches.at(-1)).toBe(eventRevision(events[29] as KvEvent));
      const put0 = events[0];
      expect(put0?.type === 'put' && put0.entry.value.toString()).toBe('v0');
    } finally {
      await w.cancel();
    }
  });

  test('a watch from an old revision replays history', async () => {
    const revs = await putSequence(kv, 'w2/', 5);
    const seen: number[] = [];
    const w = kv.watch('w2/', revs[0] as number, { onEvents: (evs) => seen.push(...evs.map(eventRevision)), onError: () => {} });
    try {
      await expect.poll(() => seen).toEqual(revs);
    } finally {
      await w.cancel();
    }
  });

  test('a throwing handler is logged and the watch keeps going', async () => {
    const seen: string[] = [];
    const w = kv.watch('w3/', 0, {
      onEvents: (evs) => {
        seen.push(...evs.map(eventKey));
        throw new Error('handler bug');
      },
      onError: () => {},
    });
    try {
      await w.ready;
      await putSequence(kv, 'w3/', 3);
      await expect.poll(() => seen).toEqual(['w3/0000', 'w3/0001', 'w3/0002']);
    } finally {
      await w.cancel();
    }
  });

  test('watching from a compacted revision ends with a compacted error carrying the compact revision', async () => {
    const revs = await putSequence(kv, 'w4/', 3);
    const compactAt = revs[2] as number;
    must(await kv.compact(compactAt));
    const errors: KvError[] = [];
    const events: KvEvent[] = [];
    const w = kv.watch('w4/', revs[0] as number, { onEvents: (evs) => events.push(...evs), onError: (e) => errors.push(e) });
    try {
      await expect.poll(() => errors.length).toBe(1);
      expect(errors[0]).toMatchObject({ kind: 'compacted', compactRevision: compactAt });
      expect(events).toEqual([]);
      // The watch has ended: later writes are not delivered.
      await putSequence(kv, 'w4/', 1, 10);
      await new Promise((r) => setTimeout(r, 200));
      expect(events).toEqual([]);
    } finally {
      await w.cancel();
    }
  });

  test('cancel stops delivery', async () => {
    const seen: KvEvent[] = [];
    const w = kv.watch('w5/', 0, { onEvents: (evs) => seen.push(...evs), onError: () => {} });
    await w.ready;
    await w.cancel();
    await putSequence(kv, 'w5/', 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
  });
});
