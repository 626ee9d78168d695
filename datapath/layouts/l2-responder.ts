/**
 * L2 responder maps (`cilium_l2_responder_v4` / `_v6`): the holder node's announced IPs per
 * interface. Key `{__be32 ip4; __u32 ifindex}` (8 B) or `{ip6[16]; __u32 ifindex; __u32 pad}`
 * (24 B); value `{__u64 responses_sent}` (8 B). Address network order, ifindex and counter
 * host order (little-endian here).
 */
import { ok } from '../../lib/result.js';
import { addressBytes, formatAddress, type Family } from './addr.js';
import { checkUint, fixedCodec, zeroed, type Codec } from './codec.js';

export interface L2ResponderKey {
  readonly address: string;
  readonly ifindex: number;
}

export interface L2ResponderStats {
  /** The datapath counts answered ARP/NDP requests; bigint because it is a __u64. */
  readonly responsesSent: bigint;
}

function l2ResponderKeyCodec(family: Family): Codec<L2ResponderKey> {
  const what = `l2 responder v${family} key`;
  const a = family === 4 ? 4 : 16;
  const size = family === 4 ? 8 : 24;
  return fixedCodec(
    what,
    size,
    (k) => {
      const addr = addressBytes(k.address, family);
      if (!addr.ok) throw new TypeError(`${what}: ${addr.error}`);
      const buf = zeroed(size);
      addr.value.copy(buf, 0);
      buf.writeUInt32LE(checkUint(`${what} ifindex`, k.ifindex, 32), a);
      return buf;
    },
    (buf) => ok({ address: formatAddress(buf.subarray(0, a)), ifindex: buf.readUInt32LE(a) }),
  );
}

export const l2ResponderV4Key = l2ResponderKeyCodec(4);
export const l2ResponderV6Key = l2ResponderKeyCodec(6);

export const l2ResponderStats: Codec<L2ResponderStats> = fixedCodec(
  'l2 responder stats',
  8,
  (v) => {
    if (v.responsesSent < 0n || v.responsesSent >= 1n << 64n) {
      throw new RangeError(`l2 responder stats responses_sent out of range: ${v.responsesSent}`);
    }
    const buf = zeroed(8);
    buf.writeBigUInt64LE(v.responsesSent, 0);
    return buf;
  },
  (buf) => ok({ responsesSent: buf.readBigUInt64LE(0) }),
);
