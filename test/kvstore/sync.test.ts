import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import { syncPrefix, type SyncHandler } from '../../kvstore/sync.js';
import type { KvClient, KvWatch, KvWatchHandlers } from '../../kvstore/types.js';
import { withEtcd } from '../helpers/etcd.js';
import { must } from '../helpers/kv.js';

const fixture = withEtcd();
let kv: KvClient;
beforeAll(() => {
  kv = connectKv({ endpoints: fixture.endpoints });
});
afterAll(async () => {
  await kv?.close();
});

/**
 * A consumer that fails the test on any duplicate or phantom: an upsert must be newer than what
 * it holds, a delete must be for a key it holds.
 */
function recordingConsumer() {
  const state = new Map<string, number>();
  const problems: string[] = [];
  let synced = 0;
  const handler: SyncHandler = {
    onUpsert: (e) => {
      const had = state.get(e.key);
      if (had !== undefined && had >= e.modRevision) problems.push(`duplicate upsert ${e.key}@${e.modRevision} (had ${had})`);
      state.set(e.key, e.modRevision);
    },
    onDelete: (key) => {
      if (!state.delete(key)) problems.push(`delete of unknown key ${key}`);
    },
    onSynced: () => synced++,
  };
  return { state, problems, handler, synced: () => synced };
}

async function etcdState(prefix: string): Promise<Map<string, number>> {
  const page = must(await kv.list(prefix));
  return new Map(page.entries.map((e) => [e.key, e.modRevision]));
}

/** Delegates to a real client but runs `hook` before the first watch reaches etcd. */
function delayFirstWatch(inner: KvClient, hook: () => Promise<void>): KvClient {
  let first = true;
  const wrapped: KvClient = Object.create(inner) as KvClient;
  wrapped.watch = (prefix: string, rev: number, handlers: KvWatchHandlers): KvWatch => {
    if (!first) return inner.watch(prefix, rev, handlers);
    first = false;
    const real = hook().then(() => inner.watch(prefix, rev, handlers));
    return { ready: real.then((w) => w.ready), cancel: async () => (await real).cancel() };
  };
  return wrapped;
}

/** Puts, overwrites and deletes keys under a prefix until stopped. */
function churn(prefix: string) {
  let running = true;
  let ops = 0;
  const done = (async () => {
    while (running) {
      const k = `${prefix}${ops % 37}`;
      must(ops % 5 === 4 ? await kv.delete(k) : await kv.put(k, `v${ops}`));
      ops++;
    }
  })();
  return {
    ops: () => ops,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('syncPrefix', () => {
  test('delivers the initial list, signals synced once, then follows changes', async () => {
    must(await kv.put('s1/a', '1'));
    must(await kv.put('s1/b', '1'));
    const c = recordingConsumer();
    const sync = syncPrefix(kv, 's1/', c.handler, { pageSize: 1 });
    try {
      await expect.poll(() => c.synced()).toBe(1);
      expect([...c.state.keys()]).toEqual(['s1/a', 's1/b']);
      must(await kv.put('s1/c', '1'));
      must(await kv.delete('s1/a'));
      await expect.poll(async () => c.state).toEqual(await etcdState('s1/'));
      expect(c.problems).toEqual([]);
      expect(c.synced()).toBe(1);
    } finally {
      await sync.stop();
    }
  });

  test('recovers from a compaction while changes are flowing, with nothing lost or duplicated', async () => {
    const writer = churn('s2/');
    const c = recordingConsumer();
    // Between the first list and its watch: more changes, then a compaction past the list
    // revision, so the watch from list revision + 1 is refused by etcd as compacted.
    const hooked = delayFirstWatch(kv, async () => {
      const start = writer.ops();
      await expect.poll(() => writer.ops() - start, { timeout: 20_000 }).toBeGreaterThan(20);
      const rev = must(await kv.count('s2/')).revision;
      must(await kv.compact(rev));
    });
    const sync = syncPrefix(hooked, 's2/', c.handler);
    try {
      await expect.poll(() => sync.stats().lists, { timeout: 40_000 }).toBeGreaterThanOrEqual(2);
      expect(sync.stats().lastError?.kind).toBe('compacted');
      const atRecovery = writer.ops();
      await expect.poll(() => writer.ops() - atRecovery, { timeout: 20_000 }).toBeGreaterThan(20);
    } finally {
      await writer.stop();
    }
    try {
      const final = await etcdState('s2/');
      await expect.poll(() => c.state, { timeout: 10_000 }).toEqual(final);
      expect(c.problems).toEqual([]);
      expect(c.synced()).toBe(1);
    } finally {
      await sync.stop();
    }
  });

  test('a throwing handler does not stop the sync', async () => {
    const seen: string[] = [];
    const sync = syncPrefix(kv, 's3/', {
      onUpsert: (e) => {
        seen.push(e.key);
        throw new Error('consumer bug');
      },
      onDelete: () => {},
      onSynced: () => {},
    });
    try {
      await expect.poll(() => sync.synced).toBe(true);
      must(await kv.put('s3/a', '1'));
      must(await kv.put('s3/b', '1'));
      await expect.poll(() => seen).toEqual(['s3/a', 's3/b']);
    } finally {
      await sync.stop();
    }
  });
});
