/**
 * Packs route changes into as few UPDATEs as fit in 4096 bytes: announcements grouped by
 * identical attributes (about 810 IPv4 /32s per message), withdrawals per family. Pure.
 */
import type { DecodeContext } from './messages.js';
import type { OutRoute, RibDiff } from './routes.js';
import { assembleUpdate, encodeAttr, encodeBaseAttributes, encodeMpReach } from './update-codec.js';
import { HEADER_LEN, MAX_MESSAGE_LEN, ipv6Bytes } from './wire.js';
import type { Family } from './wire.js';

const EMPTY = Buffer.alloc(0);
/** Header + withdrawn-length + attribute-length fields. */
const FIXED = HEADER_LEN + 4;
const MP_UNREACH = 15;

/** Splits NLRI encodings into runs whose byte total stays within `room`. */
function chunks(items: readonly Buffer[], room: number): Buffer[] {
  const out: Buffer[] = [];
  let run: Buffer[] = [];
  let size = 0;
  for (const b of items) {
    if (size + b.length > room && run.length > 0) {
      out.push(Buffer.concat(run, size));
      run = [];
      size = 0;
    }
    run.push(b);
    size += b.length;
  }
  if (run.length > 0) out.push(Buffer.concat(run, size));
  return out;
}

function groupByKey(routes: readonly OutRoute[]): Map<string, OutRoute[]> {
  const groups = new Map<string, OutRoute[]>();
  for (const r of routes) {
    const g = groups.get(r.key);
    if (g) g.push(r);
    else groups.set(r.key, [r]);
  }
  return groups;
}

function mpReachHeader(nextHop: string, room: number): { head: Buffer; room: number } {
  const nh = ipv6Bytes(nextHop);
  if (!nh) throw new Error(`packing: IPv6 next hop ${nextHop} invalid`);
  // Attribute header (4, extended) + AFI/SAFI/NH length (4) + next hop + reserved (1).
  return { head: nh, room: room - 4 - 4 - nh.length - 1 };
}

function packGroup(group: readonly OutRoute[], ctx: DecodeContext): Buffer[] {
  const first = group[0]!;
  const base = encodeBaseAttributes(first.attrs, ctx);
  const room = MAX_MESSAGE_LEN - FIXED - base.length;
  const nlris = group.map((r) => r.nlri);
  if (first.family === 'ipv4') return chunks(nlris, room).map((n) => assembleUpdate(EMPTY, base, n));
  const { room: mpRoom } = mpReachHeader(first.mpNextHop!, room);
  return chunks(nlris, mpRoom).map((n) => {
    const mp = encodeMpReachRaw(first.mpNextHop!, n);
    return assembleUpdate(EMPTY, Buffer.concat([base, mp]), EMPTY);
  });
}

/** MP_REACH for IPv6 unicast from already-encoded NLRI bytes. */
function encodeMpReachRaw(nextHop: string, nlri: Buffer): Buffer {
  const nh = ipv6Bytes(nextHop)!;
  const head = Buffer.from([0, 2, 1, nh.length]);
  return encodeAttr(0x80, 14, Buffer.concat([head, nh, Buffer.from([0]), nlri]));
}

function packWithdrawals(family: Family, routes: readonly OutRoute[]): Buffer[] {
  const nlris = routes.map((r) => r.nlri);
  if (family === 'ipv4') return chunks(nlris, MAX_MESSAGE_LEN - FIXED).map((w) => assembleUpdate(w, EMPTY, EMPTY));
  return chunks(nlris, MAX_MESSAGE_LEN - FIXED - 4 - 3).map((w) =>
    assembleUpdate(EMPTY, encodeAttr(0x80, MP_UNREACH, Buffer.concat([Buffer.from([0, 2, 1]), w])), EMPTY),
  );
}

/** Withdrawals first, so a prefix that moves between attribute groups is never withdrawn last. */
export function packDiff(diff: RibDiff, ctx: DecodeContext): Buffer[] {
  const out: Buffer[] = [];
  for (const f of ['ipv4', 'ipv6'] as const) {
    const w = diff.withdraw.filter((r) => r.family === f);
    if (w.length > 0) out.push(...packWithdrawals(f, w));
  }
  for (const group of groupByKey(diff.announce).values()) out.push(...packGroup(group, ctx));
  return out;
}

export { encodeMpReach };
