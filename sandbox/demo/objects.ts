/**
 * The demo's objects, modelled on the Star Wars example: plain data, no I/O. The sandbox has no
 * kubelet, so pods get their IP through a status write and every service gets an EndpointSlice
 * written by hand, as the controllers of a real cluster would. Pod IPs sit in the cluster's
 * pod range (10.<id>.0.0/16) and are data only: nothing dials them.
 */
import type { ResourceType } from '../../k8s/index.js';

export const DEMO_NAMESPACE = 'default';
export const DEMO_POOL = 'empire';
/** RFC 5737 documentation range: LoadBalancer IPs are only ever shown, never routed. */
export const DEMO_POOL_CIDR = '198.51.100.0/28';

export interface DemoPod {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
}

export interface DemoObject {
  readonly type: ResourceType;
  readonly body: Record<string, unknown> & { metadata: { name: string; namespace?: string; [k: string]: unknown } };
}

export interface ClusterDemo {
  readonly cluster: string;
  /** Created first, in order: pools before services so LB-IPAM sees the pool. */
  readonly objects: readonly DemoObject[];
  readonly pods: readonly DemoPod[];
}

export const POOLS: ResourceType = { group: 'cilium.io', version: 'v2', resource: 'ciliumloadbalancerippools' };
export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services' };
export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

function podIp(clusterId: number, host: number): string {
  return `10.${clusterId}.0.${host}`;
}

function pod(p: DemoPod): DemoObject {
  return {
    type: PODS,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: DEMO_NAMESPACE, labels: { ...p.labels } },
      spec: { containers: [{ name: 'main', image: 'docker.io/cilium/starwars' }] },
    },
  };
}

function service(
  name: string,
  selector: Record<string, string>,
  opts: { loadBalancer?: boolean; annotations?: Record<string, string> } = {},
): DemoObject {
  return {
    type: SERVICES,
    body: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: DEMO_NAMESPACE, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
      spec: {
        ...(opts.loadBalancer ? { type: 'LoadBalancer' } : {}),
        selector,
        ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }],
      },
    },
  };
}

function slice(cluster: string, serviceName: string, pods: readonly DemoPod[]): DemoObject {
  return {
    type: SLICES,
    body: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${serviceName}-${cluster}`,
        namespace: DEMO_NAMESPACE,
        labels: { 'kubernetes.io/service-name': serviceName },
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      endpoints: pods.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: true },
        targetRef: { kind: 'Pod', namespace: DEMO_NAMESPACE, name: p.name },
      })),
    },
  };
}

const REBEL_BASE = { org: 'alliance', class: 'rebel-base' };
const DEATHSTAR = { org: 'empire', class: 'deathstar' };

function rebelBasePods(clusterId: number, cluster: string): DemoPod[] {
  return [1, 2].map((i) => ({ name: `rebel-base-${cluster}-${i}`, labels: REBEL_BASE, ip: podIp(clusterId, 20 + i) }));
}

/**
 * The first cluster hosts the Empire (pool, deathstar, tiefighter) and an xwing; every cluster
 * runs rebel-base as a global service. The second cluster prefers its own rebel-base backends
 * (affinity local), so its agents show the first cluster's backends as not in use.
 */
export function clusterDemo(cluster: { name: string; id: number }, index: number): ClusterDemo {
  const rebels = rebelBasePods(cluster.id, cluster.name);
  const rebelAnnotations: Record<string, string> = { 'service.cilium.io/global': 'true' };
  if (index === 1) rebelAnnotations['service.cilium.io/affinity'] = 'local';
  const objects: DemoObject[] = [];
  const pods: DemoPod[] = [...rebels];
  if (index === 0) {
    const deathstars = [1, 2].map((i) => ({ name: `deathstar-${i}`, labels: DEATHSTAR, ip: podIp(cluster.id, 10 + i) }));
    pods.push(
      ...deathstars,
      { name: 'tiefighter', labels: { org: 'empire', class: 'tiefighter' }, ip: podIp(cluster.id, 30) },
      { name: 'xwing', labels: { org: 'alliance', class: 'xwing' }, ip: podIp(cluster.id, 31) },
    );
    objects.push(
      {
        type: POOLS,
        body: {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumLoadBalancerIPPool',
          metadata: { name: DEMO_POOL },
          spec: { blocks: [{ cidr: DEMO_POOL_CIDR }] },
        },
      },
      service('deathstar', DEATHSTAR, { loadBalancer: true }),
      slice(cluster.name, 'deathstar', deathstars),
    );
  }
  objects.push(service('rebel-base', REBEL_BASE, { annotations: rebelAnnotations }), slice(cluster.name, 'rebel-base', rebels));
  return { cluster: cluster.name, objects: [...pods.map(pod), ...objects], pods };
}
