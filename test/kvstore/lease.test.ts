import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectKv } from '../../kvstore/etcd.js';
import { LeasedKeys } from '../../kvstore/lease-keeper.js';
import type { KvClient, KvError } from '../../kvstore/types.js';
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

/** Revokes a lease behind the client's back, with the real etcdctl (which speaks hex IDs). */
function revokeOutOfBand(leaseId: string): void {
  execFileSync('etcdctl', ['--endpoints', fixture.endpoints.join(','), 'lease', 'revoke', BigInt(leaseId).toString(16)], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: 'pipe',
  });
}

describe('leases', () => {
  test('keepalive holds a lease well past its TTL; keys under it stay', async () => {
    // TTL 3 s, held for 7 s: more than twice the TTL, yet not so short that a loaded two-core
    // machine's scheduling delays alone exceed it.
    const lease = must(await kv.grantLease(3));
    must(await kv.put('lease/kept', 'v', { lease: lease.id }));
    let lost: KvError | undefined;
    lease.onLost((e) => (lost = e));
    await new Promise((r) => setTimeout(r, 7000));
    expect(lost).toBeUndefined();
    expect(must(await kv.get('lease/kept'))?.lease).toBe(lease.id);
    await lease.revoke();
    expect(must(await kv.get('lease/kept'))).toBeUndefined();
    expect(lost).toBeUndefined();
  });

  test('a lease revoked out-of-band is reported lost exactly once', async () => {
    const lease = must(await kv.grantLease(5));
    const lost: KvError[] = [];
    lease.onLost((e) => lost.push(e));
    revokeOutOfBand(lease.id);
    await expect.poll(() => lost.length, { timeout: 5000 }).toBe(1);
    expect(lost[0]?.kind).toBe('lease_lost');
    await new Promise((r) => setTimeout(r, 500));
    expect(lost.length).toBe(1);
    // A listener added after the loss still hears about it.
    const late = await new Promise<KvError>((resolve) => lease.onLost(resolve));
    expect(late.kind).toBe('lease_lost');
  });

  test('LeasedKeys re-puts every key under a new lease when its lease is revoked', async () => {
    const keys = new LeasedKeys(kv, { ttlSeconds: 5 });
    must(await keys.start());
    try {
      must(await keys.set('lk/cluster-config', '{"id":1}'));
      must(await keys.set('lk/heartbeat', 'now'));
      must(await keys.set('lk/canary', 'x'));
      const first = keys.leaseId as string;
      expect(must(await kv.get('lk/heartbeat'))?.lease).toBe(first);

      const renewed = new Promise<string>((resolve) => keys.onRenewed(resolve));
      revokeOutOfBand(first);
      const second = await renewed;
      expect(second).not.toBe(first);
      const entries = must(await kv.list('lk/')).entries;
      expect(entries.map((e) => [e.key, e.value.toString(), e.lease])).toEqual([
        ['lk/canary', 'x', second],
        ['lk/cluster-config', '{"id":1}', second],
        ['lk/heartbeat', 'now', second],
      ]);
      expect(keys.renewCount).toBe(1);
    } finally {
      await keys.stop({ revoke: true });
    }
    expect(must(await kv.count('lk/')).count).toBe(0);
  });
});
