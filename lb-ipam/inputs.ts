/**
 * The boundary: raw CiliumLoadBalancerIPPool and Service objects → the plain data the pure
 * core decides on. Nothing here throws on bad input; what is wrong is kept as text so it can
 * become a condition on the object it came from.
 */
import { z } from 'zod';
import { labelSelectorFromObject, MATCH_EVERYTHING, type LabelSelector } from '../k8s/labels.js';
import { parseAddress, parseBlock, type Address, type Range } from './ranges.js';
import type { SharingPort, SharingView } from './sharing.js';

export const ANNOTATION_IPS = 'lbipam.cilium.io/ips';
export const ANNOTATION_IPS_ALIAS = 'io.cilium/lb-ipam-ips';
export const ANNOTATION_SHARING_KEY = 'lbipam.cilium.io/sharing-key';
export const ANNOTATION_SHARING_KEY_ALIAS = 'io.cilium/lb-ipam-sharing-key';
export const ANNOTATION_SHARING_CROSS_NS = 'lbipam.cilium.io/sharing-cross-namespace';
export const ANNOTATION_SHARING_CROSS_NS_ALIAS = 'io.cilium/lb-ipam-sharing-cross-namespace';
/** Beyond Cilium: lower is preferred among the pools that match a service (default 0). */
export const ANNOTATION_POOL_PRIORITY = 'lbipam.meshlb.io/priority';
/** Beyond Cilium: "true" = the pool only serves services that request one of its IPs. */
export const ANNOTATION_POOL_EXPLICIT_ONLY = 'lbipam.meshlb.io/explicit-only';

export const LABEL_SERVICE_NAMESPACE = 'io.kubernetes.service.namespace';
export const LABEL_SERVICE_NAME = 'io.kubernetes.service.name';

export interface Pool {
  readonly name: string;
  readonly generation: number;
  readonly createdAt: string;
  /** The blocks that parsed; a bad block is left out and reported in `errors`. */
  readonly ranges: readonly Range[];
  readonly selector: LabelSelector;
  readonly disabled: boolean;
  readonly allowFirstLast: boolean;
  readonly priority: number;
  readonly explicitOnly: boolean;
  /** Problems with the spec; a pool with any makes no new allocations. */
  readonly errors: readonly string[];
}

export interface Service extends SharingView {
  readonly key: string;
  readonly name: string;
  readonly generation: number;
  readonly createdAt: string;
  readonly type: string;
  readonly loadBalancerClass?: string;
  /** The service's own labels plus the name/namespace pseudo-labels pools may select on. */
  readonly labels: Readonly<Record<string, string>>;
  readonly requestedIps: readonly Address[];
  /** Requested IPs that are not addresses; the service gets nothing new while there are any. */
  readonly requestErrors: readonly string[];
  readonly ipFamilyPolicy?: string;
  readonly ipFamilies: readonly string[];
  /** IPs in status.loadBalancer.ingress now. */
  readonly ingress: readonly string[];
  readonly conditions: readonly unknown[];
}

const stringMap = z.record(z.string(), z.string()).catch({});
const metaSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  generation: z.number().optional(),
  creationTimestamp: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

const poolSchema = z.object({
  metadata: metaSchema,
  spec: z
    .object({
      blocks: z.array(z.unknown()).optional(),
      serviceSelector: z.unknown().optional(),
      allowFirstLastIPs: z.unknown().optional(),
      disabled: z.unknown().optional(),
    })
    .loose()
    .optional(),
});

const blockSchema = z.object({ cidr: z.string().optional(), start: z.string().optional(), stop: z.string().optional() });

function parseBlocks(blocks: readonly unknown[] | undefined, errors: string[]): Range[] {
  const ranges: Range[] = [];
  if (!blocks || blocks.length === 0) errors.push('spec.blocks: the pool has no blocks');
  for (const [i, raw] of (blocks ?? []).entries()) {
    const block = blockSchema.safeParse(raw);
    const r = block.success ? parseBlock(block.data) : { ok: false as const, error: 'not an object of cidr/start/stop strings' };
    if (r.ok) ranges.push(r.value);
    else errors.push(`spec.blocks[${i}]: ${r.error}`);
  }
  return ranges;
}

function parsePriority(text: string | undefined, errors: string[]): number {
  if (text === undefined) return 0;
  if (!/^-?\d{1,9}$/.test(text.trim())) {
    errors.push(`annotation ${ANNOTATION_POOL_PRIORITY}: '${text}' is not an integer`);
    return 0;
  }
  return Number(text.trim());
}

function parseExplicitOnly(text: string | undefined, errors: string[]): boolean {
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  errors.push(`annotation ${ANNOTATION_POOL_EXPLICIT_ONLY}: '${text}' is neither 'true' nor 'false'`);
  return false;
}

