import { describe, expect, test } from 'vitest';
import { clusterIdOfIdentity, identityRange, validateClusterId, validateClusterName } from './cluster.js';

describe('identityRange', () => {
  test.each([
    [0, 255, 256, 65535],
    [1, 255, 65536, 131071],
    [255, 255, 0xff0000, 0xffffff],
    [0, 511, 256, 32767],
    [1, 511, 32768, 65535],
    [511, 511, 0xff8000, 0xffffff],
  ] as const)('cluster %i with max %i → %i..%i', (id, max, min, top) => {
    expect(identityRange(id, max)).toEqual({ min, max: top });
  });
  test('an ID outside the configuration is a programming error', () => {
    expect(() => identityRange(256, 255)).toThrow();
  });
  test('clusterIdOfIdentity inverts the range', () => {
    expect(clusterIdOfIdentity(identityRange(7, 255).min + 5, 255)).toBe(7);
    expect(clusterIdOfIdentity(identityRange(300, 511).max, 511)).toBe(300);
  });
});

describe('cluster IDs and names', () => {
  test('IDs', () => {
    expect(validateClusterId(1, 255).ok).toBe(true);
    expect(validateClusterId(0, 255)).toMatchObject({ ok: false, error: expect.stringContaining('unset') });
    expect(validateClusterId(256, 255)).toMatchObject({ ok: false, error: expect.stringContaining('1..255') });
    expect(validateClusterId(256, 511).ok).toBe(true);
    expect(validateClusterId(1.5, 511).ok).toBe(false);
  });
  test.each(['c1', 'a', 'cluster-east-1', '0', 'a'.repeat(32)])('%j is a valid name', (n) =>
    expect(validateClusterName(n, 1).ok).toBe(true),
  );
  test.each(['', 'C1', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(33)])('%j is an invalid name', (n) =>
    expect(validateClusterName(n, 1).ok).toBe(false),
  );
  test('"default" only without a cluster ID', () => {
    expect(validateClusterName('default', 0).ok).toBe(true);
    expect(validateClusterName('default', 3)).toMatchObject({ ok: false, error: expect.stringContaining('default') });
  });
});
