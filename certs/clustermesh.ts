/**
 * The clustermesh certificate set and the Secrets that carry it, laid out as
 * shared/reference/clustermesh.md describes (names and keys are a contract with Cilium's
 * agents and helm chart). Issuance is async (key generation); the Secret builders are pure.
 */
import { fail, ok, type Result } from '../lib/result.js';
import { issueCertificate, type Pem } from './issue.js';
import { loadCA, needsReissue, verifyChain } from './verify.js';

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

/** Issues the certificate for one role of the set. */
export function issueClustermeshCert(role: CertRole, opts: ClustermeshCertOptions): Promise<Pem> {
  const validityDays = opts.validityDays ?? DEFAULT_CERT_VALIDITY_DAYS;
  if (role !== 'server') {
    return issueCertificate(opts.ca, { commonName: etcdUserFor(role, opts.clusterName), usages: ['client'], validityDays });
  }
  // The server certificate is also a client one: etcd peers and the apiserver's own health
  // checks present it, and Cilium issues it the same way.
  return issueCertificate(opts.ca, {
    commonName: 'clustermesh-apiserver.cilium.io',
    dnsNames: serverDnsNamesFor(opts.namespace ?? 'kube-system', opts.serverDnsNames ?? []),
    ipAddresses: unique(['127.0.0.1', ...(opts.serverIPs ?? [])]),
    usages: ['server', 'client'],
    validityDays,
  });
}

export async function issueClustermeshCerts(opts: ClustermeshCertOptions): Promise<ClustermeshCerts> {
  const [server, admin, local, remote] = await Promise.all(
    (['server', 'admin', 'local', 'remote'] as const).map((role) => issueClustermeshCert(role, opts)),
  );
  return { ca: opts.ca, server: server!, admin: admin!, local: local!, remote: remote! };
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

/** A certificate and key from a `kubernetes.io/tls` Secret as read from the API. */
export function pemFromTlsSecret(secret: { data?: Record<string, unknown> }): Result<Pem> {
  const cert = decodeField(secret.data, 'tls.crt');
  if (!cert.ok) return cert;
  const key = decodeField(secret.data, 'tls.key');
  if (!key.ok) return key;
  return ok({ certPem: cert.value, keyPem: key.value });
}

const allRoles: readonly CertRole[] = ['server', 'admin', 'local', 'remote'];

/**
 * Which certificates of a set must be (re)issued at `now`: missing ones, ones not signed by
 * the current CA (the CA was replaced), and ones with less than a third of their life left.
 */
export function rolesNeedingReissue(ca: Pem, existing: Partial<Record<CertRole, Pem>>, now: Date = new Date()): CertRole[] {
  return allRoles.filter((role) => {
    const pem = existing[role];
    if (!pem) return true;
    return !verifyChain(pem.certPem, ca.certPem, now).ok || needsReissue(pem.certPem, now);
  });
}

/** Keeps what is still good and issues the rest; the result says which roles are new. */
export async function renewClustermeshCerts(
  opts: ClustermeshCertOptions,
  existing: Partial<Record<CertRole, Pem>>,
  now: Date = new Date(),
): Promise<{ certs: ClustermeshCerts; reissued: CertRole[] }> {
  const reissued = rolesNeedingReissue(opts.ca, existing, now);
  const fresh = await Promise.all(reissued.map(async (role) => [role, await issueClustermeshCert(role, opts)] as const));
  const merged = { ...existing, ...Object.fromEntries(fresh) } as Record<CertRole, Pem>;
  return {
    certs: { ca: opts.ca, server: merged.server, admin: merged.admin, local: merged.local, remote: merged.remote },
    reissued,
  };
}
