/**
 * LB-IPAM's test world: the shared API world (a real etcd, the sandbox API server, the Cilium
 * CRDs applied by the real kubectl) and the LB-IPAM controller running in-process.
 * Everything is written with `kubectl apply` and read back with `kubectl get`, so what a test
 * sees is what a user would see. Each test works in its own namespace and selects its pools by
 * the namespace pseudo-label, so tests in one file do not take each other's addresses.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../lib/log.js';
import type { Module } from '../../lib/module.js';
import { LB_IP_POOLS } from '../../lb-ipam/controller.js';
import type { Options } from '../../lb-ipam/desired.js';
import { createLbIpamController } from '../../lb-ipam/index.js';
import { withApiWorld } from '../helpers/api-world.js';
import type { Harness } from '../k8s/harness.js';
import type { KubectlResult } from '../kubectl/run.js';

export { eventually } from '../helpers/api-world.js';

export interface PoolSpec {
  readonly blocks: readonly ({ cidr: string } | { start: string; stop?: string })[];
  /** Namespace the pool serves (by pseudo-label); omit for every service. */
  readonly namespace?: string;
  readonly selector?: Record<string, unknown>;
  readonly disabled?: boolean;
  readonly allowFirstLastIPs?: 'Yes' | 'No';
  readonly annotations?: Record<string, string>;
}

export interface ServiceSpec {
  readonly ips?: string;
  readonly loadBalancerIP?: string;
  readonly sharingKey?: string;
  readonly crossNamespace?: string;
  readonly ports?: readonly { port: number; protocol?: string }[];
  readonly ipFamilyPolicy?: string;
  readonly ipFamilies?: readonly string[];
  readonly externalTrafficPolicy?: string;
  readonly selector?: Record<string, string>;
  readonly loadBalancerClass?: string;
  readonly type?: string;
  readonly labels?: Record<string, string>;
}

export interface ServiceCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

export function poolYaml(name: string, p: PoolSpec): string {
  const selector = p.selector ?? (p.namespace ? { matchLabels: { 'io.kubernetes.service.namespace': p.namespace } } : undefined);
  const obj = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumLoadBalancerIPPool',
    metadata: { name, ...(p.annotations ? { annotations: p.annotations } : {}) },
    spec: {
      blocks: p.blocks,
      ...(selector ? { serviceSelector: selector } : {}),
      ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
      ...(p.allowFirstLastIPs ? { allowFirstLastIPs: p.allowFirstLastIPs } : {}),
    },
  };
  // YAML 1.1 quoting: kubectl reads an unquoted No as a boolean.
  return stringify(obj, { version: '1.1' });
}

export function serviceYaml(ns: string, name: string, s: ServiceSpec = {}): string {
  const annotations: Record<string, string> = {};
  if (s.ips !== undefined) annotations['lbipam.cilium.io/ips'] = s.ips;
  if (s.sharingKey !== undefined) annotations['lbipam.cilium.io/sharing-key'] = s.sharingKey;
  if (s.crossNamespace !== undefined) annotations['lbipam.cilium.io/sharing-cross-namespace'] = s.crossNamespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, annotations, ...(s.labels ? { labels: s.labels } : {}) },
    spec: {
      type: s.type ?? 'LoadBalancer',
      selector: s.selector ?? { app: name },
      ports: (s.ports ?? [{ port: 80 }]).map((p) => ({ name: `p${p.port}-${(p.protocol ?? 'TCP').toLowerCase()}`, protocol: 'TCP', ...p })),
      ...(s.ipFamilyPolicy ? { ipFamilyPolicy: s.ipFamilyPolicy } : {}),
      ...(s.ipFamilies ? { ipFamilies: s.ipFamilies } : {}),
      ...(s.externalTrafficPolicy ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
      ...(s.loadBalancerClass ? { loadBalancerClass: s.loadBalancerClass } : {}),
      ...(s.loadBalancerIP ? { loadBalancerIP: s.loadBalancerIP } : {}),
    },
  });
}

export interface LbIpamWorld {
  readonly h: Harness;
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  /** `kubectl apply -f -`; throws with kubectl's stderr when it fails. */
  apply(...docs: string[]): Promise<void>;
  /** `kubectl create -f -`: no read before each write, for bulk creation. */
  create(...docs: string[]): Promise<void>;
  namespace(name: string): Promise<void>;
  /** status.loadBalancer.ingress IPs of a service, as `kubectl get -o json` shows them. */
  ingress(ns: string, name: string): Promise<string[]>;
  condition(ns: string, name: string): Promise<ServiceCondition | undefined>;
  poolConditions(name: string): Promise<ServiceCondition[]>;
  startController(options?: Partial<Options>): Promise<void>;
  stopController(): Promise<void>;
  readonly controller: Module | undefined;
}

/** `debounceMs`: how long the controller lets informer events gather before a round. */
export function withLbIpamWorld(options: Partial<Options> = {}, debounceMs = 20): LbIpamWorld {
  const { h, kubectl: run, must, getJson } = withApiWorld({ served: [LB_IP_POOLS] });
  let controller: Module | undefined;
  let abort: AbortController | undefined;

  const startController = async (o: Partial<Options> = options): Promise<void> => {
    abort = new AbortController();
    controller = createLbIpamController({ kc: h.kc, registry: new Registry(), logger: silentLogger, options: o, debounceMs });
    await controller.start(abort.signal);
  };
  const stopController = async (): Promise<void> => {
    await controller?.stop();
    abort?.abort();
    controller = undefined;
  };

  beforeAll(() => startController());
  afterAll(() => stopController());

  return {
    h,
    kubectl: run,
    async apply(...docs) {
      await must(['apply', '-f', '-'], docs.join('\n---\n'));
    },
    async create(...docs) {
      await must(['create', '-f', '-'], docs.join('\n---\n'));
    },
    async namespace(name) {
      await must(['create', 'namespace', name]);
    },
    async ingress(ns, name) {
      const svc = await getJson('service', '-n', ns, name);
      const ingress = ((svc?.status as { loadBalancer?: { ingress?: { ip: string }[] } } | undefined)?.loadBalancer?.ingress) ?? [];
      return ingress.map((i) => i.ip);
    },
    async condition(ns, name) {
      const svc = await getJson('service', '-n', ns, name);
      const conds = ((svc?.status as { conditions?: ServiceCondition[] } | undefined)?.conditions) ?? [];
      return conds.find((c) => c.type === 'cilium.io/IPAMRequestSatisfied');
    },
    async poolConditions(name) {
      const pool = await getJson('ciliumloadbalancerippools', name);
      return ((pool?.status as { conditions?: ServiceCondition[] } | undefined)?.conditions) ?? [];
    },
    startController,
    stopController,
    get controller() {
      return controller;
    },
  };
}
