/**
 * The legacy CiliumBGPPeeringPolicy in the v2 model, pure. The agent only understands v2, so
 * each policy becomes NodeConfigs for its nodes plus one derived PeerConfig and Advertisement
 * per neighbor (bgp/README.md explains the mapping and its one gap).
 */
import { parseIp } from '../../lib/ip.js';
import {
  DEFAULT_FAMILIES, DEFAULT_RESTART_TIME_SECONDS, GROUP, PEER_CONFIGS, PEERING_POLICIES,
  type AdvertisementEntry, type AdvertisementSpec, type Communities, type Neighbor, type NodeConfigSpec, type NodeInstance,
  type PathAttributes, type PeerConfigSpec, type VirtualRouter,
} from '../api/index.js';
import { selects, type DesiredObject, type OwnerRef } from './model.js';
import type { NodeIn, PeeringPolicyIn, Problem } from './inputs.js';

export const POLICY_LABEL = 'bgp.meshlb.io/peering-policy';
export const PEER_CONFIG_LABEL = 'bgp.meshlb.io/peer-config';
/** Cilium's v1 per-node override: `router-id=A.B.C.D,local-port=N`. */
export const VIRTUAL_ROUTER_ANNOTATION_PREFIX = 'cilium.io/bgp-virtual-router.';

export interface LegacyOutcome {
  readonly nodeConfigs: ReadonlyMap<string, DesiredObject<NodeConfigSpec>>;
  readonly peerConfigs: ReadonlyMap<string, DesiredObject<PeerConfigSpec>>;
  readonly advertisements: ReadonlyMap<string, DesiredObject<AdvertisementSpec>>;
  readonly problems: readonly Problem[];
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * A policy name short enough to be a label value (63) with room for `-<vr>-<neighbor>`;
 * long names keep a prefix and gain a hash so two of them never collide.
 */
export function policyKey(name: string): string {
  if (name.length <= 48) return name;
  return `${name.slice(0, 38).replace(/[^a-z0-9]+$/, '')}-${fnv1a(name)}`;
}

export function derivedName(policy: string, vr: number, neighbor: number): string {
  return `${policyKey(policy)}-${vr}-${neighbor}`;
}

/** `router-id=...,local-port=...` of the node's annotation for this ASN. */
export function virtualRouterAnnotation(node: NodeIn, asn: number): { routerID?: string; localPort?: number; error?: string } {
  const raw = node.annotations[`${VIRTUAL_ROUTER_ANNOTATION_PREFIX}${asn}`];
  if (raw === undefined) return {};
  const out: { routerID?: string; localPort?: number; error?: string } = {};
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value = ''] = part.split('=', 2).map((s) => s.trim()) as [string, string?];
    if (key === 'router-id' && parseIp(value)?.family === 4) out.routerID = value;
    else if (key === 'local-port' && /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535) out.localPort = Number(value);
    else out.error = `annotation ${VIRTUAL_ROUTER_ANNOTATION_PREFIX}${asn}: cannot use "${part}"`;
  }
  return out;
}

function unionCommunities(all: readonly (Communities | undefined)[]): Communities | undefined {
  const pick = (k: keyof Communities): string[] => [...new Set(all.flatMap((c) => c?.[k] ?? []))];
  const standard = pick('standard');
  const wellKnown = pick('wellKnown') as Communities['wellKnown'] & string[];
  const large = pick('large');
  if (standard.length + wellKnown.length + large.length === 0) return undefined;
  return { ...(standard.length ? { standard } : {}), ...(wellKnown.length ? { wellKnown } : {}), ...(large.length ? { large } : {}) };
}

/** Path attributes of one selector type; selectors other than nil cannot be expressed in v2. */
function attributesFor(n: Neighbor, type: string, subject: string, problems: Problem[]): PathAttributes | undefined {
  const matching = (n.advertisedPathAttributes ?? []).filter((a) => a.selectorType === type);
  const usable = matching.filter((a) => a.selector === undefined || type === 'PodCIDR');
  if (usable.length < matching.length) {
    problems.push({ reason: 'unsupported_path_attributes', subject, message: `advertisedPathAttributes for ${type} with a selector are not supported and were skipped` });
  }
  const communities = unionCommunities(usable.map((a) => a.communities));
  const prefs = usable.flatMap((a) => (a.localPreference !== undefined ? [a.localPreference] : []));
  if (!communities && prefs.length === 0) return undefined;
  return { ...(communities ? { communities } : {}), ...(prefs.length ? { localPreference: Math.max(...prefs) } : {}) };
}

function advertisementEntries(vr: VirtualRouter, n: Neighbor, subject: string, problems: Problem[]): AdvertisementEntry[] {
  const entries: AdvertisementEntry[] = [];
  const withAttrs = (e: AdvertisementEntry, type: string): AdvertisementEntry => {
    const attributes = attributesFor(n, type, subject, problems);
    return attributes ? { ...e, attributes } : e;
  };
  if (vr.exportPodCIDR) entries.push(withAttrs({ advertisementType: 'PodCIDR' }, 'PodCIDR'));
  if (vr.podIPPoolSelector) entries.push(withAttrs({ advertisementType: 'CiliumPodIPPool', selector: vr.podIPPoolSelector }, 'CiliumPodIPPool'));
  // v1: no serviceSelector means no services.
  if (vr.serviceSelector) {
    const [lb, rest] = [vr.serviceAdvertisements.filter((a) => a === 'LoadBalancerIP'), vr.serviceAdvertisements.filter((a) => a !== 'LoadBalancerIP')];
    if (lb.length) entries.push(withAttrs({ advertisementType: 'Service', service: { addresses: lb }, selector: vr.serviceSelector }, 'CiliumLoadBalancerIPPool'));
    if (rest.length) entries.push({ advertisementType: 'Service', service: { addresses: rest }, selector: vr.serviceSelector });
  }
  return entries;
}

