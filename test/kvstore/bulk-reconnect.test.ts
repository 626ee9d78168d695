/**
 * The bulk write channel against an etcd that is not there yet and then comes up: after a run
 * of failed attempts, writes succeed promptly once etcd answers (gRPC's own reconnect backoff,
 * which grows to minutes, must not hold the channel down).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient } from '../../kvstore/types.js';
import { silentLogger } from '../../lib/log.js';
import { pickFreePorts, startEtcd, type EtcdHandle } from '../../sandbox/etcd/index.js';
import { makeTempDir } from '../helpers/etcd.js';

const dir = makeTempDir('meshlb-bulk-reconnect-');
let etcd: EtcdHandle | undefined;
let kv: KvClient | undefined;
afterAll(async () => {
  try {
    await kv?.close();
    await etcd?.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bulk writes recover within a second of etcd coming up after repeated failures', async () => {
  const [clientPort, peerPort] = (await pickFreePorts(2)) as [number, number];
  kv = connectKv({ endpoints: [`http://127.0.0.1:${clientPort}`], callTimeoutMs: 1_000 }, silentLogger);
  const put = (i: number) => kv!.applyBatched([{ op: 'put', key: `bulk/${i}`, value: String(i) }]);
  for (let i = 0; i < 6; i++) {
    const r = await put(i);
    expect(r).toMatchObject({ ok: false, retry: true, error: { kind: 'unavailable' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const started = await startEtcd({ dataDir: join(dir, 'etcd'), clientPort, peerPort });
  if (!started.ok) throw new Error(started.error.message);
  etcd = started.value;
  const upAt = Date.now();
  let r = await put(100);
  while (!r.ok && Date.now() - upAt < 10_000) r = await put(100);
  expect(r.ok).toBe(true);
  expect(Date.now() - upAt).toBeLessThan(1_500);
});
