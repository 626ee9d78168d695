/**
 * IP and CIDR handling with Go's net package semantics, since etcd keys, values and BPF map
 * contents must match what Cilium's agents produce: canonical text (IPv4 dotted, IPv6 RFC 5952 compressed, IPv4-mapped
 * IPv6 printed as IPv4), masks as raw bytes (4 for IPv4, 16 for IPv6) written in base64.
 */
import { isIPv6 } from 'node:net';

export interface ParsedIp {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4 (including IPv4-mapped IPv6), 16 for IPv6. */
  readonly bytes: Uint8Array;
  readonly text: string;
}

export interface ParsedCidr {
  readonly ip: ParsedIp; // the network address (host bits cleared)
  readonly prefixLen: number;
  readonly mask: Uint8Array;
  readonly text: string; // "ip/len"
}

/**
 * The four octets of a dotted-quad IPv4 address in the form node:net's isIPv4 accepts (decimal,
 * 0-255, no leading zeros, nothing around it), written to `out` when given. One pass without
 * intermediate strings or arrays: the clustermesh-apiserver parses hundreds of thousands of
 * addresses on its initial sync.
 */
function scanIpv4(s: string, out?: Uint8Array): boolean {
  const n = s.length;
  if (n < 7 || n > 15) return false;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (s.charCodeAt(i) !== 46 /* . */) return false;
      i++;
    }
    const start = i;
    let value = 0;
    for (let c = s.charCodeAt(i); c >= 48 && c <= 57 && i - start < 3; c = s.charCodeAt(++i)) value = value * 10 + (c - 48);
    const digits = i - start;
    if (digits === 0 || value > 255 || (digits > 1 && s.charCodeAt(start) === 48)) return false;
    if (out) out[octet] = value;
  }
  return i === n;
}

function ipv4Bytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return scanIpv4(s, out) ? out : undefined;
}

function ipv6Bytes(s: string): Uint8Array {
  // Input is already validated by node:net; this only expands it to 16 bytes.
  let text = s;
  const tail: number[] = [];
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    // node:net validated the whole address, the embedded IPv4 part included.
    const v4 = ipv4Bytes(text.slice(lastColon + 1))!;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parts = text.split('::');
  const toGroups = (part: string | undefined): number[] =>
    part ? part.split(':').map((g) => parseInt(g, 16)) : [];
  const head = toGroups(parts[0]);
  const rest = toGroups(parts[1]);
  const zeros = parts.length > 1 ? 8 - head.length - rest.length - tail.length : 0;
  const groups = [...head, ...new Array<number>(zeros).fill(0), ...rest, ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // Compress the first longest run of two or more zero groups, as Go and RFC 5952 do.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (isV4Mapped(bytes)) return bytes.subarray(12).join('.');
  return formatIpv6(bytes);
}

/** Parses an IP address; undefined for anything Go's net.ParseIP would reject (zones included). */
/**
 * Network-order bytes of an address exactly as written: 4 for dotted IPv4, 16 for IPv6 text
 * (IPv4-mapped IPv6 stays 16 bytes, unlike parseIp). Undefined when it is not an address.
 */
export function addressBytesOf(s: string): Uint8Array | undefined {
  const v4 = ipv4Bytes(s);
  if (v4) return v4;
  if (!isIPv6(s) || s.includes('%')) return undefined;
  return ipv6Bytes(s);
}

/**
 * Family and canonical text of an address, without its bytes: what parseIp would give, for
 * callers that only validate and print.
 */
export function canonicalIp(s: string): { readonly family: 4 | 6; readonly text: string } | undefined {
  // Accepted dotted-quad text (no leading zeros) is already canonical.
  if (scanIpv4(s)) return { family: 4, text: s };
  const ip = parseIp(s);
  return ip && { family: ip.family, text: ip.text };
}

export function parseIp(s: string): ParsedIp | undefined {
  const v4 = ipv4Bytes(s);
  // Accepted dotted-quad text (no leading zeros) is already canonical.
  if (v4) return { family: 4, bytes: v4, text: s };
  if (!isIPv6(s) || s.includes('%')) return undefined;
  const full = ipv6Bytes(s);
  if (isV4Mapped(full)) {
    const bytes = full.slice(12);
    return { family: 4, bytes, text: formatIp(bytes) };
  }
  return { family: 6, bytes: full, text: formatIp(full) };
}

export function maskBytes(prefixLen: number, length: 4 | 16): Uint8Array {
  const mask = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - i * 8));
    mask[i] = bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
  }
  return mask;
}

/** Prefix length of a canonical mask (contiguous ones), or undefined for a non-canonical one. */
export function maskPrefixLen(mask: Uint8Array): number | undefined {
  let ones = 0;
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if (byte & (1 << bit)) {
        if (seenZero) return undefined;
        ones++;
      } else seenZero = true;
    }
  }
  return ones;
}

/** Parses "ip/len" like Go's net.ParseCIDR: the result's address has its host bits cleared. */
export function parseCidr(s: string): ParsedCidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lenText)) return undefined;
  // An IPv4-mapped IPv6 prefix keeps counting bits over 128, like Go.
  const v6Text = s.slice(0, slash).includes(':');
  const prefixLen = Number(lenText) - (v6Text && ip.family === 4 ? 96 : 0);
  const width = ip.family === 4 ? 32 : 128;
  if (prefixLen < 0 || prefixLen > width) return undefined;
  const mask = maskBytes(prefixLen, ip.family === 4 ? 4 : 16);
  const network = ip.bytes.map((b, i) => b & mask[i]!);
  const netIp: ParsedIp = { family: ip.family, bytes: network, text: formatIp(network) };
  return { ip: netIp, prefixLen, mask, text: `${netIp.text}/${prefixLen}` };
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function fromBase64(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(s, 'base64'));
}
