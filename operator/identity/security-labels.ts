/**
 * A pod's security labels: its identity-relevant pod labels plus the labels Cilium derives
 * from its context (namespace, service account, cluster, namespace labels), all with source
 * `k8s`. Pods with the same security labels share one identity.
 */
import {
  formatLabels,
  LABEL_SOURCE_K8S,
  NAMESPACE_LABELS_PREFIX,
  POD_NAMESPACE_LABEL,
  POLICY_CLUSTER_LABEL,
  POLICY_SERVICE_ACCOUNT_LABEL,
  type Label,
} from '../../clustermesh/labels.js';
import { isIdentityRelevant } from './label-filter.js';

export interface PodLabelContext {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly cluster: string;
}

export function securityLabels(ctx: PodLabelContext): Label[] {
  const byKey = new Map<string, Label>();
  const put = (key: string, value: string): void => void byKey.set(key, { source: LABEL_SOURCE_K8S, key, value });
  for (const [k, v] of Object.entries(ctx.podLabels)) put(k, v);
  for (const [k, v] of Object.entries(ctx.namespaceLabels)) put(NAMESPACE_LABELS_PREFIX + k, v);
  // Derived labels are set last so a pod cannot fake its namespace or cluster with its own labels.
  put(POD_NAMESPACE_LABEL, ctx.namespace);
  if (ctx.serviceAccount) put(POLICY_SERVICE_ACCOUNT_LABEL, ctx.serviceAccount);
  put(POLICY_CLUSTER_LABEL, ctx.cluster);
  return [...byKey.values()].filter((l) => isIdentityRelevant(l));
}

/** The kvstore text of a pod's security labels: the key identities are allocated by. */
export function securityLabelsText(ctx: PodLabelContext): string {
  return formatLabels(securityLabels(ctx));
}
