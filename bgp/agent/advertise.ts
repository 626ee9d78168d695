/**
 * Which prefixes one peer family advertises, with which attributes: the advertisements the
 * family selects, expanded over the node's pod CIDRs and the services. Pure.
 */
import { labelSelectorFromObject, matchesLabelSelector } from '../../k8s/labels.js';
import { parseCidr, parseIp } from '../../lib/ip.js';
import type { RouteSpec } from '../speaker/index.js';
import { formatCommunity, parseCommunity, parseLargeCommunity } from '../speaker/routes.js';
import type { Advertisement, AdvertisementEntry, Afi, NodeInfo, ServiceInfo } from './types.js';

export const SERVICE_NAME_LABEL = 'io.kubernetes.service.name';
export const SERVICE_NAMESPACE_LABEL = 'io.kubernetes.service.namespace';
/** LoadBalancer services with another class belong to another implementation. */
export const BGP_LB_CLASS = 'io.cilium/bgp-control-plane';

export interface FamilyContext {
  readonly afi: Afi;
  readonly node: NodeInfo;
  readonly services: readonly ServiceInfo[];
  /** Local preference is an iBGP attribute; eBGP peers never get it. */
  readonly ibgp: boolean;
}

interface Accumulated {
  communities: Set<string>;
  large: Set<string>;
  localPref?: number;
}

export interface FamilyRoutes {
  readonly routes: readonly RouteSpec[];
  readonly errors: readonly string[];
}

function afiOfAddress(ip: string): Afi | undefined {
  const p = parseIp(ip);
  return p === undefined ? undefined : p.family === 4 ? 'ipv4' : 'ipv6';
}

function prefixOf(ip: string, len: number): string | undefined {
  return parseCidr(`${ip}/${len}`)?.text;
}

function hasActiveBackend(svc: ServiceInfo): boolean {
  return svc.backends.some((b) => b.active);
}

function hasLocalActiveBackend(svc: ServiceInfo, node: string): boolean {
  return svc.backends.some((b) => b.active && b.nodeName === node);
}

function serviceLabels(svc: ServiceInfo): Record<string, string> {
  return { ...svc.labels, [SERVICE_NAME_LABEL]: svc.name, [SERVICE_NAMESPACE_LABEL]: svc.namespace };
}

/** The addresses of one kind and whether a Local traffic policy applies to them. */
function addressesOf(svc: ServiceInfo, kind: string): { ips: readonly string[]; local: boolean } {
  switch (kind) {
    case 'LoadBalancerIP': {
      const classOk = svc.loadBalancerClass === undefined || svc.loadBalancerClass === BGP_LB_CLASS;
      const ips = svc.type === 'LoadBalancer' && classOk ? svc.loadBalancerIPs : [];
      return { ips, local: svc.externalTrafficPolicy === 'Local' };
    }
    case 'ClusterIP':
      return { ips: svc.clusterIPs.filter((ip) => ip !== 'None' && ip !== ''), local: svc.internalTrafficPolicy === 'Local' };
    case 'ExternalIP':
      return { ips: svc.externalIPs, local: svc.externalTrafficPolicy === 'Local' };
    default:
      return { ips: [], local: false };
  }
}

function aggregationLength(entry: AdvertisementEntry, afi: Afi): number {
  const full = afi === 'ipv4' ? 32 : 128;
  const agg = afi === 'ipv4' ? entry.service?.aggregationLengthIPv4 : entry.service?.aggregationLengthIPv6;
  return agg === undefined || agg < 0 || agg > full ? full : agg;
}

function servicePrefixes(svc: ServiceInfo, entry: AdvertisementEntry, ctx: FamilyContext): string[] {
  if (!hasActiveBackend(svc)) return [];
  const full = ctx.afi === 'ipv4' ? 32 : 128;
  const out: string[] = [];
  for (const kind of entry.service?.addresses ?? []) {
    const { ips, local } = addressesOf(svc, kind);
    if (ips.length === 0) continue;
    if (local && !hasLocalActiveBackend(svc, ctx.node.name)) continue;
    // Aggregating a Local-policy address would draw traffic for nodes without a backend.
    const len = local ? full : aggregationLength(entry, ctx.afi);
    for (const ip of ips) {
      if (afiOfAddress(ip) !== ctx.afi) continue;
      const prefix = prefixOf(ip, len);
      if (prefix !== undefined) out.push(prefix);
    }
  }
  return out;
}

