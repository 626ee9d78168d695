import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { isPortFree, liveEtcdCount, stopAllEtcd } from '../../sandbox/etcd/index.js';
import { makeTempDir, startTestCluster, startTestEtcd } from '../helpers/etcd.js';

const dir = makeTempDir('meshlb-supervisor-');
afterEach(async () => {
  await stopAllEtcd();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function putValue(clientUrl: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${clientUrl}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key), value: b64(value) }),
  });
  expect(res.status).toBe(200);
}

async function getValue(clientUrl: string, key: string): Promise<string | undefined> {
  const res = await fetch(`${clientUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(key) }) });
  const body = (await res.json()) as { kvs?: { value: string }[] };
  const v = body.kvs?.[0]?.value;
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function nextExit(etcd: { onExit: (l: (c: number | null, s: NodeJS.Signals | null, e: boolean) => void) => () => void }) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; expected: boolean }>((resolve) => {
    const off = etcd.onExit((code, signal, expected) => {
      off();
      resolve({ code, signal, expected });
    });
  });
}

describe('etcd supervisor', () => {
  test('starts a healthy member, stops it, and its ports are free afterwards', async () => {
    const etcd = await startTestEtcd(dir, { name: 'plain' });
    expect(etcd.running).toBe(true);
    expect(etcd.pid).toBeGreaterThan(0);
    const url = etcd.clientUrls[0] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await putValue(url, 'k', 'v');
    expect(await getValue(url, 'k')).toBe('v');

    const exit = nextExit(etcd);
    await etcd.stop();
    expect((await exit).expected).toBe(true);
    expect(etcd.running).toBe(false);
    expect(etcd.pid).toBeUndefined();
    expect(await isPortFree(etcd.ports.client)).toBe(true);
    expect(await isPortFree(etcd.ports.peer)).toBe(true);
    expect(liveEtcdCount()).toBe(0);
  });

  test('restart keeps the ports and the data', async () => {
    const etcd = await startTestEtcd(dir, { name: 'restart' });
    const url = etcd.clientUrls[0] as string;
    await putValue(url, 'kept', 'yes');
    const firstPid = etcd.pid;
    const r = await etcd.restart();
    expect(r.ok).toBe(true);
    expect(etcd.pid).not.toBe(firstPid);
    expect(etcd.clientUrls[0]).toBe(url);
    expect(await getValue(url, 'kept')).toBe('yes');
  });

  test('a SIGKILL nobody asked for is reported as a crash', async () => {
    const etcd = await startTestEtcd(dir, { name: 'crash' });
    const exit = nextExit(etcd);
    process.kill(etcd.pid as number, 'SIGKILL');
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL', expected: false });
    expect(etcd.running).toBe(false);
    // The handle survives the crash: it can be brought back on the same port.
    expect((await etcd.restart()).ok).toBe(true);
    expect(etcd.running).toBe(true);
  });

  test('a start that cannot become healthy fails with the log tail', async () => {
    const busy = await startTestEtcd(dir, { name: 'busy' });
    const { startEtcd } = await import('../../sandbox/etcd/index.js');
    const r = await startEtcd({ dataDir: `${dir}/clash`, name: 'clash', clientPort: busy.ports.client, peerPort: busy.ports.peer, startTimeoutMs: 5000 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(['address_in_use', 'exited']).toContain(r.error.kind);
    expect(r.error.logTail).toMatch(/address already in use/);
    expect(liveEtcdCount()).toBe(1);
  });

  test('a 3-member cluster starts, reports a crashed member, and the member rejoins after restart', async () => {
    const cluster = await startTestCluster({ dir: `${dir}/cluster` });
    expect(cluster.endpoints).toHaveLength(3);
    const [a, b] = cluster.endpoints as [string, string, string];
    await putValue(a, 'c', '1');
    expect(await getValue(b, 'c')).toBe('1');

    const victim = cluster.members[2];
    if (!victim) throw new Error('cluster has no third member');
    const crash = new Promise<string>((resolve) => cluster.onMemberCrash((m) => resolve(m.name)));
    victim.kill('SIGKILL');
    expect(await crash).toBe(victim.name);
    expect(cluster.crashedMembers().map((m) => m.name)).toEqual([victim.name]);

    await putValue(a, 'c', '2'); // two of three still make a quorum
    expect((await victim.restart()).ok).toBe(true);
    expect(cluster.crashedMembers()).toEqual([]);
    await expect.poll(() => getValue(victim.clientUrls[0] as string, 'c'), { timeout: 10_000 }).toBe('2');
    await cluster.stop();
    expect(cluster.members.every((m) => !m.running)).toBe(true);
  });
});
