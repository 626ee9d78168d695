/**
 * The real kubectl v1.32 against the sandbox API server (real etcd, HTTPS, token auth), with a
 * fresh discovery cache: the commands operators and our own scenario tests use.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Harness, startHarness } from '../apiserver/harness.js';
import {
  createKubectl,
  kubectlAvailable,
  lineStream,
  ok,
  table,
  type Kubectl,
  type KubectlResult,
} from './run.js';

const NS = 'team-a';
const POOL_CRD = 'deploy/crds/cilium.io_ciliumloadbalancerippools.yaml';

function service(ports: { name: string; port: number }[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: NS, ...extra },
    spec: {
      selector: { app: 'web' },
      ports: ports.map((p) => ({ ...p, protocol: 'TCP', targetPort: p.port })),
    },
  });
}

function configMap(data: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: NS },
    data,
  });
}

if (!kubectlAvailable()) console.log('skipping kubectl end-to-end tests: /usr/bin/kubectl is not installed');

describe.skipIf(!kubectlAvailable())('kubectl against the sandbox API server', () => {
  let h: Harness;
  let kubectl: Kubectl;
  beforeAll(async () => {
    h = await startHarness();
    kubectl = await createKubectl({ server: h.server.url, token: h.token, caPem: h.ca });
  });
  afterAll(async () => {
    await kubectl?.close();
    await h?.stop();
  });
  const k = (...args: string[]): Promise<KubectlResult> => kubectl.run(args);
  const getJson = async (...args: string[]) => JSON.parse(ok(await k('get', ...args, '-o', 'json')));

  test('create namespace (a protobuf body) and list it as a table', async () => {
    expect(ok(await k('create', 'namespace', NS)).trim()).toBe(`namespace/${NS} created`);
    expect((await getJson('namespace', NS)).metadata.name).toBe(NS);
    const rows = table(ok(await k('get', 'namespaces')));
    expect(rows[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(rows.find((r) => r[0] === NS)?.slice(0, 2)).toEqual([NS, 'Active']);
  });

  test('apply creates, re-apply adds and removes ports, unchanged apply is a no-op', async () => {
    const applied = ok(
      await kubectl.run(
        ['apply', '-f', '-'],
        service([
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ]),
      ),
    );
    expect(applied.trim()).toBe('service/web created');
    const changed = service([
      { name: 'http', port: 80 },
      { name: 'metrics', port: 9090 },
    ]);
    expect(ok(await kubectl.run(['apply', '-f', '-'], changed)).trim()).toBe('service/web configured');
    const svc = await getJson('-n', NS, 'service', 'web');
    expect(svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([
      ['http', 80],
      ['metrics', 9090],
    ]);
    expect(svc.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('metrics');
    expect(ok(await kubectl.run(['apply', '-f', '-'], changed)).trim()).toBe('service/web unchanged');
  });

  test('label and annotate, then remove both with key-', async () => {
    ok(await k('-n', NS, 'label', 'service', 'web', 'tier=front'));
    ok(await k('-n', NS, 'annotate', 'service', 'web', 'owner=team-a'));
    let svc = await getJson('-n', NS, 'service', 'web');
    expect(svc.metadata.labels).toEqual({ tier: 'front' });
    expect(svc.metadata.annotations.owner).toBe('team-a');
    ok(await k('-n', NS, 'label', 'service', 'web', 'tier-'));
    ok(await k('-n', NS, 'annotate', 'service', 'web', 'owner-'));
    svc = await getJson('-n', NS, 'service', 'web');
    expect(svc.metadata.labels ?? {}).toEqual({});
    expect(svc.metadata.annotations.owner).toBeUndefined();
  });

  test('get services prints the Kubernetes columns; -o wide adds SELECTOR', async () => {
    const svc = await getJson('-n', NS, 'service', 'web');
    const rows = table(ok(await k('-n', NS, 'get', 'services')));
    expect(rows[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(rows[1]?.slice(0, 5)).toEqual([
      'web',
      'ClusterIP',
      svc.spec.clusterIP,
      '<none>',
      '80/TCP,9090/TCP',
    ]);
    expect(rows[1]?.[5]).toMatch(/^\d+s$/);
    const wide = table(ok(await k('-n', NS, 'get', 'services', '-o', 'wide')));
    expect(wide[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(wide[1]?.[6]).toBe('app=web');
  });

  test('get -w prints the list, then changes as they happen', async () => {
    ok(await k('-n', NS, 'create', 'configmap', 'first'));
    const child = kubectl.spawn(['-n', NS, 'get', 'configmaps', '-w']);
    const watch = lineStream(child);
    try {
      const listed = await watch.waitFor((l) => l.startsWith('first'));
      expect(table(listed.join('\n'))[0]).toEqual(['NAME', 'DATA', 'AGE']);
      ok(await k('-n', NS, 'create', 'configmap', 'watched', '--from-literal=a=1'));
      await watch.waitFor((l) => /^watched\s+1\s/.test(l));
      ok(await k('-n', NS, 'patch', 'configmap', 'watched', '--type=merge', '-p', '{"data":{"b":"2"}}'));
      await watch.waitFor((l) => /^watched\s+2\s/.test(l));
      expect(watch.lines.filter((l) => l.startsWith('NAME'))).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('get NAME -w follows one object only', async () => {
    ok(await k('-n', NS, 'create', 'configmap', 'other'));
    const child = kubectl.spawn(['-n', NS, 'get', 'configmap', 'watched', '-w', '-o', 'name']);
    const watch = lineStream(child);
    try {
      await watch.waitFor((l) => l === 'configmap/watched');
      ok(await k('-n', NS, 'label', 'configmap', 'other', 'x=1'));
      ok(await k('-n', NS, 'label', 'configmap', 'watched', 'x=1'));
      const lines = await watch.waitFor(
        (l) => l === 'configmap/watched' && watch.lines.filter((x) => x === l).length >= 2,
      );
      expect(lines.every((l) => l === 'configmap/watched')).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('wait --for=jsonpath and --for=delete', async () => {
    const waiting = kubectl.run([
      '-n',
      NS,
      'wait',
      'configmap/watched',
      '--for=jsonpath={.data.ready}=yes',
      '--timeout=30s',
    ]);
    await new Promise((r) => setTimeout(r, 500));
    ok(await k('-n', NS, 'patch', 'configmap', 'watched', '--type=merge', '-p', '{"data":{"ready":"yes"}}'));
    expect(ok(await waiting).trim()).toBe('configmap/watched condition met');

    const deleting = kubectl.run(['-n', NS, 'wait', 'configmap/other', '--for=delete', '--timeout=30s']);
    await new Promise((r) => setTimeout(r, 500));
    expect(ok(await k('-n', NS, 'delete', 'configmap', 'other')).trim()).toBe('configmap "other" deleted');
    expect(ok(await deleting).trim()).toBe('configmap/other condition met');
    const gone = await k('-n', NS, 'get', 'configmap', 'other');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('NotFound');
  });

  test('apply --server-side creates and updates', async () => {
    const created = ok(await kubectl.run(['apply', '--server-side', '-f', '-'], configMap({ mode: 'a' })));
    expect(created.trim()).toBe('configmap/settings serverside-applied');
    ok(await kubectl.run(['apply', '--server-side', '-f', '-'], configMap({ mode: 'b', extra: 'x' })));
    expect((await getJson('-n', NS, 'configmap', 'settings')).data).toEqual({ mode: 'b', extra: 'x' });
  });

  test('dry runs on the server change nothing', async () => {
    const before = await getJson('-n', NS, 'service', 'web');
    const dry = ok(
      await kubectl.run(['apply', '--dry-run=server', '-f', '-'], service([{ name: 'http', port: 81 }])),
    );
    expect(dry.trim()).toBe('service/web configured (server dry run)');
    const after = await getJson('-n', NS, 'service', 'web');
    expect(after.spec.ports).toEqual(before.spec.ports);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    const dryDelete = ok(await k('-n', NS, 'delete', 'service', 'web', '--dry-run=server'));
    expect(dryDelete.trim()).toBe('service "web" deleted (server dry run)');
    expect((await getJson('-n', NS, 'service', 'web')).metadata.uid).toBe(before.metadata.uid);
  });

  test('delete removes the object', async () => {
    expect(ok(await k('-n', NS, 'delete', 'service', 'web')).trim()).toBe('service "web" deleted');
    expect((await k('-n', NS, 'get', 'service', 'web')).stderr).toContain('NotFound');
  });

  test('api-resources lists our kinds', async () => {
    const rows = table(ok(await k('api-resources', '--no-headers'))).map((r) => r.join(' '));
    expect(rows).toContain('services svc v1 true Service');
    expect(rows).toContain('endpointslices discovery.k8s.io/v1 true EndpointSlice');
    expect(rows).toContain(
      'customresourcedefinitions crd,crds apiextensions.k8s.io/v1 false CustomResourceDefinition',
    );
  });

  test('a CRD from deploy/crds: apply it, create a pool, see its printer columns', async () => {
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
      metadata: { name: 'blue' },
      spec: { blocks: [{ cidr: '198.51.100.0/29' }] },
    };
    expect(ok(await kubectl.run(['apply', '-f', '-'], JSON.stringify(pool))).trim()).toBe(
      'ciliumloadbalancerippool.cilium.io/blue created',
    );
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      status: {
        conditions: [
          {
            type: 'cilium.io/IPsAvailable',
            status: 'Unknown',
            reason: 'noreason',
            message: '8',
            lastTransitionTime: now,
          },
          {
            type: 'cilium.io/PoolConflict',
            status: 'False',
            reason: 'resolved',
            message: '',
            lastTransitionTime: now,
          },
        ],
      },
    };
    ok(
      await k(
        'patch',
        'ippool',
        'blue',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify(status),
      ),
    );
    const rows = table(ok(await k('get', 'ippools')));
    expect(rows[0]).toEqual(['NAME', 'DISABLED', 'CONFLICTING', 'IPS AVAILABLE', 'AGE']);
    expect(rows[1]?.slice(0, 4)).toEqual(['blue', 'false', 'False', '8']);
    const rows2 = table(ok(await k('api-resources', '--api-group=cilium.io', '--no-headers'))).map((r) =>
      r.join(' '),
    );
    expect(rows2).toEqual([
      'ciliumloadbalancerippools ippools,ippool,lbippool,lbippools cilium.io/v2 false CiliumLoadBalancerIPPool',
    ]);
  });
});
