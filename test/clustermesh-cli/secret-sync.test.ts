/**
 * syncSecretToDir against the sandbox API server: a Secret's keys appear as files in the
 * kubelet layout, and adds, changes, removals and the Secret's deletion follow.
 */
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { parseConfigDir } from '../../agent-sync/config-dir.js';
import { syncSecretToDir, type SecretSync } from '../../clustermesh-cli/secret-sync.js';
import { coreResource, createObject, deleteObject, mergePatch, type KubeObject } from '../../k8s/index.js';
import { startClusters, type Clusters } from './clusters.js';

let clusters: Clusters;
let dir: string;
/** The temp directory holding `dir` when a test needs `dir` not to exist yet. */
let parent: string | undefined;
let sync: SecretSync | undefined;
const ref = { ...coreResource('secrets'), namespace: 'kube-system', name: 'cilium-clustermesh' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

beforeAll(async () => {
  clusters = await startClusters(['a']);
});
afterAll(async () => {
  await clusters?.stop();
});
afterEach(async () => {
  await sync?.stop();
  sync = undefined;
  await deleteObject(clusters.kc('a'), ref);
  if (dir) await rm(dir, { recursive: true, force: true });
  if (parent) await rm(parent, { recursive: true, force: true });
  parent = undefined;
});

async function visibleFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).filter((n) => !n.startsWith('.')).sort())
    out[name] = await readFile(join(dir, name), 'utf8');
  return out;
}

async function eventually(expected: Record<string, string>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await visibleFiles();
    if (JSON.stringify(now) === JSON.stringify(expected) || Date.now() > deadline) {
      expect(now).toEqual(expected);
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('mirrors adds, changes and removals with the ..data symlink layout', async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshlb-secret-sync-'));
  const kc = clusters.kc('a');
  const created = await createObject(kc, coreResource('secrets'), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cilium-clustermesh', namespace: 'kube-system' },
    data: { c2: b64('endpoints:\n- https://localhost:1\n'), 'c2.etcd-client.crt': b64('CERT') },
  } as KubeObject);
  expect(created.ok).toBe(true);
  sync = syncSecretToDir({ kc, namespace: 'kube-system', name: 'cilium-clustermesh', dir });
  await sync.whenSynced();
  expect(await visibleFiles()).toEqual({
    c2: 'endpoints:\n- https://localhost:1\n',
    'c2.etcd-client.crt': 'CERT',
  });
  expect((await lstat(join(dir, 'c2'))).isSymbolicLink()).toBe(true);
  expect(await readlink(join(dir, 'c2'))).toBe('..data/c2');
  expect(await readlink(join(dir, '..data'))).toMatch(/^\.\.\d{4}-/);

  // An unrelated Secret in the namespace is not mirrored.
  await createObject(kc, coreResource('secrets'), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'other', namespace: 'kube-system' },
    data: { x: b64('x') },
  } as KubeObject);

  await mergePatch(kc, ref, {
    data: { c3: b64('endpoints:\n- https://localhost:3\n'), c2: b64('endpoints:\n- https://localhost:2\n') },
  });
  await eventually({
    c2: 'endpoints:\n- https://localhost:2\n',
    'c2.etcd-client.crt': 'CERT',
    c3: 'endpoints:\n- https://localhost:3\n',
  });
  const files = await Promise.all(
    ['c2', 'c3'].map(async (name) => ({ name, content: await readFile(join(dir, name), 'utf8') })),
  );
  expect([...parseConfigDir(files, 'c1').configs.keys()]).toEqual(['c2', 'c3']);

  await mergePatch(kc, ref, { data: { c2: null, 'c2.etcd-client.crt': null } });
  await eventually({ c3: 'endpoints:\n- https://localhost:3\n' });
  // Exactly one snapshot directory is left, the current one.
  const hidden = (await readdir(dir)).filter((n) => n.startsWith('..') && n !== '..data');
  expect(hidden).toEqual([await readlink(join(dir, '..data'))]);

  await deleteObject(kc, ref);
  await eventually({});
  await deleteObject(kc, { ...ref, name: 'other' });
});

test('a Secret that does not exist yet gives an empty directory, then its files', async () => {
  parent = await mkdtemp(join(tmpdir(), 'meshlb-secret-sync-'));
  dir = join(parent, 'mesh');
  const kc = clusters.kc('a');
  sync = syncSecretToDir({ kc, namespace: 'kube-system', name: 'cilium-clustermesh', dir });
  await sync.whenSynced();
  expect(await visibleFiles()).toEqual({});
  const created = await createObject(kc, coreResource('secrets'), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cilium-clustermesh', namespace: 'kube-system' },
    data: { c9: b64('nine') },
  } as KubeObject);
  expect(created.ok).toBe(true);
  await eventually({ c9: 'nine' });
});
