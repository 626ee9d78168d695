/**
 * Adapter: reads what `connect` needs about one cluster from its API server (see plan.ts for
 * where each piece lives). Every failure is one line naming the context and the object.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CA_SECRET_NAME, certSecretName, pemFromTlsSecret } from '../certs/index.js';
import { coreResource, getObject, loadKubeConfig, type KubeObject } from '../k8s/index.js';
import { fail, ok, type Result } from '../lib/result.js';
import {
  CONFIG_MAP_NAME,
  NAMESPACE,
  SERVICE_NAME,
  endpointsFromService,
  identityFromConfigMap,
  type ClusterIdentity,
  type ClusterSide,
} from './plan.js';

export interface ContextTarget {
  readonly kubeconfig?: string;
  readonly context: string;
}

export interface ClusterHandle {
  readonly context: string;
  readonly kc: KubeConfig;
}

export function openContext(t: ContextTarget): Result<ClusterHandle> {
  const kc = loadKubeConfig({ kubeconfig: t.kubeconfig, context: t.context });
  if (!kc.ok) return kc;
  return ok({ context: t.context, kc: kc.value });
}

async function readObject(h: ClusterHandle, resource: string, name: string): Promise<Result<KubeObject>> {
  const r = await getObject(h.kc, { ...coreResource(resource), namespace: NAMESPACE, name });
  if (r.ok) return r;
  const what = `${resource === 'configmaps' ? 'ConfigMap' : resource === 'services' ? 'Service' : 'Secret'} ${NAMESPACE}/${name}`;
  if (r.error.kind === 'not_found') return fail(`context ${h.context}: ${what} not found`);
  return fail(`context ${h.context}: reading ${what}: ${r.error.message}`, r.retry);
}

export async function readIdentity(h: ClusterHandle): Promise<Result<ClusterIdentity>> {
  const cm = await readObject(h, 'configmaps', CONFIG_MAP_NAME);
  if (!cm.ok) return cm;
  const id = identityFromConfigMap(cm.value.data);
  return id.ok ? id : fail(`context ${h.context}: ${id.error}`);
}

export async function readEndpoints(h: ClusterHandle): Promise<Result<string[]>> {
  const svc = await readObject(h, 'services', SERVICE_NAME);
  if (!svc.ok) return svc;
  const endpoints = endpointsFromService(svc.value);
  return endpoints.ok ? endpoints : fail(`context ${h.context}: ${endpoints.error}`);
}

function decoded(data: unknown, key: string): string | undefined {
  const v = (data as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v !== '' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

export async function readCaCert(h: ClusterHandle): Promise<Result<string>> {
  const secret = await readObject(h, 'secrets', CA_SECRET_NAME);
  if (!secret.ok) return secret;
  const ca = decoded(secret.value.data, 'ca.crt');
  return ca === undefined ? fail(`context ${h.context}: Secret ${NAMESPACE}/${CA_SECRET_NAME} has no ca.crt`) : ok(ca);
}

export async function readClusterSide(h: ClusterHandle): Promise<Result<ClusterSide>> {
  const identity = await readIdentity(h);
  if (!identity.ok) return identity;
  const endpoints = await readEndpoints(h);
  if (!endpoints.ok) return endpoints;
  const caCert = await readCaCert(h);
  if (!caCert.ok) return caCert;
  const name = certSecretName('remote');
  const secret = await readObject(h, 'secrets', name);
  if (!secret.ok) return fail(`${secret.error} (run "meshlb clustermesh enable --context ${h.context}" first)`);
  const remoteCert = pemFromTlsSecret(secret.value as { data?: Record<string, unknown> });
  if (!remoteCert.ok) return fail(`context ${h.context}: Secret ${NAMESPACE}/${name}: ${remoteCert.error}`);
  return ok({ ...identity.value, context: h.context, endpoints: endpoints.value, caCert: caCert.value, remoteCert: remoteCert.value });
}
