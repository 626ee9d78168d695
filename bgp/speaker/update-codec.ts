/**
 * UPDATE encoding and decoding (RFC 4271 §4.3, §6.3; RFC 4760; RFC 6793; RFC 1997; RFC 8092).
 * Every fault maps to the UPDATE error subcode RFC 4271 names for it, with the offending
 * attribute as NOTIFICATION data where the RFC asks for it.
 */
import { fail, ok } from '../../lib/result.js';
import type { Result } from '../../lib/result.js';
import type {
  AsPathSegment,
  DecodeContext,
  LargeCommunity,
  MpReach,
  MpUnreach,
  PathAttributes,
  UpdateMessage,
} from './messages.js';
import { AS_TRANS, Err, MsgType, UpdateSub, bgpError, encodePrefix, familyOfAfi, formatIpv4, formatIpv6, formatPrefix, ipv4Bytes, ipv6Bytes, parsePrefix } from './wire.js';
import type { BgpError, Family } from './wire.js';
import { frame } from './frame.js';

export const Attr = {
  origin: 1,
  asPath: 2,
  nextHop: 3,
  med: 4,
  localPref: 5,
  atomicAggregate: 6,
  aggregator: 7,
  communities: 8,
  mpReach: 14,
  mpUnreach: 15,
  as4Path: 17,
  as4Aggregator: 18,
  largeCommunity: 32,
} as const;

const OPTIONAL = 0x80;
const TRANSITIVE = 0x40;
const EXTENDED = 0x10;

/** Expected Optional/Transitive bits per known attribute. */
const KNOWN_FLAGS: Record<number, number> = {
  1: TRANSITIVE,
  2: TRANSITIVE,
  3: TRANSITIVE,
  4: OPTIONAL,
  5: TRANSITIVE,
  6: TRANSITIVE,
  7: OPTIONAL | TRANSITIVE,
  8: OPTIONAL | TRANSITIVE,
  14: OPTIONAL,
  15: OPTIONAL,
  17: OPTIONAL | TRANSITIVE,
  18: OPTIONAL | TRANSITIVE,
  32: OPTIONAL | TRANSITIVE,
};

type Out<T> = Result<T, BgpError>;
const upd = (sub: number, reason: string, data?: Buffer): Out<never> => fail(bgpError(Err.update, sub, reason, data));

// ---- NLRI ----

/** Parses a run of (length, prefix bytes) entries for one family. */
export function decodePrefixes(b: Buffer, family: Family): Out<string[]> {
  const max = family === 'ipv4' ? 32 : 128;
  const out: string[] = [];
  let o = 0;
  while (o < b.length) {
    const len = b[o]!;
    const n = Math.ceil(len / 8);
    if (len > max || o + 1 + n > b.length) return upd(UpdateSub.invalidNetwork, `bad ${family} prefix at offset ${o}`);
    const bytes = Buffer.alloc(max / 8);
    b.copy(bytes, 0, o + 1, o + 1 + n);
    out.push(formatPrefix(family, bytes, len));
    o += 1 + n;
  }
  return ok(out);
}

export function encodePrefixes(prefixes: readonly string[]): Buffer {
  return Buffer.concat(
    prefixes.map((p) => {
      const parsed = parsePrefix(p);
      if (!parsed) throw new Error(`encodePrefixes: invalid prefix ${p}`);
      return encodePrefix(parsed);
    }),
  );
}

// ---- attribute decoding ----

interface RawAttr {
  readonly flags: number;
  readonly type: number;
  readonly value: Buffer;
  /** The whole attribute (flags, type, length, value): NOTIFICATION data for most errors. */
  readonly whole: Buffer;
}

