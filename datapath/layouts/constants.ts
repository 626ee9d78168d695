/**
 * Named constants of Cilium's load-balancing, L2-responder and egress-gateway maps
 * (bpf/lib/common.h, pkg/loadbalancer): flag bits, backend states, lookup scopes, map specs.
 */

/** `lb{4,6}_service.flags` (low byte of Cilium's 16-bit ServiceFlags). */
export const ServiceFlag = {
  ExternalIP: 1 << 0,
  NodePort: 1 << 1,
  ExtLocalScope: 1 << 2,
  HostPort: 1 << 3,
  Affinity: 1 << 4,
  LoadBalancer: 1 << 5,
  Routable: 1 << 6,
  SourceRange: 1 << 7,
} as const;

/** `lb{4,6}_service.flags2` (high byte of Cilium's 16-bit ServiceFlags). */
export const ServiceFlag2 = {
  LocalRedirect: 1 << 0,
  Nat46x64: 1 << 1,
  L7LoadBalancer: 1 << 2,
  Loopback: 1 << 3,
  IntLocalScope: 1 << 4,
  TwoScopes: 1 << 5,
  Quarantined: 1 << 6,
  FwdModeDsr: 1 << 7,
} as const;

/** `lb{4,6}_backend.flags`: the backend's state (a value, not a bit set). */
export const BackendState = {
  Active: 0,
  Terminating: 1,
  Quarantined: 2,
  Maintenance: 3,
} as const;
export type BackendStateValue = (typeof BackendState)[keyof typeof BackendState];

/** `lb{4,6}_key.scope`: which traffic policy a lookup uses (internal only with two scopes). */
export const LookupScope = { External: 0, Internal: 1 } as const;

/** High 8 bits of slot 0's `backend_id` when a per-service algorithm is set. */
export const LbAlgorithm = { Default: 0, Random: 1, Maglev: 2 } as const;

/** IP protocol numbers as stored in `proto` fields; 0 means "any protocol". */
export const IpProto = { Any: 0, TCP: 6, UDP: 17, SCTP: 132 } as const;

export type MapKind = 'hash' | 'lpm_trie';

export interface MapSpec {
  readonly name: string;
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** BPF_F_NO_PREALLOC (1) where Cilium creates the map without preallocation. */
  readonly flags: number;
}

const NO_PREALLOC = 1;
const LB_MAP_MAX_ENTRIES = 65536;

function hash(name: string, keySize: number, valueSize: number, maxEntries = LB_MAP_MAX_ENTRIES, flags = 0): MapSpec {
  return { name, kind: 'hash', keySize, valueSize, maxEntries, flags };
}

/** Map names are Cilium's, so the pinned maps read like Cilium's under their own bpffs root. */
export const MapSpecs = {
  lb4Services: hash('cilium_lb4_services_v2', 12, 12),
  lb4Backends: hash('cilium_lb4_backends_v3', 4, 12),
  lb4ReverseNat: hash('cilium_lb4_reverse_nat', 2, 6),
  lb6Services: hash('cilium_lb6_services_v2', 24, 12),
  lb6Backends: hash('cilium_lb6_backends_v3', 4, 24),
  lb6ReverseNat: hash('cilium_lb6_reverse_nat', 2, 18),
  l2ResponderV4: hash('cilium_l2_responder_v4', 8, 8, 4096, NO_PREALLOC),
  l2ResponderV6: hash('cilium_l2_responder_v6', 24, 8, 4096, NO_PREALLOC),
  egressPolicyV4: {
    name: 'cilium_egress_gw_policy_v4',
    kind: 'lpm_trie',
    keySize: 12,
    valueSize: 8,
    maxEntries: 16384,
    flags: NO_PREALLOC,
  },
} as const satisfies Record<string, MapSpec>;
