import { expect, test } from 'vitest';
import { seededRng } from './rng.js';

test('the same seed replays the same sequence; different seeds differ', () => {
  const a = seededRng(42);
  const b = seededRng(42);
  const c = seededRng(43);
  const seqA = Array.from({ length: 20 }, () => a.int(0, 1000));
  expect(Array.from({ length: 20 }, () => b.int(0, 1000))).toEqual(seqA);
  expect(Array.from({ length: 20 }, () => c.int(0, 1000))).not.toEqual(seqA);
});

test('int stays in range and reaches both ends', () => {
  const r = seededRng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = r.int(3, 6);
    expect(v).toBeGreaterThanOrEqual(3);
    expect(v).toBeLessThanOrEqual(6);
    seen.add(v);
  }
  expect([...seen].sort()).toEqual([3, 4, 5, 6]);
});
