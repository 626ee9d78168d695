/**
 * Pure: etcd's TxnRequest (success ops only, no compares) written straight into one Buffer,
 * and the two fields of a TxnResponse that bulk writes need (header revision, succeeded).
 *
 * Why not the generic protobuf path: a bulk write of tens of thousands of keys spends more CPU
 * building request objects, per-key Buffers and decoding 128 ResponseOps per transaction
 * (each with its own header) than etcd spends applying them. Field numbers are from etcd's
 * rpc.proto (etcdserverpb); txn-codec.test.ts checks the bytes against protobufjs encoding the
 * same messages from etcd3's own proto files.
 */
import type { TxnOp } from './types.js';
import { prefixRangeEnd } from './convert.js';

// Wire type 2 (length-delimited) tags: (field << 3) | 2.
const TXN_SUCCESS = 0x12; // TxnRequest.success = 2
const OP_PUT = 0x12; // RequestOp.request_put = 2
const OP_DELETE_RANGE = 0x1a; // RequestOp.request_delete_range = 3
const KEY = 0x0a; // PutRequest.key = 1, DeleteRangeRequest.key = 1
const PUT_VALUE = 0x12; // PutRequest.value = 2
const RANGE_END = 0x12; // DeleteRangeRequest.range_end = 2
const PUT_LEASE = 0x18; // PutRequest.lease = 3 (varint)

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

function writeVarint(buf: Buffer, offset: number, n: number): number {
  while (n >= 0x80) {
    buf[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[offset++] = n;
  return offset;
}

/** Lease IDs are int64 and routinely above 2^53: encoded from their decimal text. */
function leaseVarint(lease: string): Buffer {
  let n = BigInt.asUintN(64, BigInt(lease));
  const bytes: number[] = [];
  while (n >= 0x80n) {
    bytes.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  bytes.push(Number(n));
  return Buffer.from(bytes);
}

interface Sized {
  readonly key: Buffer | string;
  readonly keyLength: number;
  readonly second?: Buffer | string; // value (put) or range end (deletePrefix)
  readonly secondLength: number;
  readonly lease?: Buffer;
  readonly inner: number; // PutRequest / DeleteRangeRequest length
  readonly requestOp: number; // RequestOp length
}

const byteLength = (b: Buffer | string): number => (typeof b === 'string' ? Buffer.byteLength(b) : b.length);

function sizeOp(op: TxnOp): Sized {
  const key = op.op === 'deletePrefix' ? op.prefix : op.key;
  const keyLength = byteLength(key);
  let inner = 1 + varintLength(keyLength) + keyLength;
  let second: Buffer | string | undefined;
  let lease: Buffer | undefined;
  if (op.op === 'put') second = op.value;
  if (op.op === 'deletePrefix') second = prefixRangeEnd(op.prefix);
  const secondLength = second === undefined ? 0 : byteLength(second);
  // An empty value is still written (as protobufjs does): etcd reads both forms the same.
  if (second !== undefined) inner += 1 + varintLength(secondLength) + secondLength;
  if (op.op === 'put' && op.lease && op.lease !== '0') {
    lease = leaseVarint(op.lease);
    inner += 1 + lease.length;
  }
  const requestOp = 1 + varintLength(inner) + inner;
  return { key, keyLength, secondLength, inner, requestOp, ...(second !== undefined ? { second } : {}), ...(lease ? { lease } : {}) };
}

function writeBytes(buf: Buffer, offset: number, tag: number, data: Buffer | string, length: number): number {
  buf[offset++] = tag;
  offset = writeVarint(buf, offset, length);
  if (typeof data === 'string') return offset + buf.write(data, offset, 'utf8');
  data.copy(buf, offset);
  return offset + length;
}

/** A TxnRequest whose success branch is `ops` in order (no compares, no failure ops). */
export function encodeTxnRequest(ops: readonly TxnOp[]): Buffer {
  const sized = ops.map(sizeOp);
  let total = 0;
  for (const s of sized) total += 1 + varintLength(s.requestOp) + s.requestOp;
  const buf = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < sized.length; i++) {
    const s = sized[i]!;
    buf[offset++] = TXN_SUCCESS;
    offset = writeVarint(buf, offset, s.requestOp);
    buf[offset++] = ops[i]!.op === 'put' ? OP_PUT : OP_DELETE_RANGE;
    offset = writeVarint(buf, offset, s.inner);
    offset = writeBytes(buf, offset, KEY, s.key, s.keyLength);
    if (s.second !== undefined) offset = writeBytes(buf, offset, ops[i]!.op === 'put' ? PUT_VALUE : RANGE_END, s.second, s.secondLength);
    if (s.lease) {
      buf[offset++] = PUT_LEASE;
      s.lease.copy(buf, offset);
      offset += s.lease.length;
    }
  }
  if (offset !== total) throw new Error(`encodeTxnRequest: wrote ${offset} bytes, sized ${total}`);
  return buf;
}

export interface TxnHeader {
  readonly revision: number;
  readonly succeeded: boolean;
}

/** A cursor over protobuf bytes: varints and length-delimited fields; throws RangeError on truncation. */
class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buf.length;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.offset >= this.buf.length) throw new RangeError('truncated varint');
      const b = this.buf[this.offset++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 0x80;
    }
  }

  bytes(): Buffer {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buf.length) throw new RangeError('truncated field');
    const out = this.buf.subarray(this.offset, end);
    this.offset = end;
    return out;
  }
}

/** Reads ResponseHeader.revision and TxnResponse.succeeded; skips the per-op responses. */
export function decodeTxnResponse(buf: Buffer): TxnHeader | { readonly error: string } {
  const r = new Reader(buf);
  let revision = 0;
  let succeeded = false;
  try {
    while (!r.done) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (wireType === 0) {
        const v = r.varint();
        if (field === 2) succeeded = v !== 0;
      } else if (wireType === 2) {
        const bytes = r.bytes();
        if (field === 1) revision = headerRevision(bytes);
      } else {
        return { error: `unexpected wire type ${wireType} in TxnResponse` };
      }
    }
  } catch (err) {
    return { error: `malformed TxnResponse: ${(err as Error).message}` };
  }
  return { revision, succeeded };
}

/** ResponseHeader.revision (field 3, int64); the other header fields are varints too. */
function headerRevision(buf: Buffer): number {
  const r = new Reader(buf);
  let revision = 0;
  while (!r.done) {
    const tag = r.varint();
    if ((tag & 7) !== 0) throw new RangeError('unexpected header field');
    const value = r.varint();
    if (tag >> 3 === 3) revision = value;
  }
  return revision;
}
