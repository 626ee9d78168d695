/**
 * `meshlb clustermesh enable`: makes sure the cluster has its clustermesh CA and certificate
 * Secrets (keeping what is still valid), then makes the apiserver reachable: where the
 * `clustermesh-apiserver` Service already exists (the sandbox, or a repeated enable) it only
 * reports and checks the endpoint; otherwise it applies deploy/clustermesh-apiserver/.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  CA_SECRET_NAME,
  DEFAULT_CERT_VALIDITY_DAYS,
  caFromSecret,
  caSecret,
  certSecretName,
  createCA,
  pemFromTlsSecret,
  renewClustermeshCerts,
  tlsSecret,
  type CertRole,
  type Pem,
} from '../certs/index.js';
import { applyObject, coreResource, getObject, type KubeObject } from '../k8s/index.js';
import { fail, ok, type Result } from '../lib/result.js';
import { openContext, readEndpoints, readIdentity } from './cluster-reader.js';
import type { CliIo } from './io.js';
import { MANIFEST_DIR, MANIFEST_FILES, parseManifests } from './manifests.js';
import { NAMESPACE, SERVICE_NAME } from './plan.js';

export interface EnableOptions {
  readonly kubeconfig?: string;
  readonly context: string;
  /** Where the manifests are read from; tests point it elsewhere. */
  readonly manifestDir?: string;
}

const SECRETS = coreResource('secrets');
const ROLES: readonly CertRole[] = ['server', 'admin', 'local', 'remote'];

async function readSecret(kc: KubeConfig, name: string): Promise<Result<KubeObject | undefined>> {
  const r = await getObject(kc, { ...SECRETS, namespace: NAMESPACE, name });
  if (r.ok) return ok(r.value);
  if (r.error.kind === 'not_found') return ok(undefined);
  return fail(`reading Secret ${NAMESPACE}/${name}: ${r.error.message}`, r.retry);
}

type SecretData = { data?: Record<string, unknown> };

async function ensureCa(kc: KubeConfig, io: CliIo): Promise<Result<Pem>> {
  const existing = await readSecret(kc, CA_SECRET_NAME);
  if (!existing.ok) return existing;
  if (existing.value) {
    const ca = caFromSecret(existing.value as SecretData);
    return ca.ok ? ca : fail(`Secret ${NAMESPACE}/${CA_SECRET_NAME} is unusable: ${ca.error}`);
  }
  const ca = await createCA({ commonName: 'Cilium CA', validityDays: DEFAULT_CERT_VALIDITY_DAYS });
  const written = await applyObject(kc, SECRETS, { ...caSecret(ca, NAMESPACE) } as unknown as KubeObject);
  if (!written.ok) return fail(`writing Secret ${NAMESPACE}/${CA_SECRET_NAME}: ${written.error.message}`);
  io.out(`🔑 Created CA in Secret ${NAMESPACE}/${CA_SECRET_NAME}\n`);
  return ok(ca);
}

async function ensureCerts(kc: KubeConfig, clusterName: string, ca: Pem, io: CliIo): Promise<Result<void>> {
  const existing: Partial<Record<CertRole, Pem>> = {};
  for (const role of ROLES) {
    const secret = await readSecret(kc, certSecretName(role));
    if (!secret.ok) return secret;
    const pem = secret.value ? pemFromTlsSecret(secret.value as SecretData) : undefined;
    if (pem?.ok) existing[role] = pem.value;
  }
  const { certs, reissued } = await renewClustermeshCerts(
    { ca, clusterName, serverDnsNames: [`${clusterName}.mesh.cilium.io`], namespace: NAMESPACE },
    existing,
  );
  for (const role of reissued) {
    const secret = tlsSecret(certSecretName(role), certs[role], ca.certPem, NAMESPACE);
    const written = await applyObject(kc, SECRETS, { ...secret } as unknown as KubeObject);
    if (!written.ok) return fail(`writing Secret ${NAMESPACE}/${secret.metadata.name}: ${written.error.message}`);
  }
  const kept = ROLES.filter((r) => !reissued.includes(r));
  io.out(`🔑 Certificates: ${reissued.length > 0 ? `issued ${reissued.join(', ')}` : 'all valid'}${kept.length > 0 && reissued.length > 0 ? `; kept ${kept.join(', ')}` : ''}\n`);
  return ok(undefined);
}

async function applyManifests(kc: KubeConfig, dir: string, io: CliIo): Promise<Result<void>> {
  const texts: { file: string; text: string }[] = [];
  for (const file of MANIFEST_FILES) {
    try {
      texts.push({ file, text: await readFile(join(dir, file), 'utf8') });
    } catch (err) {
      return fail(`reading manifest ${join(dir, file)}: ${(err as Error).message}`);
    }
  }
  const manifests = parseManifests(texts);
  if (!manifests.ok) return manifests;
  for (const m of manifests.value) {
    const r = await applyObject(kc, m.type, m.object);
    if (!r.ok) return fail(`applying ${m.object.kind} ${m.object.metadata?.name}: ${r.error.message}`);
    io.out(`📦 Applied ${m.object.kind} ${m.object.metadata?.name}\n`);
  }
  return ok(undefined);
}

/** A TLS handshake against the endpoint: proves something with a certificate from our CA listens there. */
function probeTls(endpoint: string, ca: string, timeoutMs = 3_000): Promise<Result<void>> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port: Number(url.port || 2379), ca, servername: /^[\d.:]+$/.test(host) ? undefined : host });
    const done = (r: Result<void>): void => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done(fail(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('secureConnect', () => done(ok(undefined)));
    socket.once('error', (err) => done(fail(err.message)));
  });
}

export async function runEnable(o: EnableOptions, io: CliIo): Promise<number> {
  const h = openContext(o);
  if (!h.ok) return refuse(io, h.error);
  const kc = h.value.kc;
  const identity = await readIdentity(h.value);
  if (!identity.ok) return refuse(io, identity.error);
  const ca = await ensureCa(kc, io);
  if (!ca.ok) return refuse(io, `context ${o.context}: ${ca.error}`);
  const certs = await ensureCerts(kc, identity.value.name, ca.value, io);
  if (!certs.ok) return refuse(io, `context ${o.context}: ${certs.error}`);

  const service = await getObject(kc, { ...coreResource('services'), namespace: NAMESPACE, name: SERVICE_NAME });
  if (!service.ok && service.error.kind === 'not_found') {
    const applied = await applyManifests(kc, o.manifestDir ?? MANIFEST_DIR, io);
    if (!applied.ok) return refuse(io, `context ${o.context}: ${applied.error}`);
    io.out(`⌛ clustermesh-apiserver deployed; its endpoint is known once Service ${NAMESPACE}/${SERVICE_NAME} has a load-balancer address\n`);
    return 0;
  }
  const endpoints = await readEndpoints(h.value);
  if (!endpoints.ok) return refuse(io, endpoints.error);
  for (const e of endpoints.value) {
    const probe = await probeTls(e, ca.value.certPem);
    if (!probe.ok) return refuse(io, `context ${o.context}: clustermesh endpoint ${e} is not reachable: ${probe.error}`);
  }
  io.out(`✅ Cluster mesh of ${identity.value.name} (ID ${identity.value.id}) is enabled; endpoint ${endpoints.value.join(', ')}\n`);
  return 0;
}

function refuse(io: CliIo, message: string): number {
  io.err(`Error: ${message}\n`);
  return 1;
}
