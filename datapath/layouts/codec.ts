/** Shared shape of the byte-exact codecs: fixed size, Buffer out, validated Result back in. */
import { fail, type Result } from '../../lib/result.js';

export interface Codec<T> {
  /** What the bytes are, for error messages ("lb4 service key"). */
  readonly what: string;
  readonly size: number;
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): Result<T>;
}

/** Builds a codec whose decoder checks the length before reading any field. */
export function fixedCodec<T>(what: string, size: number, encode: (v: T) => Buffer, read: (b: Buffer) => Result<T>): Codec<T> {
  return {
    what,
    size,
    encode,
    decode(bytes) {
      if (bytes.length !== size) return fail(`${what}: expected ${size} bytes, got ${bytes.length}`);
      return read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    },
  };
}

/** Encoders take values from our own computations: out-of-range is a programming error. */
export function checkUint(what: string, value: number, bits: 8 | 16 | 32): number {
  const max = 2 ** bits - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
  }
  return value;
}

/**
 * A zero-filled buffer from Node's shared pool: encoders make hundreds of thousands of tiny
 * buffers when programming a full table, and one ArrayBuffer each (Buffer.alloc) is mostly GC.
 */
export function zeroed(size: number): Buffer {
  return Buffer.allocUnsafe(size).fill(0);
}
