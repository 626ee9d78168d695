/**
 * Lease keepalive on a gRPC stream: a keepalive every TTL/3; the lease counts as lost once no
 * keepalive has been acknowledged for a whole TTL (etcd has expired it by then, or will before we
 * could tell), or as soon as etcd answers with TTL 0 (revoked or expired).
 */
import type { Logger } from '../lib/log.js';
import type { KvError, KvLease } from './types.js';
import type { OpenStream, WireLeaseKeepAliveResponse, WireStream } from './wire.js';

export interface LeaseDeps {
  readonly open: OpenStream<{ ID: string }, WireLeaseKeepAliveResponse>;
  /** Revokes on the server; errors other than "not found" are returned, not thrown. */
  readonly revoke: (id: string) => Promise<void>;
  readonly log: Logger;
  readonly now?: () => number;
}

type KeepAliveStream = WireStream<{ ID: string }, WireLeaseKeepAliveResponse>;

export class KeptLease implements KvLease {
  private lastAck: number;
  private stream: KeepAliveStream | undefined;
  private opening = false;
  private readonly timer: NodeJS.Timeout;
  private lostWith: KvError | undefined;
  private stopped = false;
  private readonly listeners: ((error: KvError) => void)[] = [];
  private readonly now: () => number;

  constructor(
    private readonly deps: LeaseDeps,
    readonly id: string,
    readonly ttlSeconds: number,
  ) {
    this.now = deps.now ?? Date.now;
    this.lastAck = this.now();
    const interval = Math.max(100, (ttlSeconds * 1000) / 3);
    this.timer = setInterval(() => this.tick(), interval);
    this.tick();
  }

  onLost(listener: (error: KvError) => void): void {
    if (this.lostWith) {
      const err = this.lostWith;
      queueMicrotask(() => this.call(listener, err));
      return;
    }
    this.listeners.push(listener);
  }

  async revoke(): Promise<void> {
    this.stop();
    await this.deps.revoke(this.id);
  }

  /** Stops keeping the lease alive without revoking it (client shutdown). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.now() - this.lastAck > this.ttlSeconds * 1000) {
      this.lose(`no keepalive acknowledged for ${this.ttlSeconds} s`);
      return;
    }
    if (this.stream) {
      this.stream.write({ ID: this.id });
      return;
    }
    if (this.opening) return;
    this.opening = true;
    this.deps.open().then(
      (s) => this.attach(s),
      (err) => {
        this.opening = false;
        this.deps.log.debug('lease keepalive stream failed to open', { lease: this.id, err });
      },
    );
  }

  private attach(stream: KeepAliveStream): void {
    this.opening = false;
    if (this.stopped) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res) => this.onAck(res));
    const drop = (err?: Error) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      stream.cancel();
      this.deps.log.debug('lease keepalive stream dropped', { lease: this.id, err });
    };
    stream.on('error', drop);
    stream.on('end', () => drop());
    stream.write({ ID: this.id });
  }

  private onAck(res: WireLeaseKeepAliveResponse): void {
    if (this.stopped) return;
    if (res.TTL === '0') {
      this.lose('lease revoked or expired');
      return;
    }
    this.lastAck = this.now();
  }

  private lose(reason: string): void {
    if (this.lostWith) return;
    this.stop();
    const error: KvError = { kind: 'lease_lost', message: `lease ${this.id}: ${reason}` };
    this.lostWith = error;
    this.deps.log.warn('lease lost', { lease: this.id, reason });
    for (const l of this.listeners.splice(0)) this.call(l, error);
  }

  private call(listener: (error: KvError) => void, error: KvError): void {
    try {
      listener(error);
    } catch (err) {
      this.deps.log.error('lease onLost listener threw', { lease: this.id, err });
    }
  }
}
