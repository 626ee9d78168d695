import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { certSecretName } from '../certs/index.js';
import { MANIFEST_DIR, MANIFEST_FILES, parseManifests, type Manifest } from './manifests.js';
import { CONFIG_MAP_NAME, DEFAULT_ETCD_PORT, NAMESPACE, SERVICE_NAME } from './plan.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

function load(): Manifest[] {
  const r = parseManifests(MANIFEST_FILES.map((file) => ({ file, text: readFileSync(join(MANIFEST_DIR, file), 'utf8') })));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

test('deploy/clustermesh-apiserver parses into the objects enable applies, dependencies first', () => {
  const objs = load();
  expect(objs.map((m) => `${m.object.kind}/${m.object.metadata!.name}`)).toEqual([
    'ServiceAccount/clustermesh-apiserver',
    'ClusterRole/clustermesh-apiserver',
    'ClusterRoleBinding/clustermesh-apiserver',
    'Service/clustermesh-apiserver',
    'Deployment/clustermesh-apiserver',
  ]);
  for (const m of objs) {
    if (m.object.kind !== 'ClusterRole' && m.object.kind !== 'ClusterRoleBinding') expect(m.object.metadata!.namespace).toBe(NAMESPACE);
  }
});

test('the Deployment, Service and RBAC fit together and use the Secrets enable writes', () => {
  const byKind = new Map(load().map((m) => [m.object.kind, m.object as Any]));
  const deploy = byKind.get('Deployment');
  const pod = deploy.spec.template.spec;
  const labels = deploy.spec.template.metadata.labels;
  expect(deploy.spec.selector.matchLabels).toEqual(labels);
  const svc = byKind.get('Service');
  expect(svc.metadata.name).toBe(SERVICE_NAME);
  expect(Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v)).toBe(true);
  expect(svc.spec.ports[0]).toMatchObject({ port: DEFAULT_ETCD_PORT, targetPort: DEFAULT_ETCD_PORT });
  expect(pod.serviceAccountName).toBe(byKind.get('ServiceAccount').metadata.name);
  expect(byKind.get('ClusterRoleBinding').subjects[0]).toMatchObject({ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: NAMESPACE });
  expect(byKind.get('ClusterRoleBinding').roleRef.name).toBe(byKind.get('ClusterRole').metadata.name);

  const secrets = pod.volumes.filter((v: Any) => v.secret).map((v: Any) => v.secret.secretName).sort();
  expect(secrets).toEqual([certSecretName('admin'), certSecretName('server')].sort());
  const volumeNames = new Set(pod.volumes.map((v: Any) => v.name));
  const containers = [...pod.initContainers, ...pod.containers];
  for (const c of containers) for (const m of c.volumeMounts ?? []) expect(volumeNames.has(m.name)).toBe(true);

  // etcd keeps running beside the apiserver (native sidecar) and requires client certificates.
  const etcd = pod.initContainers.find((c: Any) => c.name === 'etcd');
  expect(etcd.restartPolicy).toBe('Always');
  expect(etcd.command).toContain('--client-cert-auth');
  expect(etcd.command).toContain(`--listen-client-urls=https://0.0.0.0:${DEFAULT_ETCD_PORT}`);

  // Every $(VAR) an argument uses is defined in that container, from cilium-config.
  for (const c of containers) {
    const defined = new Set((c.env ?? []).map((e: Any) => e.name));
    for (const arg of [...(c.args ?? []), ...(c.command ?? [])]) {
      for (const [, name] of String(arg).matchAll(/\$\(([A-Z_]+)\)/g)) expect(defined.has(name)).toBe(true);
    }
    for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef) expect(e.valueFrom.configMapKeyRef.name).toBe(CONFIG_MAP_NAME);
  }
  const apiserver = pod.containers.find((c: Any) => c.name === 'apiserver');
  expect(apiserver.args.slice(0, 2)).toEqual(['clustermesh-apiserver', 'run']);
  expect(apiserver.args).toContain('--cluster-id=$(CLUSTER_ID)');
});

test('unknown kinds and broken YAML are refused with the file name', () => {
  expect(parseManifests([{ file: 'x.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n' }])).toMatchObject({ ok: false, error: expect.stringContaining('x.yaml: kind Pod') });
  expect(parseManifests([{ file: 'y.yaml', text: 'a: [' }])).toMatchObject({ ok: false, error: expect.stringContaining('y.yaml') });
});
