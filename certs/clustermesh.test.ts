import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { caFromSecret, clustermeshSecrets, issueClustermeshCerts, type ClustermeshCerts } from './clustermesh.js';
import { createCA } from './issue.js';
import { verifyChain } from './verify.js';

let certs: ClustermeshCerts;

beforeAll(async () => {
  const ca = await createCA({ commonName: 'cilium-ca', validityDays: 10 });
  certs = await issueClustermeshCerts({ ca, clusterName: 'c1', serverDnsNames: ['c1.mesh.cilium.io'], serverIPs: ['10.0.0.5', '127.0.0.1'] });
});

const b64d = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

describe('issueClustermeshCerts', () => {
  test('server certificate carries the service names, localhost and the given IPs', () => {
    const x = new X509Certificate(certs.server.certPem);
    expect(x.subjectAltName?.split(', ')).toEqual([
      'DNS:c1.mesh.cilium.io',
      'DNS:*.mesh.cilium.io',
      'DNS:clustermesh-apiserver.kube-system.svc',
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:10.0.0.5',
    ]);
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
  });

  test('client certificates are named after the etcd users', () => {
    expect(new X509Certificate(certs.admin.certPem).subject).toBe('CN=admin-c1');
    expect(new X509Certificate(certs.local.certPem).subject).toBe('CN=local-c1');
    expect(new X509Certificate(certs.remote.certPem).subject).toBe('CN=remote');
    for (const role of ['admin', 'local', 'remote'] as const) {
      expect(new X509Certificate(certs[role].certPem).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      expect(verifyChain(certs[role].certPem, certs.ca.certPem).ok).toBe(true);
    }
  });
});

describe('clustermeshSecrets', () => {
  test('layout follows the reference: cilium-ca plus four tls Secrets with ca.crt', () => {
    const secrets = clustermeshSecrets(certs, 'kube-system');
    expect(secrets.map((s) => [s.metadata.name, s.type, Object.keys(s.data).sort()])).toEqual([
      ['cilium-ca', 'Opaque', ['ca.crt', 'ca.key']],
      ['clustermesh-apiserver-server-cert', 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
      ['clustermesh-apiserver-admin-cert', 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
      ['clustermesh-apiserver-remote-cert', 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
      ['clustermesh-apiserver-local-cert', 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
    ]);
    const remote = secrets.find((s) => s.metadata.name === 'clustermesh-apiserver-remote-cert');
    expect(b64d(remote?.data['tls.crt'])).toBe(certs.remote.certPem);
    expect(b64d(remote?.data['tls.key'])).toBe(certs.remote.keyPem);
    expect(b64d(remote?.data['ca.crt'])).toBe(certs.ca.certPem);
    expect(secrets.every((s) => s.metadata.namespace === 'kube-system')).toBe(true);
  });

  test('the CA round-trips through its Secret and a broken Secret is refused', () => {
    const [caSec] = clustermeshSecrets(certs);
    expect(caFromSecret(caSec!)).toEqual({ ok: true, value: certs.ca });
    expect(caFromSecret({ data: { 'ca.crt': caSec!.data['ca.crt'] } })).toMatchObject({ ok: false, error: 'secret has no data.ca.key' });
    expect(caFromSecret({ data: { 'ca.crt': caSec!.data['ca.crt'], 'ca.key': Buffer.from(certs.server.keyPem).toString('base64') } }).ok).toBe(false);
  });
});
