import { describe, expect, test } from 'vitest';
import { goJson } from '../clustermesh/gojson.js';
import { isIPv4, isIPv6 } from 'node:net';
import { canonicalIp, maskPrefixLen, parseCidr, parseIp, toBase64 } from './ip.js';

describe('parseIp', () => {
  test.each([
    ['10.0.0.1', '10.0.0.1', 4],
    ['fd00:0:0:0:0:0:0:1', 'fd00::1', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['FD00::A', 'fd00::a', 6],
    ['::ffff:10.1.2.3', '10.1.2.3', 4],
    ['::1.2.3.4', '::102:304', 6],
    ['::', '::', 6],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 6],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8', 6],
  ])('%s is %s', (input, text, family) => {
    expect(parseIp(input)).toMatchObject({ text, family });
  });

  test.each(['', '10.0.0.256', '10.0.0', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', 'a.b.c.d', ' 10.0.0.1'])(
    '%j is rejected',
    (input) => expect(parseIp(input)).toBeUndefined(),
  );
});

describe('parseCidr', () => {
  test('clears host bits and keeps a 4-byte mask for IPv4, as Go does', () => {
    const c = parseCidr('10.244.1.7/24')!;
    expect(c.text).toBe('10.244.1.0/24');
    expect(toBase64(c.mask)).toBe('////AA==');
  });
  test('IPv6 mask is 16 bytes', () => {
    const c = parseCidr('fd00:10:244:1::5/64')!;
    expect(c.text).toBe('fd00:10:244:1::/64');
    expect(toBase64(c.mask)).toBe('//////////8AAAAAAAAAAA==');
  });
  test.each(['10.0.0.0/33', '10.0.0.0', '10.0.0.0/-1', 'fd00::/129', 'x/8', '10.0.0.0/08a'])(
    '%j is rejected',
    (s) => expect(parseCidr(s)).toBeUndefined(),
  );
  test('maskPrefixLen refuses non-contiguous masks', () => {
    expect(maskPrefixLen(Uint8Array.from([255, 0, 255, 0]))).toBeUndefined();
    expect(maskPrefixLen(Uint8Array.from([255, 255, 254, 0]))).toBe(23);
  });
});

describe('goJson', () => {
  test('sorts map keys bytewise and keeps struct field order', () => {
    const m = new Map<string, number>([
      ['9', 1],
      ['10', 2],
      ['b', 3],
      ['a', 4],
    ]);
    expect(goJson({ z: m, a: 1 })).toBe('{"z":{"10":2,"9":1,"a":4,"b":3},"a":1}');
  });
  test('escapes HTML-unsafe characters like Go', () => {
    expect(goJson({ v: 'a<b>&c\u2028' })).toBe('{"v":"a\\u003cb\\u003e\\u0026c\\u2028"}');
  });
  test('drops undefined fields (omitempty) but keeps null', () => {
    expect(goJson({ a: undefined, b: null })).toBe('{"b":null}');
  });
});

describe('IPv4 text scanning', () => {
  // parseIp's IPv4 path is a hand-written scanner; node:net's isIPv4 is the reference for
  // what it must accept, and the canonical text is the dotted quad of the bytes.
  const samples = [
    '0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.1', '01.2.3.4', '1.2.3.04', '1.2.3.00', '256.1.1.1',
    '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4\n', ' 1.2.3.4', '1.2.3.-4', '1.2.3.4a', '1234.1.1.1',
    '1.2.3.2555', '+1.2.3.4', '1.2.3.4/24', '١.2.3.4', '1.2.3.0x4', '999.999.999.999', '00.0.0.0',
  ];
  const tokens = ['0', '1', '9', '10', '01', '99', '100', '199', '200', '249', '250', '255', '256', '300', '0255', '1000', '', 'a'];
  const separators = ['.', '.', '.', '.', '.', '..', '', ':'];
  let seed = 12345;
  const pick = <T,>(xs: readonly T[]): T => xs[(seed = (seed * 1103515245 + 12345) >>> 0) % xs.length]!;
  const fuzz = Array.from({ length: 5000 }, () => {
    let s = pick(tokens);
    for (let n = 0; n < 3 + (seed % 3 === 0 ? 1 : 0); n++) s += pick(separators) + pick(tokens);
    return s;
  });

  test.each(samples)('%j is accepted exactly when node:net accepts it', (s) => {
    const octets = s.split('.').map(Number);
    expect(parseIp(s)).toEqual(isIPv4(s) ? { family: 4, bytes: Uint8Array.from(octets), text: octets.join('.') } : undefined);
  });

  test('agrees with node:net on 5,000 generated strings', () => {
    const disagreements = fuzz.filter((s) => (parseIp(s) !== undefined) !== (isIPv4(s) || isIPv6(s)));
    expect(disagreements).toEqual([]);
    expect(fuzz.filter((s) => isIPv4(s)).length).toBeGreaterThan(20);
  });
});

describe('canonicalIp', () => {
  test.each(['10.0.0.1', '::ffff:10.1.2.3', 'FD00::A', '2001:db8:0:0:1:0:0:1', '01.2.3.4', 'fe80::1%eth0', '', 'x'])(
    '%j gives parseIp family and text',
    (s) => {
      const p = parseIp(s);
      expect(canonicalIp(s)).toEqual(p ? { family: p.family, text: p.text } : undefined);
    },
  );
});
