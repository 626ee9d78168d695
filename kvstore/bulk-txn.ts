/**
 * Adapter: the bulk write path. Sends pre-encoded TxnRequests (txn-codec.ts) over its own gRPC
 * channel per etcd member, with the same TLS material as the etcd3 client, a deadline per
 * attempt, and a move to the next member when one is unavailable. Used by applyBatched only:
 * everything else (reads, watches, leases, compare-and-swap) stays on etcd3.
 */
import { Client, Metadata, credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { fail, ok } from '../lib/result.js';
import { classifyError, rawError } from './errors.js';
import { decodeTxnResponse, encodeTxnRequest, type TxnHeader } from './txn-codec.js';
import type { KvResult, TxnOp } from './types.js';

const TXN_METHOD = '/etcdserverpb.KV/Txn';

export interface BulkTxnOptions {
  readonly endpoints: readonly string[];
  /** PEM material; without `ca` the channel is plaintext. */
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** Deadline of one attempt on one member. */
  readonly attemptMs: number;
}

function failed(err: unknown): KvResult<never> {
  const { error, retry } = classifyError(rawError(err));
  return fail({ ...error, message: `etcd batched txn: ${error.message}` }, retry);
}

/** "https://127.0.0.1:2379" → "127.0.0.1:2379" (gRPC targets carry no scheme). */
export function grpcTarget(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

export class BulkTxnChannel {
  private readonly clients = new Map<string, Client>();
  private readonly credentials: ChannelCredentials;
  private member = 0;
  private closed = false;

  constructor(private readonly opts: BulkTxnOptions) {
    const tls = opts.tls;
    this.credentials = tls ? grpcCredentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null) : grpcCredentials.createInsecure();
  }

  /** One transaction of `ops`; tries each member at most once while they are unavailable. */
  async txn(ops: readonly TxnOp[]): Promise<KvResult<{ revision: number }>> {
    let body: Buffer;
    try {
      body = encodeTxnRequest(ops);
    } catch (err) {
      // Only a malformed op (a lease ID that is not a decimal int64) gets here.
      return fail({ kind: 'invalid', message: `etcd batched txn: ${(err as Error).message}` }, false);
    }
    const attempts = Math.max(2, this.opts.endpoints.length);
    let last: KvResult<{ revision: number }> = fail({ kind: 'unavailable', message: 'no etcd endpoint' }, true);
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (this.closed) return fail({ kind: 'unavailable', message: 'etcd client closed' }, false);
      const endpoint = this.opts.endpoints[this.member % this.opts.endpoints.length]!;
      last = await this.send(endpoint, body);
      if (last.ok || !last.retry) return last;
      this.member++;
    }
    return last;
  }

  private client(endpoint: string): Client {
    let client = this.clients.get(endpoint);
    if (!client) {
      client = new Client(grpcTarget(endpoint), this.credentials);
      this.clients.set(endpoint, client);
    }
    return client;
  }

  private send(endpoint: string, body: Buffer): Promise<KvResult<{ revision: number }>> {
    return new Promise((resolve) => {
      const done = (err: unknown, reply?: TxnHeader | { error: string }): void => {
        if (err) resolve(failed(err));
        else if (!reply || 'error' in reply) resolve(fail({ kind: 'unknown', message: `etcd batched txn: ${reply?.error ?? 'empty response'}` }, false));
        else resolve(ok({ revision: reply.revision }));
      };
      // A throw here (a channel closed under the call) must become a result, not a rejection.
      try {
        const options = { deadline: Date.now() + this.opts.attemptMs };
        this.client(endpoint).makeUnaryRequest(TXN_METHOD, (b: Buffer) => b, decodeTxnResponse, body, new Metadata(), options, done);
      } catch (err) {
        done(err);
      }
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
