import { afterAll, beforeAll, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient, KvError, KvEvent } from '../../kvstore/types.js';
import { withEtcd } from '../helpers/etcd.js';
import { eventRevision, must, putSequence } from '../helpers/kv.js';

// Restarts its etcd, so it has a file (and an etcd) of its own.
const fixture = withEtcd();
let kv: KvClient;
let writer: KvClient;
beforeAll(() => {
  kv = connectKv({ endpoints: fixture.endpoints, callTimeoutMs: 2000 });
  writer = connectKv({ endpoints: fixture.endpoints, callTimeoutMs: 2000 });
});
afterAll(async () => {
  await kv?.close();
  await writer?.close();
});

async function putWhenUp(key: string): Promise<number> {
  for (;;) {
    const r = await writer.put(key, 'v');
    if (r.ok) return r.value.revision;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('a watch survives an etcd restart with no lost and no duplicated events', async () => {
  const events: KvEvent[] = [];
  const errors: KvError[] = [];
  const w = kv.watch('resume/', 0, { onEvents: (evs) => events.push(...evs), onError: (e) => errors.push(e) });
  try {
    await w.ready;
    const before = await putSequence(writer, 'resume/a', 10);
    await expect.poll(() => events.length).toBe(10);
    must(await fixture.etcd.restart());
    const after: number[] = [];
    for (let i = 0; i < 10; i++) after.push(await putWhenUp(`resume/b${i}`));
    await expect.poll(() => events.length, { timeout: 15_000 }).toBe(20);
    expect(events.map(eventRevision)).toEqual([...before, ...after]);
    expect(errors).toEqual([]);
  } finally {
    await w.cancel();
  }
});
