import { describe, expect, test } from 'vitest';
import { RemoteCaches, classifyInvalid, decodeRemoteEntry, type DecodeContext } from './caches.js';
import { clusterService, identityKv, ipcacheKv, nodeKv, serviceKv } from './remote-data.fixture.js';

const ctx: DecodeContext = { cluster: 'c2', clusterId: 2, maxConnectedClusters: 255 };

describe('decodeRemoteEntry', () => {
  test('valid entries of every kind decode', () => {
    const svc = serviceKv(clusterService('c2', 2, 'echo', ['10.2.0.10']));
    const node = nodeKv('c2', 2, 'n1', '192.0.2.1');
    const id = identityKv('c2', 2, 0);
    const ip = ipcacheKv('10.2.0.10', 131072);
    expect(decodeRemoteEntry('services', svc.key, svc.value, ctx)).toMatchObject({ ok: true, value: { kind: 'services' } });
    expect(decodeRemoteEntry('nodes', node.key, node.value, ctx)).toMatchObject({ ok: true, value: { kind: 'nodes' } });
    expect(decodeRemoteEntry('identities', id.key, id.value, ctx)).toMatchObject({ ok: true, value: { kind: 'identities', value: { id: 131072 } } });
    expect(decodeRemoteEntry('ipcache', ip.key, ip.value, ctx)).toMatchObject({ ok: true, value: { kind: 'ipcache' } });
  });

  test('invalid entries carry a stable reason and the decoder message', () => {
    const svc = serviceKv(clusterService('c2', 2, 'echo', []));
    expect(decodeRemoteEntry('services', svc.key, '{nope', ctx)).toMatchObject({
      ok: false,
      error: { kind: 'services', key: svc.key, reason: 'bad_json' },
    });
    const other = serviceKv(clusterService('c3', 3, 'echo', []));
    expect(decodeRemoteEntry('services', svc.key, other.value, ctx)).toMatchObject({ ok: false, error: { reason: 'mismatch' } });
    const wrongId = serviceKv(clusterService('c2', 7, 'echo', []));
    expect(decodeRemoteEntry('services', wrongId.key, wrongId.value, ctx)).toMatchObject({ ok: false, error: { reason: 'mismatch' } });
    expect(decodeRemoteEntry('services', 'cilium/state/services/v1/c2/only-two', svc.value, ctx)).toMatchObject({
      ok: false,
      error: { reason: 'bad_key' },
    });
    const foreignIdentity = identityKv('c3', 3, 0);
    expect(decodeRemoteEntry('identities', foreignIdentity.key, foreignIdentity.value, ctx)).toMatchObject({
      ok: false,
      error: { reason: 'mismatch' },
    });
    const node = nodeKv('c2', 2, 'n1', '192.0.2.1');
    expect(decodeRemoteEntry('nodes', node.key, node.value.replace('192.0.2.1', '999.1.1.1'), ctx)).toMatchObject({
      ok: false,
      error: { reason: 'invalid_value' },
    });
  });

  test('classifyInvalid treats a message that does not name the key as a key problem', () => {
    expect(classifyInvalid('k', 'key k is not under x')).toBe('bad_key');
    expect(classifyInvalid('k', 'service k: value is not JSON: x')).toBe('bad_json');
  });
});

describe('RemoteCaches', () => {
  const a = serviceKv(clusterService('c2', 2, 'a', ['10.2.0.1']));
  const b = serviceKv(clusterService('c2', 2, 'b', ['10.2.0.2']));

  test('services produce table changes; other kinds only fill their maps', () => {
    const c = new RemoteCaches('c2');
    expect(c.upsert('services', a.key, a.value, ctx).services).toEqual([
      { type: 'upsert', service: expect.objectContaining({ name: 'a' }) },
    ]);
    const n = nodeKv('c2', 2, 'n1', '192.0.2.1');
    expect(c.upsert('nodes', n.key, n.value, ctx).services).toEqual([]);
    expect(c.counts()).toEqual({ services: 1, nodes: 1, identities: 0, ipcache: 0 });
    expect(c.remove('services', a.key).services).toEqual([{ type: 'delete', namespace: 'default', name: 'a' }]);
    expect(c.remove('services', a.key).services).toEqual([]);
  });

  test('an entry that turns invalid is dropped, not kept stale', () => {
    const c = new RemoteCaches('c2');
    c.upsert('services', a.key, a.value, ctx);
    const out = c.upsert('services', a.key, 'garbage', ctx);
    expect(out.invalid?.reason).toBe('bad_json');
    expect(out.services).toEqual([{ type: 'delete', namespace: 'default', name: 'a' }]);
    expect(c.services.size).toBe(0);
  });

  test('a new session sweeps keys it did not list once its initial sync completes', () => {
    const c = new RemoteCaches('c2');
    c.beginSession('services');
    c.upsert('services', a.key, a.value, ctx);
    c.upsert('services', b.key, b.value, ctx);
    expect(c.endInitialSync('services').services).toEqual([]);
    c.beginSession('services');
    c.upsert('services', b.key, b.value, ctx);
    expect(c.endInitialSync('services').services).toEqual([{ type: 'delete', namespace: 'default', name: 'a' }]);
    expect([...c.services.keys()]).toEqual([b.key]);
  });

  test('revoke forgets services only; drain forgets everything', () => {
    const c = new RemoteCaches('c2');
    const n = nodeKv('c2', 2, 'n1', '192.0.2.1');
    c.upsert('services', a.key, a.value, ctx);
    c.upsert('nodes', n.key, n.value, ctx);
    c.revokeServices();
    expect(c.counts()).toEqual({ services: 0, nodes: 1, identities: 0, ipcache: 0 });
    c.drain();
    expect(c.counts()).toEqual({ services: 0, nodes: 0, identities: 0, ipcache: 0 });
  });
});
