import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient } from '../../kvstore/types.js';
import { stopAllEtcd, type EtcdCluster } from '../../sandbox/etcd/index.js';
import { makeTempDir, startTestCluster } from '../helpers/etcd.js';
import { must } from '../helpers/kv.js';

const dir = makeTempDir('meshlb-kv-cluster-');
let cluster: EtcdCluster;
let kv: KvClient;
beforeAll(async () => {
  cluster = await startTestCluster({ dir });
  kv = connectKv({ endpoints: cluster.endpoints, callTimeoutMs: 3000 });
});
afterAll(async () => {
  try {
    await kv?.close();
    await cluster?.stop();
    await stopAllEtcd();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with one of three members killed, reads and writes keep working; the member rejoins', async () => {
  must(await kv.put('cl/before', '1'));
  const victim = cluster.members[0];
  if (!victim) throw new Error('no member 0');
  victim.kill('SIGKILL');
  await expect.poll(() => cluster.crashedMembers().length).toBe(1);

  for (let i = 0; i < 30; i++) must(await kv.put(`cl/during/${i}`, String(i)));
  // Bulk writes (their own channel, first member first) move on to a live member.
  must(await kv.applyBatched(Array.from({ length: 300 }, (_, i) => ({ op: 'put' as const, key: `cl/bulk/${i}`, value: String(i) })), { batchSize: 50 }));
  expect(must(await kv.count('cl/bulk/')).count).toBe(300);
  expect(must(await kv.get('cl/before'))?.value.toString()).toBe('1');
  expect(must(await kv.count('cl/during/')).count).toBe(30);

  must(await victim.restart());
  expect(cluster.crashedMembers()).toEqual([]);
  // The restarted member caught up: a client that talks only to it sees every write.
  const solo = connectKv({ endpoints: victim.clientUrls });
  try {
    await expect.poll(async () => must(await solo.count('cl/during/')).count, { timeout: 10_000 }).toBe(30);
  } finally {
    await solo.close();
  }
});
