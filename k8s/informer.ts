/**
 * List-then-watch that never gives up. client-node's own informer stops on any error other
 * than 410; this one restarts after every error with capped, jittered backoff: an unreachable
 * server is retried by resuming the watch from the last resourceVersion, anything else (and a
 * 410 on resume) re-lists and reports the difference against its cache (see
 * informer-core.ts), so a delete that happened while it was disconnected still reaches the
 * caller. The watch stream itself is client-node's `Watch`.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { silentLogger, type Logger } from '../lib/log.js';
import type { HealthReport } from '../lib/module.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { KubeError } from './errors.js';
import {
  applyWatchEvent, backoffDelay, defaultBackoff, diffRelist,
  type BackoffPolicy, type InformerEvent, type ObjectLike,
} from './informer-core.js';
import { kubeRequest } from './request.js';
import { collectionPath, type CollectionRef } from './resource.js';

export interface ListResult<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

export interface InformerOptions<T extends ObjectLike> {
  readonly kc: KubeConfig;
  /** What to watch; works the same for built-in kinds and custom resources. */
  readonly resource: CollectionRef;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly onAdd?: (obj: T) => void;
  readonly onUpdate?: (obj: T, old: T) => void;
  readonly onDelete?: (obj: T) => void;
  /** Called once, after the first list has been delivered. */
  readonly onSynced?: () => void;
  readonly logger?: Logger;
  readonly backoff?: BackoffPolicy;
  /** Server-side watch timeout; a fresh watch from the last resourceVersion follows. */
  readonly watchTimeoutSeconds?: number;
  /** Replaces the built-in paginated list (e.g. to add a field the server must compute). */
  readonly list?: () => Promise<Result<ListResult<T>, KubeError>>;
  readonly name?: string;
}

export interface Informer<T> {
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  cache(): ReadonlyMap<string, T>;
  readonly synced: boolean;
  /** Resolves when the first list has been delivered (or rejects if stopped before). */
  whenSynced(): Promise<void>;
  health(): HealthReport;
}

const listSchema = z.object({
  metadata: z.object({ resourceVersion: z.string().optional(), continue: z.string().optional() }).optional(),
  items: z.array(z.object({ metadata: z.object({ name: z.string().min(1) }).loose() }).loose()).nullable().optional(),
});

const PAGE_SIZE = 500;

interface ListTarget {
  readonly kc: KubeConfig;
  readonly signal?: AbortSignal;
  readonly resource: CollectionRef;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

async function listAll<T>(opts: ListTarget): Promise<Result<ListResult<T>, KubeError>> {
  const items: T[] = [];
  let token: string | undefined;
  let resourceVersion = '';
  do {
    const page = await kubeRequest(opts.kc, {
      method: 'GET',
      path: collectionPath(opts.resource),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: PAGE_SIZE, continue: token },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (!page.ok) return page;
    const parsed = listSchema.safeParse(page.value);
    if (!parsed.success) {
      return fail({ kind: 'invalid', status: 200, message: `malformed list response: ${parsed.error.issues[0]?.message ?? 'unknown'}` }, true);
    }
    items.push(...((parsed.data.items ?? []) as T[]));
    resourceVersion = parsed.data.metadata?.resourceVersion ?? '';
    token = parsed.data.metadata?.continue || undefined;
  } while (token);
  return ok({ items, resourceVersion });
}

/**
 * How a watch ended. `unreachable` (no HTTP answer at all) resumes from the last
 * resourceVersion after backoff, as client-go does for refused connections: the server may
 * just be restarting and a re-list would be wasted. Every other error re-lists.
 */
type WatchEnd = { readonly how: 'closed' | 'gone' | 'error' | 'unreachable'; readonly events: number; readonly error?: unknown };

function isUnreachable(err: unknown): boolean {
  const e = err as { statusCode?: unknown; type?: unknown; code?: unknown } | null;
  return e !== null && e.statusCode === undefined && (e.type === 'system' || typeof e.code === 'string');
}

export function createInformer<T extends ObjectLike>(opts: InformerOptions<T>): Informer<T> {
  const log = (opts.logger ?? silentLogger).child({ informer: opts.name ?? opts.resource.resource });
  const policy = opts.backoff ?? defaultBackoff;
  // Aborted by stop() so a slow list does not hold up shutdown.
  let stopSignal = new AbortController();
  const list = opts.list ?? (() => listAll<T>({ ...opts, signal: stopSignal.signal }));
  let cache = new Map<string, T>();
  let resourceVersion = '';
  let synced = false;
  let stopped = true;
  let running: Promise<void> | undefined;
  let abortWatch: AbortController | undefined;
  let wake: (() => void) | undefined;
  let lastError: string | undefined;
  let syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  const emit = (events: readonly InformerEvent<T>[]): void => {
    for (const e of events) {
      try {
        if (e.type === 'add') opts.onAdd?.(e.object);
        else if (e.type === 'update') opts.onUpdate?.(e.object, e.old);
        else opts.onDelete?.(e.object);
      } catch (err) {
        // A throwing handler must not take the informer down or skip later events.
        log.error('informer handler threw', { event: e.type, err });
      }
    }
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => { wake = undefined; resolve(); }, ms);
      wake = () => { clearTimeout(t); wake = undefined; resolve(); };
    });