function splitAttributes(b: Buffer): Out<RawAttr[]> {
  const out: RawAttr[] = [];
  const seen = new Set<number>();
  let o = 0;
  while (o < b.length) {
    if (o + 3 > b.length) return upd(UpdateSub.malformedAttrList, 'attribute header truncated');
    const flags = b[o]!;
    const type = b[o + 1]!;
    const ext = (flags & EXTENDED) !== 0;
    if (ext && o + 4 > b.length) return upd(UpdateSub.malformedAttrList, 'attribute header truncated');
    const len = ext ? b.readUInt16BE(o + 2) : b[o + 2]!;
    const start = o + (ext ? 4 : 3);
    if (start + len > b.length) {
      return upd(UpdateSub.attrLength, `attribute ${type} length ${len} runs past the attribute list`, b.subarray(o));
    }
    if (seen.has(type)) return upd(UpdateSub.malformedAttrList, `attribute ${type} appears twice`);
    seen.add(type);
    out.push({ flags, type, value: b.subarray(start, start + len), whole: b.subarray(o, start + len) });
    o = start + len;
  }
  return ok(out);
}

function decodeAsPath(a: RawAttr, width: 2 | 4, sub: number): Out<AsPathSegment[]> {
  const segs: AsPathSegment[] = [];
  const v = a.value;
  let o = 0;
  while (o < v.length) {
    if (o + 2 > v.length) return upd(sub, 'AS path segment header truncated', a.whole);
    const type = v[o]!;
    const count = v[o + 1]!;
    if (type < 1 || type > 4 || count === 0) return upd(sub, `AS path segment type ${type} count ${count}`, a.whole);
    if (o + 2 + count * width > v.length) return upd(sub, 'AS path segment runs past the attribute', a.whole);
    const asns: number[] = [];
    for (let i = 0; i < count; i++) {
      const p = o + 2 + i * width;
      asns.push(width === 4 ? v.readUInt32BE(p) : v.readUInt16BE(p));
    }
    segs.push({ type, asns });
    o += 2 + count * width;
  }
  return ok(segs);
}

function decodeMpReach(a: RawAttr): Out<MpReach> {
  const v = a.value;
  if (v.length < 5) return upd(UpdateSub.optionalAttr, 'MP_REACH_NLRI truncated', a.whole);
  const afi = v.readUInt16BE(0);
  const safi = v[2]!;
  const nhLen = v[3]!;
  if (4 + nhLen + 1 > v.length) return upd(UpdateSub.optionalAttr, 'MP_REACH_NLRI next hop runs past the attribute', a.whole);
  const family = familyOfAfi(afi, safi);
  if (!family) return ok({ afi, safi, nextHops: [], nlri: [] });
  const nh = v.subarray(4, 4 + nhLen);
  const nextHops: string[] = [];
  if (family === 'ipv6' && (nhLen === 16 || nhLen === 32)) {
    for (let o = 0; o < nhLen; o += 16) nextHops.push(formatIpv6(nh, o));
  } else if (family === 'ipv4' && nhLen === 4) {
    nextHops.push(formatIpv4(nh));
  } else {
    return upd(UpdateSub.optionalAttr, `MP_REACH_NLRI next hop length ${nhLen} for ${family}`, a.whole);
  }
  const nlri = decodePrefixes(v.subarray(4 + nhLen + 1), family);
  if (!nlri.ok) return nlri;
  return ok({ afi, safi, nextHops, nlri: nlri.value });
}

function decodeMpUnreach(a: RawAttr): Out<MpUnreach> {
  const v = a.value;
  if (v.length < 3) return upd(UpdateSub.optionalAttr, 'MP_UNREACH_NLRI truncated', a.whole);
  const afi = v.readUInt16BE(0);
  const safi = v[2]!;
  const family = familyOfAfi(afi, safi);
  if (!family) return ok({ afi, safi, withdrawn: [] });
  const w = decodePrefixes(v.subarray(3), family);
  return w.ok ? ok({ afi, safi, withdrawn: w.value }) : w;
}

