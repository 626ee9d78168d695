/**
 * IPv4 addresses and CIDRs as 32-bit numbers, pure. The egress map is IPv4-only, so IPv6 text
 * is recognised (to say so clearly) but never turned into entries.
 */
import { isIPv6 } from 'node:net';
import { fail, ok, type Result } from '../lib/result.js';

export interface Cidr4 {
  /** Network address with host bits clear, as an unsigned 32-bit number. */
  readonly network: number;
  readonly prefixLen: number;
}

/** Strict dotted quad: no leading zeros (ambiguous between octal and decimal readers). */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    value = value * 256 + Number(p);
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}


/**
 * Parses `a.b.c.d/n`. Host bits set (`10.0.0.1/8`) are refused like Kubernetes' CIDR
 * validation does, because a policy author who wrote that most likely meant something else.
 */
export function parseCidr4(text: string): Result<Cidr4> {
  const slash = text.indexOf('/');
  if (slash < 0) return fail(`invalid CIDR "${text}": missing "/prefix-length"`);
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (isIPv6(addr)) return fail(`invalid CIDR "${text}": IPv6 is not supported by the IPv4 egress map`);
  const network = parseIpv4(addr);
  if (network === undefined) return fail(`invalid CIDR "${text}": "${addr}" is not an IPv4 address`);
  if (!/^(0|[1-9]\d?)$/.test(lenText) || Number(lenText) > 32) {
    return fail(`invalid CIDR "${text}": prefix length must be 0..32`);
  }
  const prefixLen = Number(lenText);
  if (((network & ~maskOf(prefixLen)) >>> 0) !== 0) {
    return fail(`invalid CIDR "${text}": host bits are set (network address is ${formatIpv4((network & maskOf(prefixLen)) >>> 0)}/${prefixLen})`);
  }
  return ok({ network, prefixLen });
}

export function formatCidr4(c: Cidr4): string {
  return `${formatIpv4(c.network)}/${c.prefixLen}`;
}

/** True when `inner` lies entirely within `outer` (equal counts as within). */
export function cidrWithin(inner: Cidr4, outer: Cidr4): boolean {
  if (inner.prefixLen < outer.prefixLen) return false;
  return ((inner.network & maskOf(outer.prefixLen)) >>> 0) === outer.network;
}
