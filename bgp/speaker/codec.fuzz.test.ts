/**
 * Decoder fuzz: 100,000+ random and mutated messages (seeded) never throw, and a table of
 * targeted mutations gets exactly the NOTIFICATION RFC 4271 prescribes.
 */
import { describe, expect, test } from 'vitest';
import { decodeMessage, encodeKeepalive, encodeNotification, encodeOpen, encodeRouteRefresh, readFrame } from './codec.js';
import { encodeEndOfRib, encodeUpdate } from './update-codec.js';
import type { UpdateMessage } from './messages.js';

/** mulberry32: small, seeded, good enough to spread mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ctx = { asn4: true };
const v4update: UpdateMessage = {
  type: 'update',
  withdrawn: ['203.0.113.0/24'],
  attrs: { origin: 0, asPath: [{ type: 2, asns: [65001, 65002] }], nextHop: '192.0.2.1', med: 7, communities: [1, 2], largeCommunities: [[1, 2, 3]] },
  nlri: ['198.51.100.7/32', '198.51.100.0/25'],
};
const v6update: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attrs: { origin: 2, asPath: [{ type: 1, asns: [1, 2] }], localPref: 100, mpReach: { afi: 2, safi: 1, nextHops: ['fd00:ffff::1'], nlri: ['fd00:10::7/128', 'fd00::/64'] }, mpUnreach: { afi: 2, safi: 1, withdrawn: ['fd00:1::/48'] } },
  nlri: [],
};
const seeds = [
  encodeOpen({ asn: 65001, holdTime: 90, bgpId: '1.2.3.4', families: ['ipv4', 'ipv6'], gracefulRestart: { restarting: true, restartTimeSeconds: 120, families: [{ family: 'ipv4', forwardingPreserved: true }] } }),
  encodeUpdate(v4update, ctx),
  encodeUpdate(v6update, ctx),
  encodeEndOfRib('ipv6'),
  encodeKeepalive(),
  encodeNotification(6, 2, Buffer.from('bye')),
  encodeRouteRefresh('ipv4'),
];

/** Decodes like the session does: frame first, then the message; returns what would be sent. */
function decodeLikeSession(b: Buffer): { code: number; subcode: number } | 'ok' | 'need-more' {
  const f = readFrame(b, 0);
  if (f.kind === 'need-more') return 'need-more';
  if (f.kind === 'error') return { code: f.error.code, subcode: f.error.subcode };
  const d = decodeMessage(f.message, ctx);
  return d.ok ? 'ok' : { code: d.error.code, subcode: d.error.subcode };
}

function mutate(r: () => number, src: Buffer): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(r() * 4);
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    // Mostly past the marker, so mutations reach the body decoders rather than stop at sync.
    const pos = 16 + Math.floor(r() * (b.length - 16));
    if (kind === 0) b[pos] = Math.floor(r() * 256);
    else if (kind === 1) b[pos] = b[pos]! ^ (1 << Math.floor(r() * 8));
    else if (kind === 2) b[pos] = [0, 1, 0xff, 0x7f, 0x80][Math.floor(r() * 5)]!;
  }
  if (kind === 3) {
    // Truncate or extend the body and keep the length field consistent.
    const newLen = Math.max(19, Math.min(4096, b.length + Math.floor(r() * 40) - 20));
    const out = Buffer.alloc(newLen);
    b.copy(out, 0, 0, Math.min(b.length, newLen));
    for (let i = b.length; i < newLen; i++) out[i] = Math.floor(r() * 256);
    out.writeUInt16BE(newLen, 16);
    return out;
  }
  return b;
}

describe('decoder fuzz', () => {
  test('100,000 mutated and 20,000 random messages never throw and always yield a result', () => {
    const r = rng(0x5eed);
    const codes = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const out = decodeLikeSession(mutate(r, seeds[i % seeds.length]!));
      const k = typeof out === 'string' ? out : `${out.code}/${out.subcode}`;
      codes.set(k, (codes.get(k) ?? 0) + 1);
    }
    for (let i = 0; i < 20_000; i++) {
      const len = 19 + Math.floor(r() * 200);
      const b = Buffer.alloc(len);
      for (let j = 16; j < len; j++) b[j] = Math.floor(r() * 256);
      b.fill(0xff, 0, 16);
      b.writeUInt16BE(len, 16);
      b[18] = 1 + Math.floor(r() * 5);
      decodeLikeSession(b);
    }
    // The mutations reach every layer: accepted messages, header, OPEN and UPDATE errors.
    const seen = [...codes.keys()];
    expect(seen).toContain('ok');
    for (const prefix of ['1/', '2/', '3/']) expect(seen.some((k) => k.startsWith(prefix))).toBe(true);
    expect(seen.filter((k) => k.startsWith('3/')).length).toBeGreaterThanOrEqual(6);
  });
});

