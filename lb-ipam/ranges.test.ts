import { describe, expect, test } from 'vitest';
import { canonicalAddress, formatAddress, formatRange, overlaps, parseAddress, parseBlock, rangeSize, type Range } from './ranges.js';

function range(block: Parameters<typeof parseBlock>[0]): Range {
  const r = parseBlock(block);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('addresses', () => {
  test('IPv4 round-trips and refuses what is not an address', () => {
    expect(parseAddress('198.51.100.7')).toEqual({ family: 4, value: 0xc6336407n });
    for (const bad of ['198.51.100', '198.51.100.256', '01.2.3.4', '1.2.3.4.5', '', 'a.b.c.d', '1.2.3.-4']) {
      expect(parseAddress(bad), bad).toBeUndefined();
    }
  });

  test('IPv6 is printed as Go prints it (RFC 5952)', () => {
    const cases: [string, string][] = [
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::', '::'],
      ['::1', '::1'],
      ['fd00::', 'fd00::'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ];
    for (const [text, want] of cases) expect(canonicalAddress(text), text).toBe(want);
    for (const bad of ['2001:db8::1::2', '2001:db8:1:2:3:4:5:6:7', '2001:db8:12345::', 'fe80::1%eth0', ':::']) {
      expect(parseAddress(bad), bad).toBeUndefined();
    }
  });

  test('formatting the extremes', () => {
    expect(formatAddress({ family: 6, value: (1n << 128n) - 1n })).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(formatAddress({ family: 4, value: 0n })).toBe('0.0.0.0');
  });
});

describe('blocks', () => {
  test('a CIDR is masked to its network and counted exactly', () => {
    const r = range({ cidr: '198.51.100.9/29' });
    expect(formatRange(r)).toBe('198.51.100.8 - 198.51.100.15');
    expect(rangeSize(r)).toBe(8n);
    expect(r.fromCidr).toBe(true);
  });

  test('a /64 is 2^64 addresses', () => {
    const r = range({ cidr: '2001:db8:1::/64' });
    expect(rangeSize(r)).toBe(18446744073709551616n);
    expect(formatRange(r)).toBe('2001:db8:1:: - 2001:db8:1:0:ffff:ffff:ffff:ffff');
  });

  test('start/stop and start alone', () => {
    expect(rangeSize(range({ start: '10.0.0.10', stop: '10.0.0.19' }))).toBe(10n);
    const single = range({ start: '2001:db8::5' });
    expect(rangeSize(single)).toBe(1n);
    expect(single.fromCidr).toBe(false);
  });

  test('every bad block says what is wrong', () => {
    const cases: [Parameters<typeof parseBlock>[0], string][] = [
      [{ cidr: '10.0.0.0/33' }, "invalid CIDR '10.0.0.0/33': prefix length 33 exceeds 32"],
      [{ cidr: 'banana' }, "invalid CIDR 'banana'"],
      [{ cidr: '10.0.0.0' }, "invalid CIDR '10.0.0.0'"],
      [{ start: '10.0.0.9', stop: '10.0.0.1' }, "block '10.0.0.9 - 10.0.0.1' has start after stop"],
      [{ start: '10.0.0.1', stop: '2001:db8::1' }, "block '10.0.0.1 - 2001:db8::1' mixes IPv4 and IPv6"],
      [{ start: 'x' }, "invalid start IP 'x'"],
      [{ start: '10.0.0.1', stop: 'y' }, "invalid stop IP 'y'"],
      [{ stop: '10.0.0.1' }, "block with stop '10.0.0.1' has no start"],
      [{}, 'block has neither cidr nor start'],
      [{ cidr: '10.0.0.0/24', start: '10.0.0.1' }, "block '10.0.0.0/24' has both a cidr and a start/stop"],
    ];
    for (const [block, message] of cases) expect(parseBlock(block)).toEqual({ ok: false, error: message, retry: false });
  });

  test('overlap needs the same family and a shared address', () => {
    const a = range({ cidr: '10.0.0.0/24' });
    expect(overlaps(a, range({ start: '10.0.0.255', stop: '10.0.1.3' }))).toBe(true);
    expect(overlaps(a, range({ cidr: '10.0.1.0/24' }))).toBe(false);
    expect(overlaps(range({ cidr: '::/96' }), range({ cidr: '0.0.0.0/8' }))).toBe(false);
  });
});
