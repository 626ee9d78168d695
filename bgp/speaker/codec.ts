/**
 * Message framing and the small messages (OPEN with capabilities, KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH). UPDATE lives in update-codec.ts. Decoders never throw on input: they return
 * the NOTIFICATION that answers what is wrong.
 */
import { fail, ok } from '../../lib/result.js';
import type { Result } from '../../lib/result.js';
import type { BgpMessage, Capabilities, DecodeContext, GracefulRestartCap, OpenMessage } from './messages.js';
import { decodeUpdate } from './update-codec.js';
import { frame } from './frame.js';
export { frame };
import {
  AS_TRANS,
  Err,
  HEADER_LEN,
  HeaderSub,
  MARKER,
  MAX_MESSAGE_LEN,
  MsgType,
  OpenSub,
  afiOf,
  bgpError,
  familyOfAfi,
  formatIpv4,
  ipv4Bytes,
} from './wire.js';
import type { BgpError, Family } from './wire.js';

const CAP_MP = 1;
const CAP_ROUTE_REFRESH = 2;
const CAP_GRACEFUL_RESTART = 64;
const CAP_ASN4 = 65;
const OPT_PARAM_CAPABILITIES = 2;

/** Smallest and exact lengths per type (RFC 4271 §6.1, RFC 2918). */
const MIN_LEN: Record<number, number> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };


export type FrameRead =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'error'; readonly error: BgpError }
  | { readonly kind: 'frame'; readonly message: Buffer; readonly end: number };

/** Finds the next whole message at `off` in a stream buffer; checks the header (§6.1). */
export function readFrame(buf: Buffer, off: number): FrameRead {
  if (buf.length - off < HEADER_LEN) return { kind: 'need-more' };
  if (!buf.subarray(off, off + 16).equals(MARKER)) {
    return { kind: 'error', error: bgpError(Err.header, HeaderSub.notSynchronized, 'marker is not all ones') };
  }
  const len = buf.readUInt16BE(off + 16);
  const type = buf[off + 18]!;
  const lenData = buf.subarray(off + 16, off + 18);
  const min = MIN_LEN[type];
  if (len < HEADER_LEN || len > MAX_MESSAGE_LEN || (min !== undefined && len < min)) {
    return { kind: 'error', error: bgpError(Err.header, HeaderSub.badLength, `bad message length ${len}`, Buffer.from(lenData)) };
  }
  if ((type === MsgType.keepalive || type === MsgType.routeRefresh) && len !== min) {
    return { kind: 'error', error: bgpError(Err.header, HeaderSub.badLength, `bad length ${len} for type ${type}`, Buffer.from(lenData)) };
  }
  if (min === undefined) {
    return { kind: 'error', error: bgpError(Err.header, HeaderSub.badType, `unknown message type ${type}`, Buffer.from([type])) };
  }
  if (buf.length - off < len) return { kind: 'need-more' };
  return { kind: 'frame', message: buf.subarray(off, off + len), end: off + len };
}

/** Decodes one whole message (header included) that readFrame accepted. */
export function decodeMessage(msg: Buffer, ctx: DecodeContext): Result<BgpMessage, BgpError> {
  const read = readFrame(msg, 0);
  if (read.kind === 'error') return fail(read.error);
  if (read.kind === 'need-more' || read.end !== msg.length) {
    return fail(bgpError(Err.header, HeaderSub.badLength, 'length field disagrees with message size', msg.subarray(16, 18)));
  }
  const body = msg.subarray(HEADER_LEN);
  switch (msg[18]) {
    case MsgType.open:
      return decodeOpen(body);
    case MsgType.update:
      return decodeUpdate(body, ctx);
    case MsgType.notification:
      return ok({ type: 'notification', code: body[0]!, subcode: body[1]!, data: Buffer.from(body.subarray(2)) });
    case MsgType.keepalive:
      return ok({ type: 'keepalive' });
    default:
      return ok({ type: 'route-refresh', afi: body.readUInt16BE(0), safi: body[3]! });
  }
}

// ---- OPEN ----

export interface OpenSpec {
  readonly asn: number;
  readonly holdTime: number;
  readonly bgpId: string;
  readonly families: readonly Family[];
  readonly gracefulRestart?: GracefulRestartCap;
}

function capability(code: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([code, value.length]), value]);
}

export function encodeOpen(spec: OpenSpec): Buffer {
  const caps: Buffer[] = [];
  for (const f of spec.families) caps.push(capability(CAP_MP, Buffer.from([0, afiOf(f), 0, 1])));
  caps.push(capability(CAP_ROUTE_REFRESH, Buffer.alloc(0)));
  const asn = Buffer.alloc(4);
  asn.writeUInt32BE(spec.asn);
  caps.push(capability(CAP_ASN4, asn));
  const gr = spec.gracefulRestart;
  if (gr) {
    const v = Buffer.alloc(2 + 4 * gr.families.length);
    v.writeUInt16BE(((gr.restarting ? 0x8 : 0) << 12) | (gr.restartTimeSeconds & 0x0fff));
    gr.families.forEach((f, i) => {
      v.writeUInt16BE(afiOf(f.family), 2 + i * 4);
      v[4 + i * 4] = 1;
      v[5 + i * 4] = f.forwardingPreserved ? 0x80 : 0;
    });
    caps.push(capability(CAP_GRACEFUL_RESTART, v));
  }
  const capBlock = Buffer.concat(caps);
  const params = Buffer.concat([Buffer.from([OPT_PARAM_CAPABILITIES, capBlock.length]), capBlock]);
  const body = Buffer.alloc(10 + params.length);
  body[0] = 4;
  body.writeUInt16BE(spec.asn > 0xffff ? AS_TRANS : spec.asn, 1);
  body.writeUInt16BE(spec.holdTime, 3);
  const id = ipv4Bytes(spec.bgpId);
  if (!id) throw new Error(`encodeOpen: router id ${spec.bgpId} is not IPv4 text`);
  id.copy(body, 5);
  body[9] = params.length;
  params.copy(body, 10);
  return frame(MsgType.open, body);
}

