/**
 * Pure builders of the Ethernet frames a node sends when it takes over an address: a
 * gratuitous ARP request (IPv4) and an unsolicited neighbor advertisement (IPv6). Neighbours
 * that already have an entry for the address replace its MAC on receipt, so traffic moves to
 * the new holder without waiting for the old entry to expire.
 */
import { fail, ok, type Result } from '../lib/result.js';
import { parseIp } from '../lib/ip.js';

const ETH_HEADER = 14;
/** Shorter frames are padded by hardware; veth does not, so pad here like the kernel would. */
const ETH_MIN_FRAME = 60;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
const BROADCAST = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** ff02::1, all nodes, and its Ethernet multicast address 33:33:00:00:00:01. */
const ALL_NODES = Buffer.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const ALL_NODES_MAC = Buffer.from([0x33, 0x33, 0, 0, 0, 1]);
const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LL = 2;
const NA_FLAG_OVERRIDE = 0x20;
const NA_LENGTH = 32;

export interface AnnounceFrame {
  readonly family: 4 | 6;
  /** The address in canonical text (IPv4-mapped IPv6 as IPv4). */
  readonly address: string;
  readonly frame: Buffer;
}

/** The frame announcing `ip` at `mac`: gratuitous ARP for IPv4, unsolicited NA for IPv6. */
export function announceFrame(ip: string, mac: Buffer): Result<AnnounceFrame, string> {
  if (mac.length !== 6) return fail(`MAC must be 6 bytes, got ${mac.length}`);
  const parsed = parseIp(ip);
  if (!parsed) return fail(`not an IP address: ${JSON.stringify(ip)}`);
  const addr = Buffer.from(parsed.bytes);
  return ok(
    parsed.family === 4
      ? { family: 4, address: parsed.text, frame: gratuitousArp(addr, mac) }
      : { family: 6, address: parsed.text, frame: unsolicitedNa(addr, mac) },
  );
}

function ethernet(dst: Buffer, src: Buffer, type: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(Math.max(ETH_MIN_FRAME, ETH_HEADER + payload.length));
  dst.copy(frame, 0);
  src.copy(frame, 6);
  frame.writeUInt16BE(type, 12);
  payload.copy(frame, ETH_HEADER);
  return frame;
}

/**
 * A request whose sender and target address are both `ip` (RFC 5227 announcement), as Linux
 * and arping -U send it; target hardware address zero.
 */
export function gratuitousArp(ip4: Buffer, mac: Buffer): Buffer {
  const arp = Buffer.alloc(28);
  arp.writeUInt16BE(1, 0); // Ethernet
  arp.writeUInt16BE(0x0800, 2); // IPv4
  arp.writeUInt8(6, 4);
  arp.writeUInt8(4, 5);
  arp.writeUInt16BE(1, 6); // request
  mac.copy(arp, 8);
  ip4.copy(arp, 14);
  ip4.copy(arp, 24);
  return ethernet(BROADCAST, mac, ETHERTYPE_ARP, arp);
}

/** To all nodes, Override set and Solicited clear (RFC 4861 7.2.6), with the target MAC option. */
export function unsolicitedNa(ip6: Buffer, mac: Buffer): Buffer {
  const na = Buffer.alloc(NA_LENGTH);
  na.writeUInt8(ND_NEIGHBOR_ADVERT, 0);
  na.writeUInt8(NA_FLAG_OVERRIDE, 4);
  ip6.copy(na, 8);
  na.writeUInt8(ND_OPT_TARGET_LL, 24);
  na.writeUInt8(1, 25);
  mac.copy(na, 26);
  na.writeUInt16BE(icmpv6Checksum(ip6, ALL_NODES, na), 2);

  const ip = Buffer.alloc(40);
  ip.writeUInt32BE(6 << 28, 0);
  ip.writeUInt16BE(NA_LENGTH, 4);
  ip.writeUInt8(IPPROTO_ICMPV6, 6);
  ip.writeUInt8(255, 7); // receivers drop ND messages with any other hop limit
  ip6.copy(ip, 8);
  ALL_NODES.copy(ip, 24);
  return ethernet(ALL_NODES_MAC, mac, ETHERTYPE_IPV6, Buffer.concat([ip, na]));
}

/** Internet checksum of the IPv6 pseudo header and the ICMPv6 message (checksum field zero). */
export function icmpv6Checksum(src: Buffer, dst: Buffer, message: Buffer): number {
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 16);
  pseudo.writeUInt32BE(message.length, 32);
  pseudo.writeUInt32BE(IPPROTO_ICMPV6, 36);
  return ~onesComplementSum(Buffer.concat([pseudo, message])) & 0xffff;
}

export function onesComplementSum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readUInt16BE(i);
  if (data.length % 2) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
