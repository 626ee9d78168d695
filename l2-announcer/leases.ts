/**
 * Many Lease elections at once, one per announced service, on one watch of the system
 * namespace's Leases. Decisions are lease-core.ts's; this file keeps the cache, the timers and
 * the in-flight writes, and tells its owner whenever the set of leases it holds changes.
 * Requests: one list when (re)syncing, one write per held lease per renew deadline, one write
 * per takeover attempt; waiting candidates send nothing.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createInformer, type Informer, type ListResult } from '../k8s/informer.js';
import type { KubeError } from '../k8s/errors.js';
import { kubeRequest } from '../k8s/request.js';
import { collectionPath, objectPath } from '../k8s/resource.js';
import type { Logger } from '../lib/log.js';
import { ok, type Result } from '../lib/result.js';
import {
  decide, holdingAfterWrite, isGarbage, specFor, type Holding, type LeaseAction, type LeaseTiming, type LeaseView,
} from './lease-core.js';
import { isOlder, parseLease } from './lease-view.js';
import type { L2Metrics } from './metrics.js';
import { LEASE_PREFIX } from './selection.js';

export const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' } as const;

export interface LeaseManagerOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly identity: string;
  readonly timing: LeaseTiming;
  readonly metrics: L2Metrics;
  readonly log: Logger;
  /** Called (synchronously) whenever the set of held leases changes. */
  readonly onHeldChange: () => void;
  readonly now?: () => number;
}

export interface LeaseManager {
  start(signal: AbortSignal): Promise<void>;
  /** Stops campaigning; with `release`, deletes the leases held so others take over at once. */
  stop(release: boolean): Promise<void>;
  setWanted(names: ReadonlySet<string>): void;
  held(): ReadonlySet<string>;
  view(name: string): LeaseView | undefined;
  readonly synced: boolean;
}

interface Campaign {
  holding?: Holding;
  lastFailureAt?: number;
  inFlight: boolean;
  timer?: NodeJS.Timeout;
  announcing: boolean;
}

type LeaseObject = { metadata?: { name?: string; namespace?: string } };

