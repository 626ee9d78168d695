/**
 * The restarting informer against the sandbox API server and a real etcd: events arrive, and
 * after an API server outage (resume from the last resourceVersion) and after compaction
 * (410 Gone, re-list) the cache equals the server's state, deletes included.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import { connectKv } from '../../kvstore/etcd.js';
import { createLogger, silentLogger } from '../../lib/log.js';
import { createInformer, type Informer } from '../../k8s/informer.js';
import { createObject, deleteObject, mergePatch, type KubeObject } from '../../k8s/patch.js';
import { kubeRequest } from '../../k8s/request.js';
import { coreResource, type ObjectRef } from '../../k8s/resource.js';
import { withApiServer } from './harness.js';

const h = withApiServer();
const configmaps = coreResource('configmaps');
const NS = 'default';
const informers: Informer<KubeObject>[] = [];

afterEach(async () => {
  for (const i of informers.splice(0)) await i.stop();
});

const ref = (name: string): ObjectRef => ({ ...configmaps, namespace: NS, name });

async function must<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const createCm = (kc: KubeConfig, name: string, data: Record<string, string>, labels: Record<string, string> = {}) =>
  must(createObject(kc, configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels }, data }));

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** name → resourceVersion as the server lists it right now. */
async function serverState(kc: KubeConfig, labelSelector: string): Promise<Record<string, string>> {
  const list = await must(kubeRequest<{ items: KubeObject[] }>(kc, { method: 'GET', path: `/api/v1/namespaces/${NS}/configmaps`, query: { labelSelector } }));
  return Object.fromEntries(list.items.map((o) => [`${NS}/${o.metadata?.name}`, o.metadata?.resourceVersion ?? '']));
}

function sameState(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
}

function cacheState(inf: Informer<KubeObject>): Record<string, string> {
  return Object.fromEntries([...inf.cache()].map(([k, o]) => [k, o.metadata?.resourceVersion ?? '']));
}

interface Recorded { type: string; name: string }

function startInformer(labelSelector: string): { inf: Informer<KubeObject>; events: Recorded[]; logs: string[] } {
  const events: Recorded[] = [];
  const logs: string[] = [];
  const rec = (type: string) => (o: KubeObject) => events.push({ type, name: o.metadata?.name ?? '' });
  const inf = createInformer<KubeObject>({
    kc: h.kc,
    resource: { ...configmaps, namespace: NS },
    labelSelector,
    onAdd: rec('add'),
    onUpdate: rec('update'),
    onDelete: rec('delete'),
    logger: createLogger({}, (l) => logs.push(l), 'debug'),
    backoff: { initialMs: 50, maxMs: 500, jitter: 0.5 },
  });
  informers.push(inf);
  void inf.start();
  return { inf, events, logs };
}

describe('informer', () => {
  test('initial list, then add, update and delete events arrive', async () => {
    await createCm(h.kc, 'pre', { a: '1' }, { suite: 'events' });
    const { inf, events } = startInformer('suite=events');
    await inf.whenSynced();
    expect(events).toEqual([{ type: 'add', name: 'pre' }]);

    await createCm(h.kc, 'later', { a: '1' }, { suite: 'events' });
    await createCm(h.kc, 'unrelated', { a: '1' }, { suite: 'other' });
    await must(mergePatch(h.kc, ref('pre'), { data: { a: '2' } }));
    await must(deleteObject(h.kc, ref('later')));
    await waitFor('the delete of "later"', () => events.some((e) => e.type === 'delete'));
    expect(events).toEqual([
      { type: 'add', name: 'pre' },
      { type: 'add', name: 'later' },
      { type: 'update', name: 'pre' },
      { type: 'delete', name: 'later' },
    ]);
    expect(cacheState(inf)).toEqual(await serverState(h.kc, 'suite=events'));
    expect((inf.cache().get(`${NS}/pre`) as { data?: Record<string, string> }).data).toEqual({ a: '2' });
  });

  test('after the API server was down while things changed, the cache equals the server', async () => {
    for (const n of ['o1', 'o2', 'o3']) await createCm(h.kc, n, { v: '0' }, { suite: 'outage' });
    const { inf, events, logs } = startInformer('suite=outage');
    await inf.whenSynced();

    await h.stopServer();
    const side = await h.startSideServer();
    try {
      await must(deleteObject(side.kc, ref('o1')));
      await must(mergePatch(side.kc, ref('o2'), { data: { v: '1' } }));
      await createCm(side.kc, 'o4', { v: '0' }, { suite: 'outage' });
      // Let the informer fail a few reconnects against the stopped server.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await h.startServer();
      await side.stop();
    }
    const expected = await serverState(h.kc, 'suite=outage');
    await waitFor('cache to equal server state', () => sameState(cacheState(inf), expected));
    expect(cacheState(inf)).toEqual(expected);
    // The outage was bridged by resuming the watch, not by a re-list.
    expect(logs.some((l) => l.includes('API server unreachable, resuming the watch'))).toBe(true);
    expect(logs.some((l) => l.includes('410'))).toBe(false);
    expect(events.filter((e) => e.type !== 'add' || e.name === 'o4').map((e) => `${e.type}:${e.name}`).sort()).toEqual(['add:o4', 'delete:o1', 'update:o2']);
  });

  test('after etcd compaction forces 410 Gone, the re-list brings the cache to the server state', async () => {
    for (const n of ['c1', 'c2', 'c3']) await createCm(h.kc, n, { v: '0' }, { suite: 'compaction' });
    const { inf, events, logs } = startInformer('suite=compaction');
    await inf.whenSynced();

    await h.stopServer();
    const side = await h.startSideServer();
    const kv = connectKv({ endpoints: h.etcd.clientUrls }, silentLogger);
    try {
      await must(deleteObject(side.kc, ref('c1')));
      await must(mergePatch(side.kc, ref('c2'), { data: { v: '1' } }));
      await createCm(side.kc, 'c4', { v: '0' }, { suite: 'compaction' });
      // Push the revision on so the informer's last resourceVersion is strictly below the compaction point.
      await createCm(side.kc, 'filler', {}, { suite: 'none' });
      const listed = await kv.list('/', { limit: 1 });
      if (!listed.ok) throw new Error(listed.error.message);
      const compacted = await kv.compact(listed.value.revision);
      if (!compacted.ok) throw new Error(compacted.error.message);
    } finally {
      await kv.close();
      await h.startServer();
      await side.stop();
    }
    const expected = await serverState(h.kc, 'suite=compaction');
    await waitFor('cache to equal server state after 410', () => sameState(cacheState(inf), expected));
    expect(cacheState(inf)).toEqual(expected);
    expect(logs.some((l) => l.includes('watch resourceVersion too old (410), re-listing'))).toBe(true);
    expect(events.filter((e) => e.type !== 'add' || e.name === 'c4').map((e) => `${e.type}:${e.name}`).sort()).toEqual(['add:c4', 'delete:c1', 'update:c2']);
  });
});