interface CapAccumulator {
  families: Family[];
  routeRefresh: boolean;
  asn4?: number;
  gracefulRestart?: GracefulRestartCap;
  unknown: number[];
}

function malformedOpen(reason: string): Result<never, BgpError> {
  return fail(bgpError(Err.open, OpenSub.unspecific, reason));
}

function readGracefulRestart(v: Buffer): GracefulRestartCap | undefined {
  if (v.length < 2 || (v.length - 2) % 4 !== 0) return undefined;
  const head = v.readUInt16BE(0);
  const families: { family: Family; forwardingPreserved: boolean }[] = [];
  for (let o = 2; o < v.length; o += 4) {
    const family = familyOfAfi(v.readUInt16BE(o), v[o + 2]!);
    if (family) families.push({ family, forwardingPreserved: (v[o + 3]! & 0x80) !== 0 });
  }
  return { restarting: (head & 0x8000) !== 0, restartTimeSeconds: head & 0x0fff, families };
}

function readCapabilities(block: Buffer, acc: CapAccumulator): Result<true, BgpError> {
  let o = 0;
  while (o < block.length) {
    if (o + 2 > block.length) return malformedOpen('capability header truncated');
    const code = block[o]!;
    const len = block[o + 1]!;
    if (o + 2 + len > block.length) return malformedOpen(`capability ${code} runs past its parameter`);
    const v = block.subarray(o + 2, o + 2 + len);
    o += 2 + len;
    if (code === CAP_MP) {
      if (len !== 4) return malformedOpen('multiprotocol capability length is not 4');
      const f = familyOfAfi(v.readUInt16BE(0), v[3]!);
      if (f && !acc.families.includes(f)) acc.families.push(f);
    } else if (code === CAP_ROUTE_REFRESH) {
      acc.routeRefresh = true;
    } else if (code === CAP_ASN4) {
      if (len !== 4) return malformedOpen('4-octet AS capability length is not 4');
      acc.asn4 = v.readUInt32BE(0);
    } else if (code === CAP_GRACEFUL_RESTART) {
      const gr = readGracefulRestart(v);
      if (!gr) return malformedOpen('graceful restart capability malformed');
      acc.gracefulRestart = gr;
    } else {
      acc.unknown.push(code);
    }
  }
  return ok(true);
}

export function decodeOpen(body: Buffer): Result<OpenMessage, BgpError> {
  const version = body[0]!;
  if (version !== 4) return fail(bgpError(Err.open, OpenSub.badVersion, `version ${version}`, Buffer.from([0, 4])));
  const myAs = body.readUInt16BE(1);
  const holdTime = body.readUInt16BE(3);
  const bgpId = formatIpv4(body, 5);
  const optLen = body[9]!;
  if (10 + optLen !== body.length) return malformedOpen(`optional parameters length ${optLen} disagrees with message`);
  if (holdTime === 1 || holdTime === 2) {
    return fail(bgpError(Err.open, OpenSub.unacceptableHold, `hold time ${holdTime}`));
  }
  if (bgpId === '0.0.0.0' || bgpId === '255.255.255.255') {
    return fail(bgpError(Err.open, OpenSub.badBgpId, `BGP identifier ${bgpId}`));
  }
  const acc: CapAccumulator = { families: [], routeRefresh: false, unknown: [] };
  let o = 10;
  while (o < body.length) {
    if (o + 2 > body.length) return malformedOpen('optional parameter header truncated');
    const type = body[o]!;
    const len = body[o + 1]!;
    if (o + 2 + len > body.length) return malformedOpen('optional parameter runs past the message');
    if (type !== OPT_PARAM_CAPABILITIES) {
      return fail(bgpError(Err.open, OpenSub.unsupportedOptParam, `optional parameter type ${type}`));
    }
    const r = readCapabilities(body.subarray(o + 2, o + 2 + len), acc);
    if (!r.ok) return r;
    o += 2 + len;
  }
  const caps: Capabilities = acc;
  return ok({ type: 'open', version, myAs, holdTime, bgpId, caps });
}

// ---- small messages ----

export function encodeKeepalive(): Buffer {
  return frame(MsgType.keepalive, Buffer.alloc(0));
}

export function encodeNotification(code: number, subcode: number, data: Buffer = Buffer.alloc(0)): Buffer {
  // Data is cut so the message stays within 4096 bytes, whatever the error carried.
  const d = data.subarray(0, MAX_MESSAGE_LEN - HEADER_LEN - 2);
  return frame(MsgType.notification, Buffer.concat([Buffer.from([code, subcode]), d]));
}

export function encodeRouteRefresh(family: Family): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(afiOf(family), 0);
  body[3] = 1;
  return frame(MsgType.routeRefresh, body);
}
