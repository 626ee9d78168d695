/** Shapes and small rules shared by the ClusterConfig path (desired.ts) and the legacy one (legacy.ts). */
import { labelSelectorFromObject, matchesLabelSelector } from '../../k8s/labels.js';
import type { LabelSelectorSpec } from '../api/index.js';
import type { NodeIn, Owned } from './inputs.js';

export interface OwnerRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/** An object the operator wants to exist exactly like this. */
export interface DesiredObject<S> {
  readonly name: string;
  readonly owner: OwnerRef;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: S;
}

export function ownerOf(kind: { group: string; version: string; kind: string }, o: Owned): OwnerRef {
  return { apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind, name: o.name, uid: o.uid };
}

/** nil selects every node (unlike metav1's nil-means-nothing). */
export function selects(selector: LabelSelectorSpec | undefined, node: NodeIn): boolean {
  if (selector === undefined) return true;
  const sel = labelSelectorFromObject(selector);
  return sel.ok && matchesLabelSelector(sel.value, node.labels);
}

/** Older first; the name breaks ties so every operator replica picks the same winner. */
export function olderFirst(a: Owned, b: Owned): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
