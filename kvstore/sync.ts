/**
 * List-then-watch of one prefix with recovery: after a compaction or a watch that ended, it
 * lists again, tells the consumer only what changed since what it was told, and watches on from
 * the list revision + 1. The consumer never sees a lost or a duplicated change.
 */
import { createLogger, type Logger } from '../lib/log.js';
import { decideEvent, diffRelist } from './sync-diff.js';
import type { KvClient, KvEntry, KvError, KvEvent, KvWatch } from './types.js';

export interface SyncHandler {
  onUpsert(entry: KvEntry): void;
  onDelete(key: string): void;
  /** Once, after the first complete list has been delivered. */
  onSynced(): void;
}

export interface SyncOptions {
  readonly pageSize?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly log?: Logger;
}

export interface SyncStats {
  /** Completed lists (1 after the initial sync; each recovery adds one). */
  readonly lists: number;
  readonly watchErrors: number;
  readonly lastError?: KvError;
}

export interface PrefixSync {
  readonly synced: boolean;
  stats(): SyncStats;
  stop(): Promise<void>;
}

export function syncPrefix(client: KvClient, prefix: string, handler: SyncHandler, opts: SyncOptions = {}): PrefixSync {
  const s = new PrefixSyncer(client, prefix, handler, opts);
  void s.relist();
  return s;
}

class PrefixSyncer implements PrefixSync {
  synced = false;
  private readonly delivered = new Map<string, number>();
  private watch: KvWatch | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private lists = 0;
  private watchErrors = 0;
  private lastError: KvError | undefined;
  private readonly log: Logger;

  constructor(
    private readonly client: KvClient,
    private readonly prefix: string,
    private readonly handler: SyncHandler,
    private readonly opts: SyncOptions,
  ) {
    this.backoffMs = opts.initialBackoffMs ?? 100;
    this.log = (opts.log ?? createLogger({ component: 'kvstore-sync' })).child({ prefix });
  }

  stats(): SyncStats {
    return { lists: this.lists, watchErrors: this.watchErrors, lastError: this.lastError };
  }

  async relist(): Promise<void> {
    if (this.stopped) return;
    const listed = await this.listAll();
    if (this.stopped) return;
    if (!listed.ok) {
      this.retryLater(listed.error);
      return;
    }
    this.backoffMs = this.opts.initialBackoffMs ?? 100;
    this.lists++;
    const diff = diffRelist(this.delivered, listed.entries);
    for (const key of diff.deletes) this.emitDelete(key);
    for (const entry of diff.upserts) this.emitUpsert(entry);
    if (!this.synced) {
      this.synced = true;
      this.guard('onSynced', () => this.handler.onSynced());
    }
    this.watchFrom(listed.revision + 1);
  }

  /** Every page read at the first page's revision, so the pages form one snapshot. */
  private async listAll(): Promise<{ ok: true; entries: KvEntry[]; revision: number } | { ok: false; error: KvError }> {
    const entries: KvEntry[] = [];
    let revision: number | undefined;
    let startKey: string | undefined;
    while (!this.stopped) {
      const page = await this.client.list(this.prefix, { limit: this.opts.pageSize ?? 1000, startKey, revision });
      if (!page.ok) return { ok: false, error: page.error };
      entries.push(...page.value.entries);
      revision = page.value.revision;
      const last = page.value.entries[page.value.entries.length - 1];
      if (!page.value.more || !last) return { ok: true, entries, revision };
      startKey = last.key + '\0';
    }
    return { ok: false, error: { kind: 'unknown', message: 'stopped' } };
  }

  private watchFrom(revision: number): void {
    this.watch = this.client.watch(this.prefix, revision, {
      onEvents: (events) => this.onEvents(events),
      onError: (error) => {
        this.watch = undefined;
        this.watchErrors++;
        this.lastError = error;
        this.log.info('watch ended; re-listing', { kind: error.kind, err: error.message });
        // A compaction needs a fresh list right away; anything else gets a pause first.
        if (error.kind === 'compacted') void this.relist();
        else this.retryLater(error);
      },
    });
  }

  private onEvents(events: readonly KvEvent[]): void {
    if (this.stopped) return;
    for (const event of events) {
      const d = decideEvent(this.delivered, event);
      if (d.emit === 'upsert') this.emitUpsert(d.entry);
      else if (d.emit === 'delete') this.emitDelete(d.key);
    }
  }

  private emitUpsert(entry: KvEntry): void {
    this.delivered.set(entry.key, entry.modRevision);
    this.guard('onUpsert', () => this.handler.onUpsert(entry));
  }

  private emitDelete(key: string): void {
    this.delivered.delete(key);
    this.guard('onDelete', () => this.handler.onDelete(key));
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error(`sync handler ${what} threw; continuing`, { err });
    }
  }

  private retryLater(error: KvError): void {
    if (this.stopped) return;
    this.lastError = error;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 5_000);
    this.log.warn('sync failed; retrying', { kind: error.kind, err: error.message, delayMs: delay });
    this.timer = setTimeout(() => void this.relist(), delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const w = this.watch;
    this.watch = undefined;
    await w?.cancel();
  }
}
