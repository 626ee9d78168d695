/** The boundary for coordination.k8s.io/v1 Lease objects: JSON from the API → LeaseView. */
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import type { LeaseView } from './lease-core.js';

const time = z.string().transform((s, ctx) => {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a time: ${s}` });
    return z.NEVER;
  }
  return ms;
});

const leaseSchema = z.object({
  metadata: z.object({ name: z.string().min(1), resourceVersion: z.string() }).loose(),
  spec: z
    .object({
      holderIdentity: z.string().nullish(),
      leaseDurationSeconds: z.number().int().nullish(),
      acquireTime: time.nullish(),
      renewTime: time.nullish(),
      leaseTransitions: z.number().int().nullish(),
    })
    .loose()
    .nullish(),
}).loose();

export interface NamedLease {
  readonly name: string;
  readonly view: LeaseView;
}

/** A malformed lease is an error value: the caller logs it and leaves that lease alone. */
export function parseLease(raw: unknown, fallbackDurationSeconds: number): Result<NamedLease, string> {
  const p = leaseSchema.safeParse(raw);
  if (!p.success) return fail(`malformed Lease: ${p.error.issues[0]?.path.join('.') ?? ''} ${p.error.issues[0]?.message ?? ''}`);
  const s = p.data.spec ?? {};
  return ok({
    name: p.data.metadata.name,
    view: {
      holder: s.holderIdentity ?? '',
      leaseDurationSeconds: s.leaseDurationSeconds ?? fallbackDurationSeconds,
      ...(s.renewTime != null ? { renewTime: s.renewTime } : {}),
      ...(s.acquireTime != null ? { acquireTime: s.acquireTime } : {}),
      transitions: s.leaseTransitions ?? 0,
      resourceVersion: p.data.metadata.resourceVersion,
    },
  });
}

/** resourceVersions are opaque in general; the sandbox's (etcd revisions) are numbers. */
export function isOlder(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) < BigInt(b);
  return false;
}
