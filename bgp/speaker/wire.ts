/**
 * BGP wire vocabulary shared by the codec, the FSM and the session adapter: message types,
 * NOTIFICATION codes, the decode error that carries the exact NOTIFICATION to send, and
 * prefix <-> bytes helpers. Pure: no I/O.
 */
export const MARKER = Buffer.alloc(16, 0xff);
export const HEADER_LEN = 19;
export const MAX_MESSAGE_LEN = 4096;
export const AS_TRANS = 23456;

export const MsgType = { open: 1, update: 2, notification: 3, keepalive: 4, routeRefresh: 5 } as const;

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

export type Family = 'ipv4' | 'ipv6';
export const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

export function familyOfAfi(afi: number, safi: number): Family | undefined {
  if (safi !== SAFI_UNICAST) return undefined;
  return afi === AFI_IPV4 ? 'ipv4' : afi === AFI_IPV6 ? 'ipv6' : undefined;
}
export function afiOf(f: Family): number {
  return f === 'ipv4' ? AFI_IPV4 : AFI_IPV6;
}

/** NOTIFICATION error codes (RFC 4271 §4.5) and the subcodes this speaker sends. */
export const Err = {
  header: 1,
  open: 2,
  update: 3,
  holdExpired: 4,
  fsm: 5,
  cease: 6,
} as const;
export const HeaderSub = { notSynchronized: 1, badLength: 2, badType: 3 } as const;
export const OpenSub = {
  unspecific: 0,
  badVersion: 1,
  badPeerAs: 2,
  badBgpId: 3,
  unsupportedOptParam: 4,
  unacceptableHold: 6,
  unsupportedCapability: 7,
} as const;
export const UpdateSub = {
  malformedAttrList: 1,
  unrecognizedWellKnown: 2,
  missingWellKnown: 3,
  attrFlags: 4,
  attrLength: 5,
  invalidOrigin: 6,
  invalidNextHop: 8,
  optionalAttr: 9,
  invalidNetwork: 10,
  malformedAsPath: 11,
} as const;
/** RFC 6608 subcodes: which state received the unexpected message. */
export const FsmSub = { inOpenSent: 1, inOpenConfirm: 2, inEstablished: 3 } as const;
export const CeaseSub = {
  adminShutdown: 2,
  peerDeconfigured: 3,
  adminReset: 4,
  connectionRejected: 5,
  configChange: 6,
  collision: 7,
  hardReset: 9,
} as const;

/** What a decoder or a check found wrong, as the NOTIFICATION that must answer it. */
export interface BgpError {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
  /** Human-readable cause for logs; never on the wire. */
  readonly reason: string;
}

export function bgpError(code: number, subcode: number, reason: string, data: Buffer = Buffer.alloc(0)): BgpError {
  return { code, subcode, data, reason };
}

/** Parses dotted IPv4 into 4 bytes; undefined when it is not one. */
export function ipv4Bytes(s: string): Buffer | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function groupsOf(s: string): number[] | undefined {
  if (s === '') return [];
  const out: number[] = [];
  const parts = s.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = ipv4Bytes(p);
      if (!v4) return undefined;
      out.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
  }
  return out;
}

/** Parses IPv6 text (with :: and an optional dotted tail) into 16 bytes. */
export function ipv6Bytes(s: string): Buffer | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export function formatIpv4(b: Buffer, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text: lowercase, longest run of zero groups (≥2) compressed. */
export function formatIpv6(b: Buffer, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(off + i * 2));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface ParsedPrefix {
  readonly family: Family;
  readonly bytes: Buffer;
  readonly len: number;
}

/** "192.0.2.1/32" or "fd00::1/128" → family, address bytes, length; undefined if invalid. */
export function parsePrefix(s: string): ParsedPrefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  const v4 = ipv4Bytes(addr);
  if (v4) return len <= 32 ? { family: 'ipv4', bytes: v4, len } : undefined;
  const v6 = ipv6Bytes(addr);
  if (v6) return len <= 128 ? { family: 'ipv6', bytes: v6, len } : undefined;
  return undefined;
}

/** NLRI encoding: length octet, then only the bytes the length covers (host bits zeroed). */
export function encodePrefix(p: ParsedPrefix): Buffer {
  const n = Math.ceil(p.len / 8);
  const out = Buffer.alloc(1 + n);
  out[0] = p.len;
  p.bytes.copy(out, 1, 0, n);
  const rem = p.len % 8;
  if (rem !== 0) out[n] = out[n]! & (0xff << (8 - rem));
  return out;
}

export function formatPrefix(family: Family, bytes: Buffer, len: number): string {
  return `${family === 'ipv4' ? formatIpv4(bytes) : formatIpv6(bytes)}/${len}`;
}

/** Canonical text of a prefix (host bits cleared), so equal prefixes compare equal as keys. */
export function canonicalPrefix(s: string): string | undefined {
  const p = parsePrefix(s);
  if (!p) return undefined;
  const enc = encodePrefix(p);
  const bytes = Buffer.alloc(p.family === 'ipv4' ? 4 : 16);
  enc.copy(bytes, 0, 1);
  return formatPrefix(p.family, bytes, p.len);
}
