import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  caFromSecret, clustermeshSecrets, issueClustermeshCerts, pemFromTlsSecret, renewClustermeshCerts, rolesNeedingReissue,
  type ClustermeshCerts,
} from './clustermesh.js';
import { createCA, issueCertificate } from './issue.js';
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

describe('renewal', () => {
  test('nothing is reissued while every certificate is fresh and from the current CA', async () => {
    const { reissued, certs: kept } = await renewClustermeshCerts({ ca: certs.ca, clusterName: 'c1' }, certs);
    expect(reissued).toEqual([]);
    expect(kept.remote).toBe(certs.remote);
  });

  test('missing, expiring and foreign-CA certificates are reissued; the rest are kept', async () => {
    const ca = certs.ca;
    const t0 = new Date();
    const shortLived = await issueCertificate(ca, { commonName: 'admin-c1', usages: ['client'], validityDays: 3, now: t0 });
    const otherCa = await createCA({ commonName: 'other', validityDays: 10 });
    const foreign = await issueCertificate(otherCa, { commonName: 'local-c1', usages: ['client'], validityDays: 10 });
    const existing = { server: certs.server, admin: shortLived, local: foreign };
    const at = new Date(t0.getTime() + 2.5 * 86_400_000);
    expect(rolesNeedingReissue(ca, existing, at)).toEqual(['admin', 'local', 'remote']);
    const { certs: renewed, reissued } = await renewClustermeshCerts({ ca, clusterName: 'c1' }, existing, at);
    expect(reissued).toEqual(['admin', 'local', 'remote']);
    expect(renewed.server).toBe(certs.server);
    expect(new X509Certificate(renewed.local.certPem).subject).toBe('CN=local-c1');
    expect(verifyChain(renewed.local.certPem, ca.certPem).ok).toBe(true);
  });

  test('a tls Secret round-trips to a Pem', () => {
    const secret = clustermeshSecrets(certs).find((s) => s.metadata.name === 'clustermesh-apiserver-admin-cert')!;
    expect(pemFromTlsSecret(secret)).toEqual({ ok: true, value: certs.admin });
    expect(pemFromTlsSecret({ data: {} })).toMatchObject({ ok: false, error: 'secret has no data.tls.crt' });
  });
});
