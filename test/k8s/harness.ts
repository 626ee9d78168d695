/**
 * One real etcd plus the sandbox API server (HTTPS, bearer token) for k8s/ tests, and a
 * client-node KubeConfig pointing at it. The server can be stopped and started again on the
 * same port with the same etcd, which is how tests simulate an API server outage.
 */
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { createCA, issueCertificate, type Pem } from '../../certs/index.js';
import { createObject } from '../../k8s/patch.js';
import { kubeRequest } from '../../k8s/request.js';
import type { ResourceType } from '../../k8s/resource.js';
import { silentLogger } from '../../lib/log.js';
import { startApiServer, type ApiServer } from '../../sandbox/apiserver/server.js';
import { stopAllEtcd, type EtcdHandle } from '../../sandbox/etcd/index.js';
import { makeTempDir, startTestEtcd } from '../helpers/etcd.js';

export const TOKEN = 'k8s-test-token';

export interface Harness {
  readonly etcd: EtcdHandle;
  readonly dir: string;
  /** The API server the KubeConfig points at (undefined while stopped). */
  readonly server: ApiServer | undefined;
  readonly port: number;
  readonly kc: KubeConfig;
  readonly kubeconfigPath: string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Another API server on the same etcd, for making changes while the main one is down. */
  startSideServer(): Promise<{ kc: KubeConfig; stop(): Promise<void> }>;
}

export function kubeConfigFor(url: string, ca: string, token = TOKEN): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: url, caData: Buffer.from(ca).toString('base64') }],
    users: [{ name: 'test', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return kc;
}

function kubeconfigYaml(url: string, ca: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: url, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: 'test', user: { token: TOKEN } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
    'current-context': 'test',
  });
}

export function withApiServer(): Harness {
  let etcd: EtcdHandle | undefined;
  let dir: string | undefined;
  let server: ApiServer | undefined;
  let port = 0;
  let kc: KubeConfig | undefined;
  let kubeconfigPath = '';
  let ca: Pem | undefined;
  let serverCert: Pem | undefined;
  const sides: ApiServer[] = [];

  const start = async (atPort: number): Promise<ApiServer> => {
    const r = await startApiServer({
      kv: { endpoints: etcd!.clientUrls },
      port: atPort,
      tls: { cert: serverCert!.certPem, key: serverCert!.keyPem },
      token: TOKEN,
      logger: silentLogger,
      bookmarkIntervalMs: 1000,
    });
    if (!r.ok) throw new Error(`API server did not start: ${r.error}`);
    return r.value;
  };

  beforeAll(async () => {
    dir = makeTempDir('meshlb-k8s-');
    etcd = await startTestEtcd(dir);
    ca = await createCA({ commonName: 'k8s-test-ca', validityDays: 1 });
    serverCert = await issueCertificate(ca, {
      commonName: 'apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server'], validityDays: 1,
    });
    server = await start(0);
    port = server.port;
    kc = kubeConfigFor(server.url, ca.certPem);
    kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server.url, ca.certPem), { mode: 0o600 });
  });

  afterAll(async () => {
    try {
      for (const s of sides.splice(0)) await s.stop();
      await server?.stop();
      server = undefined;
      await stopAllEtcd();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('withApiServer: used before beforeAll ran');
    return v;
  };
  return {
    get etcd() { return need(etcd); },
    get dir() { return need(dir); },
    get server() { return server; },
    get port() { return port; },
    get kc() { return need(kc); },
    get kubeconfigPath() { return kubeconfigPath; },
    async stopServer() {
      await server?.stop();
      server = undefined;
    },
    async startServer() {
      if (!server) server = await start(port);
    },
    async startSideServer() {
      const side = await start(0);
      sides.push(side);
      return {
        kc: kubeConfigFor(side.url, need(ca).certPem),
        stop: async () => {
          sides.splice(sides.indexOf(side), 1);
          await side.stop();
        },
      };
    },
  };
}

export const widgets: ResourceType = { group: 'test.meshlb.io', version: 'v1', resource: 'widgets' };

/** A namespaced test CRD (`Widget`, spec.size, status.phase) with a status subresource; waits until served. */
export async function createWidgetCrd(kc: KubeConfig): Promise<void> {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.test.meshlb.io' },
    spec: {
      group: 'test.meshlb.io',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{
        name: 'v1', served: true, storage: true, subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', properties: { size: { type: 'integer' } } },
          status: { type: 'object', properties: { phase: { type: 'string' } } },
        } } },
      }],
    },
  };
  const created = await createObject(kc, { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' }, crd);
  if (!created.ok) throw new Error(`creating the Widget CRD: ${created.error.message}`);
  const until = Date.now() + 10_000;
  for (;;) {
    const r = await kubeRequest(kc, { method: 'GET', path: '/apis/test.meshlb.io/v1/namespaces/default/widgets' });
    if (r.ok) return;
    if (Date.now() > until) throw new Error(`widgets never served: ${r.error.message}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