function podCidrs(ctx: FamilyContext): string[] {
  const fam = ctx.afi === 'ipv4' ? 4 : 6;
  const out: string[] = [];
  for (const c of ctx.node.podCIDRs) {
    const parsed = parseCidr(c);
    if (parsed?.ip.family === fam) out.push(parsed.text);
  }
  return out;
}

function entryPrefixes(adv: string, entry: AdvertisementEntry, ctx: FamilyContext, errors: string[]): string[] {
  const where = `advertisement ${adv}`;
  switch (entry.advertisementType) {
    case 'PodCIDR':
      return podCidrs(ctx);
    case 'Service': {
      const sel = labelSelectorFromObject(entry.selector);
      if (!sel.ok) {
        errors.push(`${where}: service selector: ${sel.error}`);
        return [];
      }
      for (const kind of entry.service?.addresses ?? []) {
        if (!['LoadBalancerIP', 'ClusterIP', 'ExternalIP'].includes(kind)) errors.push(`${where}: unknown service address type ${JSON.stringify(kind)}`);
      }
      return ctx.services.filter((s) => matchesLabelSelector(sel.value, serviceLabels(s))).flatMap((s) => servicePrefixes(s, entry, ctx));
    }
    case 'CiliumPodIPPool':
      // Multi-pool IPAM does not exist in meshlb: nothing to advertise, and nothing wrong.
      return [];
    default:
      errors.push(`${where}: unknown advertisementType ${JSON.stringify(entry.advertisementType)}`);
      return [];
  }
}

function addAttributes(acc: Accumulated, adv: string, entry: AdvertisementEntry, ctx: FamilyContext, errors: string[]): void {
  const c = entry.attributes?.communities;
  for (const s of [...(c?.standard ?? []), ...(c?.wellKnown ?? [])]) {
    const v = parseCommunity(s);
    if (v === undefined) errors.push(`advertisement ${adv}: community ${JSON.stringify(s)} is not N, a:b or a well-known name`);
    else acc.communities.add(/^[a-z-]+$/.test(s) ? s : formatCommunity(v));
  }
  for (const s of c?.large ?? []) {
    const v = parseLargeCommunity(s);
    if (v === undefined) errors.push(`advertisement ${adv}: large community ${JSON.stringify(s)} is not a:b:c`);
    else acc.large.add(v.join(':'));
  }
  const lp = entry.attributes?.localPreference;
  if (lp !== undefined && ctx.ibgp && (acc.localPref === undefined || lp > acc.localPref)) acc.localPref = lp;
}

function toRouteSpec(prefix: string, acc: Accumulated): RouteSpec {
  return {
    prefix,
    ...(acc.communities.size > 0 ? { communities: [...acc.communities].sort() } : {}),
    ...(acc.large.size > 0 ? { largeCommunities: [...acc.large].sort() } : {}),
    ...(acc.localPref !== undefined ? { localPref: acc.localPref } : {}),
  };
}

/** Routes of one family from the advertisements it selected; overlapping matches merge. */
export function familyRoutes(selected: readonly Advertisement[], ctx: FamilyContext): FamilyRoutes {
  const errors: string[] = [];
  const byPrefix = new Map<string, Accumulated>();
  for (const adv of selected) {
    for (const entry of adv.advertisements) {
      for (const prefix of entryPrefixes(adv.name, entry, ctx, errors)) {
        let acc = byPrefix.get(prefix);
        if (!acc) byPrefix.set(prefix, (acc = { communities: new Set(), large: new Set() }));
        addAttributes(acc, adv.name, entry, ctx, errors);
      }
    }
  }
  const routes = [...byPrefix.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, acc]) => toRouteSpec(p, acc));
  return { routes, errors: [...new Set(errors)] };
}

/** Advertisements a family's selector picks; a nil selector picks none. */
export function selectAdvertisements(selector: unknown, all: readonly Advertisement[]): { selected: Advertisement[]; error?: string } {
  const sel = labelSelectorFromObject(selector);
  if (!sel.ok) return { selected: [], error: sel.error };
  return { selected: all.filter((a) => matchesLabelSelector(sel.value, a.labels)) };
}
