/**
 * The etcd key layout of a clustermesh (shared/reference/clustermesh.md). Writers build keys
 * here and readers parse them here, so the two directions cannot drift apart.
 */
import { fail, ok, type Result } from '../lib/result.js';
import { parseCidr, parseIp } from './ip.js';

export const BASE_PREFIX = 'cilium';
export const STATE_PREFIX = 'cilium/state/';
export const IDENTITIES_PREFIX = 'cilium/state/identities/v1/id/';
export const IPCACHE_PREFIX = 'cilium/state/ip/v1/default/';
export const NODES_PREFIX = 'cilium/state/nodes/v1/';
export const SERVICES_PREFIX = 'cilium/state/services/v1/';
export const SERVICE_EXPORTS_PREFIX = 'cilium/state/serviceexports/v1/';
export const CLUSTER_CONFIG_PREFIX = 'cilium/cluster-config/';
export const SYNCED_PREFIX = 'cilium/synced/';
export const CACHE_PREFIX = 'cilium/cache/';
export const HEARTBEAT_KEY = 'cilium/.heartbeat';

/** Prefixes a sync canary is written for (note: no `/id` and no `/default`). */
export const CANARY_PREFIXES = {
  nodes: 'cilium/state/nodes/v1',
  services: 'cilium/state/services/v1',
  identities: 'cilium/state/identities/v1',
  ipcache: 'cilium/state/ip/v1',
} as const;
export type CanaryKind = keyof typeof CANARY_PREFIXES;

export function identityKey(id: number): string {
  return `${IDENTITIES_PREFIX}${id}`;
}

/** `ip` is an address, or a prefix "ip/len"; both are canonicalised so keys equal the value's IP. */
export function ipcacheKey(ipOrPrefix: string): string {
  const canonical = ipOrPrefix.includes('/') ? parseCidr(ipOrPrefix)?.text : parseIp(ipOrPrefix)?.text;
  if (canonical === undefined) throw new Error(`ipcacheKey: invalid IP or prefix ${ipOrPrefix}`);
  return `${IPCACHE_PREFIX}${canonical}`;
}

export function nodeKey(cluster: string, name: string): string {
  return `${NODES_PREFIX}${cluster}/${name}`;
}

export function serviceKey(cluster: string, namespace: string, name: string): string {
  return `${SERVICES_PREFIX}${cluster}/${namespace}/${name}`;
}

export function serviceExportKey(cluster: string, namespace: string, name: string): string {
  return `${SERVICE_EXPORTS_PREFIX}${cluster}/${namespace}/${name}`;
}

export function clusterConfigKey(cluster: string): string {
  return `${CLUSTER_CONFIG_PREFIX}${cluster}`;
}

export function syncCanaryKey(cluster: string, kind: CanaryKind): string {
  return `${SYNCED_PREFIX}${cluster}/${CANARY_PREFIXES[kind]}`;
}

export function parseIdentityKey(key: string): Result<number> {
  if (!key.startsWith(IDENTITIES_PREFIX)) return fail(`key ${key} is not under ${IDENTITIES_PREFIX}`);
  const text = key.slice(IDENTITIES_PREFIX.length);
  if (!/^(0|[1-9]\d{0,7})$/.test(text)) return fail(`identity key ${key} does not end in a decimal identity`);
  const id = Number(text);
  if (id > 0xffffff) return fail(`identity ${id} in key ${key} does not fit in 24 bits`);
  return ok(id);
}

/** The IP (or prefix) text of an ipcache key, exactly as written after the prefix. */
export function parseIpcacheKey(key: string): Result<string> {
  if (!key.startsWith(IPCACHE_PREFIX)) return fail(`key ${key} is not under ${IPCACHE_PREFIX}`);
  const text = key.slice(IPCACHE_PREFIX.length);
  const valid = text.includes('/') ? parseCidr(text) : parseIp(text);
  if (!valid) return fail(`ipcache key ${key} does not end in an IP or prefix`);
  return ok(text);
}

export interface ClusterScopedName {
  readonly cluster: string;
  readonly namespace?: string;
  readonly name: string;
}

function splitUnder(prefix: string, key: string, parts: number): Result<string[]> {
  if (!key.startsWith(prefix)) return fail(`key ${key} is not under ${prefix}`);
  const segments = key.slice(prefix.length).split('/');
  if (segments.length !== parts || segments.some((s) => s === '')) {
    return fail(`key ${key} must have ${parts} non-empty segments after ${prefix}`);
  }
  return ok(segments);
}

export function parseNodeKey(key: string): Result<ClusterScopedName> {
  const r = splitUnder(NODES_PREFIX, key, 2);
  return r.ok ? ok({ cluster: r.value[0]!, name: r.value[1]! }) : r;
}

export function parseServiceKey(key: string, prefix = SERVICES_PREFIX): Result<ClusterScopedName> {
  const r = splitUnder(prefix, key, 3);
  return r.ok ? ok({ cluster: r.value[0]!, namespace: r.value[1]!, name: r.value[2]! }) : r;
}
