/**
 * The informer's decisions, pure: how a watch event or a fresh list changes the cache and
 * which events callers get, and how long to wait before retrying. A re-list after a
 * disconnect is diffed against the cache so that objects deleted meanwhile still produce a
 * delete event: callers never hold a ghost.
 */
export interface ObjectMetaLike {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface ObjectLike {
  readonly metadata?: ObjectMetaLike;
}

export type InformerEvent<T> =
  | { readonly type: 'add'; readonly object: T }
  | { readonly type: 'update'; readonly object: T; readonly old: T }
  | { readonly type: 'delete'; readonly object: T };

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: ObjectLike): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

function sameVersion(a: ObjectLike, b: ObjectLike): boolean {
  return a.metadata?.resourceVersion === b.metadata?.resourceVersion && a.metadata?.uid === b.metadata?.uid;
}

function replaced(a: ObjectLike, b: ObjectLike): boolean {
  const ua = a.metadata?.uid;
  const ub = b.metadata?.uid;
  return ua !== undefined && ub !== undefined && ua !== ub;
}

/**
 * Events that turn `cache` into `items`: deletes first (for keys that are gone, or whose uid
 * changed, i.e. the object was deleted and re-created while we were away), then adds and
 * updates. Unchanged objects (same resourceVersion and uid) produce nothing.
 */
export function diffRelist<T extends ObjectLike>(
  cache: ReadonlyMap<string, T>,
  items: readonly T[],
): { readonly next: Map<string, T>; readonly events: InformerEvent<T>[] } {
  const next = new Map<string, T>();
  for (const item of items) next.set(objectKey(item), item);
  const deletes: InformerEvent<T>[] = [];
  const upserts: InformerEvent<T>[] = [];
  for (const [key, old] of cache) {
    const now = next.get(key);
    if (now === undefined || replaced(old, now)) deletes.push({ type: 'delete', object: old });
  }
  for (const [key, item] of next) {
    const old = cache.get(key);
    if (old === undefined || replaced(old, item)) upserts.push({ type: 'add', object: item });
    else if (!sameVersion(old, item)) upserts.push({ type: 'update', object: item, old });
  }
  return { next, events: [...deletes, ...upserts] };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Applies one watch event to `cache` in place. ADDED for a key we have is an update (the
 * watch may replay what the list already returned); DELETED for an unknown key is dropped.
 */
export function applyWatchEvent<T extends ObjectLike>(cache: Map<string, T>, type: WatchEventType, obj: T): InformerEvent<T>[] {
  const key = objectKey(obj);
  const old = cache.get(key);
  if (type === 'DELETED') {
    if (old === undefined) return [];
    cache.delete(key);
    return [{ type: 'delete', object: obj }];
  }
  cache.set(key, obj);
  if (old === undefined) return [{ type: 'add', object: obj }];
  if (replaced(old, obj)) return [{ type: 'delete', object: old }, { type: 'add', object: obj }];
  if (sameVersion(old, obj)) return [];
  return [{ type: 'update', object: obj, old }];
}

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** 0..1: the delay is drawn from [d*(1-jitter), d]. */
  readonly jitter: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 30_000, jitter: 0.5 };

/** Delay before retry number `attempt` (0-based): doubling, capped, jittered downwards. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - policy.jitter * random));
}
