/**
 * The only file that touches the `etcd3` package: builds its connection pool and turns each
 * KvClient call into one gRPC request with a deadline, mapping failures to KvError kinds.
 */
import { readFileSync } from 'node:fs';
import { ConsecutiveBreaker, circuitBreaker, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError } from 'etcd3';
import type { ICompare, IOptions, IRequestOp, IResponseOp } from 'etcd3';
import { createLogger, type Logger } from '../lib/log.js';
import { fail, ok } from '../lib/result.js';
import { chunk, prefixRangeEnd, toEntry } from './convert.js';
import { classifyError, rawError } from './errors.js';
import { KeptLease } from './lease.js';
import type {
  KvClient,
  KvConnectOptions,
  KvEntry,
  KvResult,
  TxnCompare,
  TxnOp,
  TxnOutcome,
} from './types.js';
import type { KvLease, KvListPage, KvWatch, KvWatchHandlers } from './types.js';
import { BulkTxnChannel } from './bulk-txn.js';
import { startWatch } from './watch.js';
import type { OpenStream, WireLeaseKeepAliveResponse, WireWatchCreate, WireWatchResponse } from './wire.js';

const defaultCallTimeoutMs = 5_000;
const batchesInFlight = 8;

export function connectKv(
  opts: KvConnectOptions,
  log: Logger = createLogger({ component: 'kvstore' }),
): KvClient {
  return new EtcdKv(opts, log);
}

/** The TLS material, read once and shared by the etcd3 client and the bulk write channel. */
function tlsMaterial(opts: KvConnectOptions): { ca: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  const tls = opts.tls;
  const file = (path: string | undefined, inline: Buffer | undefined): Buffer | undefined =>
    inline ?? (path !== undefined ? readFileSync(path) : undefined);
  const ca = tls ? file(tls.caFile, tls.ca) : undefined;
  if (!ca) return undefined;
  const cert = file(tls?.certFile, tls?.cert);
  const key = file(tls?.keyFile, tls?.key);
  return { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

// Each attempt gets a share of the deadline, so that a member that accepts the call but never
// answers (killed mid-call, partitioned) leaves time to retry on another one.
function attemptMs(opts: KvConnectOptions, timeoutMs: number): number {
  return Math.max(250, Math.floor(timeoutMs / Math.max(2, opts.endpoints.length)));
}

function etcdOptions(opts: KvConnectOptions, timeoutMs: number): IOptions {
  const tls = tlsMaterial(opts);
  const attempts = Math.max(2, opts.endpoints.length);
  const perAttemptMs = attemptMs(opts, timeoutMs);
  return {
    hosts: [...opts.endpoints],
    ...(tls ? { credentials: { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key } } : {}),
    // Streams (watch, keepalive) live for long; only unary calls get a deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: new Date(Date.now() + perAttemptMs) }),
    faultHandling: {
      // A dead member is skipped for a short while, then tried again: long enough to route
      // around it in a cluster, short enough that a restarted single etcd is used promptly.
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 500,
          breaker: new ConsecutiveBreaker(3),
        }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: attempts }),
    },
  };
}

class EtcdKv implements KvClient {
  private readonly client: Etcd3;
  /** applyBatched's own channel: pre-encoded transactions, no per-op objects (bulk-txn.ts). */
  private readonly bulk: BulkTxnChannel;
  private readonly timeoutMs: number;
  private readonly watches = new Set<KvWatch>();
  private readonly leases = new Set<KeptLease>();

  constructor(
    opts: KvConnectOptions,
    private readonly log: Logger,
  ) {
    this.timeoutMs = opts.callTimeoutMs ?? defaultCallTimeoutMs;
    this.client = new Etcd3(etcdOptions(opts, this.timeoutMs));
    const tls = tlsMaterial(opts);
    this.bulk = new BulkTxnChannel({ endpoints: opts.endpoints, attemptMs: attemptMs(opts, this.timeoutMs), ...(tls ? { tls } : {}) });
  }

