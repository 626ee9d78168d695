/**
 * `meshlb clustermesh enable` on a sandbox-like cluster (identity ConfigMap and annotated
 * Service present): creates the CA and the four certificates, refuses while nothing answers
 * at the endpoint, succeeds once a TLS server with the issued server certificate does, and
 * keeps valid certificates on a repeat.
 */
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CA_SECRET_NAME, certSecretName, pemFromTlsSecret, verifyChain } from '../../certs/index.js';
import { runClustermesh } from '../../clustermesh-cli/cli.js';
import { sandboxClusterIdentityObjects } from '../../clustermesh-cli/sandbox-objects.js';
import { applyObject, coreResource, getObject, type KubeObject } from '../../k8s/index.js';
import { createServer as createTcpServer } from 'node:net';
import { capture, startClusters, type Clusters } from './clusters.js';

let clusters: Clusters;
let server: Server | undefined;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createTcpServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  clusters = await startClusters(['x']);
  port = await freePort();
  const objs = sandboxClusterIdentityObjects({ name: 'c5', id: 5, endpoints: [`https://localhost:${port}`] });
  for (const [resource, obj] of [['configmaps', objs.configMap], ['services', objs.service]] as const) {
    const r = await applyObject(clusters.kc('x'), coreResource(resource), obj as KubeObject);
    if (!r.ok) throw new Error(r.error.message);
  }
});
afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await clusters?.stop();
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await runClustermesh([...args, '--kubeconfig', clusters.kubeconfig], c.io);
  return { code, out: c.out, err: c.err };
}

async function secretData(name: string): Promise<Record<string, string>> {
  const r = await getObject(clusters.kc('x'), { ...coreResource('secrets'), namespace: 'kube-system', name });
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return (r.value as { data: Record<string, string> }).data;
}

test('issues the CA and certificates, checks the endpoint, keeps valid certificates', async () => {
  const first = await cli('enable', '--context', 'x');
  expect(first.code).toBe(1);
  expect(first.out).toContain('🔑 Created CA in Secret kube-system/cilium-ca');
  expect(first.out).toContain('🔑 Certificates: issued server, admin, local, remote');
  expect(first.err).toMatch(new RegExp(`^Error: context x: clustermesh endpoint https://localhost:${port} is not reachable: .+\\n$`));

  const ca = Buffer.from((await secretData(CA_SECRET_NAME))['ca.crt']!, 'base64').toString();
  const certs: Record<string, Record<string, string>> = {};
  for (const role of ['server', 'admin', 'local', 'remote'] as const) {
    certs[role] = await secretData(certSecretName(role));
    const pem = pemFromTlsSecret({ data: certs[role] });
    if (!pem.ok) throw new Error(pem.error);
    expect(verifyChain(pem.value.certPem, ca).ok).toBe(true);
  }
  const serverPem = pemFromTlsSecret({ data: certs.server! });
  if (!serverPem.ok) throw new Error(serverPem.error);
  server = createServer({ cert: serverPem.value.certPem, key: serverPem.value.keyPem }, (s) => s.end());
  await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));

  const second = await cli('enable', '--context', 'x');
  expect(second.err).toBe('');
  expect(second.code).toBe(0);
  expect(second.out).toBe(`🔑 Certificates: all valid\n✅ Cluster mesh of c5 (ID 5) is enabled; endpoint https://localhost:${port}\n`);
  for (const role of ['server', 'admin', 'local', 'remote'] as const) expect(await secretData(certSecretName(role))).toEqual(certs[role]);
});

test('an unknown context is refused before anything is written', async () => {
  const r = await cli('enable', '--context', 'nope');
  expect(r.code).toBe(1);
  expect(r.err).toContain('context "nope" not found');
});
