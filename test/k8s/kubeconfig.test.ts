import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadKubeConfig } from '../../k8s/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'meshlb-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (contexts: string[], current: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({ name: c, cluster: { server: `https://127.0.0.1:${6443 + contexts.indexOf(c)}` } })),
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: contexts.map((c) => ({ name: c, context: { cluster: c, user: 'u' } })),
    'current-context': current,
  });

const file = join(dir, 'two');
writeFileSync(file, config(['c1', 'c2'], 'c1'));
const noHome = { env: {}, home: join(dir, 'nohome') };

test('an explicit file and context are used', () => {
  const r = loadKubeConfig({ kubeconfig: file, context: 'c2', ...noHome });
  expect(r.ok && r.value.getCurrentCluster()?.server).toBe('https://127.0.0.1:6444');
});

test('without a context the file’s current-context is used', () => {
  const r = loadKubeConfig({ kubeconfig: file, ...noHome });
  expect(r.ok && r.value.getCurrentContext()).toBe('c1');
});

test('KUBECONFIG is honoured when no file is given', () => {
  const r = loadKubeConfig({ env: { KUBECONFIG: file }, home: noHome.home });
  expect(r.ok && r.value.getCurrentContext()).toBe('c1');
});

test('a missing file, a missing context and no configuration at all are clear errors', () => {
  expect(loadKubeConfig({ kubeconfig: join(dir, 'absent'), ...noHome })).toMatchObject({ ok: false, error: expect.stringMatching(/absent does not exist/) });
  expect(loadKubeConfig({ kubeconfig: file, context: 'c9', ...noHome })).toMatchObject({
    ok: false,
    error: 'context "c9" not found in kubeconfig (available: c1, c2)',
  });
  expect(loadKubeConfig({ env: { KUBECONFIG: join(dir, 'nope') }, home: noHome.home })).toMatchObject({ ok: false, error: expect.stringMatching(/names no existing file/) });
  expect(loadKubeConfig(noHome)).toMatchObject({ ok: false, error: expect.stringMatching(/no kubeconfig found/) });
});

test('a file that is not a kubeconfig is an error, not an exception', () => {
  const bad = join(dir, 'bad');
  writeFileSync(bad, 'clusters: [: nope');
  expect(loadKubeConfig({ kubeconfig: bad, ...noHome })).toMatchObject({ ok: false, error: expect.stringMatching(/could not be read/) });
});

test('a context pointing at an undefined cluster is refused', () => {
  const broken = join(dir, 'broken');
  writeFileSync(broken, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [{ name: 'x', context: { cluster: 'gone', user: 'u' } }], 'current-context': 'x' }));
  expect(loadKubeConfig({ kubeconfig: broken, ...noHome })).toMatchObject({ ok: false });
});
