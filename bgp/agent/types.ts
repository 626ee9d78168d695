/**
 * The BGP reconciler's inputs as plain data, shaped like the CRD specs (cilium.io/v2) so the
 * boundary parsers map onto them one to one. Label selectors are kept as the raw
 * metav1.LabelSelector objects: converting them is part of deciding (a bad one is a
 * reconcile error on the NodeConfig, not a parse failure of the whole object).
 */
import type { PeerConfig, RouteSpec } from '../speaker/index.js';

export type Afi = 'ipv4' | 'ipv6';

export interface NodePeer {
  readonly name: string;
  readonly peerAddress?: string;
  /** 0 or absent: learn the AS from the peer's OPEN. */
  readonly peerASN?: number;
  readonly localAddress?: string;
  readonly peerConfigRef?: { readonly name: string };
}

export interface NodeInstance {
  readonly name: string;
  readonly localASN: number;
  readonly routerID?: string;
  /** Unset: dial out only, no listener. */
  readonly localPort?: number;
  readonly peers: readonly NodePeer[];
}

export interface FamilySpec {
  readonly afi: string;
  readonly safi: string;
  /** Raw metav1.LabelSelector over CiliumBGPAdvertisement labels; absent = advertise nothing. */
  readonly advertisements?: unknown;
}

export interface PeerConfigSpec {
  readonly transport?: { readonly peerPort?: number };
  readonly timers?: {
    readonly connectRetryTimeSeconds?: number;
    readonly holdTimeSeconds?: number;
    readonly keepAliveTimeSeconds?: number;
  };
  readonly authSecretRef?: string;
  readonly gracefulRestart?: { readonly enabled?: boolean; readonly restartTimeSeconds?: number };
  readonly ebgpMultihop?: number;
  readonly families?: readonly FamilySpec[];
}

export type AdvertisementType = 'PodCIDR' | 'CiliumPodIPPool' | 'Service';
export type ServiceAddressType = 'LoadBalancerIP' | 'ClusterIP' | 'ExternalIP';

export interface RouteAttributes {
  readonly communities?: {
    readonly standard?: readonly string[];
    readonly wellKnown?: readonly string[];
    readonly large?: readonly string[];
  };
  readonly localPreference?: number;
}

export interface AdvertisementEntry {
  readonly advertisementType: string;
  readonly service?: {
    readonly addresses?: readonly string[];
    readonly aggregationLengthIPv4?: number;
    readonly aggregationLengthIPv6?: number;
  };
  /** Raw metav1.LabelSelector over services (with the pseudo-labels); absent = nothing. */
  readonly selector?: unknown;
  readonly attributes?: RouteAttributes;
}

export interface Advertisement {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly advertisements: readonly AdvertisementEntry[];
}

export interface Backend {
  /** Node the endpoint runs on (EndpointSlice endpoints[].nodeName). */
  readonly nodeName?: string;
  /** Ready (or, when terminating, serving) — what counts as an active backend. */
  readonly active: boolean;
}

export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly type: string;
  readonly loadBalancerClass?: string;
  readonly clusterIPs: readonly string[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  readonly externalTrafficPolicy?: string;
  readonly internalTrafficPolicy?: string;
  readonly backends: readonly Backend[];
}

export interface NodeInfo {
  readonly name: string;
  readonly podCIDRs: readonly string[];
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export interface Inputs {
  readonly node: NodeInfo;
  /** This node's CiliumBGPNodeConfig spec; undefined: no BGP on this node. */
  readonly instances?: readonly NodeInstance[];
  readonly peerConfigs: ReadonlyMap<string, PeerConfigSpec>;
  readonly advertisements: readonly Advertisement[];
  readonly services: readonly ServiceInfo[];
}

export interface DesiredPeer {
  readonly config: PeerConfig;
  readonly routes: readonly RouteSpec[];
}

export interface DesiredInstance {
  readonly name: string;
  readonly localAsn: number;
  readonly routerId: string;
  readonly localPort?: number;
  readonly peers: readonly DesiredPeer[];
}

export interface Desired {
  readonly instances: readonly DesiredInstance[];
  /** Problems an operator must fix; they become the cilium.io/BGPReconcileError condition. */
  readonly errors: readonly string[];
}
