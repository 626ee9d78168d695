/**
 * One prefix watch on its own gRPC stream, resumed after disconnects from the revision after the
 * last event delivered. etcd3's own watcher resumes from the last *header* revision, which can be
 * ahead of the events it delivered while a watcher catches up, and it drops the compact revision
 * of a cancelled watch; both would lose information this project needs.
 */
import type { Logger } from '../lib/log.js';
import { toEvent } from './convert.js';
import type { Classified } from './errors.js';
import type { KvError, KvEvent, KvWatch, KvWatchHandlers } from './types.js';
import type { OpenStream, WireStream, WireWatchCreate, WireWatchResponse } from './wire.js';

export interface WatchDeps {
  readonly open: OpenStream<{ create_request: WireWatchCreate }, WireWatchResponse>;
  readonly classify: (err: unknown) => Classified;
  readonly log: Logger;
}

export interface WatchRange {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
}

const initialBackoffMs = 50;
const maxBackoffMs = 2_000;

export function startWatch(deps: WatchDeps, range: WatchRange, fromRevision: number, handlers: KvWatchHandlers): KvWatch {
  const loop = new WatchLoop(deps, range, fromRevision, handlers);
  loop.connect();
  return loop;
}

type WatchStream = WireStream<{ create_request: WireWatchCreate }, WireWatchResponse>;

class WatchLoop implements KvWatch {
  readonly ready: Promise<void>;
  private markReady!: () => void;
  /** Next revision to ask for; 0 = "from now" until etcd tells us where now is. */
  private nextRevision: number;
  private stream: WatchStream | undefined;
  private ended = false;
  private backoffMs = initialBackoffMs;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: WatchDeps,
    private readonly range: WatchRange,
    fromRevision: number,
    private readonly handlers: KvWatchHandlers,
  ) {
    this.nextRevision = fromRevision > 0 ? fromRevision : 0;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  connect(): void {
    if (this.ended) return;
    this.deps.open().then(
      (stream) => this.attach(stream),
      (err) => this.onStreamFailure(undefined, err),
    );
  }

  private attach(stream: WatchStream): void {
    if (this.ended) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res) => this.onResponse(stream, res));
    stream.on('error', (err) => this.onStreamFailure(stream, err));
    stream.on('end', () => this.onStreamFailure(stream, new Error('watch stream ended')));
    const create: WireWatchCreate = {
      key: this.range.key,
      range_end: this.range.rangeEnd,
      prev_kv: true,
      progress_notify: true,
      ...(this.nextRevision > 0 ? { start_revision: this.nextRevision } : {}),
    };
    stream.write({ create_request: create });
  }

  private onResponse(stream: WatchStream, res: WireWatchResponse): void {
    if (this.ended || stream !== this.stream) return;
    if (res.canceled) {
      this.onCancelled(res);
      return;
    }
    if (res.created) {
      this.backoffMs = initialBackoffMs;
      if (this.nextRevision === 0) this.nextRevision = Number(res.header.revision) + 1;
      this.markReady();
    }
    // After a resume etcd replays from nextRevision; anything older was already delivered.
    const events = res.events.map(toEvent).filter((e) => eventRevision(e) >= this.nextRevision);
    if (events.length === 0) return;
    const last = eventRevision(events[events.length - 1] as KvEvent);
    this.nextRevision = last + 1;
    try {
      this.handlers.onEvents(events, last);
    } catch (err) {
      this.deps.log.error('watch event handler threw; continuing', { err, revision: last });
    }
  }

  private onCancelled(res: WireWatchResponse): void {
    const compactRevision = Number(res.compact_revision);
    if (compactRevision > 0) {
      this.finish({ kind: 'compacted', message: `revision ${this.nextRevision} has been compacted`, compactRevision });
      return;
    }
    const reason = res.cancel_reason || 'watch cancelled by etcd';
    const { error, retry } = this.deps.classify(new Error(reason));
    if (retry) this.onStreamFailure(this.stream, new Error(reason));
    else this.finish(error);
  }

  private onStreamFailure(stream: WatchStream | undefined, err: unknown): void {
    if (this.ended || (stream !== undefined && stream !== this.stream)) return;
    this.stream = undefined;
    stream?.cancel();
    const { error, retry } = this.deps.classify(err);
    if (!retry) {
      this.finish(error);
      return;
    }
    this.deps.log.debug('watch disconnected; resuming', { from: this.nextRevision, err: error.message });
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, maxBackoffMs);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private finish(error: KvError): void {
    if (this.ended) return;
    this.close();
    try {
      this.handlers.onError(error);
    } catch (err) {
      this.deps.log.error('watch error handler threw', { err });
    }
  }

  private close(): void {
    this.ended = true;
    clearTimeout(this.retryTimer);
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
    // Whoever awaits readiness learns of the end through onError (or their own cancel).
    this.markReady();
  }

  async cancel(): Promise<void> {
    this.close();
  }
}

function eventRevision(e: KvEvent): number {
  return e.type === 'put' ? e.entry.modRevision : e.modRevision;
}
