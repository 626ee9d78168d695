/**
 * The operator's boundary: objects from the informers (unknown shape) into the plain data the
 * pure core decides on. Anything malformed is left out and comes back as a problem with the
 * object named, so one bad object never stops the others.
 */
import {
  parseClusterConfig, parseNodeConfigOverride, parsePeerConfig, parsePeeringPolicy, nameOf,
  type ClusterConfigSpec, type Condition, type NodeConfigOverrideSpec, type PeeringPolicySpec,
} from '../api/index.js';
import { parseIp } from '../../lib/ip.js';

export interface Problem {
  /** Short machine-readable cause, used as a metric label. */
  readonly reason: string;
  /** `Kind/name` of the object the problem is about. */
  readonly subject: string;
  readonly message: string;
}

export interface Owned {
  readonly name: string;
  readonly uid: string;
  /** RFC 3339; the older of two conflicting configs wins. */
  readonly createdAt: string;
}

export interface ClusterConfigIn extends Owned {
  readonly spec: ClusterConfigSpec;
  readonly conditions: readonly Condition[];
}

export interface PeeringPolicyIn extends Owned {
  readonly spec: PeeringPolicySpec;
}

export interface NodeIn {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** First InternalIP that is IPv4: the default BGP router ID. */
  readonly internalIPv4?: string;
}

export interface Inputs {
  readonly clusterConfigs: readonly ClusterConfigIn[];
  readonly peeringPolicies: readonly PeeringPolicyIn[];
  readonly peerConfigNames: ReadonlySet<string>;
  readonly nodes: readonly NodeIn[];
  readonly overrides: ReadonlyMap<string, NodeConfigOverrideSpec>;
}

export interface RawInputs {
  readonly clusterConfigs: readonly unknown[];
  readonly peeringPolicies: readonly unknown[];
  readonly peerConfigs: readonly unknown[];
  readonly nodes: readonly unknown[];
  readonly overrides: readonly unknown[];
}

interface Meta {
  name?: unknown;
  uid?: unknown;
  creationTimestamp?: unknown;
  labels?: unknown;
  annotations?: unknown;
}

function stringMap(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function ownedOf(meta: { name: string; uid?: string; creationTimestamp?: string }): Owned {
  return { name: meta.name, uid: meta.uid ?? '', createdAt: meta.creationTimestamp ?? '' };
}

export function nodeFromObject(obj: unknown): NodeIn | undefined {
  const o = obj as { metadata?: Meta; status?: { addresses?: unknown } } | null;
  const name = o?.metadata?.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const addresses = Array.isArray(o?.status?.addresses) ? (o.status.addresses as { type?: unknown; address?: unknown }[]) : [];
  const v4 = addresses.find((a) => a?.type === 'InternalIP' && typeof a.address === 'string' && parseIp(a.address)?.family === 4);
  return {
    name,
    labels: stringMap(o?.metadata?.labels),
    annotations: stringMap(o?.metadata?.annotations),
    ...(v4 ? { internalIPv4: parseIp(v4.address as string)!.text } : {}),
  };
}

export function readInputs(raw: RawInputs): { inputs: Inputs; problems: Problem[] } {
  const problems: Problem[] = [];
  const rejected = (kind: string, obj: unknown, errors: readonly string[]): void => {
    problems.push({ reason: 'invalid_object', subject: `${kind}/${nameOf(obj)}`, message: errors.join('; ') });
  };

  const clusterConfigs: ClusterConfigIn[] = [];
  for (const o of raw.clusterConfigs) {
    const r = parseClusterConfig(o);
    if (r.ok) clusterConfigs.push({ ...ownedOf(r.value.metadata), spec: r.value.spec, conditions: r.value.status?.conditions ?? [] });
    else rejected('CiliumBGPClusterConfig', o, r.error);
  }
  const peeringPolicies: PeeringPolicyIn[] = [];
  for (const o of raw.peeringPolicies) {
    const r = parsePeeringPolicy(o);
    if (r.ok) peeringPolicies.push({ ...ownedOf(r.value.metadata), spec: r.value.spec });
    else rejected('CiliumBGPPeeringPolicy', o, r.error);
  }
  // A peer config that exists but is malformed is the agent's to report (it reads it); for
  // the MissingPeerConfigs condition it exists.
  const peerConfigNames = new Set<string>();
  for (const o of raw.peerConfigs) {
    const r = parsePeerConfig(o);
    if (r.ok) peerConfigNames.add(r.value.metadata.name);
    else if (nameOf(o) !== '(unnamed)') peerConfigNames.add(nameOf(o));
  }
  const overrides = new Map<string, NodeConfigOverrideSpec>();
  for (const o of raw.overrides) {
    const r = parseNodeConfigOverride(o);
    if (r.ok) overrides.set(r.value.metadata.name, r.value.spec);
    else rejected('CiliumBGPNodeConfigOverride', o, r.error);
  }
  const nodes: NodeIn[] = [];
  for (const o of raw.nodes) {
    const n = nodeFromObject(o);
    if (n) nodes.push(n);
    else problems.push({ reason: 'invalid_object', subject: 'Node/(unnamed)', message: 'metadata.name is missing' });
  }
  return { inputs: { clusterConfigs, peeringPolicies, peerConfigNames, nodes, overrides }, problems };
}