/** A pool object → Pool, or undefined when it has no name (nothing to report on). */
export function poolFromObject(obj: unknown): Pool | undefined {
  const parsed = poolSchema.safeParse(obj);
  if (!parsed.success) return undefined;
  const { metadata, spec } = parsed.data;
  const errors: string[] = [];
  const ranges = parseBlocks(spec?.blocks, errors);
  // Unlike Kubernetes' own nil-means-nothing, Cilium's nil serviceSelector selects every service.
  let selector: LabelSelector = MATCH_EVERYTHING;
  if (spec?.serviceSelector !== undefined && spec.serviceSelector !== null) {
    const sel = labelSelectorFromObject(spec.serviceSelector);
    if (sel.ok) selector = sel.value;
    else errors.push(`spec.serviceSelector: ${sel.error}`);
  }
  const allow = spec?.allowFirstLastIPs;
  if (allow !== undefined && allow !== 'Yes' && allow !== 'No') errors.push(`spec.allowFirstLastIPs: '${String(allow)}' is neither 'Yes' nor 'No'`);
  const annotations = metadata.annotations ?? {};
  return {
    name: metadata.name,
    generation: metadata.generation ?? 0,
    createdAt: metadata.creationTimestamp ?? '',
    ranges,
    selector,
    disabled: spec?.disabled === true,
    allowFirstLast: allow !== 'No',
    priority: parsePriority(annotations[ANNOTATION_POOL_PRIORITY], errors),
    explicitOnly: parseExplicitOnly(annotations[ANNOTATION_POOL_EXPLICIT_ONLY], errors),
    errors,
  };
}

const portSchema = z.object({ port: z.number(), protocol: z.string().optional() }).loose();
const serviceSchema = z.object({
  metadata: metaSchema.extend({ namespace: z.string() }),
  spec: z
    .object({
      type: z.string().optional(),
      loadBalancerClass: z.string().nullable().optional(),
      loadBalancerIP: z.string().optional(),
      ipFamilyPolicy: z.string().optional(),
      ipFamilies: z.array(z.string()).catch([]).optional(),
      externalTrafficPolicy: z.string().optional(),
      selector: stringMap.nullable().optional(),
      ports: z.array(z.unknown()).catch([]).optional(),
    })
    .loose()
    .optional(),
  status: z
    .object({
      loadBalancer: z.object({ ingress: z.array(z.unknown()).nullable().optional() }).loose().optional(),
      conditions: z.array(z.unknown()).nullable().optional(),
    })
    .loose()
    .optional(),
});

function annotation(annotations: Record<string, string>, key: string, alias: string): string {
  return annotations[key] ?? annotations[alias] ?? '';
}

function requested(loadBalancerIP: string | undefined, annotated: string): { ips: Address[]; errors: string[] } {
  const ips: Address[] = [];
  const errors: string[] = [];
  const add = (text: string, where: string): void => {
    const a = parseAddress(text);
    if (!a) errors.push(`${where}: '${text}' is not an IP address`);
    else if (!ips.some((x) => x.family === a.family && x.value === a.value)) ips.push(a);
  };
  if (loadBalancerIP) add(loadBalancerIP.trim(), 'spec.loadBalancerIP');
  if (annotated.trim() !== '') for (const part of annotated.split(',')) add(part.trim(), `annotation ${ANNOTATION_IPS}`);
  return { ips, errors };
}

function ports(raw: readonly unknown[] | undefined): SharingPort[] {
  const out: SharingPort[] = [];
  for (const p of raw ?? []) {
    const parsed = portSchema.safeParse(p);
    if (parsed.success) out.push({ port: parsed.data.port, protocol: parsed.data.protocol ?? 'TCP' });
  }
  return out;
}

function ingressIps(raw: readonly unknown[] | null | undefined): string[] {
  const out: string[] = [];
  for (const i of raw ?? []) {
    const ip = (i as { ip?: unknown } | null)?.ip;
    if (typeof ip === 'string' && ip !== '') out.push(ip);
  }
  return out;
}

/** A service object → Service, or undefined when it lacks a name or namespace. */
export function serviceFromObject(obj: unknown): Service | undefined {
  const parsed = serviceSchema.safeParse(obj);
  if (!parsed.success) return undefined;
  const { metadata, spec, status } = parsed.data;
  const annotations = metadata.annotations ?? {};
  const req = requested(spec?.loadBalancerIP, annotation(annotations, ANNOTATION_IPS, ANNOTATION_IPS_ALIAS));
  const cross = annotation(annotations, ANNOTATION_SHARING_CROSS_NS, ANNOTATION_SHARING_CROSS_NS_ALIAS);
  return {
    key: `${metadata.namespace}/${metadata.name}`,
    name: metadata.name,
    namespace: metadata.namespace,
    generation: metadata.generation ?? 0,
    createdAt: metadata.creationTimestamp ?? '',
    type: spec?.type ?? 'ClusterIP',
    ...(spec?.loadBalancerClass ? { loadBalancerClass: spec.loadBalancerClass } : {}),
    labels: { ...(metadata.labels ?? {}), [LABEL_SERVICE_NAMESPACE]: metadata.namespace, [LABEL_SERVICE_NAME]: metadata.name },
    requestedIps: req.ips,
    requestErrors: req.errors,
    ...(spec?.ipFamilyPolicy ? { ipFamilyPolicy: spec.ipFamilyPolicy } : {}),
    ipFamilies: spec?.ipFamilies ?? [],
    sharingKey: annotation(annotations, ANNOTATION_SHARING_KEY, ANNOTATION_SHARING_KEY_ALIAS),
    crossNamespace: cross === '' ? [] : cross.split(',').map((s) => s.trim()),
    ports: ports(spec?.ports),
    externalTrafficPolicy: spec?.externalTrafficPolicy ?? 'Cluster',
    selector: spec?.selector ?? {},
    ingress: ingressIps(status?.loadBalancer?.ingress),
    conditions: status?.conditions ?? [],
  };
}
