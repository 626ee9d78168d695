/**
 * A real etcd with TLS and --client-cert-auth, initialised by etcdinit with certificates from
 * certs/: what each certificate may do, and that strangers and plaintext get nothing.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCA, issueClustermeshCerts, writeCertFiles, type CertFiles, type Pem } from '../../certs/index.js';
import { etcdInit } from '../../clustermesh-apiserver/etcdinit.js';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient } from '../../kvstore/types.js';
import { silentLogger } from '../../lib/log.js';
import { stopAllEtcd, type EtcdHandle } from '../../sandbox/etcd/index.js';
import { makeTempDir, startTestEtcd } from '../helpers/etcd.js';
import { must } from '../helpers/kv.js';

let dir: string;
let etcd: EtcdHandle;
let files: Record<'admin' | 'remote' | 'local' | 'stranger', CertFiles>;
const clients: KvClient[] = [];

function client(who: keyof typeof files | 'plaintext'): KvClient {
  const kv =
    who === 'plaintext'
      ? connectKv({ endpoints: etcd.clientUrls.map((u) => u.replace('https://localhost', 'http://127.0.0.1')), callTimeoutMs: 2_000 }, silentLogger)
      : connectKv({ endpoints: etcd.clientUrls, tls: files[who], callTimeoutMs: 3_000 }, silentLogger);
  clients.push(kv);
  return kv;
}

const init = () =>
  etcdInit({ endpoints: etcd.clientUrls, ...files.admin, clusterName: 'c1' }, silentLogger);

beforeAll(async () => {
  dir = makeTempDir('meshlb-cm-security-');
  const ca = await createCA({ commonName: 'mesh-ca', validityDays: 1 });
  const other: Pem = await createCA({ commonName: 'other-ca', validityDays: 1 });
  const certs = await issueClustermeshCerts({ ca, clusterName: 'c1', validityDays: 1 });
  const strangers = await issueClustermeshCerts({ ca: other, clusterName: 'c1', validityDays: 1 });
  const server = await writeCertFiles(join(dir, 'server'), certs.server, ca.certPem);
  files = {
    admin: await writeCertFiles(join(dir, 'admin'), certs.admin, ca.certPem),
    remote: await writeCertFiles(join(dir, 'remote'), certs.remote, ca.certPem),
    local: await writeCertFiles(join(dir, 'local'), certs.local, ca.certPem),
    // Trusts the right CA (so the server is accepted) but presents a certificate it did not sign.
    stranger: await writeCertFiles(join(dir, 'stranger'), strangers.remote, ca.certPem),
  };
  etcd = await startTestEtcd(dir, { tls: { ...server, clientCertAuth: true } });
}, 60_000);

afterAll(async () => {
  try {
    for (const c of clients) await c.close();
    await stopAllEtcd();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('etcdinit', () => {
  test('creates the users and roles, enables auth, and a second run is harmless', async () => {
    const first = await init();
    expect(first).toMatchObject({ ok: true });
    if (!first.ok) return;
    expect(first.value.usersCreated.sort()).toEqual(['admin-c1', 'local-c1', 'remote', 'root']);
    expect(first.value.permissionsGranted).toBe(8);
    const second = await init();
    expect(second).toEqual({ ok: true, value: { usersCreated: [], rolesCreated: [], permissionsGranted: 0, permissionsRevoked: 0 } });
  });
});

describe('after etcdinit', () => {
  test('admin writes everywhere', async () => {
    const admin = client('admin');
    must(await admin.put('cilium/state/nodes/v1/c1/n1', '{}'));
    must(await admin.put('cilium/cluster-config/c1', '{"id":1}'));
    must(await admin.put('cilium/cluster-config/c2', '{"id":2}'));
    must(await admin.put('cilium/synced/c1/cilium/state/nodes/v1', 'now'));
    must(await admin.put('cilium/synced/c2/cilium/state/nodes/v1', 'now'));
    must(await admin.put('cilium/.heartbeat', 'now'));
    must(await admin.put('cilium/cache/nodes/v1/c2/n1', '{}'));
  });

  test('remote reads cilium/state/, its own config and canaries, and the heartbeat', async () => {
    const remote = client('remote');
    expect(must(await remote.list('cilium/state/')).entries.map((e) => e.key)).toEqual(['cilium/state/nodes/v1/c1/n1']);
    expect(must(await remote.get('cilium/cluster-config/c1'))?.value.toString()).toBe('{"id":1}');
    expect(must(await remote.list('cilium/synced/c1/')).entries).toHaveLength(1);
    expect(must(await remote.get('cilium/.heartbeat'))?.value.toString()).toBe('now');
  });

  test("remote may not read another cluster's config or canaries, nor the cache", async () => {
    const remote = client('remote');
    for (const r of [await remote.get('cilium/cluster-config/c2'), await remote.list('cilium/cluster-config/'), await remote.list('cilium/synced/c2/'), await remote.list('cilium/cache/')]) {
      expect(r).toMatchObject({ ok: false, error: { kind: 'permission_denied' } });
    }
  });

  test('every write with the remote certificate is denied', async () => {
    const remote = client('remote');
    const denied = { ok: false, error: { kind: 'permission_denied' } };
    expect(await remote.put('cilium/state/nodes/v1/c1/n2', '{}')).toMatchObject(denied);
    expect(await remote.put('cilium/cluster-config/c1', '{}')).toMatchObject(denied);
    expect(await remote.put('cilium/.heartbeat', 'x')).toMatchObject(denied);
    expect(await remote.put('elsewhere', 'x')).toMatchObject(denied);
    expect(await remote.delete('cilium/state/nodes/v1/c1/n1')).toMatchObject(denied);
    expect(await remote.txn([], [{ op: 'deletePrefix', prefix: 'cilium/' }])).toMatchObject(denied);
    // The bulk write path (its own gRPC channel) is refused the same way, and not retried.
    expect(await remote.applyBatched([{ op: 'put', key: 'cilium/state/nodes/v1/c1/n3', value: '{}' }])).toMatchObject({ ...denied, retry: false });
    expect(await remote.applyBatched([{ op: 'delete', key: 'cilium/state/nodes/v1/c1/n1' }])).toMatchObject(denied);
    expect(await remote.grantLease(10).then(async (l) => (l.ok ? (await remote.put('cilium/state/x', 'y', { lease: l.value.id })) : l))).toMatchObject({ ok: false });
    const admin = client('admin');
    expect(must(await admin.get('cilium/state/nodes/v1/c1/n1'))?.value.toString()).toBe('{}');
    expect(must(await admin.count('cilium/state/')).count).toBe(1);
  });

  test('local reads configs, canaries, cache and heartbeat, but not cilium/state/, and cannot write', async () => {
    const local = client('local');
    expect(must(await local.list('cilium/cluster-config/')).entries).toHaveLength(2);
    expect(must(await local.list('cilium/cache/')).entries).toHaveLength(1);
    expect(await local.list('cilium/state/')).toMatchObject({ ok: false, error: { kind: 'permission_denied' } });
    expect(await local.put('cilium/cache/x', 'y')).toMatchObject({ ok: false, error: { kind: 'permission_denied' } });
  });

  test('a client certificate from another CA is refused', async () => {
    const r = await client('stranger').get('cilium/.heartbeat');
    expect(r.ok).toBe(false);
  });

  test('a plaintext connection is refused', async () => {
    const r = await client('plaintext').get('cilium/.heartbeat');
    expect(r.ok).toBe(false);
  });
});
