/**
 * Bad objects in the cluster are skipped with a log line and a metric; everything else is
 * still published, and incremental changes (namespace annotation, slices, deletes) follow.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApiserver, type RunningApiserver } from '../../clustermesh-apiserver/index.js';
import { createLogger } from '../../lib/log.js';
import { contents, seed, startMeshEnv, unseed, waitFor, type MeshEnv } from './env.js';

const svc = (ns: string, name: string, over: { ip?: string; global?: string; labels?: Record<string, string> } = {}) => ({
  metadata: { namespace: ns, name, labels: over.labels ?? {}, annotations: { 'service.cilium.io/global': over.global ?? 'true' } },
  spec: { type: 'ClusterIP', clusterIP: over.ip ?? '10.96.0.10', clusterIPs: [over.ip ?? '10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});
const slice = (ns: string, name: string, service: string, ips: string[], extra: Record<string, unknown> = {}) => ({
  metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ...extra,
});
const ns = (name: string, annotations: Record<string, string> = {}) => ({ metadata: { name, annotations } });
const identity = (id: number, labels: Record<string, string>) => ({
  metadata: { name: String(id) },
  'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c1', 'k8s:io.kubernetes.pod.namespace': 'app', ...labels },
});
const cep = (name: string, ip: string, id: number) => ({
  metadata: { namespace: 'app', name },
  status: { identity: { id }, networking: { addressing: [{ ipv4: ip }], node: '172.18.0.2' } },
});
const node = (name: string, ip: string) => ({ metadata: { name }, spec: {}, status: { addresses: [{ type: 'InternalIP', address: ip }] } });

let env: MeshEnv;
let apiserver: RunningApiserver | undefined;
const logLines: string[] = [];
const S = 'cilium/state/services/v1/c1/';

beforeAll(async () => {
  env = await startMeshEnv();
  const kv = env.api.kv;
  await seed(kv, 'namespaces', [ns('app'), ns('odd', { 'clustermesh.cilium.io/global': 'maybe' })]);
  await seed(kv, 'services', [
    svc('app', 'good'), svc('app', 'bad-ip', { ip: '10.96.0.999' }), svc('app', 'bad-annotation', { global: 'yes' }), svc('odd', 'in-odd'),
    { metadata: { namespace: 'app', name: 'no-spec', annotations: { 'service.cilium.io/global': 'true' } } },
  ]);
  await seed(kv, 'endpointslices', [slice('app', 'good-1', 'good', ['10.244.0.5']), slice('app', 'good-bad', 'good', ['fd00::1'])]);
  await seed(kv, 'ciliumidentities', [identity(65536 + 300, { 'k8s:app': 'web' }), identity(65536 + 301, { 'k8s:app': 'x'.repeat(300) })]);
  await seed(kv, 'ciliumendpoints', [cep('web-1', '10.244.0.5', 65536 + 300), cep('broken', '10.244.0.500', 65536 + 300)]);
  await seed(kv, 'nodes', [node('n1', '172.18.0.2'), node('n2', 'not-an-ip')]);
  const started = await startApiserver(
    { clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, defaultGlobalNamespace: true, etcdEndpoints: env.meshEtcd.clientUrls, healthPort: 0 },
    createLogger({}, (l) => logLines.push(l), 'warn'),
    { kc: env.kc, coalesceMs: 10 },
  );
  if (!started.ok) throw new Error(started.error);
  apiserver = started.value;
  await started.value.initialSync;
}, 60_000);

afterAll(async () => {
  await apiserver?.stop();
  await env?.stop();
});

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${apiserver!.observability!.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('bad input', () => {
  test('everything valid is published; nothing invalid is', async () => {
    const keys = [...(await contents(env.mesh, 'cilium/state/')).keys()].sort();
    expect(keys).toEqual([
      'cilium/state/identities/v1/id/65836',
      'cilium/state/ip/v1/default/10.244.0.5',
      'cilium/state/nodes/v1/c1/n1',
      `${S}app/good`,
      `${S}odd/in-odd`, // a bad namespace annotation falls back to the default (global)
    ]);
    const good = JSON.parse((await contents(env.mesh, `${S}app/good`)).get(`${S}app/good`)!);
    expect(good.backends).toEqual({ '10.244.0.5': { http: { Protocol: 'TCP', Port: 8080 } } });
  });

  test('each rejection has a log line naming the object and the reason, and a metric', async () => {
    const expectations: [string, RegExp, string][] = [
      ['Service', /name=bad-ip reason="clusterIP \\"10.96.0.999\\" is not an IP address"/, 'invalid_ip'],
      ['Service', /name=bad-annotation reason=".*service.cilium.io\/global has value \\"yes\\"/, 'invalid_annotation'],
      ['Service', /name=no-spec reason="spec: /, 'missing_field'],
      ['EndpointSlice', /name=good-bad reason=.*fd00::1/, 'invalid_ip'],
      ['Namespace', /name=odd reason=.*maybe/, 'invalid_annotation'],
      ['CiliumIdentity', /name=65837 reason=.*longer than/, 'oversized'],
      ['CiliumEndpoint', /name=broken reason=.*10.244.0.500/, 'invalid_ip'],
      ['Node', /name=n2 reason=.*not-an-ip/, 'invalid_ip'],
    ];
    for (const [kind, re, reason] of expectations) {
      expect(logLines.filter((l) => l.includes(`kind=${kind}`) && re.test(l)), `${kind} ${re}`).toHaveLength(1);
      expect(await metric('cilium_clustermesh_apiserver_rejected_objects_total', `kind="${kind}",reason="${reason}"`), `${kind} ${reason}`).toBeGreaterThanOrEqual(1);
    }
    const total = logLines.filter((l) => l.includes('object rejected')).length;
    expect(total).toBe(expectations.length);
  });
});

describe('incremental changes', () => {
  const has = async (key: string): Promise<boolean> => {
    const r = await env.mesh.get(key);
    return r.ok && r.value !== undefined;
  };

  test('fixing a bad object publishes it; breaking a good one withdraws it', async () => {
    await seed(env.api.kv, 'services', [svc('app', 'bad-ip', { ip: '10.96.0.99' }), svc('app', 'good', { ip: 'nope' })]);
    await waitFor('bad-ip published and good withdrawn', async () => ((await has(`${S}app/bad-ip`)) && !(await has(`${S}app/good`)) ? true : undefined), 10_000);
    await seed(env.api.kv, 'services', [svc('app', 'good')]);
    await waitFor('good back', async () => ((await has(`${S}app/good`)) ? true : undefined), 10_000);
  });

  test('an EndpointSlice change rewrites its service; a namespace turning non-global withdraws its services', async () => {
    await seed(env.api.kv, 'endpointslices', [slice('app', 'good-1', 'good', ['10.244.0.5', '10.244.0.6'])]);
    await waitFor('two backends', async () => {
      const v = (await contents(env.mesh, `${S}app/good`)).get(`${S}app/good`);
      return v && Object.keys(JSON.parse(v).backends).length === 2 ? true : undefined;
    }, 10_000);
    await seed(env.api.kv, 'namespaces', [ns('odd', { 'clustermesh.cilium.io/global': 'false' })]);
    await waitFor('odd withdrawn', async () => (!(await has(`${S}odd/in-odd`)) ? true : undefined), 10_000);
    await unseed(env.api.kv, 'ciliumendpoints', [cep('web-1', '10.244.0.5', 65836)]);
    await waitFor('ipcache entry removed', async () => (!(await has('cilium/state/ip/v1/default/10.244.0.5')) ? true : undefined), 10_000);
  });
});
