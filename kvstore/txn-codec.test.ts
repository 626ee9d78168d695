import { createRequire } from 'node:module';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { decodeTxnResponse, encodeTxnRequest } from './txn-codec.js';
import type { TxnOp } from './types.js';

// The reference encoder: protobufjs over etcd3's own rpc.proto, loaded the way etcd3 loads it.
const require = createRequire(import.meta.url);
const protoDir = require.resolve('etcd3/proto/rpc.proto').replace(/rpc\.proto$/, '');
const definition = loadSync(`${protoDir}rpc.proto`, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir] });
const txn = (definition['etcdserverpb.KV'] as unknown as Record<string, { requestSerialize(o: unknown): Buffer; responseSerialize(o: unknown): Buffer }>).Txn!;

function reference(ops: readonly TxnOp[]): Buffer {
  return txn.requestSerialize({
    success: ops.map((op) => {
      if (op.op === 'put') return { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value), ...(op.lease ? { lease: op.lease } : {}) } };
      if (op.op === 'delete') return { request_delete_range: { key: Buffer.from(op.key) } };
      const end = Buffer.from(op.prefix);
      end[end.length - 1]! += 1;
      return { request_delete_range: { key: Buffer.from(op.prefix), range_end: end } };
    }),
  });
}

describe('encodeTxnRequest', () => {
  const cases: Record<string, TxnOp[]> = {
    'one put': [{ op: 'put', key: 'a', value: 'b' }],
    'put with an empty value': [{ op: 'put', key: 'cilium/state/x', value: '' }],
    'put with a Buffer value and multi-byte text': [
      { op: 'put', key: 'k/ü', value: Buffer.from([0, 1, 2, 255]) },
      { op: 'put', key: 'k/日本', value: '{"name":"ß"}' },
    ],
    'put under a lease above 2^53': [{ op: 'put', key: 'cilium/.heartbeat', value: 'x', lease: '7587882170364431364' }],
    'put under a small lease': [{ op: 'put', key: 'k', value: 'v', lease: '5' }],
    'delete and delete prefix': [
      { op: 'delete', key: 'cilium/state/nodes/v1/c1/n1' },
      { op: 'deletePrefix', prefix: 'cilium/state/' },
    ],
    'values long enough for two- and three-byte lengths': [
      { op: 'put', key: 'k1', value: 'v'.repeat(200) },
      { op: 'put', key: 'k2', value: 'v'.repeat(70_000) },
    ],
    '128 mixed ops': Array.from({ length: 128 }, (_, i): TxnOp => (i % 3 === 0 ? { op: 'delete', key: `k/${i}` } : { op: 'put', key: `k/${i}`, value: 'x'.repeat(i * 7) })),
  };
  for (const [name, ops] of Object.entries(cases)) {
    it(`matches protobufjs byte for byte: ${name}`, () => {
      expect(encodeTxnRequest(ops).toString('hex')).toBe(reference(ops).toString('hex'));
    });
  }

  it('encodes an empty transaction as zero bytes', () => {
    expect(encodeTxnRequest([]).length).toBe(0);
  });
});

describe('decodeTxnResponse', () => {
  it('reads the header revision and succeeded, skipping the op responses', () => {
    const bytes = txn.responseSerialize({
      header: { cluster_id: '14841639068965178418', member_id: '10276657743932975437', revision: '9007199254740', raft_term: '7' },
      succeeded: true,
      responses: Array.from({ length: 3 }, () => ({ response_put: { header: { revision: '12' } } })),
    });
    expect(decodeTxnResponse(bytes)).toEqual({ revision: 9007199254740, succeeded: true });
  });

  it('reads a failed transaction', () => {
    const bytes = txn.responseSerialize({ header: { revision: '3' }, succeeded: false });
    expect(decodeTxnResponse(bytes)).toEqual({ revision: 3, succeeded: false });
  });

  it('reports truncated or malformed bytes instead of throwing', () => {
    const bytes = txn.responseSerialize({ header: { revision: '300' }, succeeded: true });
    expect(decodeTxnResponse(bytes.subarray(0, bytes.length - 3))).toHaveProperty('error');
    expect(decodeTxnResponse(Buffer.from([0x0d, 1, 2, 3, 4]))).toHaveProperty('error');
    expect(decodeTxnResponse(Buffer.from([0x0a, 0x02, 0x18, 0x80]))).toHaveProperty('error');
  });
});
