/**
 * Issue 2's bad-input test: malformed requests of every kind each get the status code Kubernetes
 * would answer with, the server stays up, and what was stored before is untouched.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Harness, type RequestOptions, startHarness } from './harness.js';

let h: Harness;
let before: { cm: unknown; svc: unknown; ns: unknown };
const CM = '/api/v1/namespaces/bad/configmaps';
const SVC = '/api/v1/namespaces/bad/services';
const MERGE = 'application/merge-patch+json';
const JSONP = 'application/json-patch+json';
const SMP = 'application/strategic-merge-patch+json';

beforeAll(async () => {
  h = await startHarness();
  expect((await h.req('POST', '/api/v1/namespaces', { body: { metadata: { name: 'bad' } } })).status).toBe(
    201,
  );
  expect(
    (await h.req('POST', CM, { body: { metadata: { name: 'keep', labels: { a: 'b' } }, data: { k: 'v' } } }))
      .status,
  ).toBe(201);
  expect(
    (await h.req('POST', SVC, { body: { metadata: { name: 'keep' }, spec: { ports: [{ port: 80 }] } } }))
      .status,
  ).toBe(201);
  before = {
    cm: (await h.req('GET', `${CM}/keep`)).body,
    svc: (await h.req('GET', `${SVC}/keep`)).body,
    ns: (await h.req('GET', '/api/v1/namespaces/bad')).body,
  };
});
afterAll(async () => {
  await h?.stop();
});

type Case = [name: string, method: string, path: string, opts: RequestOptions, code: number, reason?: string];

const big = 'x'.repeat(3 * 1024 * 1024 + 10);
const cases: Case[] = [
  // bad JSON / YAML bodies
  ['truncated JSON', 'POST', CM, { rawBody: '{"metadata": {"name": "x"' }, 400, 'BadRequest'],
  ['not JSON at all', 'POST', CM, { rawBody: 'hello' }, 400, 'BadRequest'],
  ['empty body', 'POST', CM, { rawBody: '', contentType: 'application/json' }, 400],
  ['JSON array body', 'POST', CM, { body: [1, 2] }, 400],
  ['JSON string body', 'POST', CM, { body: 'configmap' }, 400],
  ['JSON null body', 'POST', CM, { rawBody: 'null' }, 400],
  ['metadata is a string', 'POST', CM, { body: { metadata: 'x' } }, 400],
  ['bad YAML', 'POST', CM, { rawBody: 'metadata: [unclosed', contentType: 'application/yaml' }, 400],
  [
    'YAML with two documents',
    'POST',
    CM,
    { rawBody: 'metadata: {name: a}\n---\nmetadata: {name: b}\n', contentType: 'application/yaml' },
    400,
  ],
  ['YAML scalar', 'POST', CM, { rawBody: 'just a string', contentType: 'application/yaml' }, 400],
  [
    'garbage protobuf',
    'POST',
    '/api/v1/namespaces',
    { rawBody: Buffer.from([1, 2, 3, 4, 5]), contentType: 'application/vnd.kubernetes.protobuf' },
    400,
  ],
  [
    'unknown content type',
    'POST',
    CM,
    { rawBody: '<xml/>', contentType: 'application/xml' },
    415,
    'UnsupportedMediaType',
  ],
  ['PUT with bad JSON', 'PUT', `${CM}/keep`, { rawBody: '{' }, 400],
  // wrong kinds and mismatches with the path
  ['kind mismatch', 'POST', CM, { body: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'x' } } }, 400],
  [
    'apiVersion mismatch',
    'POST',
    CM,
    { body: { kind: 'ConfigMap', apiVersion: 'apps/v1', metadata: { name: 'x' } } },
    400,
  ],
  ['namespace mismatch', 'POST', CM, { body: { metadata: { name: 'x', namespace: 'default' } } }, 400],
  ['name mismatch on PUT', 'PUT', `${CM}/keep`, { body: { metadata: { name: 'other' } } }, 400],
  ['kind mismatch on PUT', 'PUT', `${CM}/keep`, { body: { kind: 'Pod', metadata: { name: 'keep' } } }, 400],
  // invalid names and fields
  ['no name', 'POST', CM, { body: { metadata: {} } }, 422, 'Invalid'],
  ['upper-case name', 'POST', CM, { body: { metadata: { name: 'Bad_Name' } } }, 422, 'Invalid'],
  ['name too long', 'POST', CM, { body: { metadata: { name: 'a'.repeat(300) } } }, 422, 'Invalid'],
  ['name with slash', 'POST', CM, { body: { metadata: { name: 'a/b' } } }, 422, 'Invalid'],
  [
    'namespace name with dots',
    'POST',
    '/api/v1/namespaces',
    { body: { metadata: { name: 'a.b' } } },
    422,
    'Invalid',
  ],
  [
    'bad label key',
    'POST',
    CM,
    { body: { metadata: { name: 'lbl', labels: { '-bad': 'x' } } } },
    422,
    'Invalid',
  ],
  [
    'bad label value',
    'POST',
    CM,
    { body: { metadata: { name: 'lbl', labels: { ok: 'not ok!' } } } },
    422,
    'Invalid',
  ],
  [
    'service port 0',
    'POST',
    SVC,
    { body: { metadata: { name: 's0' }, spec: { ports: [{ port: 0 }] } } },
    422,
    'Invalid',
  ],
  [
    'service port 70000',
    'POST',
    SVC,
    { body: { metadata: { name: 's1' }, spec: { ports: [{ port: 70000 }] } } },
    422,
    'Invalid',
  ],
  [
    'service bad protocol',
    'POST',
    SVC,
    { body: { metadata: { name: 's2' }, spec: { ports: [{ port: 80, protocol: 'ICMP' }] } } },
    422,
    'Invalid',
  ],
  [
    'service clusterIP outside range',
    'POST',
    SVC,
    { body: { metadata: { name: 's3' }, spec: { clusterIP: '192.168.0.1', ports: [{ port: 80 }] } } },
    422,
    'Invalid',
  ],
  [
    'service clusterIP not an IP',
    'POST',
    SVC,
    { body: { metadata: { name: 's4' }, spec: { clusterIP: '10.96.0.999', ports: [{ port: 80 }] } } },
    422,
    'Invalid',
  ],
  [
    'service nodePort out of range',
    'POST',
    SVC,
    { body: { metadata: { name: 's5' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } } },
    422,
    'Invalid',
  ],
  [
    'service bad type',
    'POST',
    SVC,
    { body: { metadata: { name: 's6' }, spec: { type: 'Magic', ports: [{ port: 80 }] } } },
    422,
    'Invalid',
  ],
  ['configmap data not strings', 'POST', CM, { body: { metadata: { name: 'd' }, data: { k: 1 } } }, 422],
  // stale resourceVersions and conflicts
  [
    'stale resourceVersion on PUT',
    'PUT',
    `${CM}/keep`,
    { body: { metadata: { name: 'keep', resourceVersion: '1' } } },
    409,
    'Conflict',
  ],
  [
    'stale resourceVersion in merge patch',
    'PATCH',
    `${CM}/keep`,
    { contentType: MERGE, body: { metadata: { resourceVersion: '1' } } },
    409,
    'Conflict',
  ],
  [
    'stale delete precondition',
    'DELETE',
    `${CM}/keep`,
    { body: { preconditions: { resourceVersion: '1' } } },
    409,
    'Conflict',
  ],
  [
    'wrong uid delete precondition',
    'DELETE',
    `${CM}/keep`,
    { body: { preconditions: { uid: 'nope' } } },
    409,
    'Conflict',
  ],
  ['create existing', 'POST', CM, { body: { metadata: { name: 'keep' } } }, 409, 'AlreadyExists'],
  ['non-numeric watch resourceVersion', 'GET', `${CM}?watch=true&resourceVersion=abc`, {}, 400],
  ['garbage continue token', 'GET', `${CM}?limit=1&continue=garbage`, {}, 400],
  // unknown paths and objects
  ['unknown top-level path', 'GET', '/nothing/here', {}, 404, 'NotFound'],
  ['unknown API version', 'GET', '/api/v2/namespaces', {}, 404],
  ['unknown group', 'GET', '/apis/nope.example.com/v1/things', {}, 404],
  ['unknown resource', 'GET', '/api/v1/namespaces/bad/widgets', {}, 404],
  ['missing object', 'GET', `${CM}/absent`, {}, 404, 'NotFound'],
  ['update missing object', 'PUT', `${CM}/absent`, { body: { metadata: { name: 'absent' } } }, 404],
  ['patch missing object', 'PATCH', `${CM}/absent`, { contentType: MERGE, body: {} }, 404],
  ['delete missing object', 'DELETE', `${CM}/absent`, {}, 404],
  ['unknown subresource', 'GET', `${CM}/keep/scale`, {}, 404],
  ['status of kind without one', 'GET', `${CM}/keep/status`, {}, 404],
  ['too deep path', 'GET', `${CM}/keep/status/extra/more`, {}, 404],
  ['cluster-scoped in a namespace', 'GET', '/api/v1/namespaces/bad/nodes', {}, 404],
  ['bad percent escape', 'GET', '/api/v1/namespaces/%E0%A4%A/configmaps', {}, 404],
  // oversized bodies
  ['oversized create', 'POST', CM, { rawBody: `{"metadata":{"name":"big"},"data":{"k":"${big}"}}` }, 413],
  ['oversized patch', 'PATCH', `${CM}/keep`, { contentType: MERGE, rawBody: `{"data":{"k":"${big}"}}` }, 413],
  // wrong methods
  ['POST to an object', 'POST', `${CM}/keep`, { body: {} }, 405, 'MethodNotAllowed'],
  ['PUT on a collection', 'PUT', CM, { body: {} }, 405],
  ['PATCH on a collection', 'PATCH', CM, { contentType: MERGE, body: {} }, 405],
  ['OPTIONS', 'OPTIONS', CM, {}, 405],
  ['POST to discovery', 'POST', '/api/v1', { body: {} }, 405],
  ['DELETE a status subresource', 'DELETE', `${SVC}/keep/status`, {}, 405],
  ['POST without namespace', 'POST', '/api/v1/configmaps', { body: { metadata: { name: 'x' } } }, 405],
  // bad selectors and parameters
  ['bad label selector', 'GET', `${CM}?labelSelector=${encodeURIComponent('a in (')}`, {}, 400],
  ['bad label selector operator', 'GET', `${CM}?labelSelector=${encodeURIComponent('a=>b')}`, {}, 400],
  ['bad field selector', 'GET', `${CM}?fieldSelector=${encodeURIComponent('metadata.name')}`, {}, 400],
  [
    'unsupported field selector',
    'GET',
    `${CM}?fieldSelector=${encodeURIComponent('spec.color=red')}`,
    {},
    400,
  ],
  ['bad selector on watch', 'GET', `${CM}?watch=true&labelSelector=${encodeURIComponent('(((')}`, {}, 400],
  ['negative limit', 'GET', `${CM}?limit=-1`, {}, 400],
  ['bad timeoutSeconds', 'GET', `${CM}?watch=true&timeoutSeconds=soon`, {}, 400],
  ['bad dryRun value', 'POST', `${CM}?dryRun=Some`, { body: { metadata: { name: 'dr' } } }, 400],
  ['bad propagationPolicy', 'DELETE', `${CM}/keep?propagationPolicy=Sideways`, {}, 400],
  [
    'bad includeObject',
    'GET',
    `${CM}?includeObject=Everything`,
    { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    400,
  ],
  // bad patch documents
  ['JSON patch not an array', 'PATCH', `${CM}/keep`, { contentType: JSONP, body: { op: 'add' } }, 400],
  [
    'JSON patch unknown op',
    'PATCH',
    `${CM}/keep`,
    { contentType: JSONP, body: [{ op: 'frobnicate', path: '/data' }] },
    422,
  ],
  [
    'JSON patch bad path',
    'PATCH',
    `${CM}/keep`,
    { contentType: JSONP, body: [{ op: 'remove', path: '/nope/deeper' }] },
    422,
  ],
  [
    'JSON patch replacing metadata by a string',
    'PATCH',
    `${CM}/keep`,
    { contentType: JSONP, body: [{ op: 'replace', path: '/metadata', value: 'x' }] },
    422,
  ],
  ['merge patch not an object', 'PATCH', `${CM}/keep`, { contentType: MERGE, body: [1] }, 400],
  ['merge patch invalid JSON', 'PATCH', `${CM}/keep`, { contentType: MERGE, rawBody: '{"data":' }, 400],
  [
    'merge patch renames',
    'PATCH',
    `${CM}/keep`,
    { contentType: MERGE, body: { metadata: { name: 'renamed' } } },
    400,
  ],
  [
    'merge patch with invalid label',
    'PATCH',
    `${CM}/keep`,
    { contentType: MERGE, body: { metadata: { labels: { a: '!!' } } } },
    422,
  ],
  [
    'strategic patch bad directive',
    'PATCH',
    `${SVC}/keep`,
    { contentType: SMP, body: { spec: { ports: [{ $patch: 'explode', port: 80 }] } } },
    422,
  ],
  [
    'patch with unknown content type',
    'PATCH',
    `${CM}/keep`,
    { contentType: 'text/plain', rawBody: 'x' },
    415,
  ],
  ['patch with JSON content type', 'PATCH', `${CM}/keep`, { contentType: 'application/json', body: {} }, 415],
  ['bad DeleteOptions body', 'DELETE', `${CM}/keep`, { rawBody: '{not json' }, 400],
  // authentication
  ['missing token', 'GET', CM, { token: null }, 401, 'Unauthorized'],
  ['wrong token', 'GET', CM, { token: 'wrong' }, 401, 'Unauthorized'],
  ['missing token on write', 'DELETE', `${CM}/keep`, { token: null }, 401],
  ['missing token on discovery', 'GET', '/apis', { token: null }, 401],
];

test(`${cases.length} malformed requests each get the right status`, async () => {
  expect(cases.length).toBeGreaterThanOrEqual(50);
  const wrong: string[] = [];
  for (const [name, method, path, opts, code, reason] of cases) {
    const r = await h.req(method, path, opts);
    const okCode = r.status === code;
    // Every failure is a metav1.Status (the 401/413 included), except Node's own parser errors.
    const okBody =
      r.body?.kind === 'Status' && r.body.code === code && (reason === undefined || r.body.reason === reason);
    if (!okCode || !okBody)
      wrong.push(`${name}: ${method} ${path.slice(0, 80)} → ${r.status} ${r.text.slice(0, 200)}`);
  }
  expect(wrong).toEqual([]);
});

test('the server is still up and the stored data is intact', async () => {
  expect((await h.req('GET', '/healthz', { token: null })).status).toBe(200);
  expect((await h.req('GET', `${CM}/keep`)).body).toEqual(before.cm);
  expect((await h.req('GET', `${SVC}/keep`)).body).toEqual(before.svc);
  expect((await h.req('GET', '/api/v1/namespaces/bad')).body).toEqual(before.ns);
  const names = (await h.req('GET', CM)).body.items.map(
    (i: { metadata: { name: string } }) => i.metadata.name,
  );
  expect(names).toEqual(['keep']);
  const svcs = (await h.req('GET', SVC)).body.items.map(
    (i: { metadata: { name: string } }) => i.metadata.name,
  );
  expect(svcs).toEqual(['keep']);
  // And it still accepts good requests.
  expect((await h.req('POST', CM, { body: { metadata: { name: 'after' } } })).status).toBe(201);
});
