/**
 * The operator's test world: the shared API world (a real etcd, the sandbox API server, the
 * Cilium CRDs from deploy/crds applied by the real kubectl), plus small helpers to create pods
 * with a status and to read back identities and endpoints.
 */
import { createObject, deleteObject, mergePatch, patchStatus } from '../../k8s/patch.js';
import { kubeRequest } from '../../k8s/request.js';
import { collectionPath, coreResource } from '../../k8s/resource.js';
import { CILIUM_ENDPOINTS, CILIUM_IDENTITIES } from '../../operator/identity/writer.js';
import { withApiWorld } from '../helpers/api-world.js';
import type { Harness } from '../k8s/harness.js';

export { eventually } from '../helpers/api-world.js';

export interface Identity {
  readonly id: number;
  readonly labels: Record<string, string>;
}

export interface Endpoint {
  readonly key: string;
  readonly identity: number;
  readonly ips: { ipv4?: string; ipv6?: string }[];
  readonly node?: string;
  readonly ownerUid?: string;
  readonly namedPorts?: unknown;
}

export interface OperatorWorld {
  readonly h: Harness;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** Creates a pod and gives it a running status with `ip` (when set) on node 10.0.0.1. */
  createPod(ns: string, name: string, labels: Record<string, string>, ip?: string): Promise<string>;
  setPodLabels(ns: string, name: string, labels: Record<string, string | null>): Promise<void>;
  deletePod(ns: string, name: string): Promise<void>;
  identities(): Promise<Identity[]>;
  endpoints(): Promise<Map<string, Endpoint>>;
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.message}`);
  return r.value;
}

export function withOperatorWorld(): OperatorWorld {
  const { h } = withApiWorld({ served: [CILIUM_IDENTITIES, CILIUM_ENDPOINTS] });

  return {
    h,
    async createNamespace(name, labels = {}) {
      must(await createObject(h.kc, coreResource('namespaces'), { metadata: { name, labels } }), `namespace ${name}`);
    },
    async createPod(ns, name, labels, ip) {
      const pod = {
        metadata: { name, namespace: ns, labels },
        spec: { serviceAccountName: 'default', containers: [{ name: 'app', image: 'app:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
      };
      const created = must(await createObject<{ metadata: { uid: string } }>(h.kc, coreResource('pods'), pod), `pod ${ns}/${name}`);
      const status = { phase: 'Running', hostIP: '10.0.0.1', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}) };
      must(await patchStatus(h.kc, { ...coreResource('pods'), namespace: ns, name }, { status }), `pod status ${ns}/${name}`);
      return created.metadata.uid;
    },
    async setPodLabels(ns, name, labels) {
      must(await mergePatch(h.kc, { ...coreResource('pods'), namespace: ns, name }, { metadata: { labels } }), `labels ${ns}/${name}`);
    },
    async deletePod(ns, name) {
      must(await deleteObject(h.kc, { ...coreResource('pods'), namespace: ns, name }), `delete ${ns}/${name}`);
    },
    async identities() {
      const list = must(await kubeRequest<{ items: { metadata: { name: string }; 'security-labels': Record<string, string> }[] }>(
        h.kc, { method: 'GET', path: collectionPath(CILIUM_IDENTITIES) }), 'list identities');
      return list.items.map((i) => ({ id: Number(i.metadata.name), labels: i['security-labels'] })).sort((a, b) => a.id - b.id);
    },
    async endpoints() {
      type Cep = {
        metadata: { name: string; namespace: string; ownerReferences?: { uid: string }[] };
        status: { identity: { id: number }; networking: { addressing: { ipv4?: string; ipv6?: string }[]; node?: string }; 'named-ports'?: unknown };
      };
      const list = must(await kubeRequest<{ items: Cep[] }>(h.kc, { method: 'GET', path: collectionPath(CILIUM_ENDPOINTS) }), 'list endpoints');
      return new Map(list.items.map((c) => {
        const key = `${c.metadata.namespace}/${c.metadata.name}`;
        return [key, {
          key, identity: c.status.identity.id, ips: c.status.networking.addressing, node: c.status.networking.node,
          ownerUid: c.metadata.ownerReferences?.[0]?.uid, namedPorts: c.status['named-ports'],
        }];
      }));
    },
  };
}
