import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient, KvError } from '../../kvstore/types.js';
import { withEtcd } from '../helpers/etcd.js';
import { must } from '../helpers/kv.js';

// Stops and freezes its etcd, so it has one of its own.
const fixture = withEtcd();
let kv: KvClient;
beforeAll(() => {
  kv = connectKv({ endpoints: fixture.endpoints, callTimeoutMs: 1000 });
});
afterAll(async () => {
  await kv?.close();
});
afterEach(async () => {
  // Whatever a test did to etcd, the next one starts with a running, responsive member.
  fixture.etcd.kill('SIGCONT');
  if (!fixture.etcd.running) must(await fixture.etcd.restart());
});

describe('a dead or frozen etcd yields unavailable, not a hang', () => {
  test('stopped etcd: calls fail as unavailable and retryable; they work again after restart', async () => {
    must(await kv.put('u/a', '1'));
    await fixture.etcd.stop();
    for (const r of [await kv.get('u/a'), await kv.put('u/b', '1'), await kv.list('u/'), await kv.txn([], [])]) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('unavailable');
        expect(r.retry).toBe(true);
      }
    }
    must(await fixture.etcd.restart());
    await expect.poll(async () => (await kv.get('u/a')).ok, { timeout: 10_000 }).toBe(true);
  });

  test('frozen etcd (SIGSTOP): the call deadline turns a hang into unavailable', async () => {
    must(await kv.put('u/c', '1'));
    fixture.etcd.kill('SIGSTOP');
    const r = await kv.get('u/c');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('unavailable');
      expect(r.retry).toBe(true);
    }
    fixture.etcd.kill('SIGCONT');
    await expect.poll(async () => (await kv.get('u/c')).ok, { timeout: 10_000 }).toBe(true);
  });

  test('a lease whose keepalives go unanswered for a whole TTL is reported lost', async () => {
    const lease = must(await kv.grantLease(1));
    const lost = new Promise<KvError>((resolve) => lease.onLost(resolve));
    fixture.etcd.kill('SIGSTOP');
    const error = await lost;
    expect(error.kind).toBe('lease_lost');
    expect(error.message).toMatch(/no keepalive acknowledged/);
  });
});
