/**
 * The boundary for CiliumEgressGatewayPolicy (cilium.io/v2, cluster-scoped): raw object →
 * validated plain data, or every problem found, worded so it can become the policy's
 * condition message. Never throws on bad input.
 */
import { z } from 'zod';
import { labelSelectorFromObject, MATCH_EVERYTHING, type LabelSelector } from '../k8s/labels.js';
import { fail, ok, type Result } from '../lib/result.js';
import { parseCidr4, parseIpv4, type Cidr4 } from './cidr.js';

export interface PodSelection {
  readonly namespaceSelector: LabelSelector;
  readonly podSelector: LabelSelector;
}

/** How the egress IP is found on the gateway node. */
export type EgressSource =
  | { readonly kind: 'egressIP'; readonly ip: string }
  | { readonly kind: 'interface'; readonly name: string }
  | { readonly kind: 'defaultRoute' };

export interface GatewayConfig {
  readonly nodeSelector: LabelSelector;
  readonly egress: EgressSource;
}

export interface EgressPolicy {
  readonly name: string;
  readonly selectors: readonly PodSelection[];
  readonly destinations: readonly Cidr4[];
  readonly excluded: readonly Cidr4[];
  /** One for `egressGateway`, several for `egressGateways[]`; never empty. */
  readonly gateways: readonly GatewayConfig[];
}

export interface PolicyRejection {
  readonly name: string;
  readonly reason: 'InvalidSpec';
  readonly errors: readonly string[];
}

const selectorObject = z.unknown().optional();
const gatewaySchema = z.object({
  nodeSelector: selectorObject,
  interface: z.string().nullish(),
  egressIP: z.string().nullish(),
});

const policySchema = z.object({
  metadata: z.object({ name: z.string().min(1) }),
  spec: z.object({
    selectors: z.array(z.object({ namespaceSelector: selectorObject, podSelector: selectorObject })).nullish(),
    destinationCIDRs: z.array(z.string()).nullish(),
    excludedCIDRs: z.array(z.string()).nullish(),
    egressGateway: gatewaySchema.nullish(),
    egressGateways: z.array(gatewaySchema).nullish(),
  }),
});

type RawGateway = z.infer<typeof gatewaySchema>;

function parseSelection(raw: { namespaceSelector?: unknown; podSelector?: unknown }, at: string, errors: string[]): PodSelection | undefined {
  if (raw.namespaceSelector == null && raw.podSelector == null) {
    errors.push(`${at}: needs a namespaceSelector or a podSelector`);
    return undefined;
  }
  // An absent half does not narrow the selection (Cilium's reading), unlike a nil metav1 selector.
  const ns = raw.namespaceSelector == null ? ok(MATCH_EVERYTHING) : labelSelectorFromObject(raw.namespaceSelector);
  const pod = raw.podSelector == null ? ok(MATCH_EVERYTHING) : labelSelectorFromObject(raw.podSelector);
  if (!ns.ok) errors.push(`${at}.namespaceSelector: ${ns.error}`);
  if (!pod.ok) errors.push(`${at}.podSelector: ${pod.error}`);
  return ns.ok && pod.ok ? { namespaceSelector: ns.value, podSelector: pod.value } : undefined;
}

function parseGateway(raw: RawGateway, at: string, errors: string[]): GatewayConfig | undefined {
  const before = errors.length;
  if (raw.nodeSelector == null) errors.push(`${at}.nodeSelector: required`);
  const sel = labelSelectorFromObject(raw.nodeSelector);
  if (raw.nodeSelector != null && !sel.ok) errors.push(`${at}.nodeSelector: ${sel.error}`);
  const iface = raw.interface ?? '';
  const egressIP = raw.egressIP ?? '';
  if (iface !== '' && egressIP !== '') {
    errors.push(`${at}: interface and egressIP are mutually exclusive, set at most one`);
  } else if (egressIP !== '' && parseIpv4(egressIP) === undefined) {
    errors.push(`${at}.egressIP: "${egressIP}" is not an IPv4 address`);
  }
  if (errors.length > before || !sel.ok) return undefined;
  const egress: EgressSource =
    egressIP !== '' ? { kind: 'egressIP', ip: egressIP } : iface !== '' ? { kind: 'interface', name: iface } : { kind: 'defaultRoute' };
  return { nodeSelector: sel.value, egress };
}

function parseCidrs(texts: readonly string[], at: string, errors: string[]): Cidr4[] {
  const out: Cidr4[] = [];
  texts.forEach((text, i) => {
    const c = parseCidr4(text);
    if (c.ok) out.push(c.value);
    else errors.push(`${at}[${i}]: ${c.error}`);
  });
  return out;
}

function rawGateways(spec: { egressGateway?: RawGateway | null; egressGateways?: RawGateway[] | null }, errors: string[]): [RawGateway, string][] {
  const single = spec.egressGateway;
  const many = spec.egressGateways ?? [];
  if (single != null && many.length > 0) {
    errors.push('spec: egressGateway and egressGateways are mutually exclusive, set one');
    return [];
  }
  if (single != null) return [[single, 'spec.egressGateway']];
  if (many.length === 0) errors.push('spec: needs egressGateway or a non-empty egressGateways');
  return many.map((g, i) => [g, `spec.egressGateways[${i}]`]);
}

export function parseEgressPolicy(raw: unknown): Result<EgressPolicy, PolicyRejection> {
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const name = z.object({ metadata: z.object({ name: z.string() }) }).safeParse(raw);
    const message = z.prettifyError(parsed.error).replace(/\n/g, '; ');
    return fail({ name: name.success ? name.data.metadata.name : '', reason: 'InvalidSpec', errors: [message] });
  }
  const { metadata, spec } = parsed.data;
  const errors: string[] = [];
  const rawSelectors = spec.selectors ?? [];
  if (rawSelectors.length === 0) errors.push('spec.selectors: at least one selector is required');
  const selectors = rawSelectors.map((s, i) => parseSelection(s, `spec.selectors[${i}]`, errors));
  if ((spec.destinationCIDRs ?? []).length === 0) errors.push('spec.destinationCIDRs: at least one CIDR is required');
  const destinations = parseCidrs(spec.destinationCIDRs ?? [], 'spec.destinationCIDRs', errors);
  const excluded = parseCidrs(spec.excludedCIDRs ?? [], 'spec.excludedCIDRs', errors);
  const gateways = rawGateways(spec, errors).map(([g, at]) => parseGateway(g, at, errors));
  if (errors.length > 0) return fail({ name: metadata.name, reason: 'InvalidSpec', errors });
  return ok({
    name: metadata.name,
    selectors: selectors.filter((s): s is PodSelection => s !== undefined),
    destinations,
    excluded,
    gateways: gateways.filter((g): g is GatewayConfig => g !== undefined),
  });
}
