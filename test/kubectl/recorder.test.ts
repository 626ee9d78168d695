/**
 * What the real kubectl sends, checked against a recording loopback server that serves only the
 * sandbox's discovery/OpenAPI documents and a trivial store. Independent of the full API server.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { crdToResourceDefs } from '../../sandbox/apiserver/crd.js';
import type { KObject } from '../../sandbox/apiserver/objects.js';
import { BUILTIN_RESOURCES } from '../../sandbox/apiserver/resources.js';
import { startRecorder, type Recorder } from './recorder.js';
import { createKubectl, kubectlAvailable, type Kubectl } from './run.js';

const POOL_CRD = parse(
  readFileSync('deploy/crds/cilium.io_ciliumloadbalancerippools.yaml', 'utf8'),
) as KObject;
const defs = [...BUILTIN_RESOURCES, ...crdToResourceDefs(POOL_CRD)];

const service = (ports: object[]): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { ports },
  });
const pool = (disabled: boolean): string =>
  JSON.stringify({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumLoadBalancerIPPool',
    metadata: { name: 'blue' },
    spec: { blocks: [{ cidr: '198.51.100.0/29' }], disabled },
  });

if (!kubectlAvailable()) console.log('skipping kubectl recorder tests: /usr/bin/kubectl is not installed');

describe.skipIf(!kubectlAvailable())('the real kubectl against a recording server', () => {
  let rec: Recorder;
  let kubectl: Kubectl;
  beforeAll(async () => {
    rec = await startRecorder(defs);
    kubectl = await createKubectl({ server: rec.url, token: 'recorder-token' });
  });
  afterAll(async () => {
    await kubectl?.close();
    await rec?.close();
  });
  const since = (mark: number) => rec.requests.slice(mark);

  test('create namespace sends protobuf that decodes to the Namespace', async () => {
    const mark = rec.requests.length;
    const r = await kubectl.run(['create', 'namespace', 'team-a']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('namespace/team-a created');
    const post = since(mark).find((q) => q.method === 'POST');
    expect(post?.contentType).toBe('application/vnd.kubernetes.protobuf');
    expect(post?.query.get('fieldValidation')).toBe('Strict');
  });

  test('create service clusterip sends protobuf with ports and selector', async () => {
    const r = await kubectl.run(['create', 'service', 'clusterip', 'api', '--tcp=80:8080']);
    expect(r.stdout.trim()).toBe('service/api created');
    const got = await kubectl.run(['get', 'service', 'api', '-o', 'json']);
    expect(JSON.parse(got.stdout)).toMatchObject({
      kind: 'Service',
      spec: {
        type: 'ClusterIP',
        selector: { app: 'api' },
        ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
      },
    });
  });

  test('apply validates server-side: OpenAPI v3 only, fieldValidation=Strict on the create', async () => {
    const mark = rec.requests.length;
    const r = await kubectl.run(['apply', '-f', '-'], service([{ port: 80 }]));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('service/web created');
    const reqs = since(mark);
    expect(reqs.some((q) => q.path === '/openapi/v3/api/v1')).toBe(true);
    expect(reqs.filter((q) => q.path.startsWith('/openapi/v2'))).toEqual([]);
    const post = reqs.find((q) => q.method === 'POST');
    expect(post?.query.get('fieldValidation')).toBe('Strict');
    expect(post?.query.get('fieldManager')).toBe('kubectl-client-side-apply');
  });

  // kubectl only builds patches from OpenAPI v3 when it advertises strategic merge patch; otherwise
  // it asks /openapi/v2 once (a 404 is ignored) and uses its compiled-in types (built-ins) or a
  // JSON merge patch (custom resources), as it does against a real server for CRs.
  test('re-apply of a built-in kind: strategic merge patch from compiled-in types', async () => {
    const mark = rec.requests.length;
    const r = await kubectl.run(['apply', '-f', '-'], service([{ port: 80 }, { port: 443 }]));
    expect(r.stderr).toBe('');
    const reqs = since(mark);
    const patch = reqs.find((q) => q.method === 'PATCH');
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
    expect(JSON.parse(patch!.body.toString())).toMatchObject({
      spec: { '$setElementOrder/ports': [{ port: 80 }, { port: 443 }], ports: [{ port: 443 }] },
    });
    expect(patch?.query.get('fieldValidation')).toBe('Strict');
    expect(r.code).toBe(0);
  });

  test('custom resources: created with fieldValidation=Strict, re-applied with a JSON merge patch', async () => {
    const created = await kubectl.run(['apply', '-f', '-'], pool(false));
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('ciliumloadbalancerippool.cilium.io/blue created');
    const mark = rec.requests.length;
    const patched = await kubectl.run(['apply', '-f', '-'], pool(true));
    expect(patched.stderr).toBe('');
    expect(patched.stdout.trim()).toBe('ciliumloadbalancerippool.cilium.io/blue configured');
    const reqs = since(mark);
    const patch = reqs.find((q) => q.method === 'PATCH');
    expect(patch?.path).toBe('/apis/cilium.io/v2/ciliumloadbalancerippools/blue');
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(JSON.parse(patch!.body.toString())).toMatchObject({ spec: { disabled: true } });
  });

  test('api-resources lists built-in kinds and the CRD with short names and scope', async () => {
    const r = await kubectl.run(['api-resources', '--no-headers']);
    expect(r.stderr).toBe('');
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(rows).toContainEqual(['services', 'svc', 'v1', 'true', 'Service']);
    expect(rows).toContainEqual(['leases', 'coordination.k8s.io/v1', 'true', 'Lease']);
    expect(rows).toContainEqual([
      'ciliumloadbalancerippools',
      'ippools,ippool,lbippool,lbippools',
      'cilium.io/v2',
      'false',
      'CiliumLoadBalancerIPPool',
    ]);
  });
});

describe.skipIf(!kubectlAvailable())('the real kubectl with legacy discovery only', () => {
  let rec: Recorder;
  let kubectl: Kubectl;
  beforeAll(async () => {
    rec = await startRecorder(defs, { legacyOnly: true });
    kubectl = await createKubectl({ server: rec.url, token: 'recorder-token' });
  });
  afterAll(async () => {
    await kubectl?.close();
    await rec?.close();
  });

  test('APIVersions/APIGroupList/APIResourceList are enough for api-resources and resource names', async () => {
    const r = await kubectl.run(['api-resources', '--no-headers']);
    expect(r.stderr).toBe('');
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(rows).toContainEqual(['services', 'svc', 'v1', 'true', 'Service']);
    expect(rows).toContainEqual([
      'ciliumloadbalancerippools',
      'ippools,ippool,lbippool,lbippools',
      'cilium.io/v2',
      'false',
      'CiliumLoadBalancerIPPool',
    ]);
    expect(rows.map((row) => row[0])).not.toContain('services/status');
    expect(rec.requests.some((q) => q.path === '/apis/cilium.io/v2')).toBe(true);
    const created = await kubectl.run(['apply', '-f', '-'], pool(false));
    expect(created.stdout.trim()).toBe('ciliumloadbalancerippool.cilium.io/blue created');
  });
});
