/**
 * Security labels and their kvstore text form. An identity's value in etcd is its labels as
 * `source:key=value;` each, sorted by key (not by source), always ending in ';'. Agents hash
 * this text, so it must be byte for byte what Cilium writes.
 */
import { fail, ok, type Result } from '../lib/result.js';

export interface Label {
  readonly source: string;
  readonly key: string;
  readonly value: string;
}

export const LABEL_SOURCE_K8S = 'k8s';
export const LABEL_SOURCE_UNSPEC = 'unspec';

/** Label keys Cilium adds to every pod's identity. */
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POLICY_CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
export const POLICY_SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';

/** Splits "source:key" (the CiliumIdentity `security-labels` key form); no source → unspec. */
export function parseLabelKey(sourceAndKey: string): { source: string; key: string } {
  const colon = sourceAndKey.indexOf(':');
  if (colon < 0) return { source: LABEL_SOURCE_UNSPEC, key: sourceAndKey };
  return { source: sourceAndKey.slice(0, colon), key: sourceAndKey.slice(colon + 1) };
}

export function labelsFromMap(securityLabels: Readonly<Record<string, string>>): Label[] {
  // Built directly (no spread of a parsed pair): identities are projected by the tens of thousands.
  const labels: Label[] = [];
  for (const k of Object.keys(securityLabels)) {
    const colon = k.indexOf(':');
    const value = securityLabels[k]!;
    labels.push(colon < 0 ? { source: LABEL_SOURCE_UNSPEC, key: k, value } : { source: k.slice(0, colon), key: k.slice(colon + 1), value });
  }
  return labels;
}

/** The `security-labels` map of a CiliumIdentity object. */
export function labelsToMap(labels: readonly Label[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of sortLabels(labels)) out[`${l.source}:${l.key}`] = l.value;
  return out;
}

export function sortLabels(labels: readonly Label[]): Label[] {
  return [...labels].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Cilium keys labels by key alone, so two labels with one key cannot both be in an identity. */
export function checkUniqueKeys(labels: readonly Label[]): Result<readonly Label[]> {
  const seen = new Set<string>();
  for (const l of labels) {
    if (l.key === '') return fail('label with an empty key');
    if (seen.has(l.key)) return fail(`label key ${JSON.stringify(l.key)} appears more than once`);
    seen.add(l.key);
  }
  return ok(labels);
}

export function formatLabels(labels: readonly Label[]): string {
  return sortLabels(labels)
    .map((l) => `${l.source}:${l.key}=${l.value};`)
    .join('');
}

/** Reads the kvstore text form back; rejects text a Cilium writer could not have produced. */
export function parseLabels(text: string): Result<Label[]> {
  if (text === '') return fail('identity labels are empty');
  if (!text.endsWith(';')) return fail('identity labels do not end in ";"');
  const labels: Label[] = [];
  for (const part of text.slice(0, -1).split(';')) {
    const colon = part.indexOf(':');
    const eq = part.indexOf('=', colon + 1);
    if (colon <= 0 || eq < 0) return fail(`identity label ${JSON.stringify(part)} is not source:key=value`);
    labels.push({ source: part.slice(0, colon), key: part.slice(colon + 1, eq), value: part.slice(eq + 1) });
  }
  const unique = checkUniqueKeys(labels);
  if (!unique.ok) return unique;
  return ok(labels);
}
