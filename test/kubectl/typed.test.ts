/**
 * The real kubectl against the sandbox API server: typed `create` subcommands (protobuf bodies),
 * selectors, patch types, and custom-resource specifics (415 on strategic merge, explain).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Harness, startHarness } from '../apiserver/harness.js';
import { createKubectl, kubectlAvailable, ok, table, type Kubectl, type KubectlResult } from './run.js';

const NS = 'typed';
const POOL_CRD = 'deploy/crds/cilium.io_ciliumloadbalancerippools.yaml';

if (!kubectlAvailable()) console.log('skipping kubectl end-to-end tests: /usr/bin/kubectl is not installed');

describe.skipIf(!kubectlAvailable())('kubectl typed creates, selectors and patches', () => {
  let h: Harness;
  let kubectl: Kubectl;
  beforeAll(async () => {
    h = await startHarness();
    kubectl = await createKubectl({ server: h.server.url, token: h.token, caPem: h.ca });
    ok(await kubectl.run(['create', 'namespace', NS]));
  });
  afterAll(async () => {
    await kubectl?.close();
    await h?.stop();
  });
  const k = (...args: string[]): Promise<KubectlResult> => kubectl.run(args);
  const getJson = async (...args: string[]) => JSON.parse(ok(await k('get', ...args, '-o', 'json')));

  test('create secret, configmap and services from typed subcommands (protobuf)', async () => {
    expect(
      ok(await k('-n', NS, 'create', 'secret', 'generic', 's1', '--from-literal=user=admin')).trim(),
    ).toBe('secret/s1 created');
    expect(ok(await k('-n', NS, 'create', 'configmap', 'c1', '--from-literal=a=b')).trim()).toBe(
      'configmap/c1 created',
    );
    ok(await k('-n', NS, 'create', 'service', 'clusterip', 'web', '--tcp=80:8080'));
    ok(await k('-n', NS, 'create', 'service', 'loadbalancer', 'lb', '--tcp=443:8443'));

    expect(await getJson('-n', NS, 'secret', 's1')).toMatchObject({
      type: 'Opaque',
      data: { user: 'YWRtaW4=' },
    });
    expect((await getJson('-n', NS, 'configmap', 'c1')).data).toEqual({ a: 'b' });
    expect((await getJson('-n', NS, 'service', 'web')).spec).toMatchObject({
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }],
    });
  });

  test('tables across kinds: secrets and configmaps columns, LoadBalancer pending with its node port', async () => {
    const out = ok(await k('-n', NS, 'get', 'secret,configmap,service'));
    const blocks = out.trim().split('\n\n').map(table);
    expect(blocks[0]?.[0]).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
    expect(blocks[0]?.[1]?.slice(0, 3)).toEqual(['secret/s1', 'Opaque', '1']);
    expect(blocks[1]?.[0]).toEqual(['NAME', 'DATA', 'AGE']);
    const lb = blocks[2]?.find((r) => r[0] === 'service/lb');
    const nodePort = (await getJson('-n', NS, 'service', 'lb')).spec.ports[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(lb?.slice(1, 5)).toEqual([
      'LoadBalancer',
      expect.stringMatching(/^10\./),
      '<pending>',
      `443:${nodePort}/TCP`,
    ]);
  });

  test('-A adds NAMESPACE, --show-labels adds LABELS; label and field selectors filter', async () => {
    const all = table(ok(await k('get', 'services', '-A', '--show-labels')));
    expect(all[0]).toEqual([
      'NAMESPACE',
      'NAME',
      'TYPE',
      'CLUSTER-IP',
      'EXTERNAL-IP',
      'PORT(S)',
      'AGE',
      'LABELS',
    ]);
    expect(all.find((r) => r[1] === 'web')?.[0]).toBe(NS);
    expect(all.find((r) => r[1] === 'web')?.[7]).toBe('app=web');
    const byLabel = table(ok(await k('-n', NS, 'get', 'services', '-l', 'app=lb', '-o', 'name')));
    expect(byLabel).toEqual([['service/lb']]);
    const byField = table(
      ok(await k('-n', NS, 'get', 'services', '--field-selector', 'metadata.name=web', '-o', 'name')),
    );
    expect(byField).toEqual([['service/web']]);
  });

  test('patch: JSON patch, and a strategic merge patch that merges Service ports by port', async () => {
    ok(
      await k(
        '-n',
        NS,
        'patch',
        'service',
        'web',
        '--type=json',
        '-p',
        '[{"op":"add","path":"/metadata/labels/j","value":"1"}]',
      ),
    );
    expect((await getJson('-n', NS, 'service', 'web')).metadata.labels).toEqual({ app: 'web', j: '1' });
    const merged = '{"spec":{"ports":[{"name":"extra","port":81,"targetPort":81}]}}';
    ok(await k('-n', NS, 'patch', 'service', 'web', '-p', merged));
    const ports = (await getJson('-n', NS, 'service', 'web')).spec.ports.map((p: { port: number }) => p.port);
    expect(ports.sort()).toEqual([80, 81]);
  });

  test('delete with a label selector', async () => {
    expect(ok(await k('-n', NS, 'delete', 'service', '-l', 'app=lb')).trim()).toBe('service "lb" deleted');
    expect(table(ok(await k('-n', NS, 'get', 'services', '-o', 'name')))).toEqual([['service/web']]);
  });

  describe('custom resources', () => {
    beforeAll(async () => {
      ok(await k('apply', '-f', POOL_CRD));
      ok(
        await k(
          'wait',
          '--for=condition=Established',
          'crd/ciliumloadbalancerippools.cilium.io',
          '--timeout=30s',
        ),
      );
      const pool = {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumLoadBalancerIPPool',
        metadata: { name: 'p' },
        spec: { blocks: [{ cidr: '10.0.0.0/24' }] },
      };
      ok(await kubectl.run(['apply', '-f', '-'], JSON.stringify(pool)));
    });

    test('a strategic merge patch is refused (415) as Kubernetes does; a merge patch works', async () => {
      const r = await k('patch', 'ippool', 'p', '-p', '{"spec":{"disabled":true}}');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'application/strategic-merge-patch+json is not supported by cilium.io/v2, Kind=CiliumLoadBalancerIPPool',
      );
      ok(await k('patch', 'ippool', 'p', '--type=merge', '-p', '{"spec":{"disabled":true}}'));
      expect(table(ok(await k('get', 'ippool', 'p')))[1]?.slice(0, 2)).toEqual(['p', 'true']);
    });

    test('explain reads the CRD schema from OpenAPI v3', async () => {
      const out = ok(await k('explain', 'ippools.spec'));
      expect(out).toContain('KIND:       CiliumLoadBalancerIPPool');
      expect(out).toMatch(/blocks\s+<\[\]Object> -required-/);
      expect(out).toMatch(/allowFirstLastIPs\s+<string>\s+enum: Yes, No/);
    });

    // kubectl sends fieldValidation=Strict on every apply/create; Kubernetes answers
    // `strict decoding error: unknown field "spec.bogus"` rather than pruning silently.
    test('unknown fields are refused under the default --validate=strict', async () => {
      const bad = {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumLoadBalancerIPPool',
        metadata: { name: 'bad' },
        spec: { blocks: [], bogus: 1 },
      };
      const r = await kubectl.run(['apply', '-f', '-'], JSON.stringify(bad));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('unknown field "spec.bogus"');
      const cm = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'typo', namespace: 'default' },
        dat: { a: 'b' },
      };
      const r2 = await kubectl.run(['apply', '-f', '-'], JSON.stringify(cm));
      expect(r2.code).toBe(1);
      expect(r2.stderr).toContain('unknown field "dat"');
    });
  });
});
