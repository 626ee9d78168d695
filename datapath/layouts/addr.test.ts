import { isIPv4 } from 'node:net';
import { describe, expect, test } from 'vitest';
import { seededRng } from '../rng.js';
import { familyOf, isDottedQuad } from './addr.js';

describe('isDottedQuad agrees with node:net isIPv4', () => {
  const edges = [
    '0.0.0.0', '255.255.255.255', '10.96.0.1', '1.2.3.4', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.04', '1.2.3', '1.2.3.4.5',
    '1..2.3', '.1.2.3', '1.2.3.', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '1.2.3.-4', '1.2.3.4a', '1000.1.1.1', '00.0.0.0', '0.00.0.0',
    '199.249.255.200', '249.255.255.255', '260.0.0.0', '1.2.3.4/32', '::ffff:1.2.3.4', 'fd00::1', '', '1.2.3.٣', '１.2.3.4', '9999999999999.1',
  ];
  test.each(edges)('%j', (text) => {
    expect(isDottedQuad(text)).toBe(isIPv4(text));
  });

  test('random strings over digits and dots agree', () => {
    const r = seededRng(4);
    const alphabet = ['0', '1', '2', '5', '9', '.', '.', '25', '255', '256', '00'];
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: r.int(1, 9) }, () => r.pick(alphabet)).join('');
      expect(isDottedQuad(text), text).toBe(isIPv4(text));
    }
  });

  test('familyOf still tells the families apart', () => {
    expect([familyOf('10.0.0.1'), familyOf('fd00::1'), familyOf('10.0.0.01'), familyOf('fe80::1%eth0')]).toEqual([4, 6, undefined, undefined]);
  });
});
