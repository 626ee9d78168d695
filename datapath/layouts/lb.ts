/**
 * Service load-balancing map layouts (bpf/lib/common.h `lb{4,6}_key`, `lb{4,6}_service`,
 * `lb{4,6}_backend`, `lb{4,6}_reverse_nat`). Byte order per field follows Cilium's Go side
 * (pkg/maps/lbmap ToNetwork): addresses, ports, rev_nat_index and the reverse-NAT key are
 * network order; backend IDs, slots, counts, cluster IDs are host order, which is
 * little-endian on the x86_64/arm64 machines this runs on.
 */
import { fail, ok, type Result } from '../../lib/result.js';
import { addressBytes, formatAddress, type Family } from './addr.js';
import { checkUint, fixedCodec, zeroed, type Codec } from './codec.js';

export interface ServiceKey {
  readonly address: string;
  readonly port: number;
  /** 0 is the frontend entry ("slot 0"); 1..n hold backend IDs. */
  readonly slot: number;
  readonly proto: number;
  readonly scope: number;
}

export interface ServiceValue {
  /** Backend ID for slots ≥ 1; for slot 0 the affinity timeout (low 24 bits) and algorithm (high 8). */
  readonly backendId: number;
  /** Slot 0: number of active (preferred) backends; 0 on backend slots. */
  readonly count: number;
  readonly revNatIndex: number;
  readonly flags: number;
  readonly flags2: number;
  /** Slot 0: number of quarantined backend slots after the active ones. */
  readonly qcount: number;
}

export interface BackendValue {
  readonly address: string;
  readonly port: number;
  readonly proto: number;
  /** BackendState value. */
  readonly flags: number;
  readonly clusterId: number;
  readonly zone: number;
}

export interface RevNatValue {
  readonly address: string;
  readonly port: number;
}

function addrLen(family: Family): number {
  return family === 4 ? 4 : 16;
}

function writeAddress(buf: Buffer, text: string, family: Family, what: string): void {
  const bytes = addressBytes(text, family);
  if (!bytes.ok) throw new TypeError(`${what}: ${bytes.error}`);
  bytes.value.copy(buf, 0);
}

function readAddress(buf: Buffer, family: Family): string {
  return formatAddress(buf.subarray(0, addrLen(family)));
}

/** Key size 12 (v4) / 24 (v6): address, __be16 dport, __u16 slot, __u8 proto, __u8 scope, pad[2]. */
export function serviceKeyCodec(family: Family): Codec<ServiceKey> {
  const what = `lb${family} service key`;
  const a = addrLen(family);
  return fixedCodec(
    what,
    a + 8,
    (k) => {
      const buf = zeroed(a + 8);
      writeAddress(buf, k.address, family, what);
      buf.writeUInt16BE(checkUint(`${what} port`, k.port, 16), a);
      buf.writeUInt16LE(checkUint(`${what} slot`, k.slot, 16), a + 2);
      buf.writeUInt8(checkUint(`${what} proto`, k.proto, 8), a + 4);
      buf.writeUInt8(checkUint(`${what} scope`, k.scope, 8), a + 5);
      return buf;
    },
    (buf) =>
      ok({
        address: readAddress(buf, family),
        port: buf.readUInt16BE(a),
        slot: buf.readUInt16LE(a + 2),
        proto: buf.readUInt8(a + 4),
        scope: buf.readUInt8(a + 5),
      }),
  );
}

/** Value size 12 for both families: __u32 backend_id, __u16 count, __be16 rev_nat_index, flags, flags2, __u16 qcount. */
export function serviceValueCodec(family: Family): Codec<ServiceValue> {
  const what = `lb${family} service value`;
  return fixedCodec(
    what,
    12,
    (v) => {
      const buf = zeroed(12);
      buf.writeUInt32LE(checkUint(`${what} backend_id`, v.backendId, 32), 0);
      buf.writeUInt16LE(checkUint(`${what} count`, v.count, 16), 4);
      buf.writeUInt16BE(checkUint(`${what} rev_nat_index`, v.revNatIndex, 16), 6);
      buf.writeUInt8(checkUint(`${what} flags`, v.flags, 8), 8);
      buf.writeUInt8(checkUint(`${what} flags2`, v.flags2, 8), 9);
      buf.writeUInt16LE(checkUint(`${what} qcount`, v.qcount, 16), 10);
      return buf;
    },
    (buf) =>
      ok({
        backendId: buf.readUInt32LE(0),
        count: buf.readUInt16LE(4),
        revNatIndex: buf.readUInt16BE(6),
        flags: buf.readUInt8(8),
        flags2: buf.readUInt8(9),
        qcount: buf.readUInt16LE(10),
      }),
  );
}

