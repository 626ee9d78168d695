/**
 * Node as published under `cilium/state/nodes/v1/<cluster>/<name>`: Go field names without
 * JSON tags, so nothing is omitted; absent IPs are "" (Go's net.IP text of nil), absent CIDRs
 * and lists are null, CIDRs are {"IP":..,"Mask":<base64>}.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import { validateClusterId, type MaxConnectedClusters } from './cluster.js';
import { goJson, type GoValue } from './gojson.js';
import { fromBase64, maskPrefixLen, parseCidr, parseIp, toBase64 } from './ip.js';
import { parseNodeKey } from './keys.js';
import { zodReason } from './zod-reason.js';

export const NODE_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'CiliumInternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;
export type NodeAddressType = (typeof NODE_ADDRESS_TYPES)[number];

export interface NodeAddress {
  readonly type: NodeAddressType;
  readonly ip: string;
}

export interface ClusterNode {
  readonly name: string;
  readonly cluster: string;
  readonly ipAddresses: readonly NodeAddress[];
  /** CIDRs as "ip/len" text. */
  readonly ipv4AllocCIDR?: string;
  readonly ipv4SecondaryAllocCIDRs?: readonly string[];
  readonly ipv6AllocCIDR?: string;
  readonly ipv6SecondaryAllocCIDRs?: readonly string[];
  readonly ipv4HealthIP?: string;
  readonly ipv6HealthIP?: string;
  readonly ipv4IngressIP?: string;
  readonly ipv6IngressIP?: string;
  readonly clusterID: number;
  readonly source: string;
  readonly encryptionKey: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly nodeIdentity: number;
  readonly wireguardPubKey: string;
  readonly bootID: string;
}

/** Go's JSON of a *cidr.CIDR (an embedded *net.IPNet): {"IP":"10.0.0.0","Mask":"////AA=="}. */
export function cidrValue(cidr: string | undefined): GoValue {
  if (cidr === undefined) return null;
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`cidrValue: invalid CIDR ${cidr}`);
  return { IP: parsed.ip.text, Mask: toBase64(parsed.mask) };
}

function cidrList(cidrs: readonly string[] | undefined): GoValue {
  return cidrs && cidrs.length > 0 ? cidrs.map(cidrValue) : null;
}

function ipText(ip: string | undefined): string {
  if (ip === undefined || ip === '') return '';
  const parsed = parseIp(ip);
  if (!parsed) throw new Error(`ipText: invalid IP ${ip}`);
  return parsed.text;
}

function stringMapOrNull(m: Readonly<Record<string, string>> | undefined): GoValue {
  return m === undefined ? null : new Map(Object.entries(m));
}

export function encodeNode(node: ClusterNode): string {
  return goJson({
    Name: node.name,
    Cluster: node.cluster,
    IPAddresses: node.ipAddresses.map((a) => ({ Type: a.type, IP: ipText(a.ip) })),
    IPv4AllocCIDR: cidrValue(node.ipv4AllocCIDR),
    IPv4SecondaryAllocCIDRs: cidrList(node.ipv4SecondaryAllocCIDRs),
    IPv6AllocCIDR: cidrValue(node.ipv6AllocCIDR),
    IPv6SecondaryAllocCIDRs: cidrList(node.ipv6SecondaryAllocCIDRs),
    IPv4HealthIP: ipText(node.ipv4HealthIP),
    IPv6HealthIP: ipText(node.ipv6HealthIP),
    IPv4IngressIP: ipText(node.ipv4IngressIP),
    IPv6IngressIP: ipText(node.ipv6IngressIP),
    ClusterID: node.clusterID,
    Source: node.source,
    EncryptionKey: node.encryptionKey,
    Labels: stringMapOrNull(node.labels),
    Annotations: stringMapOrNull(node.annotations),
    NodeIdentity: node.nodeIdentity,
    WireguardPubKey: node.wireguardPubKey,
    BootID: node.bootID,
  });
}

// Readers also accept a plain "10.244.1.0/24" string, as older writers produced.
const cidrSchema = z.union([z.object({ IP: z.string(), Mask: z.string() }), z.string()]).nullish();
const stringMap = z.record(z.string(), z.string()).nullish();
const nodeSchema = z.object({
  Name: z.string().default(''),
  Cluster: z.string().default(''),
  IPAddresses: z.array(z.object({ Type: z.string(), IP: z.string() })).nullish(),
  IPv4AllocCIDR: cidrSchema,
  IPv4SecondaryAllocCIDRs: z.array(cidrSchema).nullish(),
  IPv6AllocCIDR: cidrSchema,
  IPv6SecondaryAllocCIDRs: z.array(cidrSchema).nullish(),
  IPv4HealthIP: z.string().nullish(),
  IPv6HealthIP: z.string().nullish(),
  IPv4IngressIP: z.string().nullish(),
  IPv6IngressIP: z.string().nullish(),
  ClusterID: z.number().int().min(0).max(0xffffffff).default(0),
  Source: z.string().default(''),
  EncryptionKey: z.number().int().min(0).max(255).default(0),
  Labels: stringMap,
  Annotations: stringMap,
  NodeIdentity: z.number().int().min(0).max(0xffffffff).default(0),
  WireguardPubKey: z.string().default(''),
  BootID: z.string().default(''),
});

type RawCidr = z.infer<typeof cidrSchema>;

