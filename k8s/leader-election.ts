/**
 * Leader election on a coordination.k8s.io/v1 Lease. client-node has no helper for this;
 * decisions live in leader-election-core.ts, this file reads and writes the Lease (with the
 * resourceVersion precondition on every update) and runs the callbacks.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { silentLogger, type Logger } from '../lib/log.js';
import type { HealthReport } from '../lib/module.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { KubeError } from './errors.js';
import {
  decide, formatMicroTime, nextAttemptDelayMs, releasedSpec, renewDeadlinePassed, validateTiming,
  type ElectionTiming, type LeaseRecord,
} from './leader-election-core.js';
import { kubeRequest } from './request.js';
import { collectionPath, objectPath, type ObjectRef } from './resource.js';

export interface LeaderElectionOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineSeconds?: number;
  readonly retryPeriodSeconds?: number;
  /** `signal` aborts when leadership is lost or the elector stops. */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  readonly onStoppedLeading?: () => void;
  readonly onNewLeader?: (identity: string) => void;
  readonly logger?: Logger;
}

export interface LeaderElector {
  start(signal?: AbortSignal): Promise<void>;
  /** Stops campaigning; a leader releases the Lease so the next candidate takes over at once. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** The holder last observed, if any. */
  leader(): string | undefined;
  health(): HealthReport;
}