/** Fixed value lengths of known attributes; a mismatch is an Attribute Length Error. */
const FIXED_LEN: Record<number, number> = { 1: 1, 3: 4, 4: 4, 5: 4, 6: 0 };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function decodeOne(a: RawAttr, ctx: DecodeContext, into: Mutable<PathAttributes>, as4: { path?: AsPathSegment[] }): Out<true> {
  const expected = KNOWN_FLAGS[a.type];
  if (expected === undefined) {
    if ((a.flags & OPTIONAL) === 0) return upd(UpdateSub.unrecognizedWellKnown, `unrecognized well-known attribute ${a.type}`, a.whole);
    return ok(true);
  }
  const wellKnown = (expected & OPTIONAL) === 0;
  if ((a.flags & (OPTIONAL | TRANSITIVE)) !== expected || (wellKnown && (a.flags & 0x20) !== 0)) {
    return upd(UpdateSub.attrFlags, `attribute ${a.type} flags 0x${a.flags.toString(16)}`, a.whole);
  }
  const fixed = FIXED_LEN[a.type];
  if (fixed !== undefined && a.value.length !== fixed) {
    return upd(UpdateSub.attrLength, `attribute ${a.type} length ${a.value.length}`, a.whole);
  }
  const v = a.value;
  switch (a.type) {
    case Attr.origin:
      if (v[0]! > 2) return upd(UpdateSub.invalidOrigin, `origin ${v[0]}`, a.whole);
      into.origin = v[0]!;
      return ok(true);
    case Attr.asPath: {
      const p = decodeAsPath(a, ctx.asn4 ? 4 : 2, UpdateSub.malformedAsPath);
      if (!p.ok) return p;
      into.asPath = p.value;
      return ok(true);
    }
    case Attr.nextHop: {
      const first = v[0]!;
      const nh = formatIpv4(v);
      if (nh === '0.0.0.0' || first >= 224) return upd(UpdateSub.invalidNextHop, `next hop ${nh}`, a.whole);
      into.nextHop = nh;
      return ok(true);
    }
    case Attr.med:
      into.med = v.readUInt32BE(0);
      return ok(true);
    case Attr.localPref:
      into.localPref = v.readUInt32BE(0);
      return ok(true);
    case Attr.communities: {
      if (v.length % 4 !== 0) return upd(UpdateSub.optionalAttr, `communities length ${v.length}`, a.whole);
      const c: number[] = [];
      for (let o = 0; o < v.length; o += 4) c.push(v.readUInt32BE(o));
      into.communities = c;
      return ok(true);
    }
    case Attr.largeCommunity: {
      if (v.length % 12 !== 0 || v.length === 0) return upd(UpdateSub.optionalAttr, `large communities length ${v.length}`, a.whole);
      const c: LargeCommunity[] = [];
      for (let o = 0; o < v.length; o += 12) c.push([v.readUInt32BE(o), v.readUInt32BE(o + 4), v.readUInt32BE(o + 8)]);
      into.largeCommunities = c;
      return ok(true);
    }
    case Attr.mpReach: {
      const r = decodeMpReach(a);
      if (!r.ok) return r;
      into.mpReach = r.value;
      return ok(true);
    }
    case Attr.mpUnreach: {
      const r = decodeMpUnreach(a);
      if (!r.ok) return r;
      into.mpUnreach = r.value;
      return ok(true);
    }
    case Attr.as4Path: {
      // RFC 6793 §6: a malformed AS4_PATH is discarded, not a session error.
      const p = decodeAsPath(a, 4, UpdateSub.malformedAsPath);
      if (p.ok && !ctx.asn4) as4.path = p.value;
      return ok(true);
    }
    default:
      return ok(true);
  }
}

function pathLength(segs: readonly AsPathSegment[]): number {
  return segs.reduce((n, s) => n + (s.type === 1 ? 1 : s.type === 2 ? s.asns.length : 0), 0);
}

