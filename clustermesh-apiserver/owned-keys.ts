/**
 * Adapter: the publisher's etcd side. Lists what etcd holds under the owned prefixes, applies
 * writes (one batched call, or a pipeline the caller feeds while it projects), and records
 * every applied write in the KeyState, with the kvstore metrics. Decides nothing.
 */
import type { KvClient, KvError, KvResult, TxnOp } from '../kvstore/types.js';
import { BatchWriter } from './batch-writer.js';
import type { KeyState } from './desired-state.js';
import type { PublisherMetrics } from './metrics.js';
import { ownedPrefixes } from './project.js';

export class OwnedKeys {
  constructor(
    private readonly kv: KvClient,
    private readonly keys: KeyState,
    private readonly metrics: PublisherMetrics,
    private readonly clusterName: string,
    private readonly batchSize: number,
  ) {}

  /** Everything etcd holds under the owned prefixes, paged, at one revision per prefix. */
  async list(): Promise<KvResult<Map<string, string>>> {
    const current = new Map<string, string>();
    for (const prefix of ownedPrefixes(this.clusterName)) {
      let startKey: string | undefined;
      let revision: number | undefined;
      do {
        const page = await this.timed('list', () => this.kv.list(prefix, { limit: 5_000, startKey, revision }));
        if (!page.ok) return page;
        for (const e of page.value.entries) current.set(e.key, e.value.toString());
        revision = page.value.revision;
        startKey = page.value.more ? page.value.entries[page.value.entries.length - 1]!.key + '\0' : undefined;
      } while (startKey !== undefined);
    }
    return { ok: true, value: current };
  }

  /** Applies `ops` in batched transactions; recorded only once all are applied. */
  async apply(ops: readonly TxnOp[]): Promise<KvResult<void>> {
    if (ops.length === 0) return { ok: true, value: undefined };
    const r = await this.timed('update', () => this.kv.applyBatched(ops, { batchSize: this.batchSize }));
    if (!r.ok) return r;
    this.recorded(ops);
    return { ok: true, value: undefined };
  }

  /**
   * A pipeline of transactions the caller pushes into while it keeps projecting; each batch is
   * recorded as it is applied. `finish` drains it and returns the first failure, if any.
   */
  pipeline(): { writer: BatchWriter; finish: () => Promise<KvError | undefined> } {
    const writer = new BatchWriter(this.kv, { batchSize: this.batchSize, workers: 8, onApplied: (ops) => this.recorded(ops) });
    const end = this.metrics.kvOps.startTimer({ scope: 'cilium/state', kind: 'clustermesh-apiserver', action: 'update' });
    const finish = async (): Promise<KvError | undefined> => {
      const failure = await writer.drain();
      end({ outcome: failure ? 'failure' : 'success' });
      return failure;
    };
    return { writer, finish };
  }

  private recorded(ops: readonly TxnOp[]): void {
    this.keys.recordApplied(ops);
    let puts = 0;
    for (const op of ops) if (op.op === 'put') puts++;
    if (puts > 0) this.metrics.keysWritten.inc({ op: 'put' }, puts);
    if (ops.length > puts) this.metrics.keysWritten.inc({ op: 'delete' }, ops.length - puts);
  }

  private async timed<T>(action: string, run: () => Promise<KvResult<T>>): Promise<KvResult<T>> {
    const end = this.metrics.kvOps.startTimer({ scope: 'cilium/state', kind: 'clustermesh-apiserver', action });
    const r = await run();
    end({ outcome: r.ok ? 'success' : 'failure' });
    return r;
  }
}
