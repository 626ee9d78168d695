/**
 * Address bytes for the map layouts. Map fields hold addresses in network order, exactly the
 * bytes of the textual address, so encoding is "parse to bytes" and decoding is "format bytes".
 * Text follows Go's net.IP String (what Cilium prints): IPv6 RFC 5952 compressed, IPv4-mapped
 * IPv6 printed as dotted IPv4.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { fail, ok, type Result } from '../../lib/result.js';

export type Family = 4 | 6;

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** Expands already-validated IPv6 text (possibly with a dotted IPv4 tail) to 16 bytes. */
function ipv6Bytes(text: string): Buffer {
  let head = text;
  const tail: number[] = [];
  if (head.includes('.')) {
    const cut = head.lastIndexOf(':');
    const v4 = ipv4Bytes(head.slice(cut + 1));
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    const before = head.slice(0, cut + 1);
    head = before.endsWith('::') ? before : before.slice(0, -1);
  }
  const halves = head.split('::');
  const groupsOf = (part: string | undefined): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groupsOf(halves[0]);
  const right = groupsOf(halves[1]);
  const zeros = halves.length > 1 ? 8 - left.length - right.length - tail.length : 0;
  const groups = [...left, ...new Array<number>(zeros).fill(0), ...right, ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Address text → network-order bytes of the given family (4 or 16 bytes). */
export function addressBytes(text: string, family: Family): Result<Buffer> {
  if (family === 4) {
    return isIPv4(text) ? ok(ipv4Bytes(text)) : fail(`not an IPv4 address: ${JSON.stringify(text)}`);
  }
  if (!isIPv6(text) || text.includes('%')) return fail(`not an IPv6 address: ${JSON.stringify(text)}`);
  return ok(ipv6Bytes(text));
}

/** The family an address text belongs to, or undefined when it is not an address. */
export function familyOf(text: string): Family | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text) && !text.includes('%')) return 6;
  return undefined;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: compress the first longest run of at least two zero groups.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

/** Network-order bytes (4 or 16) → address text. */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new Error(`address must be 4 or 16 bytes, got ${bytes.length}`);
  if (isV4Mapped(bytes)) return Array.from(bytes.subarray(12)).join('.');
  return formatIpv6(bytes);
}