function peerConfigSpec(n: Neighbor, name: string): PeerConfigSpec {
  const families = n.families?.length ? n.families : DEFAULT_FAMILIES;
  return {
    transport: { peerPort: n.peerPort },
    timers: { connectRetryTimeSeconds: n.connectRetryTimeSeconds, holdTimeSeconds: n.holdTimeSeconds, keepAliveTimeSeconds: n.keepAliveTimeSeconds },
    ...(n.authSecretRef ? { authSecretRef: n.authSecretRef } : {}),
    gracefulRestart: { enabled: n.gracefulRestart?.enabled ?? false, restartTimeSeconds: n.gracefulRestart?.restartTimeSeconds ?? DEFAULT_RESTART_TIME_SECONDS },
    ebgpMultihop: n.eBGPMultihopTTL,
    families: families.map((f) => ({ afi: f.afi, safi: f.safi, advertisements: { matchLabels: { [PEER_CONFIG_LABEL]: name } } })),
  };
}

function peerName(n: Neighbor, index: number, taken: Set<string>): string {
  const address = n.peerAddress.split('/')[0]!;
  const name = taken.has(address) ? `${address}-${index}` : address;
  taken.add(name);
  return name;
}

function instanceFor(policy: PeeringPolicyIn, vrIndex: number, vr: VirtualRouter, node: NodeIn, problems: Problem[]): NodeInstance {
  const ann = virtualRouterAnnotation(node, vr.localASN);
  if (ann.error) problems.push({ reason: 'invalid_annotation', subject: `Node/${node.name}`, message: ann.error });
  const routerID = ann.routerID ?? node.internalIPv4;
  if (routerID === undefined) {
    problems.push({ reason: 'no_router_id', subject: `Node/${node.name}`, message: `virtual router ${vr.localASN}: the node has no IPv4 InternalIP and no router-id annotation` });
  }
  const taken = new Set<string>();
  return {
    name: `vr-${vr.localASN}`,
    localASN: vr.localASN,
    ...(routerID !== undefined ? { routerID } : {}),
    ...(ann.localPort !== undefined ? { localPort: ann.localPort } : {}),
    peers: vr.neighbors.map((n, j) => ({
      name: peerName(n, j, taken),
      peerAddress: n.peerAddress.split('/')[0]!,
      peerASN: n.peerASN,
      peerConfigRef: { group: GROUP, kind: PEER_CONFIGS.kind, name: derivedName(policy.name, vrIndex, j) },
    })),
  };
}

function owner(p: PeeringPolicyIn): OwnerRef {
  return { apiVersion: `${PEERING_POLICIES.group}/${PEERING_POLICIES.version}`, kind: PEERING_POLICIES.kind, name: p.name, uid: p.uid };
}

export function translatePolicies(policies: readonly PeeringPolicyIn[], nodes: readonly NodeIn[]): LegacyOutcome {
  const problems: Problem[] = [];
  const nodeConfigs = new Map<string, DesiredObject<NodeConfigSpec>>();
  const peerConfigs = new Map<string, DesiredObject<PeerConfigSpec>>();
  const advertisements = new Map<string, DesiredObject<AdvertisementSpec>>();
  const usable = policies.filter((p) => {
    const zero = p.spec.virtualRouters.find((vr) => vr.localASN === 0);
    if (zero) problems.push({ reason: 'invalid_object', subject: `CiliumBGPPeeringPolicy/${p.name}`, message: 'virtual router localASN 0 cannot be used' });
    return !zero;
  });

  for (const p of usable) {
    const labels = { [POLICY_LABEL]: policyKey(p.name) };
    p.spec.virtualRouters.forEach((vr, i) => vr.neighbors.forEach((n, j) => {
      const name = derivedName(p.name, i, j);
      const subject = `CiliumBGPPeeringPolicy/${p.name}`;
      const objLabels = { ...labels, [PEER_CONFIG_LABEL]: name };
      peerConfigs.set(name, { name, owner: owner(p), labels: objLabels, spec: peerConfigSpec(n, name) });
      const entries = advertisementEntries(vr, n, subject, problems);
      if (entries.length > 0) advertisements.set(name, { name, owner: owner(p), labels: objLabels, spec: { advertisements: entries } });
    }));
  }

  for (const node of nodes) {
    const matching = usable.filter((p) => selects(p.spec.nodeSelector, node));
    if (matching.length > 1) {
      problems.push({ reason: 'conflicting_peering_policies', subject: `Node/${node.name}`, message: `selected by several CiliumBGPPeeringPolicies (${matching.map((p) => p.name).sort().join(', ')}); none is applied` });
      continue;
    }
    const p = matching[0];
    if (!p) continue;
    nodeConfigs.set(node.name, {
      name: node.name,
      owner: owner(p),
      labels: { [POLICY_LABEL]: policyKey(p.name) },
      spec: { bgpInstances: p.spec.virtualRouters.map((vr, i) => instanceFor(p, i, vr, node, problems)) },
    });
  }
  return { nodeConfigs, peerConfigs, advertisements, problems };
}
