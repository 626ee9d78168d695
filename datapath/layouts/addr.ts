/**
 * Address bytes for the map layouts. Map fields hold addresses in network order, exactly the
 * bytes of the textual address, so encoding is "parse to bytes" and decoding is "format bytes".
 * Text follows Go's net.IP String (what Cilium prints): IPv6 RFC 5952 compressed, IPv4-mapped
 * IPv6 printed as dotted IPv4.
 */
import { isIPv6 } from 'node:net';
import { addressBytesOf, formatIp } from '../../lib/ip.js';
import { fail, ok, type Result } from '../../lib/result.js';

export type Family = 4 | 6;

/** Address text → network-order bytes of the given family (4 or 16 bytes). */
export function addressBytes(text: string, family: Family): Result<Buffer> {
  if (family === 4) {
    return isDottedQuad(text)
      ? ok(Buffer.from(addressBytesOf(text)!))
      : fail(`not an IPv4 address: ${JSON.stringify(text)}`);
  }
  if (!isIPv6(text) || text.includes('%')) return fail(`not an IPv6 address: ${JSON.stringify(text)}`);
  return ok(Buffer.from(addressBytesOf(text)!));
}

/**
 * Exactly what node:net's isIPv4 accepts (four decimal octets 0-255, no leading zeros, nothing
 * around them), without its regular expression: the planner checks every backend of a table.
 */
export function isDottedQuad(text: string): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0 && text.charCodeAt(i++) !== 46 /* . */) return false;
    const start = i;
    let value = 0;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) value = value * 10 + (c - 48);
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return false;
  }
  return i === n;
}

/** The family an address text belongs to, or undefined when it is not an address. */
export function familyOf(text: string): Family | undefined {
  if (isDottedQuad(text)) return 4;
  if (isIPv6(text) && !text.includes('%')) return 6;
  return undefined;
}

/** Network-order bytes (4 or 16) → address text. */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length !== 4 && bytes.length !== 16)
    throw new Error(`address must be 4 or 16 bytes, got ${bytes.length}`);
  return formatIp(Uint8Array.from(bytes));
}
