/**
 * The golden fixture: Kubernetes objects (testdata/golden/inputs.json) run through the
 * operator's identity core and the apiserver's projection. The pure golden test and the later
 * end-to-end test against a real etcd both compare against testdata/golden/expected.json.
 */
import { readFileSync } from 'node:fs';
import { identityRange } from '../../clustermesh/cluster.js';
import { allocate } from '../../operator/identity/allocator.js';
import { ciliumEndpointObject, ciliumIdentityObject, podIdentities } from '../../operator/identity/pods.js';
import type { ProjectionOptions, Rejection } from '../options.js';
import { project } from '../project.js';

export interface GoldenInputs {
  readonly options: ProjectionOptions;
  readonly namespaces: unknown[];
  readonly services: unknown[];
  readonly endpointSlices: unknown[];
  readonly nodes: unknown[];
  readonly pods: unknown[];
}

export interface GoldenExpected {
  /** key → value; JSON values as parsed JSON, identity labels as the exact string. */
  readonly entries: Record<string, unknown>;
  readonly rejected: Rejection[];
  readonly podsRejected: { name: string; namespace?: string; reason: string }[];
}

const dir = new URL('./golden/', import.meta.url);

export function loadGoldenInputs(): GoldenInputs {
  return JSON.parse(readFileSync(new URL('inputs.json', dir), 'utf8')) as GoldenInputs;
}

export function loadGoldenExpected(): GoldenExpected {
  return JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as GoldenExpected;
}

/** Pods → identities and endpoints (as the operator would create them) → etcd entries. */
export function runGolden(inputs: GoldenInputs) {
  const nsLabels = new Map(
    inputs.namespaces.map((n) => {
      const meta = (n as { metadata: { name: string; labels?: Record<string, string> } }).metadata;
      return [meta.name, meta.labels ?? {}] as const;
    }),
  );
  const opts = inputs.options;
  const pods = podIdentities(inputs.pods, nsLabels, opts.clusterName);
  const allocation = allocate([], pods.byPod.values(), identityRange(opts.clusterId, opts.maxConnectedClusters));
  const identities = allocation.created.map((c) => ciliumIdentityObject(c.id, c.labels));
  const endpoints = [...pods.pods].flatMap(([ref, pod]) => {
    const labels = pods.byPod.get(ref)!;
    const cep = ciliumEndpointObject(pod, { id: allocation.assigned.get(labels)!, labels });
    return cep ? [cep] : [];
  });
  const projection = project({ ...inputs, identities, endpoints }, opts);
  return { projection, podsRejected: pods.rejected, identities, endpoints };
}

/** An entry's value in the expected file's form. */
export function expectedForm(key: string, value: string): unknown {
  return key.startsWith('cilium/state/identities/') ? value : (JSON.parse(value) as unknown);
}
