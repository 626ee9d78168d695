/**
 * Egress gateway policy map `cilium_egress_gw_policy_v4` (LPM trie). Key
 * `{__u32 prefixlen; __be32 saddr; __be32 daddr}` (12 B) where prefixlen counts the bits after
 * the prefixlen field itself: 32 for the exact source plus the destination mask. Value
 * `{__be32 egress_ip; __be32 gateway_ip}` (8 B).
 */
import { fail, ok } from '../../lib/result.js';
import { addressBytes, formatAddress } from './addr.js';
import { fixedCodec, zeroed, type Codec } from './codec.js';

/** gateway_ip meaning "this destination is excluded from the policy". */
export const EXCLUDED_CIDR_GATEWAY = '0.0.0.1';
/** gateway_ip meaning "no gateway node matched: drop". */
export const NO_GATEWAY = '0.0.0.0';

export interface EgressPolicyKey {
  readonly sourceIp: string;
  /** Network address of the destination CIDR (host bits clear). */
  readonly destination: string;
  /** Destination prefix length 0..32; the key's prefixlen field is 32 + this. */
  readonly destinationPrefixLen: number;
}

export interface EgressPolicyValue {
  readonly egressIp: string;
  readonly gatewayIp: string;
}

function v4(text: string, what: string): Buffer {
  const bytes = addressBytes(text, 4);
  if (!bytes.ok) throw new TypeError(`${what}: ${bytes.error}`);
  return bytes.value;
}

const SOURCE_BITS = 32;

export const egressPolicyKey: Codec<EgressPolicyKey> = fixedCodec(
  'egress policy v4 key',
  12,
  (k) => {
    const len = k.destinationPrefixLen;
    if (!Number.isInteger(len) || len < 0 || len > 32) {
      throw new RangeError(`egress policy v4 key: destination prefix length must be 0..32, got ${len}`);
    }
    const buf = zeroed(12);
    buf.writeUInt32LE(SOURCE_BITS + len, 0);
    v4(k.sourceIp, 'egress policy v4 key source').copy(buf, 4);
    v4(k.destination, 'egress policy v4 key destination').copy(buf, 8);
    return buf;
  },
  (buf) => {
    const prefixLen = buf.readUInt32LE(0);
    if (prefixLen < SOURCE_BITS || prefixLen > SOURCE_BITS + 32) {
      return fail(`egress policy v4 key: prefixlen must be 32..64, got ${prefixLen}`);
    }
    return ok({
      sourceIp: formatAddress(buf.subarray(4, 8)),
      destination: formatAddress(buf.subarray(8, 12)),
      destinationPrefixLen: prefixLen - SOURCE_BITS,
    });
  },
);

export const egressPolicyValue: Codec<EgressPolicyValue> = fixedCodec(
  'egress policy v4 value',
  8,
  (v) => Buffer.concat([v4(v.egressIp, 'egress policy v4 egress_ip'), v4(v.gatewayIp, 'egress policy v4 gateway_ip')]),
  (buf) => ok({ egressIp: formatAddress(buf.subarray(0, 4)), gatewayIp: formatAddress(buf.subarray(4, 8)) }),
);
