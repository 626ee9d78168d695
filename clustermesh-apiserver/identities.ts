/**
 * Identities: a CiliumIdentity object (named by its number, `security-labels` map) becomes
 * `cilium/state/identities/v1/id/<n>` → labels text. Identities other clusters would refuse
 * (outside our range, or not carrying our cluster label) are rejected here already, with the
 * reason, rather than published and dropped silently on every remote node.
 */
import { identityRange } from '../clustermesh/cluster.js';
import { identityKey } from '../clustermesh/keys.js';
import { checkUniqueKeys, formatLabels, labelsFromMap, POLICY_CLUSTER_LABEL } from '../clustermesh/labels.js';
import { parseCiliumIdentity } from './fast-parse.js';
import { rejection, type ObjectProjection, type ProjectionOptions } from './options.js';

/** Kubernetes caps label values at 63 characters; keys carry a source and a prefix on top of 253. */
export const MAX_LABEL_VALUE_LENGTH = 63;
export const MAX_LABEL_KEY_LENGTH = 320;

export function projectIdentity(input: unknown, opts: ProjectionOptions): ObjectProjection {
  const parsed = parseCiliumIdentity(input);
  if (!parsed.ok) return rejection('CiliumIdentity', input, parsed.reason);
  const obj = parsed.value;
  const name = obj.metadata.name;
  if (!/^[1-9]\d{0,7}$/.test(name)) return rejection('CiliumIdentity', input, `name ${JSON.stringify(name)} is not a numeric identity`);
  const id = Number(name);
  const range = identityRange(opts.clusterId, opts.maxConnectedClusters);
  if (id < range.min || id > range.max) {
    return rejection('CiliumIdentity', input, `identity ${id} is outside this cluster's range ${range.min}..${range.max}`);
  }
  const labels = labelsFromMap(obj['security-labels']);
  for (const l of labels) {
    if (l.value.length > MAX_LABEL_VALUE_LENGTH) {
      return rejection('CiliumIdentity', input, `label ${l.source}:${l.key} value is longer than ${MAX_LABEL_VALUE_LENGTH} characters`);
    }
    if (l.key.length > MAX_LABEL_KEY_LENGTH) {
      return rejection('CiliumIdentity', input, `label key ${l.key.slice(0, 40)}… is longer than ${MAX_LABEL_KEY_LENGTH} characters`);
    }
    if (/[;=]/.test(l.key) || l.value.includes(';')) {
      return rejection('CiliumIdentity', input, `label ${l.source}:${l.key} contains ';' or '=' and cannot be encoded`);
    }
  }
  const unique = checkUniqueKeys(labels);
  if (!unique.ok) return rejection('CiliumIdentity', input, unique.error);
  const cluster = labels.find((l) => l.key === POLICY_CLUSTER_LABEL);
  if (cluster?.value !== opts.clusterName) {
    return rejection('CiliumIdentity', input, `security-labels lack ${POLICY_CLUSTER_LABEL}=${opts.clusterName}`);
  }
  return { entries: [[identityKey(id), formatLabels(labels)]], rejected: [] };
}