export function readCidr(field: string, raw: RawCidr, family: 4 | 6): Result<string | undefined> {
  if (raw === null || raw === undefined) return ok(undefined);
  let text: string;
  if (typeof raw === 'string') {
    const parsed = parseCidr(raw);
    if (!parsed) return fail(`${field} ${JSON.stringify(raw)} is not a CIDR`);
    if (parsed.ip.family !== family) return fail(`${field} ${raw} is not an IPv${family} CIDR`);
    text = parsed.text;
  } else {
    const ip = parseIp(raw.IP);
    const mask = fromBase64(raw.Mask);
    if (!ip) return fail(`${field}.IP ${JSON.stringify(raw.IP)} is not an IP address`);
    if (!mask || mask.length !== (family === 4 ? 4 : 16)) return fail(`${field}.Mask is not a base64 IPv${family} mask`);
    const len = maskPrefixLen(mask);
    if (len === undefined) return fail(`${field}.Mask is not a contiguous mask`);
    if (ip.family !== family) return fail(`${field}.IP ${raw.IP} is not IPv${family}`);
    text = parseCidr(`${ip.text}/${len}`)!.text;
  }
  return ok(text);
}

function readIp(field: string, raw: string | null | undefined): Result<string | undefined> {
  if (!raw) return ok(undefined);
  const ip = parseIp(raw);
  return ip ? ok(ip.text) : fail(`${field} ${JSON.stringify(raw)} is not an IP address`);
}

export interface NodeReadContext {
  readonly cluster: string;
  readonly clusterId?: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
}

function readCidrList(field: string, raw: readonly RawCidr[] | null | undefined, family: 4 | 6): Result<string[] | undefined> {
  if (!raw) return ok(undefined);
  const out: string[] = [];
  for (const [i, c] of raw.entries()) {
    const r = readCidr(`${field}[${i}]`, c, family);
    if (!r.ok) return r;
    if (r.value !== undefined) out.push(r.value);
  }
  return ok(out);
}

export function decodeNode(key: string, value: string, ctx: NodeReadContext): Result<ClusterNode> {
  const keyParts = parseNodeKey(key);
  if (!keyParts.ok) return keyParts;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return fail(`node ${key}: value is not JSON: ${(e as Error).message}`);
  }
  const parsed = nodeSchema.safeParse(json);
  if (!parsed.success) return fail(`node ${key}: ${zodReason(parsed.error)}`);
  const v = parsed.data;
  const bad = (reason: string): Result<never> => fail(`node ${key}: ${reason}`);
  if (v.Name === '') return bad('Name is empty');
  if (v.Cluster === '') return bad('Cluster is empty');
  if (v.Cluster !== ctx.cluster) return bad(`Cluster ${v.Cluster} is not the remote cluster ${ctx.cluster}`);
  if (v.Cluster !== keyParts.value.cluster || v.Name !== keyParts.value.name) {
    return bad(`value names ${v.Cluster}/${v.Name}, which does not match its key`);
  }
  const id = validateClusterId(v.ClusterID, ctx.maxConnectedClusters);
  if (!id.ok) return bad(id.error);
  if (ctx.clusterId !== undefined && v.ClusterID !== ctx.clusterId) {
    return bad(`ClusterID ${v.ClusterID} is not the remote cluster's ID ${ctx.clusterId}`);
  }
  const addresses: NodeAddress[] = [];
  for (const a of v.IPAddresses ?? []) {
    if (!(NODE_ADDRESS_TYPES as readonly string[]).includes(a.Type)) return bad(`unknown address type ${JSON.stringify(a.Type)}`);
    const ip = parseIp(a.IP);
    if (!ip) return bad(`address ${JSON.stringify(a.IP)} is not an IP address`);
    addresses.push({ type: a.Type as NodeAddressType, ip: ip.text });
  }
  const v4 = readCidr('IPv4AllocCIDR', v.IPv4AllocCIDR, 4);
  const v6 = readCidr('IPv6AllocCIDR', v.IPv6AllocCIDR, 6);
  const v4s = readCidrList('IPv4SecondaryAllocCIDRs', v.IPv4SecondaryAllocCIDRs, 4);
  const v6s = readCidrList('IPv6SecondaryAllocCIDRs', v.IPv6SecondaryAllocCIDRs, 6);
  const h4 = readIp('IPv4HealthIP', v.IPv4HealthIP);
  const h6 = readIp('IPv6HealthIP', v.IPv6HealthIP);
  const i4 = readIp('IPv4IngressIP', v.IPv4IngressIP);
  const i6 = readIp('IPv6IngressIP', v.IPv6IngressIP);
  for (const r of [v4, v6, v4s, v6s, h4, h6, i4, i6]) if (!r.ok) return bad(r.error);
  const val = <T>(r: Result<T>): T => (r as { value: T }).value;
  return ok({
    name: v.Name,
    cluster: v.Cluster,
    ipAddresses: addresses,
    ipv4AllocCIDR: val(v4),
    ipv4SecondaryAllocCIDRs: val(v4s),
    ipv6AllocCIDR: val(v6),
    ipv6SecondaryAllocCIDRs: val(v6s),
    ipv4HealthIP: val(h4),
    ipv6HealthIP: val(h6),
    ipv4IngressIP: val(i4),
    ipv6IngressIP: val(i6),
    clusterID: v.ClusterID,
    source: v.Source,
    encryptionKey: v.EncryptionKey,
    labels: v.Labels ?? undefined,
    annotations: v.Annotations ?? undefined,
    nodeIdentity: v.NodeIdentity,
    wireguardPubKey: v.WireguardPubKey,
    bootID: v.BootID,
  });
}
