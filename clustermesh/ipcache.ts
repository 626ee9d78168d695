/**
 * IPIdentityPair: one ipcache entry (`cilium/state/ip/v1/default/<IP>` or `<IP>/<len>`),
 * mapping a pod or prefix to its security identity and the node that hosts it.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import { IDENTITY_HOST, IDENTITY_REMOTE_NODE } from './cluster.js';
import { goJson } from './gojson.js';
import { fromBase64, maskBytes, maskPrefixLen, parseCidr, parseIp, toBase64 } from './ip.js';
import { IPCACHE_PREFIX, parseIpcacheKey } from './keys.js';
import { zodReason } from './zod-reason.js';

export interface NamedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
}

export interface IpIdentityPair {
  readonly ip: string;
  /** Set for a prefix entry; absent for a host entry (Mask null). */
  readonly prefixLen?: number;
  readonly hostIP?: string;
  readonly id: number;
  /** IPsec key index. */
  readonly key: number;
  readonly metadata: string;
  readonly k8sNamespace?: string;
  readonly k8sPodName?: string;
  readonly k8sServiceAccount?: string;
  readonly namedPorts?: readonly NamedPort[];
}

/** "ip" or "ip/len": the text the entry's key ends in. */
export function ipcacheEntryName(pair: Pick<IpIdentityPair, 'ip' | 'prefixLen'>): string {
  const ip = parseIp(pair.ip);
  if (!ip) throw new Error(`ipcache entry with invalid IP ${pair.ip}`);
  return pair.prefixLen === undefined ? ip.text : parseCidr(`${ip.text}/${pair.prefixLen}`)!.text;
}

export function ipcacheEntryKey(pair: Pick<IpIdentityPair, 'ip' | 'prefixLen'>): string {
  return IPCACHE_PREFIX + ipcacheEntryName(pair);
}

export function encodeIpIdentityPair(pair: IpIdentityPair): string {
  const ip = parseIp(pair.ip);
  if (!ip) throw new Error(`encodeIpIdentityPair: invalid IP ${pair.ip}`);
  const hostIp = pair.hostIP ? parseIp(pair.hostIP) : undefined;
  if (pair.hostIP && !hostIp) throw new Error(`encodeIpIdentityPair: invalid host IP ${pair.hostIP}`);
  const network = pair.prefixLen === undefined ? undefined : parseCidr(`${ip.text}/${pair.prefixLen}`);
  const ports = [...(pair.namedPorts ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return goJson({
    IP: network ? network.ip.text : ip.text,
    Mask: network ? toBase64(maskBytes(network.prefixLen, ip.family === 4 ? 4 : 16)) : null,
    HostIP: hostIp ? hostIp.text : '',
    ID: pair.id,
    Key: pair.key,
    Metadata: pair.metadata,
    K8sNamespace: pair.k8sNamespace || undefined,
    K8sPodName: pair.k8sPodName || undefined,
    K8sServiceAccount: pair.k8sServiceAccount || undefined,
    NamedPorts: ports.length > 0 ? ports.map((p) => ({ Name: p.name, Port: p.port, Protocol: p.protocol })) : undefined,
  });
}

const pairSchema = z.object({
  IP: z.string(),
  Mask: z.string().nullish(),
  HostIP: z.string().nullish(),
  ID: z.number().int().min(0).max(0xffffffff).default(0),
  Key: z.number().int().min(0).max(255).default(0),
  Metadata: z.string().nullish(),
  K8sNamespace: z.string().nullish(),
  K8sPodName: z.string().nullish(),
  K8sServiceAccount: z.string().nullish(),
  NamedPorts: z
    .array(z.object({ Name: z.string(), Port: z.number().int().min(0).max(65535), Protocol: z.string() }))
    .nullish(),
});

export interface IpcacheReadContext {
  /** Entries from a remote cluster: the host identity there is a remote node here. */
  readonly remote: boolean;
}

export function decodeIpIdentityPair(key: string, value: string, ctx: IpcacheReadContext): Result<IpIdentityPair> {
  const name = parseIpcacheKey(key);
  if (!name.ok) return name;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return fail(`ipcache ${key}: value is not JSON: ${(e as Error).message}`);
  }
  const parsed = pairSchema.safeParse(json);
  if (!parsed.success) return fail(`ipcache ${key}: ${zodReason(parsed.error)}`);
  const v = parsed.data;
  const bad = (reason: string): Result<never> => fail(`ipcache ${key}: ${reason}`);
  const ip = parseIp(v.IP);
  if (!ip) return bad(`IP ${JSON.stringify(v.IP)} is not an IP address`);
  let prefixLen: number | undefined;
  if (v.Mask !== null && v.Mask !== undefined) {
    const mask = fromBase64(v.Mask);
    if (!mask || mask.length !== (ip.family === 4 ? 4 : 16)) return bad(`Mask is not a base64 IPv${ip.family} mask`);
    prefixLen = maskPrefixLen(mask);
    if (prefixLen === undefined) return bad('Mask is not a contiguous mask');
  }
  const entryName = prefixLen === undefined ? ip.text : `${ip.text}/${prefixLen}`;
  if (entryName !== name.value) return bad(`value is for ${entryName}, which does not match its key`);
  const hostIp = v.HostIP ? parseIp(v.HostIP) : undefined;
  if (v.HostIP && !hostIp) return bad(`HostIP ${JSON.stringify(v.HostIP)} is not an IP address`);
  return ok({
    ip: ip.text,
    prefixLen,
    hostIP: hostIp?.text,
    id: ctx.remote && v.ID === IDENTITY_HOST ? IDENTITY_REMOTE_NODE : v.ID,
    key: v.Key,
    metadata: v.Metadata ?? '',
    k8sNamespace: v.K8sNamespace || undefined,
    k8sPodName: v.K8sPodName || undefined,
    k8sServiceAccount: v.K8sServiceAccount || undefined,
    namedPorts: v.NamedPorts?.map((p) => ({ name: p.Name, port: p.Port, protocol: p.Protocol })),
  });
}