  /** Runs one call with the deadline; failures become KvErrors, never exceptions. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<KvResult<T>> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), this.timeoutMs)),
    );
    try {
      const value = await Promise.race([run(), deadline]);
      if (value === 'timeout')
        return fail(
          { kind: 'unavailable', message: `etcd ${what} timed out after ${this.timeoutMs} ms` },
          true,
        );
      return ok(value);
    } catch (err) {
      const { error, retry } = classifyError(rawError(err));
      return fail({ ...error, message: `etcd ${what}: ${error.message}` }, retry);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(key: string): Promise<KvResult<KvEntry | undefined>> {
    const r = await this.call('get', () => this.client.kv.range({ key: Buffer.from(key) }));
    if (!r.ok) return r;
    const kv = r.value.kvs[0];
    return ok(kv ? toEntry(kv) : undefined);
  }

  async list(
    prefix: string,
    opts: { limit?: number; startKey?: string; revision?: number } = {},
  ): Promise<KvResult<KvListPage>> {
    const r = await this.call('list', () =>
      this.client.kv.range({
        key: Buffer.from(opts.startKey ?? prefix),
        range_end: prefixRangeEnd(prefix),
        ...(opts.limit ? { limit: opts.limit } : {}),
        ...(opts.revision ? { revision: opts.revision } : {}),
        sort_order: 'Ascend',
        sort_target: 'Key',
      }),
    );
    if (!r.ok) return r;
    return ok({
      entries: r.value.kvs.map(toEntry),
      revision: opts.revision ?? Number(r.value.header.revision),
      more: r.value.more,
    });
  }

  async count(prefix: string): Promise<KvResult<{ count: number; revision: number }>> {
    const r = await this.call('count', () =>
      this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixRangeEnd(prefix), count_only: true }),
    );
    if (!r.ok) return r;
    return ok({ count: Number(r.value.count), revision: Number(r.value.header.revision) });
  }

  async put(
    key: string,
    value: Buffer | string,
    opts: { lease?: string } = {},
  ): Promise<KvResult<{ revision: number }>> {
    const r = await this.call('put', () =>
      this.client.kv.put({
        key: Buffer.from(key),
        value: Buffer.from(value),
        ...(opts.lease ? { lease: opts.lease } : {}),
      }),
    );
    return r.ok ? ok({ revision: Number(r.value.header.revision) }) : r;
  }

  async delete(key: string): Promise<KvResult<{ deleted: number; revision: number }>> {
    const r = await this.call('delete', () => this.client.kv.deleteRange({ key: Buffer.from(key) }));
    return r.ok ? ok({ deleted: Number(r.value.deleted), revision: Number(r.value.header.revision) }) : r;
  }

  async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<KvResult<TxnOutcome>> {
    const keys = [...new Set(compares.map((c) => c.key))];
    const r = await this.call('txn', () =>
      this.client.kv.txn({
        compare: compares.map(toCompare),
        success: ops.map(toRequestOp),
        // On a failed compare, read the compared keys back so the caller sees what won.
        failure: keys.map((key) => ({ request_range: { key: Buffer.from(key) } })),
      }),
    );
    if (!r.ok) return r;
    const current = new Map<string, KvEntry | undefined>();
    if (!r.value.succeeded) {
      keys.forEach((key, i) => {
        const kv = (r.value.responses[i] as IResponseOp | undefined)?.response_range?.kvs[0];
        current.set(key, kv ? toEntry(kv) : undefined);
      });
    }
    return ok({ succeeded: r.value.succeeded, revision: Number(r.value.header.revision), current });
  }

  async applyBatched(
    ops: readonly TxnOp[],
    opts: { batchSize?: number } = {},
  ): Promise<KvResult<{ revision: number }>> {
    const batches = chunk(ops, opts.batchSize ?? 128);
    let revision = 0;
    let failure: KvResult<never> | undefined;
    let next = 0;
    // A fixed number of workers pull batches in order; the first failure stops new batches
    // (earlier ones stay applied: batching is for throughput, not atomicity).
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < batches.length) {
        const batch = batches[next++] as TxnOp[];
        const r = await this.bulk.txn(batch);
        if (!r.ok) failure ??= r;
        else revision = Math.max(revision, r.value.revision);
      }
    };
    await Promise.all(Array.from({ length: Math.min(batchesInFlight, batches.length) }, worker));
    return failure ?? ok({ revision });
  }

  watch(prefix: string, fromRevision: number, handlers: KvWatchHandlers): KvWatch {
    const open = (() => this.client.watchClient.watch()) as unknown as OpenStream<
      { create_request: WireWatchCreate },
      WireWatchResponse
    >;
    const w = startWatch(
      { open, classify: (err) => classifyError(rawError(err)), log: this.log.child({ watch: prefix }) },
      { key: Buffer.from(prefix), rangeEnd: prefixRangeEnd(prefix) },
      fromRevision,
      {
        onEvents: (events, revision) => handlers.onEvents(events, revision),
        onError: (error) => {
          this.watches.delete(w);
          handlers.onError(error);
        },
      },
    );
    this.watches.add(w);
    return {
      ready: w.ready,
      cancel: async () => {
        this.watches.delete(w);
        await w.cancel();
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<KvResult<KvLease>> {
    const r = await this.call('lease grant', () => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }));
    if (!r.ok) return r;
    const open = (() => this.client.leaseClient.leaseKeepAlive()) as unknown as OpenStream<
      { ID: string },
      WireLeaseKeepAliveResponse
    >;
    const lease: KeptLease = new KeptLease(
      {
        open,
        revoke: async (id) => {
          this.leases.delete(lease);
          const rv = await this.call('lease revoke', () => this.client.leaseClient.leaseRevoke({ ID: id }));
          if (!rv.ok && rv.error.kind !== 'lease_lost')
            this.log.warn('lease revoke failed', { lease: id, err: rv.error.message });
        },
        log: this.log,
      },
      r.value.ID,
      Number(r.value.TTL),
    );
    this.leases.add(lease);
    lease.onLost(() => this.leases.delete(lease));
    return ok(lease);
  }

  async compact(revision: number): Promise<KvResult<void>> {
    const r = await this.call('compact', () => this.client.kv.compact({ revision, physical: true }));
    return r.ok ? ok(undefined) : r;
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.cancel()));
    this.watches.clear();
    for (const l of this.leases) l.stop();
    this.leases.clear();
    this.client.close();
    this.bulk.close();
  }
}

function toCompare(c: TxnCompare): ICompare {
  const key = Buffer.from(c.key);
  if ('modRevision' in c) return { key, target: 'Mod', result: 'Equal', mod_revision: c.modRevision };
  // A key exists exactly when its version is above zero.
  return { key, target: 'Version', result: c.exists ? 'Greater' : 'Equal', version: 0 };
}

function toRequestOp(op: TxnOp): IRequestOp {
  switch (op.op) {
    case 'put':
      return {
        request_put: {
          key: Buffer.from(op.key),
          value: Buffer.from(op.value),
          ...(op.lease ? { lease: op.lease } : {}),
        },
      };
    case 'delete':
      return { request_delete_range: { key: Buffer.from(op.key) } };
    case 'deletePrefix':
      return { request_delete_range: { key: Buffer.from(op.prefix), range_end: prefixRangeEnd(op.prefix) } };
  }
}
