/**
 * The project's narrow view of etcd. Everything above this folder (API server storage,
 * clustermesh-apiserver, agent-sync) talks to this interface, never to the `etcd3` package,
 * which is unmaintained and has sharp edges (throwing listeners become uncaught exceptions).
 *
 * Revisions are plain numbers: etcd's int64 revisions stay far below 2^53 in practice.
 */
import type { Result } from '../lib/result.js';

export type KvErrorKind =
  | 'permission_denied' // auth: the user may not do this; never retried
  | 'unauthenticated' // bad or missing credentials
  | 'unavailable' // no quorum / connection lost; retry with backoff
  | 'compacted' // the requested revision is gone; re-list
  | 'conflict' // a transaction's precondition failed (create of an existing key, stale revision)
  | 'lease_lost' // the lease expired or was revoked
  | 'invalid' // bad argument (empty key, value too large)
  | 'unknown';

export interface KvError {
  readonly kind: KvErrorKind;
  readonly message: string;
  /** For `compacted`: the oldest revision etcd still has. */
  readonly compactRevision?: number;
}

export type KvResult<T> = Result<T, KvError>;

export interface KvEntry {
  readonly key: string;
  readonly value: Buffer;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  /** Lease ID as a decimal string ('0' when none). */
  readonly lease: string;
}

export interface KvListPage {
  readonly entries: readonly KvEntry[];
  /** The store revision the list was read at; watch from revision + 1 to miss nothing. */
  readonly revision: number;
  /** True when a limit cut the list short; continue from the last key + '\0'. */
  readonly more: boolean;
}

export type KvEvent =
  | { readonly type: 'put'; readonly entry: KvEntry; readonly prev?: KvEntry }
  | { readonly type: 'delete'; readonly key: string; readonly modRevision: number; readonly prev?: KvEntry };

export interface KvWatchHandlers {
  /** Events arrive in revision order; a batch holds every event of one watch response. */
  onEvents(events: readonly KvEvent[], revision: number): void;
  /**
   * The watch ended and will not resume by itself: `compacted` (the start revision is gone) or
   * a permanent error. Transient disconnections are retried inside the client and not reported.
   */
  onError(error: KvError): void;
}

export interface KvWatch {
  /** Resolves once etcd has acknowledged the watch (events after this are not missed). */
  readonly ready: Promise<void>;
  cancel(): Promise<void>;
}

export type TxnCompare =
  | { readonly key: string; readonly modRevision: number } // equal; 0 = must not exist
  | { readonly key: string; readonly exists: boolean };

export type TxnOp =
  | { readonly op: 'put'; readonly key: string; readonly value: Buffer | string; readonly lease?: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'deletePrefix'; readonly prefix: string };

export interface TxnOutcome {
  readonly succeeded: boolean;
  readonly revision: number;
  /** When the compare failed: the current entries of the compared keys (absent → undefined). */
  readonly current: ReadonlyMap<string, KvEntry | undefined>;
}

export interface KvLease {
  /** Decimal lease ID for use in puts. */
  readonly id: string;
  readonly ttlSeconds: number;
  /** Called once when keepalive fails for longer than the TTL or the lease is revoked. */
  onLost(listener: (error: KvError) => void): void;
  revoke(): Promise<void>;
}

export interface KvClient {
  get(key: string): Promise<KvResult<KvEntry | undefined>>;
  list(prefix: string, opts?: { limit?: number; startKey?: string; revision?: number }): Promise<KvResult<KvListPage>>;
  /** Number of keys under a prefix, and the revision it was counted at. */
  count(prefix: string): Promise<KvResult<{ count: number; revision: number }>>;
  put(key: string, value: Buffer | string, opts?: { lease?: string }): Promise<KvResult<{ revision: number }>>;
  delete(key: string): Promise<KvResult<{ deleted: number; revision: number }>>;
  txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<KvResult<TxnOutcome>>;
  /** Applies ops in transactions of at most `batchSize` ops (etcd's default limit is 128). */
  applyBatched(ops: readonly TxnOp[], opts?: { batchSize?: number }): Promise<KvResult<{ revision: number }>>;
  watch(prefix: string, fromRevision: number, handlers: KvWatchHandlers): KvWatch;
  grantLease(ttlSeconds: number): Promise<KvResult<KvLease>>;
  /** Compacts history up to `revision` (the sandbox API server and tests use it). */
  compact(revision: number): Promise<KvResult<void>>;
  close(): Promise<void>;
}

export interface KvConnectOptions {
  readonly endpoints: readonly string[];
  readonly tls?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
    /** PEM contents instead of files (used when certificates come from Secrets). */
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
  };
  /** Per-call deadline; etcd3 otherwise waits forever on a dead cluster. */
  readonly callTimeoutMs?: number;
}
