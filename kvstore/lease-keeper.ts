/**
 * A set of keys that live under one lease and come back when the lease is lost: a new lease is
 * granted and every key is put again under it. The clustermesh-apiserver keeps its cluster
 * config, sync canaries and heartbeat this way, so a pause longer than the TTL heals by itself.
 */
import { createLogger, type Logger } from '../lib/log.js';
import { fail, ok } from '../lib/result.js';
import type { KvClient, KvLease, KvResult, TxnOp } from './types.js';

export interface LeasedKeysOptions {
  readonly ttlSeconds: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  readonly log?: Logger;
}

export class LeasedKeys {
  private readonly desired = new Map<string, Buffer>();
  private lease: KvLease | undefined;
  private stopped = false;
  private renewing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly renewListeners = new Set<(leaseId: string) => void>();
  private renewals = 0;

  constructor(
    private readonly client: KvClient,
    private readonly opts: LeasedKeysOptions,
  ) {
    this.log = opts.log ?? createLogger({ component: 'leased-keys' });
  }

  /** Grants the first lease; call before set(). */
  async start(): Promise<KvResult<void>> {
    const r = await this.client.grantLease(this.opts.ttlSeconds);
    if (!r.ok) return r;
    this.adopt(r.value);
    return ok(undefined);
  }

  get leaseId(): string | undefined {
    return this.lease?.id;
  }

  /** How many times a lost lease has been replaced. */
  get renewCount(): number {
    return this.renewals;
  }

  /** Called after a lost lease was replaced and every key put again. */
  onRenewed(listener: (leaseId: string) => void): () => void {
    this.renewListeners.add(listener);
    return () => this.renewListeners.delete(listener);
  }

  /**
   * Remembers the key and puts it under the current lease. While the lease is being replaced the
   * key is only remembered; the re-put after renewal writes it.
   */
  async set(key: string, value: Buffer | string): Promise<KvResult<void>> {
    this.desired.set(key, Buffer.from(value));
    const lease = this.lease;
    if (!lease) return this.stopped ? fail({ kind: 'invalid', message: 'LeasedKeys stopped' }) : ok(undefined);
    const r = await this.client.put(key, value, { lease: lease.id });
    if (!r.ok && r.error.kind === 'lease_lost') {
      this.renew();
      return ok(undefined);
    }
    return r.ok ? ok(undefined) : r;
  }

  async delete(key: string): Promise<KvResult<void>> {
    this.desired.delete(key);
    const r = await this.client.delete(key);
    return r.ok ? ok(undefined) : r;
  }

  keys(): string[] {
    return [...this.desired.keys()];
  }

  /** Stops keeping the keys; with revoke they disappear from etcd now rather than after the TTL. */
  async stop(opts: { revoke?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    if (lease && opts.revoke) await lease.revoke();
    await this.renewing;
  }

  private adopt(lease: KvLease): void {
    this.lease = lease;
    lease.onLost((error) => {
      if (this.lease !== lease || this.stopped) return;
      this.log.warn('lease lost; granting a new one and re-putting keys', { lease: lease.id, err: error.message, keys: this.desired.size });
      this.lease = undefined;
      this.renew();
    });
  }

  private renew(): void {
    if (this.stopped || this.renewing) return;
    this.lease = undefined;
    this.renewing = this.renewLoop().finally(() => (this.renewing = undefined));
  }

  private async renewLoop(): Promise<void> {
    let delay = this.opts.retryInitialMs ?? 100;
    while (!this.stopped) {
      const err = await this.renewOnce();
      if (err === undefined) return;
      this.log.warn('lease renewal failed; retrying', { err, delayMs: delay });
      await new Promise<void>((r) => (this.timer = setTimeout(r, delay)));
      delay = Math.min(delay * 2, this.opts.retryMaxMs ?? 5_000);
    }
  }

  /** Returns an error message, or undefined once the keys are back under a live lease. */
  private async renewOnce(): Promise<string | undefined> {
    const granted = await this.client.grantLease(this.opts.ttlSeconds);
    if (!granted.ok) return granted.error.message;
    const lease = granted.value;
    if (this.stopped) {
      await lease.revoke();
      return undefined;
    }
    const snapshot = new Map(this.desired);
    const ops: TxnOp[] = [...snapshot].map(([key, value]) => ({ op: 'put', key, value, lease: lease.id }));
    const put = await this.client.applyBatched(ops);
    if (!put.ok) {
      await lease.revoke();
      return put.error.message;
    }
    this.adopt(lease);
    // set() during the re-put only remembered its value (no lease then): write those now.
    for (const [key, value] of this.desired) {
      if (snapshot.get(key) !== value) await this.client.put(key, value, { lease: lease.id });
    }
    this.renewals++;
    this.log.info('keys re-put under a new lease', { lease: lease.id, keys: ops.length });
    for (const l of [...this.renewListeners]) {
      try {
        l(lease.id);
      } catch (err) {
        this.log.error('onRenewed listener threw', { err });
      }
    }
    return undefined;
  }
}
