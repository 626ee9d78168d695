/**
 * What the datapath's LPM lookup in `cilium_egress_gw_policy_v4` returns for a (source,
 * destination) pair, computed over plain entries. Lets tests on the in-memory backend make the
 * same assertions as a kernel lookup, and explains a listing without a kernel.
 */
import type { EgressPolicyValue } from '../datapath/layouts/egress.js';
import { cidrWithin, parseIpv4 } from './cidr.js';
import type { DesiredEntry } from './desired.js';

export function lookupEgress(entries: readonly DesiredEntry[], sourceIp: string, destinationIp: string): EgressPolicyValue | undefined {
  const dst = parseIpv4(destinationIp);
  if (dst === undefined) return undefined;
  let best: DesiredEntry | undefined;
  for (const e of entries) {
    if (e.key.sourceIp !== sourceIp) continue;
    const network = parseIpv4(e.key.destination);
    if (network === undefined) continue;
    const covers = cidrWithin({ network: dst, prefixLen: 32 }, { network, prefixLen: e.key.destinationPrefixLen });
    if (covers && (best === undefined || e.key.destinationPrefixLen > best.key.destinationPrefixLen)) best = e;
  }
  return best?.value;
}
