/**
 * One range's allocations, pure: no I/O, no clock, no logger. Memory grows with the number of
 * allocations, never with the size of the range: a /64 is one free block until addresses are
 * taken out of it.
 *
 * Free space is a list of blocks sorted by start. A new address comes from the smallest free
 * block (its lowest address), as Cilium's allocator does: holes left by released addresses
 * are filled before the big untouched block is cut into, which keeps fragmentation low after
 * many allocate/release cycles.
 */
import { fail, ok, type Result } from '../lib/result.js';
import type { Range } from './ranges.js';

interface FreeBlock {
  from: bigint;
  to: bigint;
}

export type AllocateError = 'in_use' | 'out_of_range';

/** Who holds an address: the sharing group's members; empty for a reserved address. */
export type Holders = readonly string[];

export class RangeAllocator {
  readonly range: Range;
  private free: FreeBlock[];
  private readonly taken = new Map<bigint, Holders>();
  private readonly reserved = new Set<bigint>();

  constructor(range: Range) {
    this.range = range;
    this.free = [{ from: range.from, to: range.to }];
  }

  /** Index of the free block holding `ip`, or -1. */
  private blockOf(ip: bigint): number {
    let lo = 0;
    let hi = this.free.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.free[mid]!;
      if (ip < b.from) hi = mid - 1;
      else if (ip > b.to) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  private cut(index: number, ip: bigint): void {
    const b = this.free[index]!;
    if (b.from === b.to) this.free.splice(index, 1);
    else if (ip === b.from) b.from = ip + 1n;
    else if (ip === b.to) b.to = ip - 1n;
    else this.free.splice(index, 1, { from: b.from, to: ip - 1n }, { from: ip + 1n, to: b.to });
  }

  contains(ip: bigint): boolean {
    return ip >= this.range.from && ip <= this.range.to;
  }

  holders(ip: bigint): Holders | undefined {
    return this.taken.get(ip);
  }

  isReserved(ip: bigint): boolean {
    return this.reserved.has(ip);
  }

  /** Takes a specific address. */
  allocate(ip: bigint, holders: Holders): Result<bigint, AllocateError> {
    if (!this.contains(ip)) return fail('out_of_range');
    const index = this.blockOf(ip);
    if (index < 0) return fail('in_use');
    this.cut(index, ip);
    this.taken.set(ip, holders);
    return ok(ip);
  }

  /** Takes the lowest address of the smallest free block. */
  allocateAny(holders: Holders): Result<bigint, 'full'> {
    let best = -1;
    let bestSize = 0n;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      const size = b.to - b.from;
      if (best < 0 || size < bestSize) [best, bestSize] = [i, size];
      // A single free address cannot be beaten.
      if (size === 0n) break;
    }
    if (best < 0) return fail('full');
    const ip = this.free[best]!.from;
    this.cut(best, ip);
    this.taken.set(ip, holders);
    return ok(ip);
  }

  /** Held back from allocation and from requests (network/broadcast address with allowFirstLastIPs: No). */
  reserve(ip: bigint): boolean {
    if (!this.allocate(ip, []).ok) return false;
    this.reserved.add(ip);
    return true;
  }

  /** Replaces the holders of an allocated address (a service joins or leaves a sharing group). */
  update(ip: bigint, holders: Holders): boolean {
    if (!this.taken.has(ip) || this.reserved.has(ip)) return false;
    this.taken.set(ip, holders);
    return true;
  }

  /** Frees an address; false if it was not allocated. */
  release(ip: bigint): boolean {
    if (!this.taken.delete(ip)) return false;
    this.reserved.delete(ip);
    // Insert at the sorted position and merge with neighbours that touch it.
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.from < ip) lo = mid + 1;
      else hi = mid;
    }
    const before = this.free[lo - 1];
    const after = this.free[lo];
    const joinsBefore = before !== undefined && before.to + 1n === ip;
    const joinsAfter = after !== undefined && after.from - 1n === ip;
    if (joinsBefore && joinsAfter) {
      before.to = after.to;
      this.free.splice(lo, 1);
    } else if (joinsBefore) before.to = ip;
    else if (joinsAfter) after.from = ip;
    else this.free.splice(lo, 0, { from: ip, to: ip });
    return true;
  }

  /** Allocated addresses (reserved ones included, as Cilium counts them) and what is left. */
  stats(): { used: bigint; available: bigint } {
    const used = BigInt(this.taken.size);
    return { used, available: this.range.to - this.range.from + 1n - used };
  }

  /** How many free blocks there are; a measure of fragmentation. */
  freeBlocks(): number {
    return this.free.length;
  }

  /** Every allocated address with its holders, lowest first. */
  allocations(): [bigint, Holders][] {
    return [...this.taken.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

/**
 * A fresh allocator for a pool block. With allowFirstLastIPs: No a CIDR's first and last
 * address are reserved, but only when that leaves something (/31, /32, /127, /128 keep all).
 */
export function allocatorFor(range: Range, allowFirstLast: boolean): RangeAllocator {
  const a = new RangeAllocator(range);
  if (!allowFirstLast && range.fromCidr && range.to - range.from >= 2n) {
    a.reserve(range.from);
    a.reserve(range.to);
  }
  return a;
}
