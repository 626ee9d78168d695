/** Address checks for validation. Pure wrappers over node:net's parsers (no I/O). */
import { isIPv4, isIPv6 } from 'node:net';

export const IP_EXAMPLE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const CIDR_EXAMPLE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

export function isIP(v: string): boolean {
  return isIPv4(v) || isIPv6(v);
}

export { isIPv4, isIPv6 };

/** An address and a prefix length that fits its family (host bits may be set, as Kubernetes allows for some fields). */
export function isCIDR(v: string): boolean {
  const slash = v.indexOf('/');
  if (slash < 0) return false;
  const addr = v.slice(0, slash);
  const len = v.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(len)) return false;
  const bits = Number(len);
  if (isIPv4(addr)) return bits <= 32;
  if (isIPv6(addr)) return bits <= 128;
  return false;
}
