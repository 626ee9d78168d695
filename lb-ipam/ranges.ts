/**
 * Addresses and pool blocks, pure. Addresses are bigints so IPv4 and IPv6 share one code path
 * and a /64 (2^64 addresses) is counted exactly; a range is two numbers, never a list.
 */
import { fail, ok, type Result } from '../lib/result.js';

export type Family = 4 | 6;

export interface Address {
  readonly family: Family;
  readonly value: bigint;
}

/** An inclusive span of addresses of one family. */
export interface Range {
  readonly family: Family;
  readonly from: bigint;
  readonly to: bigint;
  /** Given as a CIDR: only those have a network/broadcast address to hold back (allowFirstLastIPs: No). */
  readonly fromCidr: boolean;
}

export interface Block {
  readonly cidr?: string;
  readonly start?: string;
  readonly stop?: string;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    // Leading zeros are refused (as Go's netip does): "010" is octal to some parsers, decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [i, p] of parts.entries()) {
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseV4(p);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      groups.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

export function parseAddress(text: string): Address | undefined {
  if (text.includes(':')) {
    const value = parseV6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** RFC 5952 text (lower case, the longest run of two or more zero groups shortened), as Go prints. */
export function formatAddress(a: Address): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((a.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

export function formatValue(family: Family, value: bigint): string {
  return formatAddress({ family, value });
}

/** Canonical text of an address, or undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  const a = parseAddress(text.trim());
  return a ? formatAddress(a) : undefined;
}

function parseCidr(cidr: string): Result<Range, string> {
  const slash = cidr.indexOf('/');
  const addr = parseAddress(slash < 0 ? cidr : cidr.slice(0, slash));
  const bitsText = slash < 0 ? '' : cidr.slice(slash + 1);
  if (!addr || !/^(0|[1-9]\d{0,2})$/.test(bitsText)) return fail(`invalid CIDR '${cidr}'`);
  const bits = Number(bitsText);
  const width = BITS[addr.family];
  if (bits > width) return fail(`invalid CIDR '${cidr}': prefix length ${bits} exceeds ${width}`);
  const hostBits = BigInt(width - bits);
  // Host bits set ("10.0.0.7/24") mean the network they belong to, as Cilium masks the prefix.
  const from = (addr.value >> hostBits) << hostBits;
  return ok({ family: addr.family, from, to: from + (1n << hostBits) - 1n, fromCidr: true });
}

/** A pool block → its range; every way a block can be wrong has its own message. */
export function parseBlock(block: Block): Result<Range, string> {
  const { cidr, start, stop } = block;
  if (cidr) {
    if (start || stop) return fail(`block '${cidr}' has both a cidr and a start/stop`);
    return parseCidr(cidr);
  }
  if (!start) return fail(stop ? `block with stop '${stop}' has no start` : 'block has neither cidr nor start');
  const from = parseAddress(start);
  if (!from) return fail(`invalid start IP '${start}'`);
  if (!stop) return ok({ family: from.family, from: from.value, to: from.value, fromCidr: false });
  const to = parseAddress(stop);
  if (!to) return fail(`invalid stop IP '${stop}'`);
  if (from.family !== to.family) return fail(`block '${start} - ${stop}' mixes IPv${from.family} and IPv${to.family}`);
  if (from.value > to.value) return fail(`block '${start} - ${stop}' has start after stop`);
  return ok({ family: from.family, from: from.value, to: to.value, fromCidr: false });
}

export function rangeSize(r: Range): bigint {
  return r.to - r.from + 1n;
}

export function overlaps(a: Range, b: Range): boolean {
  return a.family === b.family && a.from <= b.to && b.from <= a.to;
}

export function contains(r: Range, a: Address): boolean {
  return r.family === a.family && r.from <= a.value && a.value <= r.to;
}

/** As Cilium prints a range in the PoolConflict message: '<from> - <to>'. */
export function formatRange(r: Range): string {
  return `${formatValue(r.family, r.from)} - ${formatValue(r.family, r.to)}`;
}
