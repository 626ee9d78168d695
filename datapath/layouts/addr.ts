/**
 * Address bytes for the map layouts. Map fields hold addresses in network order, exactly the
 * bytes of the textual address, so encoding is "parse to bytes" and decoding is "format bytes".
 * Text follows Go's net.IP String (what Cilium prints): IPv6 RFC 5952 compressed, IPv4-mapped
 * IPv6 printed as dotted IPv4.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { addressBytesOf, formatIp } from '../../lib/ip.js';
import { fail, ok, type Result } from '../../lib/result.js';

export type Family = 4 | 6;

/** Address text → network-order bytes of the given family (4 or 16 bytes). */
export function addressBytes(text: string, family: Family): Result<Buffer> {
  if (family === 4) {
    return isIPv4(text)
      ? ok(Buffer.from(addressBytesOf(text)!))
      : fail(`not an IPv4 address: ${JSON.stringify(text)}`);
  }
  if (!isIPv6(text) || text.includes('%')) return fail(`not an IPv6 address: ${JSON.stringify(text)}`);
  return ok(Buffer.from(addressBytesOf(text)!));
}

/** The family an address text belongs to, or undefined when it is not an address. */
export function familyOf(text: string): Family | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text) && !text.includes('%')) return 6;
  return undefined;
}

/** Network-order bytes (4 or 16) → address text. */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length !== 4 && bytes.length !== 16)
    throw new Error(`address must be 4 or 16 bytes, got ${bytes.length}`);
  return formatIp(Uint8Array.from(bytes));
}
