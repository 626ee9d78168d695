/**
 * Watches over HTTP, fed by one etcd watch per resource type shared by every HTTP watcher.
 * The shared watch keeps a window of recent events so a watcher starting from a recent
 * resourceVersion (the usual list-then-watch) is served from memory; an older one gets its own
 * etcd watch, which is also how a compacted revision turns into 410 Expired.
 */
import type { KvClient, KvError, KvEvent, KvWatch } from '../../kvstore/types.js';
import type { Logger } from '../../lib/log.js';
import { ok } from '../../lib/result.js';
import { type ApiResult, apiFail, errors, toStatus } from './errors.js';
import type { KObject } from './objects.js';
import type { ResourceDef } from './resources.js';
import { type ObjectStore, decodeEntry, resourcePrefix } from './storage.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: KObject;
}

/**
 * Turns one etcd event into what a watcher with this filter sees: an object that stops
 * matching is DELETED (with its new state), one that starts matching is ADDED.
 */
export function toWatchEvent(
  def: ResourceDef,
  ev: KvEvent,
  keyPrefix: string,
  filter: ((obj: KObject) => boolean) | undefined,
): WatchEvent | undefined {
  const key = ev.type === 'put' ? ev.entry.key : ev.key;
  if (!key.startsWith(keyPrefix)) return undefined;
  const matches = (o: KObject | undefined): boolean => o !== undefined && (!filter || filter(o));
  const prev = ev.prev ? decodeEntry(def, ev.prev.value, ev.prev.modRevision) : undefined;
  if (ev.type === 'delete') {
    // The last state, stamped with the deletion revision so clients can resume after it.
    const last = ev.prev ? decodeEntry(def, ev.prev.value, ev.modRevision) : undefined;
    return last && matches(last) ? { type: 'DELETED', object: last } : undefined;
  }
  const obj = decodeEntry(def, ev.entry.value, ev.entry.modRevision);
  if (!obj) return undefined;
  const now = matches(obj);
  const before = ev.prev ? matches(prev) : ev.entry.version > 1 && now;
  if (now && before) return { type: 'MODIFIED', object: obj };
  if (now) return { type: 'ADDED', object: obj };
  if (before) return { type: 'DELETED', object: obj };
  return undefined;
}

type Listener = {
  events(events: readonly KvEvent[], revision: number): void;
  ended(error: KvError): void;
};

const WINDOW = 2000;

/** One etcd watch over a resource's whole prefix plus a window of recent events. */
class SharedWatch {
  private readonly window: { rev: number; ev: KvEvent }[] = [];
  private readonly listeners = new Set<Listener>();
  /** Every event after this revision is still in the window. */
  private servableAfter: number;
  lastRevision: number;
  private watch?: KvWatch;

  constructor(
    private readonly kv: KvClient,
    readonly prefix: string,
    startRevision: number,
    private readonly onDead: () => void,
  ) {
    this.servableAfter = startRevision;
    this.lastRevision = startRevision;
  }

  async start(): Promise<void> {
    this.watch = this.kv.watch(this.prefix, this.lastRevision + 1, {
      onEvents: (events, revision) => this.deliver(events, revision),
      onError: (error) => this.die(error),
    });
    await this.watch.ready;
  }

  private deliver(events: readonly KvEvent[], revision: number): void {
    for (const ev of events) {
      this.window.push({ rev: ev.type === 'put' ? ev.entry.modRevision : ev.modRevision, ev });
      if (this.window.length > WINDOW) this.servableAfter = this.window.shift()!.rev;
    }
    this.lastRevision = Math.max(this.lastRevision, revision);
    for (const l of [...this.listeners]) l.events(events, revision);
  }

  private die(error: KvError): void {
    this.onDead();
    for (const l of [...this.listeners]) l.ended(error);
    this.listeners.clear();
  }

  /** Replays events after `fromRev` and then streams live ones; undefined when the window no longer covers it. */
  subscribe(fromRev: number, l: Listener): (() => void) | undefined {
    if (fromRev < this.servableAfter) return undefined;
    const missed = this.window.filter((w) => w.rev > fromRev).map((w) => w.ev);
    if (missed.length > 0) l.events(missed, this.lastRevision);
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async cancel(): Promise<void> {
    this.listeners.clear();
    await this.watch?.cancel();
  }
}

export interface WatchRequest {
  readonly def: ResourceDef;
  readonly namespace?: string;
  /** undefined or '0': start with synthetic ADDED events for the current state. */
  readonly resourceVersion?: string;
  readonly filter?: (obj: KObject) => boolean;
  readonly allowBookmarks: boolean;
  readonly timeoutMs?: number;
}

export interface WatchSink {
  send(ev: WatchEvent): void;
  /** The watch is over (timeout, error, server stop); the HTTP layer closes the stream. */
  end(): void;
}

export interface WatchHandle {
  stop(): void;
}

export class WatchHub {
  private readonly shared = new Map<string, Promise<SharedWatch>>();
  private readonly active = new Set<() => void>();

  constructor(
    private readonly store: ObjectStore,
    private readonly logger: Logger,
    private readonly bookmarkIntervalMs = 10_000,
  ) {}

