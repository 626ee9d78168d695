/**
 * `meshlb clustermesh connect/disconnect` against three sandbox API servers: the Secret
 * entries each side gets, every refusal (one line, exit 1, nothing written), mesh mode, and
 * an idempotent disconnect.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { parseConfigDir } from '../../agent-sync/config-dir.js';
import { caSecret, pemFromTlsSecret } from '../../certs/index.js';
import { runClustermesh } from '../../clustermesh-cli/cli.js';
import { sandboxClusterIdentityObjects } from '../../clustermesh-cli/sandbox-objects.js';
import { applyObject, coreResource, getObject, type KubeObject } from '../../k8s/index.js';
import { capture, newCa, seedCluster, startClusters, type Clusters } from './clusters.js';

let clusters: Clusters;
const CONTEXTS = ['a', 'b', 'c'] as const;
const IDS: Record<string, { name: string; id: number }> = { a: { name: 'c1', id: 1 }, b: { name: 'c2', id: 2 }, c: { name: 'c3', id: 3 } };

beforeAll(async () => {
  clusters = await startClusters(CONTEXTS);
  await Promise.all(CONTEXTS.map((ctx) => seedCluster(clusters, ctx, IDS[ctx]!)));
});
afterAll(async () => {
  await clusters?.stop();
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await runClustermesh([...args, '--kubeconfig', clusters.kubeconfig], c.io);
  return { code, out: c.out, err: c.err };
}

async function setIdentity(ctx: string, name: string, id: number, max = 255): Promise<void> {
  const { configMap } = sandboxClusterIdentityObjects({ name, id, maxConnectedClusters: max as 255 | 511, endpoints: [] });
  const r = await applyObject(clusters.kc(ctx), coreResource('configmaps'), configMap as KubeObject);
  if (!r.ok) throw new Error(r.error.message);
}

async function remoteCertOf(ctx: string): Promise<{ certPem: string; keyPem: string }> {
  const r = await getObject(clusters.kc(ctx), { ...coreResource('secrets'), namespace: 'kube-system', name: 'clustermesh-apiserver-remote-cert' });
  if (!r.ok) throw new Error(r.error.message);
  const pem = pemFromTlsSecret(r.value as { data?: Record<string, unknown> });
  if (!pem.ok) throw new Error(pem.error);
  return pem.value;
}

async function disconnectAll(): Promise<void> {
  for (const [x, y] of [['a', 'b'], ['a', 'c'], ['b', 'c']] as const) {
    expect((await cli('disconnect', '--context', x, '--destination-context', y)).code).toBe(0);
  }
}

describe('connect', () => {
  beforeEach(async () => {
    for (const ctx of CONTEXTS) await setIdentity(ctx, IDS[ctx]!.name, IDS[ctx]!.id);
    await disconnectAll();
  });

  test('bidirectional: each side gets exactly the other side\'s four entries, readable by the agent', async () => {
    const r = await cli('connect', '--context', 'a', '--destination-context', 'b', '--config-dir-path', '/tmp/mesh-a');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const a = (await clusters.meshSecret('a'))!;
    const b = (await clusters.meshSecret('b'))!;
    expect(Object.keys(a).sort()).toEqual(['c2', 'c2.etcd-client-ca.crt', 'c2.etcd-client.crt', 'c2.etcd-client.key']);
    expect(Object.keys(b).sort()).toEqual(['c1', 'c1.etcd-client-ca.crt', 'c1.etcd-client.crt', 'c1.etcd-client.key']);
    expect(a['c2']).toBe(
      'endpoints:\n  - https://localhost:2002\ntrusted-ca-file: /tmp/mesh-a/c2.etcd-client-ca.crt\n' +
        'key-file: /tmp/mesh-a/c2.etcd-client.key\ncert-file: /tmp/mesh-a/c2.etcd-client.crt\n',
    );
    // Side a reads c2 with c2's remote certificate and the CA both share.
    const c2Remote = await remoteCertOf('b');
    expect(a['c2.etcd-client.crt']).toBe(c2Remote.certPem);
    expect(a['c2.etcd-client.key']).toBe(c2Remote.keyPem);
    expect(a['c2.etcd-client-ca.crt']).toBe(clusters.sharedCa.certPem);
    expect(b['c1.etcd-client.crt']).toBe((await remoteCertOf('a')).certPem);

    const parsed = parseConfigDir(Object.entries(b).map(([name, content]) => ({ name, content })), 'c2');
    expect(parsed.rejected).toEqual([]);
    expect([...parsed.configs.keys()]).toEqual(['c1']);
    expect(parsed.configs.get('c1')).toMatchObject({ endpoints: ['https://localhost:2001'], certFile: '/tmp/mesh-a/c1.etcd-client.crt' });
  });

  test('unicast configures only the source', async () => {
    expect((await cli('connect', '--context', 'a', '--destination-context', 'c', '--connection-mode', 'unicast')).code).toBe(0);
    expect(Object.keys((await clusters.meshSecret('a'))!).sort()).toEqual(['c3', 'c3.etcd-client-ca.crt', 'c3.etcd-client.crt', 'c3.etcd-client.key']);
    expect(Object.keys((await clusters.meshSecret('c')) ?? {})).toEqual([]);
    expect((await clusters.meshSecret('a'))!['c3']).toContain('/var/lib/cilium/clustermesh/c3.etcd-client.crt');
  });

  test('{cluster} in --config-dir-path is each local side\'s own name', async () => {
    expect((await cli('connect', '--context', 'a', '--destination-context', 'b', '--config-dir-path', '/sandbox/{cluster}/mesh')).code).toBe(0);
    expect((await clusters.meshSecret('a'))!['c2']).toContain('cert-file: /sandbox/c1/mesh/c2.etcd-client.crt');
    expect((await clusters.meshSecret('b'))!['c1']).toContain('cert-file: /sandbox/c2/mesh/c1.etcd-client.crt');
  });

  test('mesh connects every pair, keeping existing entries', async () => {
    const r = await cli('connect', '--context', 'a', '--destination-context', 'b', '--destination-context', 'c', '--connection-mode', 'mesh');
    expect(r.code).toBe(0);
    const configs = async (ctx: string): Promise<string[]> =>
      Object.keys((await clusters.meshSecret(ctx))!).filter((k) => !k.includes('.')).sort();
    expect(await configs('a')).toEqual(['c2', 'c3']);
    expect(await configs('b')).toEqual(['c1', 'c3']);
    expect(await configs('c')).toEqual(['c1', 'c2']);
  });

  describe('refusals exit 1 with one line and write nothing', () => {
    test.each([
      ['duplicate name', () => setIdentity('b', 'c1', 2), 'both have cluster name c1'],
      ['name default', () => setIdentity('b', 'default', 2), 'is named "default"'],
      ['duplicate ID', () => setIdentity('b', 'c2', 1), 'both have cluster ID 1'],
      ['ID out of range', () => setIdentity('b', 'c2', 256), 'cluster ID 256 is out of range 1..255'],
      ['maxConnectedClusters mismatch', () => setIdentity('b', 'c2', 2, 511), 'different max-connected-clusters (255 and 511)'],
    ])('%s', async (_what, setup, message) => {
      await setup();
      const before = [await clusters.meshSecret('a'), await clusters.meshSecret('b')];
      const r = await cli('connect', '--context', 'a', '--destination-context', 'b');
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
      expect([await clusters.meshSecret('a'), await clusters.meshSecret('b')]).toEqual(before);
    });

    test('CA mismatch without --allow-mismatching-ca; accepted with it', async () => {
      const other = await newCa('Other CA');
      const kc = clusters.kc('c');
      const original = await getObject(kc, { ...coreResource('secrets'), namespace: 'kube-system', name: 'cilium-ca' });
      if (!original.ok) throw new Error(original.error.message);
      try {
        const w = await applyObject(kc, coreResource('secrets'), { ...caSecret(other) } as unknown as KubeObject);
        if (!w.ok) throw new Error(w.error.message);
        const before = [await clusters.meshSecret('a'), await clusters.meshSecret('c')];
        const r = await cli('connect', '--context', 'a', '--destination-context', 'c');
        expect(r.code).toBe(1);
        expect(r.err).toBe('Error: clusters c1 (context a) and c3 (context c) have different certificate authorities; use --allow-mismatching-ca to connect them anyway\n');
        expect([await clusters.meshSecret('a'), await clusters.meshSecret('c')]).toEqual(before);

        expect((await cli('connect', '--context', 'a', '--destination-context', 'c', '--allow-mismatching-ca')).code).toBe(0);
        expect((await clusters.meshSecret('a'))!['c3.etcd-client-ca.crt']).toBe(other.certPem);
        expect((await clusters.meshSecret('c'))!['c1.etcd-client-ca.crt']).toBe(clusters.sharedCa.certPem);
      } finally {
        const { metadata, data, type } = original.value as KubeObject & { data: unknown; type: unknown };
        await applyObject(kc, coreResource('secrets'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: metadata!.name, namespace: 'kube-system' }, type, data });
      }
    });

    test('an unknown context is a clear error', async () => {
      const r = await cli('connect', '--context', 'a', '--destination-context', 'nope');
      expect(r.code).toBe(1);
      expect(r.err).toContain('context "nope" not found');
    });
  });
});

describe('disconnect', () => {
  test('removes both directions, leaves other remotes, and can be repeated', async () => {
    for (const ctx of CONTEXTS) await setIdentity(ctx, IDS[ctx]!.name, IDS[ctx]!.id);
    await disconnectAll();
    expect((await cli('connect', '--context', 'a', '--destination-context', 'b', '--destination-context', 'c', '--connection-mode', 'mesh')).code).toBe(0);
    for (let i = 0; i < 2; i++) {
      const r = await cli('disconnect', '--context', 'a', '--destination-context', 'b');
      expect(r.code).toBe(0);
      expect(r.out).toBe('✅ c1 and c2 are disconnected\n');
      expect(Object.keys((await clusters.meshSecret('a'))!).sort()).toEqual(['c3', 'c3.etcd-client-ca.crt', 'c3.etcd-client.crt', 'c3.etcd-client.key']);
      expect(Object.keys((await clusters.meshSecret('b'))!).sort()).toEqual(['c3', 'c3.etcd-client-ca.crt', 'c3.etcd-client.crt', 'c3.etcd-client.key']);
      expect(Object.keys((await clusters.meshSecret('c'))!).filter((k) => !k.includes('.')).sort()).toEqual(['c1', 'c2']);
    }
  });
});
