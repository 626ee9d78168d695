import { HEADER_LEN, MARKER } from './wire.js';

/** Header (marker, length, type) + body. */
export function frame(type: number, body: Buffer): Buffer {
  const out = Buffer.alloc(HEADER_LEN + body.length);
  MARKER.copy(out, 0);
  out.writeUInt16BE(out.length, 16);
  out[18] = type;
  body.copy(out, HEADER_LEN);
  return out;
}