  get watcherCount(): number {
    return this.active.size;
  }

  private sharedFor(def: ResourceDef): Promise<SharedWatch> {
    const prefix = resourcePrefix(def);
    let p = this.shared.get(prefix);
    if (!p) {
      p = this.startShared(prefix);
      this.shared.set(prefix, p);
      p.catch(() => this.shared.delete(prefix));
    }
    return p;
  }

  private async startShared(prefix: string): Promise<SharedWatch> {
    const rev = await this.store.currentRevision();
    if (!rev.ok) throw new Error(rev.error.message);
    const sw = new SharedWatch(this.store.kv, prefix, rev.value, () => {
      this.logger.warn('shared watch ended; the next watcher restarts it', { prefix });
      this.shared.delete(prefix);
    });
    await sw.start();
    return sw;
  }

  /** Validates and starts a watch; errors before the first event are returned (answered as a plain Status). */
  async watch(req: WatchRequest, sink: WatchSink): Promise<ApiResult<WatchHandle>> {
    let fromRev: number | undefined;
    if (req.resourceVersion !== undefined && req.resourceVersion !== '0' && req.resourceVersion !== '') {
      if (!/^\d+$/.test(req.resourceVersion))
        return apiFail(errors.badRequest(`invalid resource version: ${req.resourceVersion}`));
      fromRev = Number(req.resourceVersion);
    }
    let shared: SharedWatch;
    try {
      shared = await this.sharedFor(req.def);
    } catch (err) {
      return apiFail(errors.unavailable(`cannot watch: ${(err as Error).message}`));
    }
    const initial: KObject[] = [];
    if (fromRev === undefined) {
      const listed = await this.store.list(req.def, req.namespace, { filter: req.filter });
      if (!listed.ok) return listed;
      initial.push(...listed.value.items);
      fromRev = Number(listed.value.resourceVersion);
    }
    return ok(this.run(req, sink, shared, fromRev, initial));
  }

  private run(
    req: WatchRequest,
    sink: WatchSink,
    shared: SharedWatch,
    fromRev: number,
    initial: KObject[],
  ): WatchHandle {
    const keyPrefix = resourcePrefix(req.def, req.def.namespaced ? req.namespace : undefined);
    let lastRev = fromRev;
    let done = false;
    const cleanups: (() => void)[] = [];
    const bookmark = (): void =>
      sink.send({
        type: 'BOOKMARK',
        object: {
          apiVersion: req.def.group === '' ? req.def.version : `${req.def.group}/${req.def.version}`,
          kind: req.def.kind,
          metadata: { resourceVersion: String(Math.max(lastRev, shared.lastRevision)) },
        },
      });
    const finish = (withBookmark: boolean): void => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      this.active.delete(stop);
      if (withBookmark && req.allowBookmarks) bookmark();
      sink.end();
    };
    const stop = (): void => finish(false);
    this.active.add(stop);
    for (const obj of initial) sink.send({ type: 'ADDED', object: obj });
    const listener: Listener = {
      events: (events, revision) => {
        for (const ev of events) {
          // A watch from a revision newer than the window's start must not see what it already has.
          if ((ev.type === 'put' ? ev.entry.modRevision : ev.modRevision) <= fromRev) continue;
          const out = toWatchEvent(req.def, ev, keyPrefix, req.filter);
          if (out) sink.send(out);
        }
        lastRev = Math.max(lastRev, revision);
      },
      ended: (error) => this.endWithError(sink, error, () => finish(false)),
    };
    const unsubscribe =
      shared.subscribe(fromRev, listener) ?? this.dedicated(req.def, keyPrefix, fromRev, listener, cleanups);
    if (unsubscribe) cleanups.push(unsubscribe);
    if (req.allowBookmarks) {
      const t = setInterval(bookmark, this.bookmarkIntervalMs);
      cleanups.push(() => clearInterval(t));
    }
    if (req.timeoutMs !== undefined) {
      const t = setTimeout(() => finish(true), req.timeoutMs);
      cleanups.push(() => clearTimeout(t));
    }
    return { stop };
  }

  /** A watcher too far behind the shared window gets its own etcd watch from its revision. */
  private dedicated(
    def: ResourceDef,
    _keyPrefix: string,
    fromRev: number,
    l: Listener,
    cleanups: (() => void)[],
  ): () => void {
    const w = this.store.kv.watch(resourcePrefix(def), fromRev + 1, { onEvents: l.events, onError: l.ended });
    cleanups.push(() => void w.cancel().catch(() => undefined));
    return () => undefined;
  }

  private endWithError(sink: WatchSink, error: KvError, finish: () => void): void {
    const e =
      error.kind === 'compacted'
        ? errors.gone(`too old resource version: ${error.message}`)
        : errors.internal(`watch ended: ${error.message}`);
    sink.send({ type: 'ERROR', object: { ...toStatus(e) } });
    finish();
  }

  async close(): Promise<void> {
    for (const stop of [...this.active]) stop();
    const all = [...this.shared.values()];
    this.shared.clear();
    for (const p of all) {
      try {
        await (await p).cancel();
      } catch {
        // a shared watch that never started has nothing to cancel
      }
    }
  }
}
