/**
 * The reconciler's decision: this node's NodeConfig, the peer configs and advertisements it
 * refers to, the services and the node → the speaker instances, their peers and each peer's
 * routes. Pure: plain data in and out, problems returned as messages for the
 * cilium.io/BGPReconcileError condition.
 */
import { parseIp } from '../../lib/ip.js';
import type { PeerConfig, RouteSpec } from '../speaker/index.js';
import { familyRoutes, selectAdvertisements } from './advertise.js';
import type { Afi, Desired, DesiredInstance, DesiredPeer, FamilySpec, Inputs, NodeInstance, NodePeer, PeerConfigSpec } from './types.js';

export const DEFAULTS = {
  peerPort: 179,
  connectRetryTimeSeconds: 120,
  holdTimeSeconds: 90,
  keepAliveTimeSeconds: 30,
  restartTimeSeconds: 120,
  ebgpMultihop: 1,
} as const;

/** Cilium's default when a PeerConfig lists no families: both, advertising nothing. */
const DEFAULT_FAMILIES: readonly FamilySpec[] = [
  { afi: 'ipv6', safi: 'unicast' },
  { afi: 'ipv4', safi: 'unicast' },
];

function isLoopback(ip: string): boolean {
  const p = parseIp(ip);
  if (!p) return false;
  return p.family === 4 ? p.bytes[0] === 127 : p.text === '::1';
}

/**
 * The next hop routers will forward to: the session's local address when it is a routable
 * address of that family, otherwise the node's own address (a loopback next hop is useless
 * to a router, and FRR drops the session over one).
 */
function nextHop(afi: Afi, peer: NodePeer, inputs: Inputs): string | undefined {
  const local = peer.localAddress;
  const fam = afi === 'ipv4' ? 4 : 6;
  if (local !== undefined && parseIp(local)?.family === fam && !isLoopback(local)) return local;
  return afi === 'ipv4' ? inputs.node.ipv4 : inputs.node.ipv6;
}

function peerFamilies(spec: PeerConfigSpec | undefined, where: string, errors: string[]): FamilySpec[] {
  const out: FamilySpec[] = [];
  for (const f of spec?.families ?? DEFAULT_FAMILIES) {
    if ((f.afi === 'ipv4' || f.afi === 'ipv6') && f.safi === 'unicast') out.push(f);
    else errors.push(`${where}: address family ${f.afi}/${f.safi} is not supported (ipv4/unicast, ipv6/unicast)`);
  }
  return out;
}

function timersOf(spec: PeerConfigSpec | undefined, where: string, errors: string[]): Pick<PeerConfig, 'holdTimeSeconds' | 'keepaliveSeconds' | 'connectRetrySeconds'> {
  const hold = spec?.timers?.holdTimeSeconds ?? DEFAULTS.holdTimeSeconds;
  const keepalive = spec?.timers?.keepAliveTimeSeconds ?? DEFAULTS.keepAliveTimeSeconds;
  const connectRetry = spec?.timers?.connectRetryTimeSeconds ?? DEFAULTS.connectRetryTimeSeconds;
  if (keepalive > hold) errors.push(`${where}: keepAliveTimeSeconds ${keepalive} exceeds holdTimeSeconds ${hold}`);
  return { holdTimeSeconds: hold, keepaliveSeconds: keepalive, connectRetrySeconds: connectRetry };
}

function speakerPeer(peer: NodePeer, spec: PeerConfigSpec | undefined, families: readonly FamilySpec[], inputs: Inputs, where: string, errors: string[]): PeerConfig {
  const gr = spec?.gracefulRestart;
  const nh4 = nextHop('ipv4', peer, inputs);
  const nh6 = nextHop('ipv6', peer, inputs);
  return {
    name: peer.name,
    address: peer.peerAddress!,
    port: spec?.transport?.peerPort ?? DEFAULTS.peerPort,
    peerAsn: peer.peerASN ?? 0,
    ...(peer.localAddress ? { localAddress: peer.localAddress } : {}),
    ...timersOf(spec, where, errors),
    families: families.map((f) => f.afi as Afi),
    ...(nh4 ? { nextHopIpv4: nh4 } : {}),
    ...(nh6 ? { nextHopIpv6: nh6 } : {}),
    gracefulRestart: { enabled: gr?.enabled ?? false, restartTimeSeconds: gr?.restartTimeSeconds ?? DEFAULTS.restartTimeSeconds },
    ebgpMultihop: spec?.ebgpMultihop ?? DEFAULTS.ebgpMultihop,
  };
}

function desiredPeer(inst: NodeInstance, peer: NodePeer, inputs: Inputs, errors: string[]): DesiredPeer | undefined {
  const where = `instance ${inst.name} peer ${peer.name}`;
  if (peer.peerAddress === undefined || parseIp(peer.peerAddress) === undefined) {
    errors.push(`${where}: peerAddress ${JSON.stringify(peer.peerAddress ?? '')} is not an IP address`);
    return undefined;
  }
  const ref = peer.peerConfigRef?.name;
  const spec = ref === undefined ? undefined : inputs.peerConfigs.get(ref);
  if (ref !== undefined && spec === undefined) errors.push(`${where}: CiliumBGPPeerConfig ${ref} not found; using defaults and advertising nothing`);
  if (spec?.authSecretRef) {
    errors.push(`${where}: authSecretRef is set but TCP MD5 authentication is not supported (Node has no TCP_MD5SIG); peer not configured`);
    return undefined;
  }
  const families = peerFamilies(spec, where, errors);
  const ibgp = peer.peerASN === inst.localASN;
  const routes: RouteSpec[] = [];
  for (const fam of families) {
    const picked = selectAdvertisements(fam.advertisements, inputs.advertisements);
    if (picked.error) errors.push(`${where}: family ${fam.afi}/${fam.safi} advertisements selector: ${picked.error}`);
    const r = familyRoutes(picked.selected, { afi: fam.afi as Afi, node: inputs.node, services: inputs.services, ibgp });
    routes.push(...r.routes);
    errors.push(...r.errors.map((e) => `${where}: ${e}`));
  }
  return { config: speakerPeer(peer, spec, families, inputs, where, errors), routes };
}

function desiredInstance(inst: NodeInstance, inputs: Inputs, errors: string[]): DesiredInstance | undefined {
  const routerId = inst.routerID ?? inputs.node.ipv4;
  if (routerId === undefined || parseIp(routerId)?.family !== 4) {
    errors.push(`instance ${inst.name}: no router ID (set routerID, or give the node an IPv4 InternalIP)`);
    return undefined;
  }
  const peers: DesiredPeer[] = [];
  const seen = new Set<string>();
  for (const peer of inst.peers) {
    if (seen.has(peer.name)) {
      errors.push(`instance ${inst.name}: peer name ${peer.name} is used twice; the second is ignored`);
      continue;
    }
    seen.add(peer.name);
    const p = desiredPeer(inst, peer, inputs, errors);
    if (p) peers.push(p);
  }
  return { name: inst.name, localAsn: inst.localASN, routerId, ...(inst.localPort !== undefined ? { localPort: inst.localPort } : {}), peers };
}

export function decide(inputs: Inputs): Desired {
  const errors: string[] = [];
  const instances: DesiredInstance[] = [];
  for (const inst of inputs.instances ?? []) {
    const d = desiredInstance(inst, inputs, errors);
    if (d) instances.push(d);
  }
  return { instances, errors: [...new Set(errors)] };
}
