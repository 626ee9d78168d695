import { describe, expect, test } from 'vitest';
import { isCIDR, isIP } from './ip.js';
import { isConfigMapKey, isDNS1035Label, isValidPortName } from './names.js';

describe('isDNS1035Label', () => {
  test.each([
    ['web', true],
    ['a-1', true],
    ['1web', false],
    ['web-', false],
    ['Web', false],
    ['', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('%j → %s', (v, valid) => {
    expect(isDNS1035Label(v).length === 0).toBe(valid);
  });
});

describe('isConfigMapKey', () => {
  test.each([
    ['config.yaml', []],
    ['KEY_1-x', []],
    ['.hidden', []],
    ['.', ["must not be '.'"]],
    ['..', ["must not be '..'"]],
    ['..data', ["must not start with '..'"]],
  ])('%j → %j', (v, errs) => {
    expect(isConfigMapKey(v)).toEqual(errs);
  });
  test.each(['a/b', 'a b', '', 'x'.repeat(254)])('%j is refused', (v) => {
    expect(isConfigMapKey(v).length).toBeGreaterThan(0);
  });
});

describe('isValidPortName', () => {
  test.each([
    ['http', true],
    ['grpc-web', true],
    ['h2', true],
    ['8080', false],
    ['http--alt', false],
    ['-http', false],
    ['http-', false],
    ['HTTP', false],
    ['a'.repeat(16), false],
    ['', false],
  ])('%j → %s', (v, valid) => {
    expect(isValidPortName(v).length === 0).toBe(valid);
  });
});

describe('addresses', () => {
  test.each([
    ['10.0.0.1', true],
    ['::1', true],
    ['2001:db8::ffff', true],
    ['10.0.0', false],
    ['010.0.0.1', false],
    ['10.0.0.1/32', false],
    ['', false],
  ])('isIP(%j) → %s', (v, valid) => {
    expect(isIP(v)).toBe(valid);
  });
  test.each([
    ['10.0.0.0/8', true],
    ['10.0.0.1/32', true],
    ['0.0.0.0/0', true],
    ['fd00::/64', true],
    ['fd00::/128', true],
    ['10.0.0.0/33', false],
    ['fd00::/129', false],
    ['10.0.0.0/08', false],
    ['10.0.0.0/', false],
    ['10.0.0.0', false],
    ['x/8', false],
  ])('isCIDR(%j) → %s', (v, valid) => {
    expect(isCIDR(v)).toBe(valid);
  });
});