export function createLeaseManager(o: LeaseManagerOptions): LeaseManager {
  const now = o.now ?? Date.now;
  const durationS = o.timing.leaseDurationMs / 1000;
  const cache = new Map<string, LeaseView>();
  const campaigns = new Map<string, Campaign>();
  const gcTried = new Set<string>();
  let wanted: ReadonlySet<string> = new Set();
  let stopped = false;
  let sweeper: NodeJS.Timeout | undefined;
  const count = (verb: string, r: Result<unknown, KubeError>): void => {
    const outcome = r.ok ? 'ok' : r.error.kind === 'conflict' || r.error.kind === 'already_exists' || r.error.kind === 'not_found' ? 'conflict' : 'error';
    o.metrics.apiRequests.inc({ verb, outcome });
  };
  // As long as one attempt can take and still end before the holder must let go (validUntil is
  // counted from the send time, so a slow answer never extends holding): a loaded API server
  // answering slowly is better than a holder stepping down for nothing.
  const timeoutMs = o.timing.leaseDurationMs - o.timing.renewDeadlineMs - o.timing.retryPeriodMs;

  const remember = (raw: unknown): string | undefined => {
    const p = parseLease(raw, durationS);
    if (!p.ok) {
      o.metrics.rejected.inc({ kind: 'Lease' });
      o.log.warn('ignoring lease', { err: p.error });
      return undefined;
    }
    if (!p.value.name.startsWith(LEASE_PREFIX)) return undefined;
    const had = cache.get(p.value.name);
    if (had && isOlder(p.value.view.resourceVersion, had.resourceVersion)) return p.value.name;
    cache.set(p.value.name, p.value.view);
    return p.value.name;
  };

  const campaign = (name: string): Campaign => {
    let c = campaigns.get(name);
    if (!c) campaigns.set(name, (c = { inFlight: false, announcing: false }));
    return c;
  };

  const setAnnouncing = (name: string, c: Campaign, on: boolean): void => {
    if (c.announcing === on) return;
    c.announcing = on;
    o.metrics.transitions.inc({ direction: on ? 'acquired' : 'lost' });
    o.log.info(on ? 'holding lease' : 'not holding lease', { lease: name });
    o.onHeldChange();
  };

  const write = async (name: string, action: LeaseAction, sentAt: number): Promise<Result<unknown, KubeError>> => {
    const lease = cache.get(name);
    const ref = { ...LEASES, namespace: o.namespace, name };
    if (action.do === 'release') {
      const body = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: lease?.resourceVersion } };
      return kubeRequest(o.kc, { method: 'DELETE', path: objectPath(ref), body, timeoutMs });
    }
    if (action.do === 'none') return ok(undefined);
    const spec = specFor(action.do, lease, sentAt, o.identity, o.timing);
    const metadata = { name, namespace: o.namespace, ...(lease ? { resourceVersion: lease.resourceVersion } : {}) };
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
    if (action.do === 'create') return kubeRequest(o.kc, { method: 'POST', path: collectionPath({ ...LEASES, namespace: o.namespace }), body, timeoutMs });
    return kubeRequest(o.kc, { method: 'PUT', path: objectPath(ref), body, timeoutMs });
  };

  const perform = (name: string, c: Campaign, action: LeaseAction): void => {
    c.inFlight = true;
    const sentAt = now();
    void write(name, action, sentAt).then((r) => {
      count(action.do, r);
      c.inFlight = false;
      if (r.ok) {
        c.lastFailureAt = undefined;
        if (action.do === 'release') {
          c.holding = undefined;
          cache.delete(name);
        } else {
          remember(r.value);
          c.holding = holdingAfterWrite(sentAt, o.timing);
        }
      } else {
        c.lastFailureAt = now();
        if (r.error.kind !== 'conflict' && r.error.kind !== 'already_exists') {
          o.log.warn('lease write failed', { lease: name, action: action.do, err: r.error.message });
        }
      }
      evaluate(name);
    });
  };

  function evaluate(name: string): void {
    if (stopped) return;
    const c = campaign(name);
    clearTimeout(c.timer);
    c.timer = undefined;
    const d = decide({
      want: wanted.has(name), lease: cache.get(name), holding: c.holding, lastFailureAt: c.lastFailureAt,
      now: now(), identity: o.identity, timing: o.timing,
    });
    if (!d.holding) c.holding = undefined;
    setAnnouncing(name, c, d.holding);
    if (!c.inFlight && d.action.do !== 'none') perform(name, c, d.action);
    if (d.recheckAt !== undefined) c.timer = setTimeout(() => evaluate(name), Math.max(0, d.recheckAt - now()) + 1);
    if (!c.inFlight && !wanted.has(name) && !c.announcing && d.recheckAt === undefined) {
      campaigns.delete(name);
      collect(name);
    }
  }

  /** Deletes a lease nobody can hold any more; one attempt per resourceVersion per node. */
  const collect = (name: string): void => {
    const lease = cache.get(name);
    if (!lease || wanted.has(name) || !isGarbage(lease, now())) return;
    const tag = `${name}@${lease.resourceVersion}`;
    if (gcTried.has(tag)) return;
    gcTried.add(tag);
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: lease.resourceVersion } };
    void kubeRequest(o.kc, { method: 'DELETE', path: objectPath({ ...LEASES, namespace: o.namespace, name }), body, timeoutMs }).then((r) => count('gc', r));
  };

  const list = async (): Promise<Result<ListResult<LeaseObject>, KubeError>> => {
    const r = await kubeRequest<{ items?: LeaseObject[]; metadata?: { resourceVersion?: string } }>(o.kc, {
      method: 'GET', path: collectionPath({ ...LEASES, namespace: o.namespace }), timeoutMs: 30_000,
    });
    count('list', r);
    if (!r.ok) return r;
    return ok({ items: r.value.items ?? [], resourceVersion: r.value.metadata?.resourceVersion ?? '' });
  };

  const onEvent = (obj: LeaseObject): void => {
    const name = remember(obj);
    if (name === undefined) return;
    evaluate(name);
    if (!wanted.has(name)) collect(name);
  };

  const informer: Informer<LeaseObject> = createInformer<LeaseObject>({
    kc: o.kc,
    resource: { ...LEASES, namespace: o.namespace },
    list,
    name: 'l2-leases',
    logger: o.log,
    onAdd: onEvent,
    onUpdate: onEvent,
    onDelete: (obj) => {
      const name = obj.metadata?.name;
      if (!name?.startsWith(LEASE_PREFIX)) return;
      cache.delete(name);
      evaluate(name);
    },
    onSynced: () => {
      for (const name of wanted) evaluate(name);
    },
  });

  return {
    async start(signal) {
      stopped = false;
      await informer.start(signal);
      // Leases of services nobody wants any more become garbage only with time: look again now and then.
      sweeper = setInterval(() => { for (const name of cache.keys()) collect(name); }, o.timing.leaseDurationMs);
      sweeper.unref();
    },
    async stop(release) {
      const held = [...campaigns].filter(([, c]) => c.announcing).map(([n]) => n);
      stopped = true;
      clearInterval(sweeper);
      for (const c of campaigns.values()) clearTimeout(c.timer);
      for (const [name, c] of campaigns) if (c.announcing) setAnnouncing(name, c, false);
      await informer.stop();
      if (!release) return;
      await Promise.all(held.map(async (name) => {
        const r = await write(name, { do: 'release' }, now());
        count('release', r);
      }));
    },
    setWanted(names) {
      const before = wanted;
      wanted = names;
      if (!informer.synced) return;
      for (const name of new Set([...before, ...names])) evaluate(name);
    },
    held: () => new Set([...campaigns].filter(([, c]) => c.announcing).map(([n]) => n)),
    view: (name) => cache.get(name),
    get synced() {
      return informer.synced;
    },
  };
}