function withBody(type: number, body: Buffer): Buffer {
  const b = Buffer.alloc(19 + body.length, 0xff);
  b.writeUInt16BE(b.length, 16);
  b[18] = type;
  body.copy(b, 19);
  return b;
}
const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const upd = (attrs: string, nlri = '20c6336407'): Buffer => {
  const a = h(attrs);
  const body = Buffer.concat([h('0000'), Buffer.from([a.length >> 8, a.length & 255]), a, h(nlri)]);
  return withBody(2, body);
};
const ORIGIN = '40010100';
const ASPATH = '4002060201' + '0000fde9';
const NH = '400304c0000201';

describe('targeted mutations get the prescribed NOTIFICATION', () => {
  const table: [string, Buffer, number, number][] = [
    ['marker not all ones', (() => { const b = encodeKeepalive(); b[3] = 0; return b; })(), 1, 1],
    ['length below 19', (() => { const b = encodeKeepalive(); b.writeUInt16BE(18, 16); return b; })(), 1, 2],
    ['length above 4096', (() => { const b = Buffer.alloc(4200, 0xff); b.writeUInt16BE(4097, 16); b[18] = 2; return b; })(), 1, 2],
    ['KEEPALIVE with a body', withBody(4, h('00')), 1, 2],
    ['OPEN shorter than 29', withBody(1, h('04fde9005a01020304')), 1, 2],
    ['unknown message type', withBody(9, h('')), 1, 3],
    ['OPEN version 3', withBody(1, h('03fde9005a0102030400')), 2, 1],
    ['OPEN BGP identifier 0', withBody(1, h('04fde9005a0000000000')), 2, 3],
    ['OPEN hold time 2', withBody(1, h('04fde900020102030400')), 2, 6],
    ['OPEN unknown optional parameter', withBody(1, h('04fde9005a0102030403' + '0901ff')), 2, 4],
    ['OPEN capability runs past parameter', withBody(1, h('04fde9005a0102030404' + '02024104')), 2, 0],
    ['UPDATE withdrawn length too large', withBody(2, h('00ff0000')), 3, 1],
    ['UPDATE attribute length too large', withBody(2, h('000000ff')), 3, 1],
    ['UPDATE duplicate ORIGIN', upd(ORIGIN + ORIGIN + ASPATH + NH), 3, 1],
    ['UPDATE unrecognized well-known attribute', upd(ORIGIN + ASPATH + NH + '406301ff'), 3, 2],
    ['UPDATE missing ORIGIN', upd(ASPATH + NH), 3, 3],
    ['UPDATE missing NEXT_HOP', upd(ORIGIN + ASPATH), 3, 3],
    ['UPDATE ORIGIN with optional flag', upd('c0010100' + ASPATH + NH), 3, 4],
    ['UPDATE ORIGIN length 2', upd('4001020000' + ASPATH + NH), 3, 5],
    ['UPDATE ORIGIN value 3', upd('40010103' + ASPATH + NH), 3, 6],
    ['UPDATE NEXT_HOP 0.0.0.0', upd(ORIGIN + ASPATH + '40030400000000'), 3, 8],
    ['UPDATE COMMUNITIES length 3', upd(ORIGIN + ASPATH + NH + 'c00803000001'), 3, 9],
    ['UPDATE NLRI prefix length 33', upd(ORIGIN + ASPATH + NH, '21c633640700'), 3, 10],
    ['UPDATE AS_PATH segment overruns', upd(ORIGIN + '4002060205' + '0000fde9' + NH), 3, 11],
    ['UPDATE AS_PATH segment type 7', upd(ORIGIN + '4002060701' + '0000fde9' + NH), 3, 11],
    ['UPDATE MP_REACH next hop length 7', upd(ORIGIN + ASPATH + '800e0d' + '00020107' + '00000000000000' + '0000', ''), 3, 9],
  ];
  test.each(table)('%s → %i/%i', (_name, msg, code, subcode) => {
    expect(decodeLikeSession(msg)).toEqual({ code, subcode });
  });

  test('NOTIFICATION data carries what the RFC asks for', () => {
    const f = readFrame(withBody(9, h('')), 0);
    expect(f.kind === 'error' && f.error.data).toEqual(Buffer.from([9]));
    const missing = decodeMessage(upd(ASPATH + NH), ctx);
    expect(!missing.ok && missing.error.data).toEqual(Buffer.from([1]));
    const badOrigin = decodeMessage(upd('40010103' + ASPATH + NH), ctx);
    expect(!badOrigin.ok && badOrigin.error.data).toEqual(h('40010103'));
    const version = decodeMessage(withBody(1, h('03fde9005a0102030400')), ctx);
    expect(!version.ok && version.error.data).toEqual(h('0004'));
  });
});
