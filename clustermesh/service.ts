/**
 * ClusterService: a global service as one cluster publishes it
 * (`cilium/state/services/v1/<cluster>/<namespace>/<name>`). Field names and order are
 * Cilium's; `hostnames` and `zones` are omitted when empty; Protocol/Port are capitalised.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import { validateClusterId, type MaxConnectedClusters } from './cluster.js';
import { goJson, goStringMap, type GoValue } from './gojson.js';
import { parseIp } from './ip.js';
import { parseServiceKey } from './keys.js';
import { zodReason } from './zod-reason.js';

export const L4_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ANY', 'NONE'] as const;
export type L4Protocol = (typeof L4_PROTOCOLS)[number];

export interface L4Addr {
  readonly protocol: L4Protocol;
  readonly port: number;
}
/** Port name → L4 address. */
export type PortConfiguration = Readonly<Record<string, L4Addr>>;

export interface BackendZone {
  readonly zone: string;
  readonly forZones: readonly string[];
}

export interface ClusterService {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** Frontend IP → ports. */
  readonly frontends: Readonly<Record<string, PortConfiguration>>;
  /** Backend IP → ports. */
  readonly backends: Readonly<Record<string, PortConfiguration>>;
  readonly hostnames?: Readonly<Record<string, string>>;
  readonly zones?: Readonly<Record<string, BackendZone>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly includeExternal: boolean;
  readonly shared: boolean;
  readonly clusterID: number;
}

function portConfigurationValue(ports: PortConfiguration): GoValue {
  return new Map(Object.entries(ports).map(([name, a]) => [name, { Protocol: a.protocol, Port: a.port }]));
}

function addressMap(byIp: Readonly<Record<string, PortConfiguration>>): GoValue {
  return new Map(Object.entries(byIp).map(([ip, ports]) => [ip, portConfigurationValue(ports)]));
}

function nonEmpty<T>(record: Readonly<Record<string, T>> | undefined): boolean {
  return record !== undefined && Object.keys(record).length > 0;
}

export function encodeClusterService(svc: ClusterService): string {
  const zones = svc.zones;
  return goJson({
    cluster: svc.cluster,
    namespace: svc.namespace,
    name: svc.name,
    frontends: addressMap(svc.frontends),
    backends: addressMap(svc.backends),
    hostnames: nonEmpty(svc.hostnames) ? goStringMap(svc.hostnames) : undefined,
    zones:
      zones && nonEmpty(zones)
        ? new Map(
            Object.entries(zones).map(([ip, z]) => [ip, { zone: z.zone, forZones: z.forZones.map((name) => ({ name })) }]),
          )
        : undefined,
    labels: goStringMap(svc.labels),
    selector: goStringMap(svc.selector),
    includeExternal: svc.includeExternal,
    shared: svc.shared,
    clusterID: svc.clusterID,
  });
}

const l4AddrSchema = z.object({
  Protocol: z.enum(L4_PROTOCOLS),
  Port: z.number().int().min(0).max(65535),
});
const portConfigurationSchema = z.record(z.string(), l4AddrSchema);
const stringMap = z.record(z.string(), z.string()).nullish();
const clusterServiceSchema = z.object({
  cluster: z.string().default(''),
  namespace: z.string().default(''),
  name: z.string().default(''),
  frontends: z.record(z.string(), portConfigurationSchema.nullable()).nullish(),
  backends: z.record(z.string(), portConfigurationSchema.nullable()).nullish(),
  hostnames: stringMap,
  zones: z
    .record(z.string(), z.object({ zone: z.string(), forZones: z.array(z.object({ name: z.string() })).nullish() }))
    .nullish(),
  labels: stringMap,
  selector: stringMap,
  includeExternal: z.boolean().default(false),
  shared: z.boolean().default(false),
  clusterID: z.number().int().min(0).max(0xffffffff).default(0),
});

export interface ServiceReadContext {
  /** The remote cluster this entry was read from; the entry must name it. */
  readonly cluster: string;
  /** When known (from the cluster config), the entry's clusterID must equal it. */
  readonly clusterId?: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
}

function readAddresses(
  what: string,
  raw: Record<string, Record<string, z.infer<typeof l4AddrSchema>> | null> | null | undefined,
): Result<Record<string, PortConfiguration>> {
  const out: Record<string, PortConfiguration> = {};
  for (const [ip, ports] of Object.entries(raw ?? {})) {
    if (!parseIp(ip)) return fail(`${what} address ${JSON.stringify(ip)} is not an IP address`);
    const config: Record<string, L4Addr> = {};
    for (const [name, a] of Object.entries(ports ?? {})) config[name] = { protocol: a.Protocol, port: a.Port };
    out[ip] = config;
  }
  return ok(out);
}

export function decodeClusterService(key: string, value: string, ctx: ServiceReadContext): Result<ClusterService> {
  const keyParts = parseServiceKey(key);
  if (!keyParts.ok) return keyParts;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return fail(`service ${key}: value is not JSON: ${(e as Error).message}`);
  }
  const parsed = clusterServiceSchema.safeParse(json);
  if (!parsed.success) return fail(`service ${key}: ${zodReason(parsed.error)}`);
  const v = parsed.data;
  if (v.cluster === '') return fail(`service ${key}: cluster is empty`);
  if (v.namespace === '') return fail(`service ${key}: namespace is empty`);
  if (v.name === '') return fail(`service ${key}: name is empty`);
  const { cluster, namespace, name } = keyParts.value;
  if (v.cluster !== ctx.cluster) return fail(`service ${key}: cluster ${v.cluster} is not the remote cluster ${ctx.cluster}`);
  if (v.cluster !== cluster || v.namespace !== namespace || v.name !== name) {
    return fail(`service ${key}: value names ${v.cluster}/${v.namespace}/${v.name}, which does not match its key`);
  }
  const id = validateClusterId(v.clusterID, ctx.maxConnectedClusters);
  if (!id.ok) return fail(`service ${key}: ${id.error}`);
  if (ctx.clusterId !== undefined && v.clusterID !== ctx.clusterId) {
    return fail(`service ${key}: clusterID ${v.clusterID} is not the remote cluster's ID ${ctx.clusterId}`);
  }
  const frontends = readAddresses('frontend', v.frontends);
  if (!frontends.ok) return fail(`service ${key}: ${frontends.error}`);
  const backends = readAddresses('backend', v.backends);
  if (!backends.ok) return fail(`service ${key}: ${backends.error}`);
  return ok({
    cluster: v.cluster,
    namespace: v.namespace,
    name: v.name,
    frontends: frontends.value,
    backends: backends.value,
    hostnames: v.hostnames ?? {},
    zones: Object.fromEntries(
      Object.entries(v.zones ?? {}).map(([ip, z]) => [ip, { zone: z.zone, forZones: (z.forZones ?? []).map((f) => f.name) }]),
    ),
    labels: v.labels ?? {},
    selector: v.selector ?? {},
    includeExternal: v.includeExternal,
    shared: v.shared,
    clusterID: v.clusterID,
  });
}