  const markSynced = (): void => {
    if (synced) return;
    synced = true;
    for (const w of syncWaiters) w.resolve();
    syncWaiters = [];
    try {
      opts.onSynced?.();
    } catch (err) {
      log.error('onSynced handler threw', { err });
    }
  };

  const relist = async (): Promise<boolean> => {
    const r = await list();
    if (stopped) return false;
    if (!r.ok) {
      lastError = `list: ${r.error.message}`;
      log.warn('list failed', { kind: r.error.kind, status: r.error.status, error: r.error.message });
      return false;
    }
    const { next, events } = diffRelist(cache, r.value.items);
    cache = next;
    resourceVersion = r.value.resourceVersion;
    emit(events);
    markSynced();
    return true;
  };

  const watchOnce = (): Promise<WatchEnd> =>
    new Promise((resolve) => {
      let events = 0;
      let gone = false;
      let streamError: unknown;
      const timeoutSeconds = opts.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 120);
      // client-node's Watch has no client-side timeout; a silently dead connection would hang forever.
      const guard = setTimeout(() => abortWatch?.abort(), (timeoutSeconds + 30) * 1000);
      const onEvent = (phase: string, obj: T & { code?: number; message?: string }): void => {
        if (phase === 'ERROR') {
          if (obj.code === 410) gone = true;
          else streamError = new Error(`watch error event: ${obj.code ?? '?'} ${obj.message ?? ''}`);
          return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        if (phase === 'BOOKMARK') return;
        if (phase !== 'ADDED' && phase !== 'MODIFIED' && phase !== 'DELETED') return;
        if (!obj.metadata?.name) {
          log.warn('watch event without metadata.name skipped', { phase });
          return;
        }
        events++;
        emit(applyWatchEvent(cache, phase, obj));
      };
      const onDone = (err: unknown): void => {
        clearTimeout(guard);
        abortWatch = undefined;
        const status = (err as { statusCode?: number; code?: number } | null)?.statusCode;
        if (gone || status === 410) resolve({ how: 'gone', events });
        else if (err && !stopped) resolve({ how: isUnreachable(err) ? 'unreachable' : 'error', events, error: err });
        else if (streamError) resolve({ how: 'error', events, error: streamError });
        else resolve({ how: 'closed', events });
      };
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
      };
      new Watch(opts.kc)
        .watch(collectionPath(opts.resource), query, onEvent, onDone)
        .then((controller) => {
          if (stopped) controller.abort();
          else abortWatch = controller;
        })
        .catch(onDone);
    });

  const loop = async (): Promise<void> => {
    let attempt = 0;
    let needList = true;
    while (!stopped) {
      if (needList) {
        if (!(await relist())) {
          if (!stopped) await sleep(backoffDelay(attempt++, policy, Math.random()));
          continue;
        }
        needList = false;
      }
      const started = Date.now();
      const end = await watchOnce();
      if (stopped) break;
      if (end.how === 'gone') {
        log.info('watch resourceVersion too old (410), re-listing', { resourceVersion });
        needList = true;
      } else if (end.how === 'error') {
        lastError = `watch: ${(end.error as Error)?.message ?? String(end.error)}`;
        log.warn('watch failed, re-listing after backoff', { error: lastError });
        needList = true;
      } else if (end.how === 'unreachable') {
        lastError = `watch: ${(end.error as Error)?.message ?? String(end.error)}`;
        log.warn('API server unreachable, resuming the watch after backoff', { error: lastError, resourceVersion });
      }
      // A watch that delivered something or lived a while proves the connection works.
      if (end.events > 0 || Date.now() - started > 5_000) attempt = 0;
      // Errors back off; so does a watch that ends at once with nothing (a server that keeps
      // closing or answering 410 right away must not be hammered with lists and watches).
      const fruitless = end.events === 0 && Date.now() - started < 1_000;
      if (end.how === 'error' || end.how === 'unreachable' || fruitless) {
        await sleep(backoffDelay(attempt++, policy, Math.random()));
      }
      if (end.how === 'closed' || end.how === 'gone') lastError = undefined;
    }
  };

  const stop = async (): Promise<void> => {
    stopped = true;
    stopSignal.abort();
    abortWatch?.abort();
    wake?.();
    for (const w of syncWaiters) w.reject(new Error('informer stopped before it synced'));
    syncWaiters = [];
    await running;
    running = undefined;
  };

  return {
    async start(signal?: AbortSignal) {
      if (!stopped) return;
      stopped = false;
      stopSignal = new AbortController();
      signal?.addEventListener('abort', () => void stop(), { once: true });
      running = loop().catch((err: unknown) => log.error('informer loop crashed', { err }));
    },
    stop,
    cache: () => cache,
    get synced() {
      return synced;
    },
    whenSynced() {
      if (synced) return Promise.resolve();
      return new Promise((resolve, reject) => syncWaiters.push({ resolve, reject }));
    },
    health: () => ({
      name: `informer/${opts.name ?? opts.resource.resource}`,
      healthy: true,
      ready: synced,
      ...(lastError ? { message: lastError } : {}),
      details: { objects: cache.size, resourceVersion },
    }),
  };
}