/** RFC 6793 §4.2.3: the leading ASNs of AS_PATH the AS4_PATH does not cover, then AS4_PATH. */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  const keep = pathLength(asPath) - pathLength(as4Path);
  if (keep < 0) return [...asPath];
  const head: number[] = [];
  for (const s of asPath) for (const a of s.asns) if (head.length < keep && s.type === 2) head.push(a);
  return head.length > 0 ? [{ type: 2, asns: head }, ...as4Path] : [...as4Path];
}

export function decodeUpdate(body: Buffer, ctx: DecodeContext): Out<UpdateMessage> {
  const wLen = body.readUInt16BE(0);
  if (2 + wLen + 2 > body.length) return upd(UpdateSub.malformedAttrList, `withdrawn routes length ${wLen} too large`);
  const aLen = body.readUInt16BE(2 + wLen);
  if (4 + wLen + aLen > body.length) return upd(UpdateSub.malformedAttrList, `total path attribute length ${aLen} too large`);
  const withdrawn = decodePrefixes(body.subarray(2, 2 + wLen), 'ipv4');
  if (!withdrawn.ok) return withdrawn;
  const raw = splitAttributes(body.subarray(4 + wLen, 4 + wLen + aLen));
  if (!raw.ok) return raw;
  const attrs: Mutable<PathAttributes> = {};
  const as4: { path?: AsPathSegment[] } = {};
  for (const a of raw.value) {
    const r = decodeOne(a, ctx, attrs, as4);
    if (!r.ok) return r;
  }
  const nlri = decodePrefixes(body.subarray(4 + wLen + aLen), 'ipv4');
  if (!nlri.ok) return nlri;
  const announces = nlri.value.length > 0 || (attrs.mpReach !== undefined && attrs.mpReach.nlri.length > 0);
  if (announces) {
    for (const [type, present] of [
      [Attr.origin, attrs.origin !== undefined],
      [Attr.asPath, attrs.asPath !== undefined],
      [Attr.nextHop, attrs.nextHop !== undefined || nlri.value.length === 0],
    ] as const) {
      if (!present) return upd(UpdateSub.missingWellKnown, `missing well-known attribute ${type}`, Buffer.from([type]));
    }
  }
  if (as4.path && attrs.asPath && attrs.asPath.some((s) => s.asns.includes(AS_TRANS))) {
    attrs.asPath = mergeAs4Path(attrs.asPath, as4.path);
  }
  return ok({ type: 'update', withdrawn: withdrawn.value, attrs, nlri: nlri.value });
}

// ---- encoding ----

export function encodeAttr(flags: number, type: number, value: Buffer): Buffer {
  const ext = value.length > 255;
  const head = Buffer.alloc(ext ? 4 : 3);
  head[0] = ext ? flags | EXTENDED : flags & ~EXTENDED;
  head[1] = type;
  if (ext) head.writeUInt16BE(value.length, 2);
  else head[2] = value.length;
  return Buffer.concat([head, value]);
}

function encodeAsPathValue(segs: readonly AsPathSegment[], width: 2 | 4): Buffer {
  const parts: Buffer[] = [];
  for (const s of segs) {
    const b = Buffer.alloc(2 + s.asns.length * width);
    b[0] = s.type;
    b[1] = s.asns.length;
    s.asns.forEach((asn, i) => {
      if (width === 4) b.writeUInt32BE(asn, 2 + i * 4);
      else b.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn, 2 + i * 2);
    });
    parts.push(b);
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function nextHopBytes(nextHops: readonly string[], family: Family): Buffer {
  return Buffer.concat(
    nextHops.map((nh) => {
      const b = family === 'ipv4' ? ipv4Bytes(nh) : ipv6Bytes(nh);
      if (!b) throw new Error(`next hop ${nh} is not ${family}`);
      return b;
    }),
  );
}

export function encodeMpReach(r: MpReach): Buffer {
  const family = familyOfAfi(r.afi, r.safi);
  if (!family) throw new Error(`encodeMpReach: unsupported afi ${r.afi} safi ${r.safi}`);
  const nh = nextHopBytes(r.nextHops, family);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(r.afi);
  head[2] = r.safi;
  head[3] = nh.length;
  return encodeAttr(OPTIONAL, Attr.mpReach, Buffer.concat([head, nh, Buffer.from([0]), encodePrefixes(r.nlri)]));
}

export function encodeMpUnreach(u: MpUnreach): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16BE(u.afi);
  head[2] = u.safi;
  return encodeAttr(OPTIONAL, Attr.mpUnreach, Buffer.concat([head, encodePrefixes(u.withdrawn)]));
}

