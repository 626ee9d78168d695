/**
 * Adapter: restarting informers on CiliumEgressGatewayPolicies, Pods, Namespaces and Nodes.
 * Each event converts its one object through the boundary (policy.ts, inputs.ts) and keeps the
 * plain result, so a round only assembles `Inputs` from ready-made pieces. Objects that do not
 * fit are dropped with a log line and a metric; nothing here throws on bad input.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createInformer, type Informer, type ListResult } from '../k8s/informer.js';
import type { ObjectLike } from '../k8s/informer-core.js';
import type { KubeError } from '../k8s/errors.js';
import { kubeRequest } from '../k8s/request.js';
import { collectionPath, coreResource, type ResourceType } from '../k8s/resource.js';
import type { Logger } from '../lib/log.js';
import type { HealthReport } from '../lib/module.js';
import { ok, type Result } from '../lib/result.js';
import type { EgressNamespace, EgressPod } from './desired.js';
import type { EgressNode } from './gateway.js';
import { namespaceFromObject, nodeFromObject, podFromObject } from './inputs.js';
import { parseEgressPolicy, type EgressPolicy, type PolicyRejection } from './policy.js';

export const EGRESS_POLICIES: ResourceType = { group: 'cilium.io', version: 'v2', resource: 'ciliumegressgatewaypolicies' };

type K8sObject = ObjectLike & Record<string, unknown>;
export type ParsedPolicy = Result<EgressPolicy, PolicyRejection>;

export interface SourceSnapshot {
  readonly policies: ReadonlyMap<string, ParsedPolicy>;
  readonly pods: ReadonlyMap<string, EgressPod>;
  readonly namespaces: ReadonlyMap<string, EgressNamespace>;
  readonly nodes: ReadonlyMap<string, EgressNode>;
}

export interface EgressSources {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  readonly synced: boolean;
  whenSynced(): Promise<void>;
  snapshot(): SourceSnapshot;
  health(): HealthReport;
}

export interface SourcesOptions {
  readonly kc: KubeConfig;
  readonly log: Logger;
  /** Called after every change, already applied to the snapshot. */
  readonly changed: () => void;
  /** An object the boundary refused (kind: pod, node, namespace). */
  readonly rejected: (kind: string, key: string, reason: string) => void;
}

function keyOf(o: K8sObject): string {
  const m = o.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/**
 * Without the CRD installed there are no policies, which is a valid state: the list answers
 * empty instead of failing, so the agent still becomes ready (the watch retries meanwhile).
 */
async function listPolicies(kc: KubeConfig): Promise<Result<ListResult<K8sObject>, KubeError>> {
  const r = await kubeRequest<{ items?: K8sObject[]; metadata?: { resourceVersion?: string } }>(kc, {
    method: 'GET',
    path: collectionPath(EGRESS_POLICIES),
  });
  if (!r.ok) return r.error.kind === 'not_found' ? ok({ items: [], resourceVersion: '' }) : r;
  return ok({ items: r.value.items ?? [], resourceVersion: r.value.metadata?.resourceVersion ?? '' });
}

export function createEgressSources(o: SourcesOptions): EgressSources {
  const policies = new Map<string, ParsedPolicy>();
  const pods = new Map<string, EgressPod>();
  const namespaces = new Map<string, EgressNamespace>();
  const nodes = new Map<string, EgressNode>();

  function watch<T>(
    name: string,
    resource: ResourceType,
    into: Map<string, T>,
    convert: (o: K8sObject) => Result<T>,
    list?: () => Promise<Result<ListResult<K8sObject>, KubeError>>,
  ): Informer<K8sObject> {
    const upsert = (obj: K8sObject): void => {
      const key = keyOf(obj);
      const r = convert(obj);
      if (r.ok) {
        into.set(key, r.value);
      } else {
        into.delete(key);
        o.rejected(name, key, r.error);
      }
      o.changed();
    };
    const remove = (obj: K8sObject): void => {
      into.delete(keyOf(obj));
      o.changed();
    };
    return createInformer<K8sObject>({
      kc: o.kc, resource, name, logger: o.log, onAdd: upsert, onUpdate: upsert, onDelete: remove, ...(list ? { list } : {}),
    });
  }

  const informers = [
    // A rejected policy stays in the snapshot as a rejection: it is counted and reported, never applied.
    watch('ciliumegressgatewaypolicies', EGRESS_POLICIES, policies, (obj) => ok(parseEgressPolicy(obj)), () => listPolicies(o.kc)),
    watch('pods', coreResource('pods'), pods, podFromObject),
    watch('namespaces', coreResource('namespaces'), namespaces, namespaceFromObject),
    watch('nodes', coreResource('nodes'), nodes, nodeFromObject),
  ];

  return {
    async start(signal) {
      await Promise.all(informers.map((i) => i.start(signal)));
    },
    async stop() {
      await Promise.all(informers.map((i) => i.stop()));
    },
    get synced() {
      return informers.every((i) => i.synced);
    },
    async whenSynced() {
      await Promise.all(informers.map((i) => i.whenSynced()));
    },
    snapshot: () => ({ policies, pods, namespaces, nodes }),
    health() {
      const parts = informers.map((i) => i.health());
      return {
        name: 'egress-gateway-informers',
        healthy: parts.every((p) => p.healthy),
        ready: parts.every((p) => p.ready),
        ...(parts.some((p) => p.message) ? { message: parts.map((p) => p.message).filter(Boolean).join('; ') } : {}),
      };
    },
  };
}
