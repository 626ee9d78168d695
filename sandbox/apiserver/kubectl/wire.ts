/**
 * A minimal protobuf wire-format reader: splits a message into its fields. Enough for the
 * handful of Kubernetes objects kubectl sends as protobuf; no schema knowledge here.
 */
import { fail, ok, type Result } from '../../../lib/result.js';

export type WireField =
  | { readonly field: number; readonly wire: 'varint'; readonly value: bigint }
  | { readonly field: number; readonly wire: 'bytes'; readonly value: Buffer }
  | { readonly field: number; readonly wire: 'fixed64'; readonly value: Buffer }
  | { readonly field: number; readonly wire: 'fixed32'; readonly value: Buffer };

interface Cursor {
  pos: number;
}

/** Reads one base-128 varint (at most 10 bytes) as an unsigned 64-bit value. */
export function readVarint(buf: Buffer, at: Cursor): Result<bigint> {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = buf[at.pos];
    if (byte === undefined) return fail(`truncated varint at byte ${at.pos}`);
    at.pos++;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return ok(BigInt.asUintN(64, value));
  }
  return fail(`varint longer than 10 bytes at byte ${at.pos}`);
}

function take(buf: Buffer, at: Cursor, length: number): Result<Buffer> {
  if (at.pos + length > buf.length) {
    return fail(`field of ${length} bytes at byte ${at.pos} runs past the end (${buf.length} bytes)`);
  }
  const slice = buf.subarray(at.pos, at.pos + length);
  at.pos += length;
  return ok(slice);
}

function readField(buf: Buffer, at: Cursor): Result<WireField> {
  const start = at.pos;
  const tag = readVarint(buf, at);
  if (!tag.ok) return tag;
  const field = Number(tag.value >> 3n);
  const wireType = Number(tag.value & 7n);
  if (field === 0) return fail(`field number 0 at byte ${start}`);
  switch (wireType) {
    case 0: {
      const v = readVarint(buf, at);
      return v.ok ? ok({ field, wire: 'varint', value: v.value }) : v;
    }
    case 1: {
      const v = take(buf, at, 8);
      return v.ok ? ok({ field, wire: 'fixed64', value: v.value }) : v;
    }
    case 2: {
      const len = readVarint(buf, at);
      if (!len.ok) return len;
      if (len.value > BigInt(buf.length))
        return fail(`length ${len.value} at byte ${start} exceeds the message`);
      const v = take(buf, at, Number(len.value));
      return v.ok ? ok({ field, wire: 'bytes', value: v.value }) : v;
    }
    case 5: {
      const v = take(buf, at, 4);
      return v.ok ? ok({ field, wire: 'fixed32', value: v.value }) : v;
    }
    default:
      return fail(`unsupported wire type ${wireType} for field ${field} at byte ${start}`);
  }
}

/** All fields of one message, in the order they appear. */
export function readMessage(buf: Buffer): Result<readonly WireField[]> {
  const fields: WireField[] = [];
  const at: Cursor = { pos: 0 };
  while (at.pos < buf.length) {
    const f = readField(buf, at);
    if (!f.ok) return f;
    fields.push(f.value);
  }
  return ok(fields);
}

/** Encoding side, for tests and fixtures: tag + payload helpers that mirror the reader. */
export function encodeVarint(value: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return Buffer.from(out);
}

export function encodeBytesField(field: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([encodeVarint((field << 3) | 2), encodeVarint(body.length), body]);
}

export function encodeVarintField(field: number, value: bigint | number | boolean): Buffer {
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  return Buffer.concat([encodeVarint(field << 3), encodeVarint(v)]);
}
