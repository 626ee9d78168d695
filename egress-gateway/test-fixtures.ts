/** Plain-data builders shared by the egress-gateway unit tests. */
import type { EgressNode } from './gateway.js';
import type { EgressPod } from './desired.js';
import { parseEgressPolicy, type EgressPolicy } from './policy.js';

export function node(name: string, ip: string, labels: Record<string, string> = {}, extra: Partial<EgressNode> = {}): EgressNode {
  return { name, ip, labels, ready: true, ...extra };
}

export function pod(name: string, ips: string[], labels: Record<string, string> = { app: 'a' }, namespace = 'default'): EgressPod {
  return { name, namespace, ips, labels };
}

/** Goes through the real parser so tests see what the agent would see. */
export function policy(name: string, spec: Record<string, unknown> = {}): EgressPolicy {
  const r = parseEgressPolicy({
    metadata: { name },
    spec: {
      selectors: [{ podSelector: { matchLabels: { app: 'a' } } }],
      destinationCIDRs: ['203.0.113.0/24'],
      egressGateway: { nodeSelector: { matchLabels: { egress: 'true' } } },
      ...spec,
    },
  });
  if (!r.ok) throw new Error(`test policy ${name}: ${r.error.errors.join('; ')}`);
  return r.value;
}
