import { describe, expect, test } from 'vitest';
import {
  announceFrame,
  gratuitousArp,
  icmpv6Checksum,
  onesComplementSum,
  unsolicitedNa,
} from './l2-responder-frames.js';

const mac = Buffer.from([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
const hex = (b: Buffer, from: number, to: number): string => b.subarray(from, to).toString('hex');

describe('gratuitous ARP', () => {
  const frame = gratuitousArp(Buffer.from([10, 0, 0, 100]), mac);

  test('is a broadcast ARP request from the MAC, padded to the Ethernet minimum', () => {
    expect(frame.length).toBe(60);
    expect(hex(frame, 0, 6)).toBe('ffffffffffff');
    expect(hex(frame, 6, 12)).toBe('021122334455');
    expect(frame.readUInt16BE(12)).toBe(0x0806);
    expect(hex(frame, 14, 22)).toBe('0001080006040001');
    expect(frame.subarray(42).every((b) => b === 0)).toBe(true);
  });

  test('names the address as sender and target, with a zero target MAC', () => {
    expect(hex(frame, 22, 28)).toBe('021122334455');
    expect(hex(frame, 28, 32)).toBe('0a000064');
    expect(hex(frame, 32, 38)).toBe('000000000000');
    expect(hex(frame, 38, 42)).toBe('0a000064');
  });
});

describe('unsolicited neighbor advertisement', () => {
  const ip6 = Buffer.from('fd000000000000000000000000000100', 'hex');
  const frame = unsolicitedNa(ip6, mac);
  const ipv6 = frame.subarray(14, 54);
  const icmp = frame.subarray(54, 86);

  test('goes to all nodes (ff02::1, 33:33:00:00:00:01) from the address, hop limit 255', () => {
    expect(frame.length).toBe(86);
    expect(hex(frame, 0, 6)).toBe('333300000001');
    expect(frame.readUInt16BE(12)).toBe(0x86dd);
    expect(ipv6.readUInt8(0) >> 4).toBe(6);
    expect(ipv6.readUInt16BE(4)).toBe(32);
    expect(ipv6.readUInt8(6)).toBe(58);
    expect(ipv6.readUInt8(7)).toBe(255);
    expect(hex(ipv6, 8, 24)).toBe('fd000000000000000000000000000100');
    expect(hex(ipv6, 24, 40)).toBe('ff020000000000000000000000000001');
  });

  test('has Override set, Solicited and Router clear, the target and its MAC option', () => {
    expect(icmp.readUInt8(0)).toBe(136);
    expect(icmp.readUInt8(1)).toBe(0);
    expect(icmp.readUInt8(4)).toBe(0x20);
    expect(hex(icmp, 8, 24)).toBe('fd000000000000000000000000000100');
    expect(hex(icmp, 24, 32)).toBe('0201021122334455');
  });

  test('carries a checksum that verifies over the pseudo header', () => {
    const pseudo = Buffer.alloc(40);
    ipv6.copy(pseudo, 0, 8, 40);
    pseudo.writeUInt32BE(32, 32);
    pseudo.writeUInt32BE(58, 36);
    expect(onesComplementSum(Buffer.concat([pseudo, icmp]))).toBe(0xffff);
  });
});

describe('checksum arithmetic', () => {
  test('folds carries and pads an odd byte (RFC 1071 example)', () => {
    expect(onesComplementSum(Buffer.from('0001f203f4f5f6f7', 'hex'))).toBe(0xddf2);
    expect(onesComplementSum(Buffer.from([0xab]))).toBe(0xab00);
  });

  test('a changed byte changes the checksum', () => {
    const src = Buffer.alloc(16, 1);
    const dst = Buffer.alloc(16, 2);
    const a = icmpv6Checksum(src, dst, Buffer.alloc(32, 3));
    const b = icmpv6Checksum(src, dst, Buffer.concat([Buffer.alloc(31, 3), Buffer.from([4])]));
    expect(a).not.toBe(b);
  });
});

describe('announceFrame', () => {
  test('picks ARP for IPv4 (also IPv4-mapped) and NA for IPv6', () => {
    expect(announceFrame('10.0.0.100', mac)).toMatchObject({ ok: true, value: { family: 4 } });
    expect(announceFrame('::ffff:10.0.0.100', mac)).toMatchObject({
      ok: true,
      value: { family: 4, address: '10.0.0.100' },
    });
    expect(announceFrame('fd00::100', mac)).toMatchObject({ ok: true, value: { family: 6 } });
  });

  test('refuses what is not an address or not a MAC', () => {
    expect(announceFrame('10.0.0.300', mac)).toMatchObject({
      ok: false,
      error: 'not an IP address: "10.0.0.300"',
    });
    expect(announceFrame('10.0.0.1', Buffer.alloc(5))).toMatchObject({
      ok: false,
      error: 'MAC must be 6 bytes, got 5',
    });
  });
});
