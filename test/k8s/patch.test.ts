/**
 * Patch and apply helpers against the sandbox API server: merge and JSON patch on a built-in
 * kind, status patches on a custom resource with a status subresource, create-or-update,
 * and typed errors for what goes wrong.
 */
import { beforeAll, expect, test } from 'vitest';
import { applyObject, createObject, getObject, jsonPatch, mergePatch, patchStatus, type KubeObject } from '../../k8s/patch.js';
import { kubeRequest } from '../../k8s/request.js';
import { coreResource, objectPath, type ObjectRef } from '../../k8s/resource.js';
import { createWidgetCrd, kubeConfigFor, widgets, withApiServer } from './harness.js';

const h = withApiServer();
const configmaps = coreResource('configmaps');
const cm = (name: string): ObjectRef => ({ ...configmaps, namespace: 'default', name });
const widget = (name: string): ObjectRef => ({ ...widgets, namespace: 'default', name });

interface Cm extends KubeObject { data?: Record<string, string> }
interface Widget extends KubeObject { spec?: { size?: number }; status?: { phase?: string } }

async function must<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

beforeAll(async () => {
  await createWidgetCrd(h.kc);
});

test('merge patch adds and removes (null) fields of a built-in object', async () => {
  await must(createObject(h.kc, configmaps, { metadata: { name: 'mp', namespace: 'default' }, data: { a: '1', b: '2' } }));
  const patched = await must(mergePatch<Cm>(h.kc, cm('mp'), { metadata: { labels: { x: 'y' } }, data: { b: null, c: '3' } }));
  expect(patched.data).toEqual({ a: '1', c: '3' });
  expect(patched.metadata?.labels).toEqual({ x: 'y' });
});

test('JSON patch applies operations in order; a failing test op changes nothing', async () => {
  await must(createObject(h.kc, configmaps, { metadata: { name: 'jp', namespace: 'default' }, data: { a: '1' } }));
  const patched = await must(jsonPatch<Cm>(h.kc, cm('jp'), [
    { op: 'test', path: '/data/a', value: '1' },
    { op: 'replace', path: '/data/a', value: '2' },
    { op: 'add', path: '/data/b', value: 'x' },
  ]));
  expect(patched.data).toEqual({ a: '2', b: 'x' });
  const refused = await jsonPatch(h.kc, cm('jp'), [{ op: 'test', path: '/data/a', value: '1' }, { op: 'remove', path: '/data/b' }]);
  expect(refused.ok).toBe(false);
  expect((await must(getObject<Cm>(h.kc, cm('jp')))).data).toEqual({ a: '2', b: 'x' });
});

test('status of a custom resource changes through patchStatus only', async () => {
  await must(createObject(h.kc, widgets, { apiVersion: 'test.meshlb.io/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 1 } }));
  const withStatus = await must(patchStatus<Widget>(h.kc, widget('w1'), { status: { phase: 'Ready' } }));
  expect(withStatus.status).toEqual({ phase: 'Ready' });
  // A merge patch of the main resource (never strategic merge: CRDs answer 415) leaves status alone.
  const main = await must(mergePatch<Widget>(h.kc, widget('w1'), { spec: { size: 2 }, status: { phase: 'Hacked' } }));
  expect(main.spec).toEqual({ size: 2 });
  expect(main.status).toEqual({ phase: 'Ready' });
});

test('applyObject creates, then updates in place', async () => {
  const first = await must(applyObject<Widget>(h.kc, widgets, { kind: 'Widget', metadata: { name: 'w2', namespace: 'default', labels: { v: '1' } }, spec: { size: 1 } }));
  expect(first.apiVersion).toBe('test.meshlb.io/v1');
  const second = await must(applyObject<Widget>(h.kc, widgets, { kind: 'Widget', metadata: { name: 'w2', namespace: 'default', labels: { v: '2' } }, spec: { size: 5 } }));
  expect(second.metadata?.uid).toBe(first.metadata?.uid);
  expect(second.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
  expect(second.spec).toEqual({ size: 5 });
  expect(second.metadata?.labels).toEqual({ v: '2' });
});

test('errors are typed: not found, conflict (retryable), invalid, unauthorized, unavailable', async () => {
  expect(await mergePatch(h.kc, cm('absent'), { data: { a: '1' } })).toMatchObject({ ok: false, retry: false, error: { kind: 'not_found', status: 404 } });

  const current = await must(createObject<Cm>(h.kc, configmaps, { metadata: { name: 'cf', namespace: 'default' }, data: {} }));
  await must(mergePatch(h.kc, cm('cf'), { data: { moved: 'on' } }));
  const stale = await kubeRequest(h.kc, { method: 'PUT', path: objectPath(cm('cf')), body: { ...current, data: { stale: 'write' } } });
  expect(stale).toMatchObject({ ok: false, retry: true, error: { kind: 'conflict', status: 409 } });

  const dup = await createObject(h.kc, configmaps, { metadata: { name: 'cf', namespace: 'default' } });
  expect(dup).toMatchObject({ ok: false, retry: false, error: { kind: 'already_exists' } });

  const invalid = await createObject(h.kc, configmaps, { metadata: { name: 'Not_A_Valid_Name', namespace: 'default' } });
  expect(invalid).toMatchObject({ ok: false, retry: false, error: { kind: 'invalid', status: 422 } });

  const cluster = h.kc.getCurrentCluster()!;
  const wrongToken = kubeConfigFor(cluster.server, Buffer.from(cluster.caData!, 'base64').toString(), 'wrong-token');
  expect(await getObject(wrongToken, cm('cf'))).toMatchObject({ ok: false, error: { kind: 'unauthorized', status: 401 } });

  const closed = kubeConfigFor('https://127.0.0.1:1', 'unused');
  expect(await getObject(closed, cm('cf'))).toMatchObject({ ok: false, retry: true, error: { kind: 'unavailable', status: 0 } });
});
