/** CRUD, preconditions, status subresource, patches and list paging against real etcd. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect((await h.req('POST', '/api/v1/namespaces', { body: { metadata: { name: 'crud' } } })).status).toBe(
    201,
  );
});
afterAll(async () => {
  await h?.stop();
});

const BUILTINS: {
  path: string;
  kind: string;
  apiVersion: string;
  body: Record<string, unknown>;
  update: Record<string, unknown>;
}[] = [
  {
    path: '/api/v1/namespaces/crud/configmaps',
    kind: 'ConfigMap',
    apiVersion: 'v1',
    body: { data: { a: '1' } },
    update: { data: { a: '2' } },
  },
  {
    path: '/api/v1/namespaces/crud/secrets',
    kind: 'Secret',
    apiVersion: 'v1',
    body: { data: { a: 'MQ==' } },
    update: { data: { a: 'Mg==' } },
  },
  {
    path: '/api/v1/namespaces/crud/services',
    kind: 'Service',
    apiVersion: 'v1',
    body: { spec: { ports: [{ port: 80 }] } },
    update: { spec: { ports: [{ port: 81 }] } },
  },
  {
    path: '/api/v1/namespaces/crud/endpoints',
    kind: 'Endpoints',
    apiVersion: 'v1',
    body: { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] },
    update: { subsets: [] },
  },
  {
    path: '/api/v1/namespaces/crud/pods',
    kind: 'Pod',
    apiVersion: 'v1',
    body: { spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    update: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } },
  },
  {
    path: '/api/v1/nodes',
    kind: 'Node',
    apiVersion: 'v1',
    body: { spec: {} },
    update: { spec: { unschedulable: true } },
  },
  {
    path: '/apis/discovery.k8s.io/v1/namespaces/crud/endpointslices',
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    body: { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] },
    update: { addressType: 'IPv4', endpoints: [] },
  },
  {
    path: '/apis/coordination.k8s.io/v1/namespaces/crud/leases',
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    body: { spec: { holderIdentity: 'a' } },
    update: { spec: { holderIdentity: 'b' } },
  },
];

describe.each(BUILTINS)('$kind', ({ path, kind, apiVersion, body, update }) => {
  test('create, get, list, update, delete', async () => {
    const name = `x-${kind.toLowerCase()}`;
    const created = await h.req('POST', path, { body: { apiVersion, kind, metadata: { name }, ...body } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/Z$/);
    const rv = created.body.metadata.resourceVersion;
    expect(Number(rv)).toBeGreaterThan(0);

    const got = await h.req('GET', `${path}/${name}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ apiVersion, kind, metadata: { name, resourceVersion: rv } });

    const list = await h.req('GET', path);
    expect(list.body.kind).toBe(`${kind}List`);
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain(name);
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));

    const put = await h.req('PUT', `${path}/${name}`, { body: { ...got.body, ...update } });
    expect(put.status, put.text).toBe(200);
    expect(Number(put.body.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    expect(put.body.metadata.uid).toBe(created.body.metadata.uid);

    const stale = await h.req('PUT', `${path}/${name}`, { body: { ...got.body, ...update } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');

    const dup = await h.req('POST', path, { body: { metadata: { name }, ...body } });
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe('AlreadyExists');

    const del = await h.req('DELETE', `${path}/${name}`);
    expect(del.status).toBe(200);
    expect((await h.req('GET', `${path}/${name}`)).status).toBe(404);
  });
});

test('namespaced objects are listed across namespaces and need an existing namespace', async () => {
  await h.req('POST', '/api/v1/namespaces', { body: { metadata: { name: 'other' } } });
  await h.req('POST', '/api/v1/namespaces/crud/configmaps', { body: { metadata: { name: 'in-crud' } } });
  await h.req('POST', '/api/v1/namespaces/other/configmaps', { body: { metadata: { name: 'in-other' } } });
  const all = await h.req('GET', '/api/v1/configmaps');
  const names = all.body.items.map(
    (i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`,
  );
  expect(names).toEqual(expect.arrayContaining(['crud/in-crud', 'other/in-other']));
  const onlyOther = await h.req('GET', '/api/v1/namespaces/other/configmaps');
  expect(onlyOther.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
    'in-other',
  ]);
  const missing = await h.req('POST', '/api/v1/namespaces/nope/configmaps', {
    body: { metadata: { name: 'x' } },
  });
  expect(missing.status).toBe(404);
  expect(missing.body.message).toContain('namespaces "nope" not found');
});

test('deleting a namespace deletes what is in it', async () => {
  await h.req('POST', '/api/v1/namespaces', { body: { metadata: { name: 'doomed' } } });
  await h.req('POST', '/api/v1/namespaces/doomed/configmaps', { body: { metadata: { name: 'c' } } });
  await h.req('POST', '/api/v1/namespaces/crud/configmaps', { body: { metadata: { name: 'survivor' } } });
  expect((await h.req('DELETE', '/api/v1/namespaces/doomed')).status).toBe(200);
  expect((await h.req('GET', '/api/v1/namespaces/doomed/configmaps/c')).status).toBe(404);
  expect((await h.req('GET', '/api/v1/namespaces/crud/configmaps/survivor')).status).toBe(200);
});

test('defaults: namespaces, secrets and services', async () => {
  const ns = await h.req('GET', '/api/v1/namespaces/default');
  expect(ns.body.status.phase).toBe('Active');
  expect(ns.body.metadata.labels['kubernetes.io/metadata.name']).toBe('default');
  expect((await h.req('GET', '/api/v1/namespaces/kube-system')).status).toBe(200);
  const secret = await h.req('POST', '/api/v1/namespaces/crud/secrets', {
    body: { metadata: { name: 's-default' } },
  });
  expect(secret.body.type).toBe('Opaque');
  const svc = await h.req('POST', '/api/v1/namespaces/crud/services', {
    body: {
      metadata: { name: 'np' },
      spec: {
        type: 'NodePort',
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
        ],
      },
    },
  });
  expect(svc.status, svc.text).toBe(201);
  const spec = svc.body.spec;
  expect(spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
  expect(spec.clusterIPs).toEqual([spec.clusterIP]);
  expect(spec).toMatchObject({
    sessionAffinity: 'None',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
  });
  expect(spec.ports[0]).toMatchObject({ port: 80, protocol: 'TCP', targetPort: 80 });
  expect(spec.ports[1].targetPort).toBe(8443);
  for (const p of spec.ports) expect(p.nodePort).toBeGreaterThanOrEqual(30000);
  const headless = await h.req('POST', '/api/v1/namespaces/crud/services', {
    body: { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  });
  expect(headless.body.spec.clusterIP).toBe('None');
  const taken = await h.req('POST', '/api/v1/namespaces/crud/services', {
    body: { metadata: { name: 'same-ip' }, spec: { clusterIP: spec.clusterIP, ports: [{ port: 80 }] } },
  });
  expect(taken.status).toBe(422);
  // An update that omits the allocated values keeps them (as kubectl apply relies on).
  const replaced = await h.req('PUT', '/api/v1/namespaces/crud/services/np', {
    body: {
      metadata: { name: 'np' },
      spec: {
        type: 'NodePort',
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443, targetPort: 8443 },
        ],
      },
    },
  });
  expect(replaced.status, replaced.text).toBe(200);
  expect(replaced.body.spec.clusterIP).toBe(spec.clusterIP);
  expect(replaced.body.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual(
    spec.ports.map((p: { nodePort: number }) => p.nodePort),
  );
});

test('generateName gets a 5 character suffix and a unique name', async () => {
  const a = await h.req('POST', '/api/v1/namespaces/crud/configmaps', {
    body: { metadata: { generateName: 'gen-' } },
  });
  const b = await h.req('POST', '/api/v1/namespaces/crud/configmaps', {
    body: { metadata: { generateName: 'gen-' } },
  });
  expect(a.status).toBe(201);
  expect(a.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  expect(b.body.metadata.name).not.toBe(a.body.metadata.name);
  expect(a.body.metadata.uid).not.toBe(b.body.metadata.uid);
});

describe('status subresource', () => {
  const path = '/api/v1/namespaces/crud/services/st';
  test('main resource keeps status, /status changes only status, generation tracks spec', async () => {
    const c = await h.req('POST', '/api/v1/namespaces/crud/services', {
      body: {
        metadata: { name: 'st' },
        spec: { ports: [{ port: 80 }] },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
      },
    });
    expect(c.status).toBe(201);
    expect(c.body.status).toEqual({ loadBalancer: {} });
    expect(c.body.metadata.generation).toBe(1);

    const st = await h.req('PATCH', `${path}/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
        spec: { ports: [{ port: 9 }] },
        metadata: { labels: { x: 'y' } },
      },
    });
    expect(st.status, st.text).toBe(200);
    expect(st.body.status.loadBalancer.ingress).toEqual([{ ip: '1.2.3.4' }]);
    expect(st.body.spec.ports[0].port).toBe(80);
    expect(st.body.metadata.labels?.x).toBeUndefined();
    expect(st.body.metadata.generation).toBe(1);

    const main = await h.req('PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: {} }, metadata: { labels: { x: 'y' } } },
    });
    expect(main.body.status.loadBalancer.ingress).toEqual([{ ip: '1.2.3.4' }]);
    expect(main.body.metadata.labels.x).toBe('y');
    expect(main.body.metadata.generation).toBe(1);

    const spec = await h.req('PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { spec: { sessionAffinity: 'ClientIP' } },
    });
    expect(spec.body.metadata.generation).toBe(2);
    expect((await h.req('GET', `${path}/status`)).body.status.loadBalancer.ingress).toEqual([
      { ip: '1.2.3.4' },
    ]);
  });
});

describe('patches', () => {
  const path = '/api/v1/namespaces/crud/services/p';
  beforeAll(async () => {
    const r = await h.req('POST', '/api/v1/namespaces/crud/services', {
      body: {
        metadata: { name: 'p', labels: { a: '1', b: '2' } },
        spec: {
          ports: [
            { name: 'http', port: 80 },
            { name: 'https', port: 443 },
          ],
        },
      },
    });
    expect(r.status).toBe(201);
  });

  test('merge patch: null removes a key', async () => {
    const r = await h.req('PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { a: null, c: '3' } } },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.metadata.labels).toEqual({ b: '2', c: '3' });
  });

  test('JSON patch, and a failing test op leaves the object alone', async () => {
    const r = await h.req('PATCH', path, {
      contentType: 'application/json-patch+json',
      body: [{ op: 'add', path: '/metadata/annotations', value: { n: 'v' } }],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.metadata.annotations).toEqual({ n: 'v' });
    const bad = await h.req('PATCH', path, {
      contentType: 'application/json-patch+json',
      body: [{ op: 'test', path: '/metadata/name', value: 'zz' }],
    });
    expect(bad.status).toBe(422);
    expect((await h.req('GET', path)).body.metadata.resourceVersion).toBe(r.body.metadata.resourceVersion);
  });

  test('strategic merge patch merges Service ports on port', async () => {
    const r = await h.req('PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          ports: [
            { port: 443, name: 'https', targetPort: 8443 },
            { port: 8080, name: 'alt' },
          ],
        },
      },
    });
    expect(r.status, r.text).toBe(200);
    const ports = r.body.spec.ports.map((p: { port: number; targetPort: number }) => [p.port, p.targetPort]);
    expect(ports).toEqual(
      expect.arrayContaining([
        [80, 80],
        [443, 8443],
        [8080, 8080],
      ]),
    );
    expect(ports).toHaveLength(3);
  });

  test('server-side apply creates when absent and merges when present', async () => {
    const cm = '/api/v1/namespaces/crud/configmaps/applied';
    const first = await h.req('PATCH', `${cm}?fieldManager=test&force=true`, {
      contentType: 'application/apply-patch+yaml',
      rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n',
    });
    expect(first.status, first.text).toBe(201);
    const second = await h.req('PATCH', `${cm}?fieldManager=test`, {
      contentType: 'application/apply-patch+yaml',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { b: '2' } },
    });
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual({ a: '1', b: '2' });
  });

  test('dryRun=All validates and changes nothing', async () => {
    const before = await h.req('GET', path);
    const r = await h.req('PATCH', `${path}?dryRun=All`, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { dry: 'run' } } },
    });
    expect(r.status).toBe(200);
    expect(r.body.metadata.labels.dry).toBe('run');
    const after = await h.req('GET', path);
    expect(after.body.metadata.resourceVersion).toBe(before.body.metadata.resourceVersion);
    const created = await h.req('POST', '/api/v1/namespaces/crud/configmaps?dryRun=All', {
      body: { metadata: { name: 'dry' } },
    });
    expect(created.status).toBe(201);
    expect((await h.req('GET', '/api/v1/namespaces/crud/configmaps/dry')).status).toBe(404);
    const del = await h.req('DELETE', path, {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] },
    });
    expect(del.status, del.text).toBe(200);
    expect((await h.req('GET', path)).status).toBe(200);
  });
});

describe('list', () => {
  beforeAll(async () => {
    await h.req('POST', '/api/v1/namespaces', { body: { metadata: { name: 'paging' } } });
    for (let i = 0; i < 7; i++)
      await h.req('POST', '/api/v1/namespaces/paging/configmaps', {
        body: {
          metadata: { name: `cm-${i}`, labels: { parity: i % 2 === 0 ? 'even' : 'odd', idx: String(i) } },
        },
      });
  });

  test('label and field selectors', async () => {
    const even = await h.req('GET', '/api/v1/namespaces/paging/configmaps?labelSelector=parity%3Deven');
    expect(even.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      'cm-0',
      'cm-2',
      'cm-4',
      'cm-6',
    ]);
    const inSet = await h.req(
      'GET',
      `/api/v1/namespaces/paging/configmaps?labelSelector=${encodeURIComponent('idx in (1,5),parity!=even')}`,
    );
    expect(inSet.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      'cm-1',
      'cm-5',
    ]);
    const byName = await h.req('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-3');
    expect(byName.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['cm-3']);
    const notNs = await h.req('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace!%3Dpaging');
    expect(
      notNs.body.items.some((i: { metadata: { namespace: string } }) => i.metadata.namespace === 'paging'),
    ).toBe(false);
  });

  test('limit and continue page through a consistent snapshot', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let rv: string | undefined;
    let pages = 0;
    do {
      const q = `limit=3&labelSelector=parity%3Dodd${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const r = await h.req('GET', `/api/v1/namespaces/paging/configmaps?${q}`);
      expect(r.status, r.text).toBe(200);
      if (pages === 0) {
        rv = r.body.metadata.resourceVersion;
        // A write after the first page is not visible in later pages.
        await h.req('POST', '/api/v1/namespaces/paging/configmaps', {
          body: { metadata: { name: 'cm-9', labels: { parity: 'odd' } } },
        });
      } else expect(r.body.metadata.resourceVersion).toBe(rv);
      seen.push(...r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      token = r.body.metadata.continue;
      pages++;
    } while (token);
    // cm-9 was written after the first page: the later pages still read the first page's revision.
    expect(seen).toEqual(['cm-1', 'cm-3', 'cm-5']);
    const all: string[] = [];
    token = undefined;
    pages = 0;
    do {
      const r = await h.req(
        'GET',
        `/api/v1/namespaces/paging/configmaps?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`,
      );
      all.push(...r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      token = r.body.metadata.continue;
      pages++;
    } while (token);
    expect(all).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6', 'cm-9']);
    expect(pages).toBe(4);
  });

  test('deletecollection removes what the selector picks', async () => {
    const r = await h.req('DELETE', '/api/v1/namespaces/paging/configmaps?labelSelector=parity%3Dodd');
    expect(r.status).toBe(200);
    const left = await h.req('GET', '/api/v1/namespaces/paging/configmaps');
    expect(left.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      'cm-0',
      'cm-2',
      'cm-4',
      'cm-6',
    ]);
  });
});

test('a Table is returned when kubectl asks for one', async () => {
  const r = await h.req('GET', '/api/v1/namespaces', {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  });
  expect(r.body.kind).toBe('Table');
  expect(r.body.apiVersion).toBe('meta.k8s.io/v1');
  expect(r.body.columnDefinitions.length).toBeGreaterThan(0);
  expect(r.body.metadata.resourceVersion).toMatch(/^\d+$/);
  expect(r.body.rows.length).toBeGreaterThanOrEqual(2);
});

test('unauthenticated and health endpoints', async () => {
  expect((await h.req('GET', '/api/v1/namespaces', { token: null })).status).toBe(401);
  expect((await h.req('GET', '/healthz', { token: null })).status).toBe(200);
  expect((await h.req('GET', '/readyz', { token: null })).status).toBe(200);
  const metrics = await h.req('GET', '/metrics');
  expect(metrics.text).toContain('apiserver_request_total{');
  expect(metrics.text).toContain('apiserver_registered_watchers');
});
