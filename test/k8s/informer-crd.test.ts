/** The same informer over a custom resource: spec and status changes and deletes arrive. */
import { afterAll, expect, test } from 'vitest';
import { createInformer } from '../../k8s/informer.js';
import { createObject, deleteObject, mergePatch, patchStatus, type KubeObject } from '../../k8s/patch.js';
import { silentLogger } from '../../lib/log.js';
import { createWidgetCrd, widgets, withApiServer } from './harness.js';

const h = withApiServer();
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

interface Widget extends KubeObject { spec?: { size?: number }; status?: { phase?: string } }

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  const until = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('custom resources: add, spec update, status update and delete are delivered', async () => {
  await createWidgetCrd(h.kc);
  const seen: string[] = [];
  const inf = createInformer<Widget>({
    kc: h.kc,
    resource: { ...widgets, namespace: 'default' },
    onAdd: (w) => seen.push(`add ${w.metadata?.name} ${w.spec?.size}`),
    onUpdate: (w, old) => seen.push(`update ${w.metadata?.name} ${old.spec?.size}->${w.spec?.size} ${w.status?.phase ?? '-'}`),
    onDelete: (w) => seen.push(`delete ${w.metadata?.name}`),
    logger: silentLogger,
  });
  stops.push(() => inf.stop());
  await inf.start();
  await inf.whenSynced();
  const ref = { ...widgets, namespace: 'default', name: 'w' };
  const must = async (p: Promise<{ ok: boolean; error?: { message: string } }>) => {
    const r = await p;
    if (!r.ok) throw new Error(r.error?.message);
  };
  await must(createObject(h.kc, widgets, { apiVersion: 'test.meshlb.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 1 } }));
  await must(mergePatch(h.kc, ref, { spec: { size: 2 } }));
  await must(patchStatus(h.kc, ref, { status: { phase: 'Ready' } }));
  await must(deleteObject(h.kc, ref));
  await waitFor('the delete', () => seen.some((s) => s.startsWith('delete')));
  expect(seen).toEqual(['add w 1', 'update w 1->2 -', 'update w 2->2 Ready', 'delete w']);
  expect(inf.cache().size).toBe(0);
});
