/** CRDs become served resources at run time, and the shipped manifests are loaded at start. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Harness, startHarness } from './harness.js';

const CRD_DIR = fileURLToPath(new URL('../../deploy/crds', import.meta.url));
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ crdDir: CRD_DIR });
});
afterAll(async () => {
  await h?.stop();
});

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.meshlb.io' },
  spec: {
    group: 'example.meshlb.io',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};
const WIDGETS = '/apis/example.meshlb.io/v1/namespaces/default/widgets';

test('the shipped CRDs are served after start', async () => {
  const crd = await h.req(
    'GET',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ciliumloadbalancerippools.cilium.io',
  );
  expect(crd.status).toBe(200);
  const list = await h.req('GET', '/apis/cilium.io/v2/ciliumloadbalancerippools');
  expect(list.status).toBe(200);
  expect(list.body.kind).toBe('CiliumLoadBalancerIPPoolList');
});

test('create CRD → served (discovery, CRUD, pruning, status, printer columns) → delete CRD → gone with its objects', async () => {
  expect((await h.req('GET', WIDGETS)).status).toBe(404);
  const created = await h.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    body: widgetCrd,
  });
  expect(created.status, created.text).toBe(201);
  const conds = created.body.status.conditions.map(
    (c: { type: string; status: string }) => `${c.type}=${c.status}`,
  );
  expect(conds).toEqual(expect.arrayContaining(['Established=True', 'NamesAccepted=True']));
  expect(created.body.status.acceptedNames).toMatchObject({
    plural: 'widgets',
    kind: 'Widget',
    shortNames: ['wd'],
  });

  const disco = await h.req('GET', '/apis/example.meshlb.io/v1');
  expect(disco.status).toBe(200);
  expect(disco.body.resources.map((r: { name: string }) => r.name)).toEqual(
    expect.arrayContaining(['widgets', 'widgets/status']),
  );

  const w = await h.req('POST', WIDGETS, {
    body: {
      apiVersion: 'example.meshlb.io/v1',
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: { size: 3, unknown: 'x' },
      extra: 1,
    },
  });
  expect(w.status, w.text).toBe(201);
  expect(w.body.spec).toEqual({ size: 3 });
  expect(w.body.extra).toBeUndefined();

  const invalid = await h.req('POST', WIDGETS, { body: { metadata: { name: 'w2' }, spec: { size: 0 } } });
  expect(invalid.status).toBe(422);
  expect(invalid.body.details.causes[0].field).toContain('spec.size');

  const smp = await h.req('PATCH', `${WIDGETS}/w1`, {
    contentType: 'application/strategic-merge-patch+json',
    body: { spec: { size: 4 } },
  });
  expect(smp.status).toBe(415);
  const merged = await h.req('PATCH', `${WIDGETS}/w1`, {
    contentType: 'application/merge-patch+json',
    body: { spec: { size: 4 }, status: { ready: true } },
  });
  expect(merged.body.spec.size).toBe(4);
  expect(merged.body.status).toBeUndefined();
  expect(merged.body.metadata.generation).toBe(2);
  const status = await h.req('PATCH', `${WIDGETS}/w1/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { ready: true } },
  });
  expect(status.body.status).toEqual({ ready: true });
  expect(status.body.metadata.generation).toBe(2);

  const table = await h.req('GET', WIDGETS, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toContain('Size');
  const sizeIdx = table.body.columnDefinitions.findIndex((c: { name: string }) => c.name === 'Size');
  expect(table.body.rows[0].cells[sizeIdx]).toBe(4);

  const del = await h.req(
    'DELETE',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.meshlb.io',
  );
  expect(del.status).toBe(200);
  expect((await h.req('GET', WIDGETS)).status).toBe(404);
  const keys = await h.kv.list('/registry/example.meshlb.io/widgets/');
  expect(keys.ok && keys.value.entries.length).toBe(0);

  // Re-created, the resource is served again and empty.
  expect(
    (await h.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: widgetCrd }))
      .status,
  ).toBe(201);
  const again = await h.req('GET', WIDGETS);
  expect(again.status).toBe(200);
  expect(again.body.items).toEqual([]);
});

test('a CRD with a wrong name is rejected as Invalid', async () => {
  const bad = { ...widgetCrd, metadata: { name: 'gadgets.example.meshlb.io' } };
  const r = await h.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: bad });
  expect(r.status).toBe(422);
  expect(r.body.reason).toBe('Invalid');
});
