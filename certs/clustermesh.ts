/**
 * The clustermesh certificate set and the Secrets that carry it, laid out as
 * shared/reference/clustermesh.md describes (names and keys are a contract with Cilium's
 * agents and helm chart). Issuance is async (key generation); the Secret builders are pure.
 */
import { fail, ok, type Result } from '../lib/result.js';
import { issueCertificate, type Pem } from './issue.js';
import { loadCA } from './verify.js';

export interface ClustermeshCertOptions {
  readonly ca: Pem;
  readonly clusterName: string;
  readonly serverDnsNames?: readonly string[];
  readonly serverIPs?: readonly string[];
  readonly validityDays?: number;
  readonly namespace?: string;
}

export interface ClustermeshCerts {
  readonly ca: Pem;
  readonly server: Pem;
  readonly admin: Pem;
  readonly local: Pem;
  readonly remote: Pem;
}

export const DEFAULT_CERT_VALIDITY_DAYS = 365 * 3;
export const CA_SECRET_NAME = 'cilium-ca';
export const clientRoles = ['admin', 'local', 'remote'] as const;
export type CertRole = 'server' | (typeof clientRoles)[number];

export function certSecretName(role: CertRole): string {
  return `clustermesh-apiserver-${role}-cert`;
}

/** The etcd user each client certificate authenticates as (etcd takes the user from the CN). */
export function etcdUserFor(role: (typeof clientRoles)[number], clusterName: string): string {
  return role === 'remote' ? 'remote' : `${role}-${clusterName}`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function serverDnsNamesFor(namespace: string, extra: readonly string[]): string[] {
  return unique([...extra, '*.mesh.cilium.io', `clustermesh-apiserver.${namespace}.svc`, 'localhost']);
}

export async function issueClustermeshCerts(opts: ClustermeshCertOptions): Promise<ClustermeshCerts> {
  const validityDays = opts.validityDays ?? DEFAULT_CERT_VALIDITY_DAYS;
  const namespace = opts.namespace ?? 'kube-system';
  const client = (role: (typeof clientRoles)[number]) =>
    issueCertificate(opts.ca, { commonName: etcdUserFor(role, opts.clusterName), usages: ['client'], validityDays });
  // The server certificate is also a client one: etcd peers and the apiserver's own health
  // checks present it, and Cilium issues it the same way.
  const [server, admin, local, remote] = await Promise.all([
    issueCertificate(opts.ca, {
      commonName: 'clustermesh-apiserver.cilium.io',
      dnsNames: serverDnsNamesFor(namespace, opts.serverDnsNames ?? []),
      ipAddresses: unique(['127.0.0.1', ...(opts.serverIPs ?? [])]),
      usages: ['server', 'client'],
      validityDays,
    }),
    client('admin'),
    client('local'),
    client('remote'),
  ]);
  return { ca: opts.ca, server, admin, local, remote };
}

export interface SecretObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> };
  readonly type: string;
  readonly data: Record<string, string>;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export function caSecret(ca: Pem, namespace = 'kube-system'): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CA_SECRET_NAME, namespace },
    type: 'Opaque',
    data: { 'ca.crt': b64(ca.certPem), 'ca.key': b64(ca.keyPem) },
  };
}

export function tlsSecret(name: string, cert: Pem, caPem: string, namespace = 'kube-system'): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem), 'ca.crt': b64(caPem) },
  };
}

/** `cilium-ca` first, then the four `clustermesh-apiserver-*-cert` Secrets. */
export function clustermeshSecrets(certs: ClustermeshCerts, namespace = 'kube-system'): SecretObject[] {
  const roles: CertRole[] = ['server', 'admin', 'remote', 'local'];
  return [
    caSecret(certs.ca, namespace),
    ...roles.map((role) => tlsSecret(certSecretName(role), certs[role], certs.ca.certPem, namespace)),
  ];
}

function decodeField(data: Record<string, unknown> | undefined, key: string): Result<string> {
  const v = data?.[key];
  if (typeof v !== 'string' || v === '') return fail(`secret has no data.${key}`);
  return ok(Buffer.from(v, 'base64').toString('utf8'));
}

/** Reuses an existing CA from a `cilium-ca` Secret (as read from the API: base64 `data`). */
export function caFromSecret(secret: { data?: Record<string, unknown> }): Result<Pem> {
  const cert = decodeField(secret.data, 'ca.crt');
  if (!cert.ok) return cert;
  const key = decodeField(secret.data, 'ca.key');
  if (!key.ok) return key;
  return loadCA(cert.value, key.value);
}
