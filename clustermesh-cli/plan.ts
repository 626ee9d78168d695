/**
 * The decisions of `meshlb clustermesh connect/disconnect`, with no I/O: where a cluster's
 * identity and endpoint are read from, whether a set of clusters may be meshed, which
 * directions get configured, and what goes into each side's `cilium-clustermesh` Secret.
 *
 * Where the CLI finds things (what a real installation has, and what the sandbox creates):
 * - ConfigMap kube-system/cilium-config: `cluster-name`, `cluster-id`,
 *   `max-connected-clusters` (Cilium's keys; the last defaults to 255).
 * - Service kube-system/clustermesh-apiserver: the annotation
 *   `meshlb.io/clustermesh-endpoint` (comma-separated https URLs) wins; otherwise every
 *   `status.loadBalancer.ingress` address with the Service's first port.
 * - Secrets `cilium-ca` (the CA) and `clustermesh-apiserver-remote-cert` (the client
 *   certificate other clusters use to read this one).
 */
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import type { Pem } from '../certs/index.js';
import {
  isMaxConnectedClusters,
  validateClusterId,
  validateClusterName,
  type MaxConnectedClusters,
} from '../clustermesh/cluster.js';
import { fail, ok, type Result } from '../lib/result.js';

export const NAMESPACE = 'kube-system';
export const CONFIG_MAP_NAME = 'cilium-config';
export const SERVICE_NAME = 'clustermesh-apiserver';
export const MESH_SECRET_NAME = 'cilium-clustermesh';
export const ENDPOINT_ANNOTATION = 'meshlb.io/clustermesh-endpoint';
export const DEFAULT_CONFIG_DIR = '/var/lib/cilium/clustermesh';
export const DEFAULT_ETCD_PORT = 2379;

export interface ClusterIdentity {
  readonly name: string;
  readonly id: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
}

/** Everything connect needs to know about one side. */
export interface ClusterSide extends ClusterIdentity {
  /** The kubeconfig context it was read from, for messages. */
  readonly context: string;
  readonly endpoints: readonly string[];
  /** `cilium-ca` ca.crt: what the other side trusts this cluster's etcd with. */
  readonly caCert: string;
  /** This cluster's `remote` client certificate, handed to the other side's agents. */
  readonly remoteCert: Pem;
}

export type ConnectionMode = 'bidirectional' | 'unicast' | 'mesh';
export const CONNECTION_MODES: readonly ConnectionMode[] = ['bidirectional', 'unicast', 'mesh'];

const configMapData = z.object({
  'cluster-name': z.string({ error: 'has no cluster-name' }),
  'cluster-id': z.string({ error: 'has no cluster-id' }),
  'max-connected-clusters': z.string().optional(),
});

/** Reads Cilium's cluster identity keys from the `cilium-config` ConfigMap's `data`. */
export function identityFromConfigMap(data: unknown): Result<ClusterIdentity> {
  const parsed = configMapData.safeParse(data ?? {});
  if (!parsed.success) return fail(`ConfigMap ${NAMESPACE}/${CONFIG_MAP_NAME} ${parsed.error.issues[0]?.message ?? 'is malformed'}`);
  const d = parsed.data;
  const max = d['max-connected-clusters'] === undefined ? 255 : Number(d['max-connected-clusters']);
  if (!isMaxConnectedClusters(max)) {
    return fail(`ConfigMap ${NAMESPACE}/${CONFIG_MAP_NAME}: max-connected-clusters must be 255 or 511, got ${JSON.stringify(d['max-connected-clusters'])}`);
  }
  if (!/^\d+$/.test(d['cluster-id'])) {
    return fail(`ConfigMap ${NAMESPACE}/${CONFIG_MAP_NAME}: cluster-id ${JSON.stringify(d['cluster-id'])} is not a number`);
  }
  return ok({ name: d['cluster-name'], id: Number(d['cluster-id']), maxConnectedClusters: max });
}

const serviceShape = z.object({
  metadata: z.object({ annotations: z.record(z.string(), z.string()).optional() }).optional(),
  spec: z.object({ ports: z.array(z.object({ port: z.number().int() })).optional() }).optional(),
  status: z
    .object({
      loadBalancer: z
        .object({ ingress: z.array(z.object({ ip: z.string().optional(), hostname: z.string().optional() })).optional() })
        .optional(),
    })
    .optional(),
});

function httpsUrl(value: string): Result<string> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'https:') return fail(`${JSON.stringify(value)} is not an https URL`);
  return ok(value);
}

/** The clustermesh endpoints a Service advertises; see the module comment for the order. */
export function endpointsFromService(service: unknown): Result<string[]> {
  const where = `Service ${NAMESPACE}/${SERVICE_NAME}`;
  const parsed = serviceShape.safeParse(service);
  if (!parsed.success) return fail(`${where} is malformed`);
  const annotation = parsed.data.metadata?.annotations?.[ENDPOINT_ANNOTATION];
  if (annotation !== undefined) {
    const urls: string[] = [];
    for (const part of annotation.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const u = httpsUrl(part);
      if (!u.ok) return fail(`${where}: annotation ${ENDPOINT_ANNOTATION}: ${u.error}`);
      urls.push(u.value);
    }
    if (urls.length === 0) return fail(`${where}: annotation ${ENDPOINT_ANNOTATION} is empty`);
    return ok(urls);
  }
  const port = parsed.data.spec?.ports?.[0]?.port ?? DEFAULT_ETCD_PORT;
  const hosts = (parsed.data.status?.loadBalancer?.ingress ?? [])
    .map((i) => i.ip ?? i.hostname)
    .filter((h): h is string => h !== undefined && h !== '');
  if (hosts.length === 0) {
    return fail(`${where} has no load-balancer address yet and no ${ENDPOINT_ANNOTATION} annotation`);
  }
  return ok(hosts.map((h) => `https://${h.includes(':') ? `[${h}]` : h}:${port}`));
}