const microTime = z.string().transform((s, ctx) => {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a time: ${s}` });
    return z.NEVER;
  }
  return d;
});

const leaseSchema = z.object({
  metadata: z.object({ resourceVersion: z.string() }).loose(),
  spec: z
    .object({
      holderIdentity: z.string().nullish(),
      leaseDurationSeconds: z.number().int().nullish(),
      acquireTime: microTime.nullish(),
      renewTime: microTime.nullish(),
      leaseTransitions: z.number().int().nullish(),
    })
    .loose()
    .nullish(),
}).loose();

interface ReadLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
  readonly raw: Record<string, unknown>;
}

const leaseType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' } as const;

function toRecord(spec: z.infer<typeof leaseSchema>['spec']): LeaseRecord {
  const s = spec ?? {};
  return {
    ...(s.holderIdentity != null ? { holderIdentity: s.holderIdentity } : {}),
    ...(s.leaseDurationSeconds != null ? { leaseDurationSeconds: s.leaseDurationSeconds } : {}),
    ...(s.acquireTime != null ? { acquireTime: s.acquireTime } : {}),
    ...(s.renewTime != null ? { renewTime: s.renewTime } : {}),
    ...(s.leaseTransitions != null ? { leaseTransitions: s.leaseTransitions } : {}),
  };
}

function specJson(r: LeaseRecord): Record<string, unknown> {
  return {
    holderIdentity: r.holderIdentity ?? '',
    leaseDurationSeconds: r.leaseDurationSeconds,
    ...(r.acquireTime ? { acquireTime: formatMicroTime(r.acquireTime) } : {}),
    ...(r.renewTime ? { renewTime: formatMicroTime(r.renewTime) } : {}),
    leaseTransitions: r.leaseTransitions ?? 0,
  };
}

export function createLeaderElector(opts: LeaderElectionOptions): LeaderElector {
  const timing: ElectionTiming = {
    leaseDurationSeconds: opts.leaseDurationSeconds ?? 15,
    renewDeadlineSeconds: opts.renewDeadlineSeconds ?? 10,
    retryPeriodSeconds: opts.retryPeriodSeconds ?? 2,
  };
  const invalid = validateTiming(timing);
  if (invalid) throw new Error(`leader election timing: ${invalid}`);
  const log = (opts.logger ?? silentLogger).child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
  const ref: ObjectRef = { ...leaseType, namespace: opts.namespace, name: opts.name };
  // Each call must end well inside renewDeadline, or a hung API server would keep a stale leader.
  const callTimeoutMs = Math.max(200, (timing.renewDeadlineSeconds * 1000) / 2);

  let stopped = true;
  let leading: AbortController | undefined;
  let lastRenew: Date | undefined;
  let observedHolder: string | undefined;
  let lastError: string | undefined;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /** When the lease we are waiting on runs out, so the next attempt is not a whole retry period late. */
  let waitingUntil: Date | undefined;

  const read = async (): Promise<Result<ReadLease | undefined, KubeError>> => {
    const r = await kubeRequest(opts.kc, { method: 'GET', path: objectPath(ref), timeoutMs: callTimeoutMs });
    if (!r.ok) return r.error.kind === 'not_found' ? ok(undefined) : r;
    const parsed = leaseSchema.safeParse(r.value);
    if (!parsed.success) {
      return fail({ kind: 'invalid', status: 200, message: `malformed Lease: ${parsed.error.issues[0]?.message ?? ''}` }, true);
    }
    return ok({ record: toRecord(parsed.data.spec), resourceVersion: parsed.data.metadata.resourceVersion, raw: r.value as Record<string, unknown> });
  };

  const write = async (current: ReadLease | undefined, spec: LeaseRecord): Promise<Result<unknown, KubeError>> => {
    if (current === undefined) {
      const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: opts.name, namespace: opts.namespace }, spec: specJson(spec) };
      return kubeRequest(opts.kc, { method: 'POST', path: collectionPath({ ...leaseType, namespace: opts.namespace }), body, timeoutMs: callTimeoutMs });
    }
    const raw = current.raw as { metadata?: Record<string, unknown> };
    const body = {
      ...current.raw,
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...raw.metadata, resourceVersion: current.resourceVersion },
      spec: specJson(spec),
    };
    return kubeRequest(opts.kc, { method: 'PUT', path: objectPath(ref), body, timeoutMs: callTimeoutMs });
  };

  const observe = (holder: string | undefined): void => {
    if (!holder || holder === observedHolder) return;
    observedHolder = holder;
    log.info('new leader observed', { leader: holder });
    try {
      opts.onNewLeader?.(holder);
    } catch (err) {
      log.error('onNewLeader threw', { err });
    }
  };

  /** One round: true when we hold the lease after it. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const current = await read();
    if (!current.ok) {
      lastError = current.error.message;
      return false;
    }
    const now = new Date();
    const d = decide(current.value?.record, now, opts.identity, timing);
    waitingUntil = undefined;
    if (d.action === 'wait') {
      observe(d.holder);
      waitingUntil = d.expiresAt;
      return false;
    }
    const written = await write(current.value, d.spec);
    if (!written.ok) {
      // 409 means someone else wrote first; the next round reads who.
      lastError = `${d.action}: ${written.error.message}`;
      if (written.error.kind !== 'conflict' && written.error.kind !== 'already_exists') log.warn('lease write failed', { action: d.action, error: written.error.message });
      return false;
    }
    lastError = undefined;
    lastRenew = now;
    if (d.action === 'takeover') log.info('took over lease', { previous: d.previousHolder ?? '(released)' });
    observe(opts.identity);
    return true;
  };

  const startLeading = (): void => {
    leading = new AbortController();
    log.info('started leading');
    const signal = leading.signal;
    Promise.resolve()
      .then(() => opts.onStartedLeading(signal))
      .catch((err: unknown) => log.error('onStartedLeading failed', { err }));
  };

  const stopLeading = (why: string): void => {
    if (!leading) return;
    log.warn('stopped leading', { why });
    leading.abort();
    leading = undefined;
    try {
      opts.onStoppedLeading?.();
    } catch (err) {
      log.error('onStoppedLeading threw', { err });
    }
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => { wake = undefined; resolve(); }, ms);
      wake = () => { clearTimeout(t); wake = undefined; resolve(); };
    });

  const loop = async (): Promise<void> => {
    while (!stopped) {
      const held = await tryAcquireOrRenew();
      if (stopped) break;
      if (held && !leading) startLeading();
      if (!held && leading) {
        const lostToOther = observedHolder !== undefined && observedHolder !== opts.identity;
        if (lostToOther) stopLeading(`lease now held by ${observedHolder}`);
        else if (lastRenew && renewDeadlinePassed(lastRenew, new Date(), timing)) stopLeading('renew deadline passed');
      }
      await sleep(nextAttemptDelayMs(timing, waitingUntil, new Date()));
    }
  };

  const release = async (): Promise<void> => {
    const current = await read();
    if (!current.ok || current.value === undefined || current.value.record.holderIdentity !== opts.identity) return;
    const r = await write(current.value, releasedSpec(current.value.record, new Date()));
    if (!r.ok) log.warn('lease release failed', { error: r.error.message });
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    wake?.();
    await running;
    running = undefined;
    if (leading) {
      await release();
      stopLeading('elector stopped');
    }
  };

  return {
    async start(signal?: AbortSignal) {
      if (!stopped) return;
      stopped = false;
      signal?.addEventListener('abort', () => void stop(), { once: true });
      running = loop().catch((err: unknown) => log.error('leader election loop crashed', { err }));
    },
    stop,
    isLeader: () => leading !== undefined,
    leader: () => observedHolder,
    health: () => ({
      name: `leader-election/${opts.name}`,
      healthy: true,
      ready: true,
      ...(lastError ? { message: lastError } : {}),
      details: { leader: observedHolder ?? null, isLeader: leading !== undefined },
    }),
  };
}