/** Backend map key: the __u32 backend ID in host order (shared ID space for v4 and v6). */
export function backendKeyCodec(family: Family): Codec<number> {
  const what = `lb${family} backend key`;
  return fixedCodec(
    what,
    4,
    (id) => {
      const buf = zeroed(4);
      buf.writeUInt32LE(checkUint(what, id, 32), 0);
      return buf;
    },
    (buf) => {
      const id = buf.readUInt32LE(0);
      return id === 0 ? fail(`${what}: backend ID 0 is reserved`) : ok(id);
    },
  );
}

/** Size 12 (v4) / 24 (v6): address, __be16 port, proto, flags (state), __u16 cluster_id, zone, pad. */
export function backendValueCodec(family: Family): Codec<BackendValue> {
  const what = `lb${family} backend value`;
  const a = addrLen(family);
  return fixedCodec(
    what,
    a + 8,
    (v) => {
      const buf = zeroed(a + 8);
      writeAddress(buf, v.address, family, what);
      buf.writeUInt16BE(checkUint(`${what} port`, v.port, 16), a);
      buf.writeUInt8(checkUint(`${what} proto`, v.proto, 8), a + 2);
      buf.writeUInt8(checkUint(`${what} flags`, v.flags, 8), a + 3);
      buf.writeUInt16LE(checkUint(`${what} cluster_id`, v.clusterId, 16), a + 4);
      buf.writeUInt8(checkUint(`${what} zone`, v.zone, 8), a + 6);
      return buf;
    },
    (buf) =>
      ok({
        address: readAddress(buf, family),
        port: buf.readUInt16BE(a),
        proto: buf.readUInt8(a + 2),
        flags: buf.readUInt8(a + 3),
        clusterId: buf.readUInt16LE(a + 4),
        zone: buf.readUInt8(a + 6),
      }),
  );
}

/** Reverse-NAT key: the __u16 index, stored in network order like rev_nat_index in the service value. */
export function revNatKeyCodec(family: Family): Codec<number> {
  const what = `lb${family} reverse NAT key`;
  return fixedCodec(
    what,
    2,
    (index) => {
      const buf = zeroed(2);
      buf.writeUInt16BE(checkUint(what, index, 16), 0);
      return buf;
    },
    (buf) => {
      const index = buf.readUInt16BE(0);
      return index === 0 ? fail(`${what}: reverse NAT index 0 is reserved`) : ok(index);
    },
  );
}

/** Size 6 (v4) / 18 (v6), packed: address, __be16 port. */
export function revNatValueCodec(family: Family): Codec<RevNatValue> {
  const what = `lb${family} reverse NAT value`;
  const a = addrLen(family);
  return fixedCodec(
    what,
    a + 2,
    (v) => {
      const buf = zeroed(a + 2);
      writeAddress(buf, v.address, family, what);
      buf.writeUInt16BE(checkUint(`${what} port`, v.port, 16), a);
      return buf;
    },
    (buf) => ok({ address: readAddress(buf, family), port: buf.readUInt16BE(a) }),
  );
}

export interface LbCodecs {
  readonly family: Family;
  readonly serviceKey: Codec<ServiceKey>;
  readonly serviceValue: Codec<ServiceValue>;
  readonly backendKey: Codec<number>;
  readonly backendValue: Codec<BackendValue>;
  readonly revNatKey: Codec<number>;
  readonly revNatValue: Codec<RevNatValue>;
}

function lbCodecs(family: Family): LbCodecs {
  return {
    family,
    serviceKey: serviceKeyCodec(family),
    serviceValue: serviceValueCodec(family),
    backendKey: backendKeyCodec(family),
    backendValue: backendValueCodec(family),
    revNatKey: revNatKeyCodec(family),
    revNatValue: revNatValueCodec(family),
  };
}

export const lb4 = lbCodecs(4);
export const lb6 = lbCodecs(6);

export function lbCodecsFor(family: Family): LbCodecs {
  return family === 4 ? lb4 : lb6;
}

/** Decodes one service map entry (key and value together, as a dump yields them). */
export function decodeServiceEntry(
  codecs: LbCodecs,
  key: Uint8Array,
  value: Uint8Array,
): Result<{ key: ServiceKey; value: ServiceValue }> {
  const k = codecs.serviceKey.decode(key);
  if (!k.ok) return k;
  const v = codecs.serviceValue.decode(value);
  if (!v.ok) return v;
  return ok({ key: k.value, value: v.value });
}