/**
 * Whether the given clusters may all be connected with each other. Checks run in the order a
 * user fixes them in and the first problem is reported, as one line.
 */
export function validateMesh(sides: readonly ClusterSide[], opts: { allowMismatchingCa?: boolean } = {}): Result<void> {
  for (const s of sides) {
    if (s.name === 'default') return fail(`cluster ${label(s)} is named "default"; give every meshed cluster a unique name`);
    const name = validateClusterName(s.name, s.id);
    if (!name.ok) return fail(`cluster ${label(s)}: ${name.error}`);
    const id = validateClusterId(s.id, s.maxConnectedClusters);
    if (!id.ok) return fail(`cluster ${label(s)}: ${id.error}`);
  }
  for (const [a, b] of allPairs(sides)) {
    if (a.name === b.name) return fail(`contexts ${a.context} and ${b.context} both have cluster name ${a.name}; cluster names must be unique`);
    if (a.id === b.id) return fail(`clusters ${label(a)} and ${label(b)} both have cluster ID ${a.id}; cluster IDs must be unique`);
    if (a.maxConnectedClusters !== b.maxConnectedClusters) {
      return fail(`clusters ${label(a)} and ${label(b)} have different max-connected-clusters (${a.maxConnectedClusters} and ${b.maxConnectedClusters})`);
    }
    if (!opts.allowMismatchingCa && a.caCert.trim() !== b.caCert.trim()) {
      return fail(`clusters ${label(a)} and ${label(b)} have different certificate authorities; use --allow-mismatching-ca to connect them anyway`);
    }
  }
  return ok(undefined);
}

function label(s: ClusterSide): string {
  return s.name === s.context ? s.name : `${s.name} (context ${s.context})`;
}

function allPairs<T>(items: readonly T[]): [T, T][] {
  const pairs: [T, T][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) pairs.push([items[i]!, items[j]!]);
  return pairs;
}

/** One direction of a connection: `local`'s agents are configured to read `remote`. */
export interface Direction {
  readonly local: string;
  readonly remote: string;
}

/**
 * Which directions a connect configures, by context. bidirectional and unicast take exactly
 * one destination; mesh connects every pair of source and destinations both ways.
 */
export function connectionDirections(mode: ConnectionMode, source: string, destinations: readonly string[]): Result<Direction[]> {
  const all = [source, ...destinations];
  if (new Set(all).size !== all.length) return fail('a context is given more than once');
  if (destinations.length === 0) return fail('--destination-context is required');
  if (mode !== 'mesh' && destinations.length > 1) return fail(`--connection-mode ${mode} takes one --destination-context; use --connection-mode mesh for more`);
  if (mode === 'unicast') return ok([{ local: source, remote: destinations[0]! }]);
  return ok(allPairs(all).flatMap(([a, b]) => [{ local: a, remote: b }, { local: b, remote: a }]));
}

export interface RemoteFileNames {
  readonly config: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Secret keys (= file names in the mounted directory) for one remote cluster. */
export function remoteFileNames(remote: string): RemoteFileNames {
  return {
    config: remote,
    ca: `${remote}.etcd-client-ca.crt`,
    cert: `${remote}.etcd-client.crt`,
    key: `${remote}.etcd-client.key`,
  };
}

/** The agent's config file for `remote`, in the format agent-sync/config-dir.ts reads. */
export function remoteConfigYaml(remote: Pick<ClusterSide, 'name' | 'endpoints'>, configDirPath: string): string {
  const f = remoteFileNames(remote.name);
  const dir = configDirPath.replace(/\/+$/, '') || '/';
  const path = (file: string): string => (dir === '/' ? `/${file}` : `${dir}/${file}`);
  return toYaml({
    endpoints: [...remote.endpoints],
    'trusted-ca-file': path(f.ca),
    'key-file': path(f.key),
    'cert-file': path(f.cert),
  });
}

/**
 * The mount directory as the local cluster's agents see it. `{cluster}` in the flag stands for
 * the local cluster's name, for setups (the sandbox) where each cluster's agents mount the
 * Secret somewhere else.
 */
export function configDirFor(template: string, localCluster: string): string {
  return template.replaceAll('{cluster}', localCluster);
}

/** The plain-text Secret entries that configure one local cluster to read `remote`. */
export function remoteEntries(remote: ClusterSide, configDirPath: string): Record<string, string> {
  const f = remoteFileNames(remote.name);
  return {
    [f.config]: remoteConfigYaml(remote, configDirPath),
    [f.ca]: remote.caCert,
    [f.cert]: remote.remoteCert.certPem,
    [f.key]: remote.remoteCert.keyPem,
  };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Merge patch adding (or replacing) the entries; Secret `data` is base64. */
export function connectPatch(entries: Record<string, string>): { data: Record<string, string> } {
  return { data: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, b64(v)])) };
}

/** The Secret to create when the local side has none yet. */
export function meshSecret(entries: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: MESH_SECRET_NAME, namespace: NAMESPACE },
    type: 'Opaque',
    ...connectPatch(entries),
  };
}

/** Merge patch removing one remote's entries; null deletes a key, a missing key stays missing. */
export function disconnectPatch(remote: string): { data: Record<string, null> } {
  return { data: Object.fromEntries(Object.values(remoteFileNames(remote)).map((k) => [k, null])) };
}
