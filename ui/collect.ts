/**
 * Takes a Snapshot: every agent's status API (clustermesh, services, BGP peers, L2
 * announcements) and each cluster's pools and LoadBalancer services from its Kubernetes API.
 * A source that fails is shown as failed; it never stops the others.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { z } from 'zod';
import { collectionPath, kubeRequest, loadKubeConfig } from '../k8s/index.js';
import type { ClusterSnapshot, Fetched, LbService, Snapshot } from './snapshot.js';
import {
  ClustermeshSchema,
  LbServiceSchema,
  PoolSchema,
  rowsFrom,
  ServicesSchema,
  type PoolObject,
  type Row,
  type UiEnv,
} from './sources.js';

// Generous: on a loaded machine an agent can take seconds to answer, and a page that says
// "unavailable" for a healthy agent misleads more than a slow page.
const TIMEOUT_MS = 10_000;

async function getJson(url: string): Promise<Fetched<unknown>> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status === 404) return { state: 'absent' };
    if (res.status !== 200) return { state: 'error', error: `HTTP ${res.status}` };
    return { state: 'ok', value: await res.json() };
  } catch (err) {
    return { state: 'error', error: err instanceof Error ? err.message : String(err) };
  }
}

function parsed<T>(f: Fetched<unknown>, schema: z.ZodType<T>): Fetched<T> {
  if (f.state !== 'ok') return f;
  const r = schema.safeParse(f.value);
  return r.success ? { state: 'ok', value: r.data } : { state: 'error', error: `unexpected answer: ${r.error.issues[0]?.message}` };
}

function rows(f: Fetched<unknown>): Fetched<readonly Row[]> {
  if (f.state !== 'ok') return f;
  const r = rowsFrom(f.value);
  return r ? { state: 'ok', value: r } : { state: 'error', error: 'unexpected answer: not a list of records' };
}

async function listItems(kc: KubeConfig, path: string): Promise<Fetched<unknown[]>> {
  const r = await kubeRequest<{ items?: unknown[] }>(kc, { method: 'GET', path, timeoutMs: TIMEOUT_MS });
  if (r.ok) return { state: 'ok', value: r.value.items ?? [] };
  return r.error.kind === 'not_found' ? { state: 'absent' } : { state: 'error', error: r.error.message };
}

function each<T>(f: Fetched<unknown[]>, schema: z.ZodType<T>): Fetched<T[]> {
  if (f.state !== 'ok') return f;
  // One malformed object must not hide the others.
  return { state: 'ok', value: f.value.flatMap((o) => { const r = schema.safeParse(o); return r.success ? [r.data] : []; }) };
}

async function collectCluster(env: UiEnv, c: UiEnv['clusters'][number]): Promise<ClusterSnapshot> {
  const agents = await Promise.all(
    c.agents.map(async (a) => {
      const [mesh, services, bgpPeers, l2] = await Promise.all(
        ['/v1/clustermesh', '/v1/services', '/v1/bgp/peers', '/v1/l2/announcements'].map((p) => getJson(a.status + p)),
      );
      return {
        node: a.node,
        url: a.status,
        mesh: parsed(mesh!, ClustermeshSchema),
        services: parsed(services!, ServicesSchema),
        bgpPeers: rows(bgpPeers!),
        l2: rows(l2!),
      };
    }),
  );
  const kc = loadKubeConfig({ kubeconfig: env.kubeconfig, context: c.context });
  if (!kc.ok) {
    const failed = { state: 'error', error: kc.error } as const;
    return { name: c.name, id: c.id, agents, pools: failed, lbServices: failed };
  }
  const [pools, svcs] = await Promise.all([
    listItems(kc.value, collectionPath({ group: 'cilium.io', version: 'v2', resource: 'ciliumloadbalancerippools' })),
    listItems(kc.value, collectionPath({ group: '', version: 'v1', resource: 'services' })),
  ]);
  const poolObjects: Fetched<PoolObject[]> = each(pools, PoolSchema);
  const lb = each(svcs, LbServiceSchema);
  const lbServices: Fetched<LbService[]> =
    lb.state === 'ok'
      ? {
          state: 'ok',
          value: lb.value
            .filter((s) => s.spec?.type === 'LoadBalancer')
            .map((s) => ({
              namespace: s.metadata.namespace,
              name: s.metadata.name,
              ips: (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])),
            })),
        }
      : lb;
  return { name: c.name, id: c.id, agents, pools: poolObjects, lbServices };
}

export async function collectSnapshot(env: UiEnv, now: () => Date = () => new Date()): Promise<Snapshot> {
  const clusters = await Promise.all(env.clusters.map((c) => collectCluster(env, c)));
  return { takenAt: now().toISOString(), clusters };
}
