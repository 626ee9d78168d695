/**
 * A pipeline of etcd transactions: ops are pushed as they are computed and a fixed number of
 * workers send full batches while the producer keeps computing, so projection and etcd's work
 * overlap the way a single applyBatched of precomputed ops cannot. The first failure stops
 * the pipeline; the caller then re-verifies everything (batches are not atomic together).
 */
import type { KvClient, KvError, TxnOp } from '../kvstore/types.js';

export interface BatchWriterOptions {
  readonly batchSize: number;
  readonly workers: number;
  /** Called after each applied batch (to record what etcd now holds). */
  readonly onApplied: (ops: readonly TxnOp[]) => void;
}

export class BatchWriter {
  private queue: TxnOp[] = [];
  private active = 0;
  private closing = false;
  private failure: KvError | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly kv: KvClient,
    private readonly opts: BatchWriterOptions,
  ) {}

  get failed(): KvError | undefined {
    return this.failure;
  }

  push(ops: readonly TxnOp[]): void {
    if (this.failure) return;
    for (const op of ops) this.queue.push(op);
    this.launch();
  }

  /** Resolves when fewer than `limit` ops wait, so a fast producer cannot queue everything. */
  async backpressure(limit = this.opts.batchSize * this.opts.workers * 2): Promise<void> {
    while (this.queue.length >= limit && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Sends what is left (also a partial batch) and resolves once every batch has finished. */
  async drain(): Promise<KvError | undefined> {
    this.closing = true;
    this.launch();
    while (this.active > 0) await new Promise<void>((r) => this.waiters.push(r));
    return this.failure;
  }

  private launch(): void {
    while (!this.failure && this.active < this.opts.workers && (this.queue.length >= this.opts.batchSize || (this.closing && this.queue.length > 0))) {
      const batch = this.queue.splice(0, this.opts.batchSize);
      this.active++;
      void this.kv.applyBatched(batch, { batchSize: this.opts.batchSize }).then((r) => {
        this.active--;
        if (r.ok) this.opts.onApplied(batch);
        else this.failure ??= r.error;
        this.launch();
        for (const w of this.waiters.splice(0)) w();
      });
    }
  }
}
