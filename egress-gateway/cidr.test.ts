import { describe, expect, test } from 'vitest';
import { cidrWithin, formatCidr4, parseCidr4, parseIpv4 } from './cidr.js';

describe('parseCidr4', () => {
  test.each([
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['192.168.1.7/32', '192.168.1.7/32'],
    ['255.255.255.254/31', '255.255.255.254/31'],
  ])('%s parses', (text, printed) => {
    const c = parseCidr4(text);
    expect(c.ok && formatCidr4(c.value)).toBe(printed);
  });

  test.each([
    ['10.0.0.0', 'missing "/prefix-length"'],
    ['10.0.0.0/33', 'prefix length must be 0..32'],
    ['10.0.0.0/08', 'prefix length must be 0..32'],
    ['10.0.0.256/32', 'is not an IPv4 address'],
    ['010.0.0.0/8', 'is not an IPv4 address'],
    ['10.0.0.1/8', 'host bits are set (network address is 10.0.0.0/8)'],
    ['2001:db8::/32', 'IPv6 is not supported'],
    ['', 'missing'],
  ])('%s is refused: %s', (text, why) => {
    const c = parseCidr4(text);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error).toContain(why);
  });
});

test('parseIpv4 reads network order as a number', () => {
  expect(parseIpv4('1.2.3.4')).toBe(0x01020304);
  expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
  expect(parseIpv4('1.2.3')).toBeUndefined();
});

test.each([
  ['10.1.0.0/16', '10.0.0.0/8', true],
  ['10.0.0.0/8', '10.0.0.0/8', true],
  ['10.0.0.0/8', '10.1.0.0/16', false],
  ['11.0.0.0/16', '10.0.0.0/8', false],
  ['1.2.3.4/32', '0.0.0.0/0', true],
])('%s within %s is %s', (inner, outer, want) => {
  const i = parseCidr4(inner);
  const o = parseCidr4(outer);
  if (!i.ok || !o.ok) throw new Error('test data');
  expect(cidrWithin(i.value, o.value)).toBe(want);
});