/** All attributes except MP_REACH/MP_UNREACH, in type-code order. */
export function encodeBaseAttributes(a: PathAttributes, ctx: DecodeContext): Buffer {
  const parts: Buffer[] = [];
  if (a.origin !== undefined) parts.push(encodeAttr(TRANSITIVE, Attr.origin, Buffer.from([a.origin])));
  if (a.asPath !== undefined) {
    parts.push(encodeAttr(TRANSITIVE, Attr.asPath, encodeAsPathValue(a.asPath, ctx.asn4 ? 4 : 2)));
  }
  if (a.nextHop !== undefined) parts.push(encodeAttr(TRANSITIVE, Attr.nextHop, nextHopBytes([a.nextHop], 'ipv4')));
  if (a.med !== undefined) parts.push(encodeAttr(OPTIONAL, Attr.med, u32(a.med)));
  if (a.localPref !== undefined) parts.push(encodeAttr(TRANSITIVE, Attr.localPref, u32(a.localPref)));
  if (a.communities !== undefined && a.communities.length > 0) {
    parts.push(encodeAttr(OPTIONAL | TRANSITIVE, Attr.communities, Buffer.concat(a.communities.map(u32))));
  }
  // RFC 6793 §4.2.2: towards a 2-octet peer, carry the real path in AS4_PATH.
  if (!ctx.asn4 && a.asPath?.some((s) => s.asns.some((n) => n > 0xffff))) {
    parts.push(encodeAttr(OPTIONAL | TRANSITIVE, Attr.as4Path, encodeAsPathValue(a.asPath, 4)));
  }
  if (a.largeCommunities !== undefined && a.largeCommunities.length > 0) {
    const v = Buffer.concat(a.largeCommunities.map((c) => Buffer.concat([u32(c[0]), u32(c[1]), u32(c[2])])));
    parts.push(encodeAttr(OPTIONAL | TRANSITIVE, Attr.largeCommunity, v));
  }
  return Buffer.concat(parts);
}

/** Assembles an UPDATE from already-encoded parts; the caller keeps it within 4096 bytes. */
export function assembleUpdate(withdrawn: Buffer, attrs: Buffer, nlri: Buffer): Buffer {
  const body = Buffer.alloc(4 + withdrawn.length + attrs.length + nlri.length);
  body.writeUInt16BE(withdrawn.length, 0);
  withdrawn.copy(body, 2);
  body.writeUInt16BE(attrs.length, 2 + withdrawn.length);
  attrs.copy(body, 4 + withdrawn.length);
  nlri.copy(body, 4 + withdrawn.length + attrs.length);
  return frame(MsgType.update, body);
}

export function encodeUpdate(u: UpdateMessage, ctx: DecodeContext): Buffer {
  const attrs = [encodeBaseAttributes(u.attrs, ctx)];
  if (u.attrs.mpReach) attrs.push(encodeMpReach(u.attrs.mpReach));
  if (u.attrs.mpUnreach) attrs.push(encodeMpUnreach(u.attrs.mpUnreach));
  return assembleUpdate(encodePrefixes(u.withdrawn), Buffer.concat(attrs), encodePrefixes(u.nlri));
}

export function encodeEndOfRib(family: Family): Buffer {
  if (family === 'ipv4') return assembleUpdate(Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0));
  return assembleUpdate(Buffer.alloc(0), encodeMpUnreach({ afi: 2, safi: 1, withdrawn: [] }), Buffer.alloc(0));
}
