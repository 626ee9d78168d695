import { describe, expect, test } from 'vitest';
import { allocatorFor, RangeAllocator } from './allocator.js';
import { formatValue, parseAddress, parseBlock, type Range } from './ranges.js';

function range(block: Parameters<typeof parseBlock>[0]): Range {
  const r = parseBlock(block);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const ip = (text: string): bigint => parseAddress(text)!.value;

function take(a: RangeAllocator, owner = 'svc'): string {
  const r = a.allocateAny([owner]);
  if (!r.ok) throw new Error(r.error);
  return formatValue(a.range.family, r.value);
}

describe('RangeAllocator', () => {
  test('IPv4: lowest address first, then exhaustion', () => {
    const a = new RangeAllocator(range({ cidr: '198.51.100.0/30' }));
    expect([take(a), take(a), take(a), take(a)]).toEqual(['198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.3']);
    expect(a.allocateAny(['x'])).toEqual({ ok: false, error: 'full', retry: false });
    expect(a.stats()).toEqual({ used: 4n, available: 0n });
  });

  test('IPv6 start/stop range', () => {
    const a = new RangeAllocator(range({ start: '2001:db8::fffe', stop: '2001:db8::1:1' }));
    expect([take(a), take(a), take(a), take(a)]).toEqual(['2001:db8::fffe', '2001:db8::ffff', '2001:db8::1:0', '2001:db8::1:1']);
    expect(a.allocateAny(['x']).ok).toBe(false);
  });

  test('a specific address, once', () => {
    const a = new RangeAllocator(range({ cidr: '10.0.0.0/24' }));
    expect(a.allocate(ip('10.0.0.77'), ['a']).ok).toBe(true);
    expect(a.allocate(ip('10.0.0.77'), ['b'])).toEqual({ ok: false, error: 'in_use', retry: false });
    expect(a.allocate(ip('10.0.1.1'), ['b'])).toEqual({ ok: false, error: 'out_of_range', retry: false });
    expect(a.holders(ip('10.0.0.77'))).toEqual(['a']);
    expect(a.update(ip('10.0.0.77'), ['a', 'b'])).toBe(true);
    expect(a.holders(ip('10.0.0.77'))).toEqual(['a', 'b']);
  });

  test('a /64 counts in bigints and stays small', () => {
    const a = new RangeAllocator(range({ cidr: '2001:db8::/64' }));
    for (let i = 0; i < 1000; i++) take(a);
    expect(a.stats()).toEqual({ used: 1000n, available: 18446744073709551616n - 1000n });
    expect(a.freeBlocks()).toBe(1);
    expect(a.allocate(ip('2001:db8::ffff:ffff:ffff:ffff'), ['last']).ok).toBe(true);
    expect(a.freeBlocks()).toBe(1);
  });

  test('released holes are filled before the big block (smallest free block first)', () => {
    const a = new RangeAllocator(range({ cidr: '10.0.0.0/24' }));
    for (let i = 0; i < 10; i++) take(a);
    expect(a.release(ip('10.0.0.3'))).toBe(true);
    expect(a.release(ip('10.0.0.7'))).toBe(true);
    expect(a.release(ip('10.0.0.8'))).toBe(true);
    expect(a.release(ip('10.0.0.8'))).toBe(false);
    // Free: .3 (size 1), .7-.8 (size 2), .10-.255: the single hole goes first.
    expect([take(a), take(a), take(a), take(a)]).toEqual(['10.0.0.3', '10.0.0.7', '10.0.0.8', '10.0.0.10']);
  });

  test('release merges neighbours back into one block', () => {
    const a = new RangeAllocator(range({ cidr: '10.0.0.0/28' }));
    const ips = Array.from({ length: 16 }, () => take(a));
    for (const x of ips.filter((_, i) => i % 2 === 0)) a.release(ip(x));
    expect(a.freeBlocks()).toBe(8);
    for (const x of ips.filter((_, i) => i % 2 === 1)) a.release(ip(x));
    expect(a.freeBlocks()).toBe(1);
    expect(a.stats()).toEqual({ used: 0n, available: 16n });
  });

  test('fragmentation stays bounded after many allocate/release cycles', () => {
    const a = new RangeAllocator(range({ cidr: '10.0.0.0/16' }));
    // Deterministic pseudo-random churn around 500 live allocations.
    let seed = 42;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const live: bigint[] = [];
    let mostLive = 0;
    for (let cycle = 0; cycle < 20_000; cycle++) {
      mostLive = Math.max(mostLive, live.length);
      if (live.length < 500 || rand(2) === 0) {
        const r = a.allocateAny(['s']);
        if (!r.ok) throw new Error('unexpectedly full');
        live.push(r.value);
      } else {
        const [gone] = live.splice(rand(live.length), 1);
        expect(a.release(gone!)).toBe(true);
      }
    }
    expect(a.stats().used).toBe(BigInt(live.length));
    // Holes are refilled first, so live addresses stay packed at the bottom of the range:
    // the frontier never moves past how many have ever been live at once.
    const highest = live.reduce((m, v) => (v > m ? v : m), 0n) - ip('10.0.0.0');
    expect(mostLive).toBeGreaterThan(500);
    expect(highest).toBeLessThanOrEqual(BigInt(mostLive));
    expect(a.freeBlocks()).toBeLessThanOrEqual(live.length + 1);
    for (const v of live) a.release(v);
    expect(a.freeBlocks()).toBe(1);
  });

  test('first/last reservation: only CIDRs of more than two addresses, only when asked', () => {
    const no = allocatorFor(range({ cidr: '198.51.100.0/30' }), false);
    expect([take(no), take(no)]).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(no.allocateAny(['x']).ok).toBe(false);
    expect(no.isReserved(ip('198.51.100.0'))).toBe(true);
    expect(no.stats()).toEqual({ used: 4n, available: 0n });

    const yes = allocatorFor(range({ cidr: '198.51.100.0/30' }), true);
    expect(take(yes)).toBe('198.51.100.0');

    const slash31 = allocatorFor(range({ cidr: '198.51.100.0/31' }), false);
    expect([take(slash31), take(slash31)]).toEqual(['198.51.100.0', '198.51.100.1']);

    const notCidr = allocatorFor(range({ start: '198.51.100.0', stop: '198.51.100.3' }), false);
    expect(take(notCidr)).toBe('198.51.100.0');

    const v6 = allocatorFor(range({ cidr: '2001:db8::/126' }), false);
    expect([take(v6), take(v6)]).toEqual(['2001:db8::1', '2001:db8::2']);
    expect(v6.allocate(ip('2001:db8::3'), ['x'])).toEqual({ ok: false, error: 'in_use', retry: false });
  });
});
