/**
 * Building blocks shared by the BGP CRD schemas: ASNs, ports, addresses, label selectors,
 * object metadata and conditions, and the one place that turns zod issues into messages.
 * Parsing never throws; every problem comes back as `path: message`.
 */
import { z } from 'zod';
import { labelSelectorFromObject } from '../../k8s/labels.js';
import { parseCidr, parseIp } from '../../lib/ip.js';
import { fail, ok, type Result } from '../../lib/result.js';
import type { ResourceType } from '../../k8s/resource.js';

export const GROUP = 'cilium.io';
export const MAX_ASN = 4294967295;

/** A CRD kind's identity on the API server, plus the kind name for messages and manifests. */
export interface KindInfo extends ResourceType {
  readonly kind: string;
  readonly shortName?: string;
}

export const int = (min: number, max: number, what: string): z.ZodNumber =>
  z.number({ error: `${what} must be a number` }).int(`${what} must be an integer`).min(min, `${what} must be at least ${min}`).max(max, `${what} must be at most ${max}`);

export const asn = (min: 0 | 1): z.ZodNumber => int(min, MAX_ASN, 'ASN');
export const port = int(1, 65535, 'port');

export const ipAddress = z.string().refine((s) => parseIp(s) !== undefined, { error: 'must be an IPv4 or IPv6 address' });
export const cidr = z.string().refine((s) => parseCidr(s) !== undefined, { error: 'must be a CIDR (address/prefix length)' });
export const ipv4Address = z.string().refine((s) => parseIp(s)?.family === 4, { error: 'must be an IPv4 address' });

/**
 * metav1.LabelSelector as written; validated with the project's selector parser so a bad
 * operator or label key is reported here, at the boundary, rather than when matching.
 */
export const labelSelector = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
      .optional(),
  })
  .superRefine((sel, ctx) => {
    const r = labelSelectorFromObject(sel);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
  });
export type LabelSelectorSpec = z.infer<typeof labelSelector>;

export const objectMeta = z
  .object({
    name: z.string({ error: 'metadata.name is required' }).min(1, 'metadata.name is required'),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.number().optional(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    ownerReferences: z
      .array(z.object({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string(), controller: z.boolean().optional() }).loose())
      .optional(),
  })
  .loose();
export type ObjectMeta = z.infer<typeof objectMeta>;

export const condition = z.object({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.number().optional(),
});
export type Condition = z.infer<typeof condition>;

/** Wraps a spec schema into the object schema every kind shares. */
export function objectOf<S extends z.ZodType>(spec: S) {
  return z.object({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    metadata: objectMeta,
    spec,
  });
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(object)';
}

/** All of zod's issues as `path: message` lines, in document order. */
export function messagesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`);
}

/** Validates `input` and applies defaults; `kind` prefixes nothing but names the failure. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown): Result<T, readonly string[]> {
  const r = schema.safeParse(input);
  return r.success ? ok(r.data) : fail(messagesOf(r.error));
}

/** The name of an object for log lines even when the object is malformed. */
export function nameOf(input: unknown): string {
  const n = (input as { metadata?: { name?: unknown } } | null | undefined)?.metadata?.name;
  return typeof n === 'string' ? n : '(unnamed)';
}
