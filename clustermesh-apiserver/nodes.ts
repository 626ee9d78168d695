/**
 * Nodes: a Kubernetes Node becomes the Cilium Node entry other clusters route to. Addresses are
 * the InternalIP/ExternalIP addresses, then the CiliumInternalIP (cilium_host) addresses
 * Cilium's agent annotates on the node; pod CIDRs come from spec.podCIDRs, falling back to the
 * pod-CIDR annotations.
 */
import { nodeKey } from '../clustermesh/keys.js';
import { parseCidr, parseIp } from '../clustermesh/ip.js';
import { encodeNode, type NodeAddress } from '../clustermesh/node.js';
import { zodReason } from '../clustermesh/zod-reason.js';
import { fail, ok, type Result } from '../lib/result.js';
import { nodeSchema, type K8sNode } from './k8s-objects.js';
import { rejection, type ObjectProjection, type ProjectionOptions } from './options.js';

/** Cilium's node annotations, new name first, then the older alias. */
export const NODE_ANNOTATIONS = {
  ciliumHostV4: ['network.cilium.io/ipv4-cilium-host', 'io.cilium.network.ipv4-cilium-host'],
  ciliumHostV6: ['network.cilium.io/ipv6-cilium-host', 'io.cilium.network.ipv6-cilium-host'],
  podCidrV4: ['network.cilium.io/ipv4-pod-cidr', 'io.cilium.network.ipv4-pod-cidr'],
  podCidrV6: ['network.cilium.io/ipv6-pod-cidr', 'io.cilium.network.ipv6-pod-cidr'],
  healthV4: ['network.cilium.io/ipv4-health-ip', 'io.cilium.network.ipv4-health-ip'],
  healthV6: ['network.cilium.io/ipv6-health-ip', 'io.cilium.network.ipv6-health-ip'],
  ingressV4: ['network.cilium.io/ipv4-Ingress-ip', 'io.cilium.network.ipv4-Ingress-ip'],
  ingressV6: ['network.cilium.io/ipv6-Ingress-ip', 'io.cilium.network.ipv6-Ingress-ip'],
  encryptionKey: ['network.cilium.io/encryption-key', 'io.cilium.network.encryption-key'],
  wireguardPubKey: ['network.cilium.io/wg-pub-key'],
} as const;

type Annotations = Readonly<Record<string, string>> | null | undefined;

function annotation(annotations: Annotations, keys: readonly string[]): string | undefined {
  for (const k of keys) if (annotations?.[k] !== undefined) return annotations[k];
  return undefined;
}

function annotatedIp(annotations: Annotations, keys: readonly string[], family: 4 | 6): Result<string | undefined> {
  const raw = annotation(annotations, keys);
  if (raw === undefined || raw === '') return ok(undefined);
  const ip = parseIp(raw);
  if (!ip || ip.family !== family) return fail(`annotation ${keys[0]} value ${JSON.stringify(raw)} is not an IPv${family} address`);
  return ok(ip.text);
}

function addresses(node: K8sNode): Result<NodeAddress[]> {
  const out: NodeAddress[] = [];
  for (const a of node.status.addresses ?? []) {
    if (a.type !== 'InternalIP' && a.type !== 'ExternalIP') continue;
    const ip = parseIp(a.address);
    if (!ip) return fail(`${a.type} ${JSON.stringify(a.address)} is not an IP address`);
    out.push({ type: a.type, ip: ip.text });
  }
  const annotations = node.metadata.annotations;
  for (const [keys, family] of [[NODE_ANNOTATIONS.ciliumHostV4, 4], [NODE_ANNOTATIONS.ciliumHostV6, 6]] as const) {
    const ip = annotatedIp(annotations, keys, family);
    if (!ip.ok) return ip;
    if (ip.value) out.push({ type: 'CiliumInternalIP', ip: ip.value });
  }
  return ok(out);
}

interface PodCidrs {
  v4: string[];
  v6: string[];
}

function podCidrs(node: K8sNode): Result<PodCidrs> {
  const fromSpec = node.spec.podCIDRs?.length ? node.spec.podCIDRs : node.spec.podCIDR ? [node.spec.podCIDR] : [];
  const out: PodCidrs = { v4: [], v6: [] };
  for (const raw of fromSpec) {
    const c = parseCidr(raw);
    if (!c) return fail(`pod CIDR ${JSON.stringify(raw)} is not a CIDR`);
    (c.ip.family === 4 ? out.v4 : out.v6).push(c.text);
  }
  const annotations = node.metadata.annotations;
  for (const [keys, list, family] of [[NODE_ANNOTATIONS.podCidrV4, out.v4, 4], [NODE_ANNOTATIONS.podCidrV6, out.v6, 6]] as const) {
    const raw = annotation(annotations, keys);
    if (list.length > 0 || !raw) continue;
    const c = parseCidr(raw);
    if (!c || c.ip.family !== family) return fail(`annotation ${keys[0]} value ${JSON.stringify(raw)} is not an IPv${family} CIDR`);
    list.push(c.text);
  }
  return ok(out);
}

function encryptionKey(annotations: Annotations): Result<number> {
  const raw = annotation(annotations, NODE_ANNOTATIONS.encryptionKey);
  if (raw === undefined) return ok(0);
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > 255) return fail(`annotation ${NODE_ANNOTATIONS.encryptionKey[0]} value ${JSON.stringify(raw)} is not 0..255`);
  return ok(Number(raw));
}

export function projectNode(input: unknown, opts: ProjectionOptions): ObjectProjection {
  const parsed = nodeSchema.safeParse(input);
  if (!parsed.success) return rejection('Node', input, zodReason(parsed.error));
  const node = parsed.data;
  const a = node.metadata.annotations;
  const addrs = addresses(node);
  const cidrs = podCidrs(node);
  const key = encryptionKey(a);
  const ips = [
    annotatedIp(a, NODE_ANNOTATIONS.healthV4, 4),
    annotatedIp(a, NODE_ANNOTATIONS.healthV6, 6),
    annotatedIp(a, NODE_ANNOTATIONS.ingressV4, 4),
    annotatedIp(a, NODE_ANNOTATIONS.ingressV6, 6),
  ] as const;
  for (const r of [addrs, cidrs, key, ...ips]) if (!r.ok) return rejection('Node', input, r.error);
  const value = <T>(r: Result<T>): T => (r as { value: T }).value;
  const { v4, v6 } = value(cidrs);
  const encoded = encodeNode({
    name: node.metadata.name,
    cluster: opts.clusterName,
    ipAddresses: value(addrs),
    ipv4AllocCIDR: v4[0],
    ipv4SecondaryAllocCIDRs: v4.slice(1),
    ipv6AllocCIDR: v6[0],
    ipv6SecondaryAllocCIDRs: v6.slice(1),
    ipv4HealthIP: value(ips[0]),
    ipv6HealthIP: value(ips[1]),
    ipv4IngressIP: value(ips[2]),
    ipv6IngressIP: value(ips[3]),
    clusterID: opts.clusterId,
    source: 'k8s',
    encryptionKey: value(key),
    labels: node.metadata.labels ?? undefined,
    annotations: node.metadata.annotations ?? undefined,
    nodeIdentity: 0,
    wireguardPubKey: annotation(a, NODE_ANNOTATIONS.wireguardPubKey) ?? '',
    bootID: '',
  });
  return { entries: [[nodeKey(opts.clusterName, node.metadata.name), encoded]], rejected: [] };
}
