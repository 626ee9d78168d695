import { describe, expect, test } from 'vitest';
import type { K8sService } from './local-service.js';
import { desiredService, mergeAll, serviceAffinity, toServiceStatus, type ServiceStatus } from './merge.js';
import {
  CLUSTER_IDS,
  clusterService,
  localSlices,
  readyEndpoint,
  rebelBase,
  remotesFor,
  slice,
  type ClusterName,
} from './scenario.fixture.js';

const global = (affinity?: string): Record<string, string> =>
  affinity === undefined
    ? { 'service.cilium.io/global': 'true' }
    : { 'service.cilium.io/global': 'true', 'service.cilium.io/affinity': affinity };

/** "c1:10.1.0.10" for each backend the node would send traffic to. */
function inUse(status: ServiceStatus | undefined): string[] {
  const name = (id: number) => Object.entries(CLUSTER_IDS).find(([, v]) => v === id)?.[0];
  return (status?.backends ?? []).filter((b) => b.inUse).map((b) => `${name(b.clusterID)}:${b.address}`);
}

function agentView(
  local: ClusterName,
  opts: {
    annotations?: Record<string, string>;
    slices?: ReturnType<typeof localSlices>;
    remotes?: ReturnType<typeof remotesFor>;
  } = {},
) {
  const out = mergeAll(
    {
      services: [rebelBase(opts.annotations ?? global())],
      endpointSlices: opts.slices ?? localSlices(local),
      remoteServices: opts.remotes ?? remotesFor(local),
    },
    { localClusterId: CLUSTER_IDS[local] },
  );
  const svc = out.services[0];
  return { status: svc && toServiceStatus(svc), warnings: out.warnings };
}

const all = ['c1:10.1.0.10', 'c1:10.1.0.11', 'c2:10.2.0.10'];

describe('rebel-base across c1 (2 backends), c2 (1), c3 (none)', () => {
  test.each([
    ['none', 'c1', all],
    ['none', 'c2', all],
    ['none', 'c3', all],
    ['local', 'c1', ['c1:10.1.0.10', 'c1:10.1.0.11']],
    ['local', 'c2', ['c2:10.2.0.10']],
    ['local', 'c3', all],
    ['remote', 'c1', ['c2:10.2.0.10']],
    ['remote', 'c2', ['c1:10.1.0.10', 'c1:10.1.0.11']],
    ['remote', 'c3', all],
  ] as const)('affinity %s: the agent in %s uses %j', (affinity, cluster, expected) => {
    expect(inUse(agentView(cluster, { annotations: global(affinity) }).status)).toEqual(expected);
  });

  test('every backend is listed with its cluster ID even when affinity leaves it unused', () => {
    const { status } = agentView('c1', { annotations: global('local') });
    expect(status).toEqual({
      namespace: 'default',
      name: 'rebel-base',
      frontends: [{ address: '10.96.0.50', port: 80, protocol: 'TCP', type: 'ClusterIP' }],
      backends: [
        { address: '10.1.0.10', port: 8080, protocol: 'TCP', clusterID: 1, inUse: true },
        { address: '10.1.0.11', port: 8080, protocol: 'TCP', clusterID: 1, inUse: true },
        { address: '10.2.0.10', port: 8080, protocol: 'TCP', clusterID: 2, inUse: false },
      ],
    });
  });

  test('affinity local: scaling c1 to zero moves c1 to the remote backend', () => {
    const { status } = agentView('c1', {
      annotations: global('local'),
      slices: [slice('rebel-base-c1', [])],
    });
    expect(inUse(status)).toEqual(['c2:10.2.0.10']);
  });

  test('affinity local: not-ready local endpoints do not count as active', () => {
    const notReady = {
      addresses: ['10.1.0.10'],
      conditions: { ready: false, serving: false, terminating: false },
    };
    const { status } = agentView('c1', {
      annotations: global('local'),
      slices: [slice('rebel-base-c1', [notReady])],
    });
    expect(status?.backends.map((b) => b.address)).toEqual(['10.2.0.10']);
    expect(inUse(status)).toEqual(['c2:10.2.0.10']);
  });

  test.each(['c1', 'c3'] as const)('shared "false" in c2 removes its backend from %s', (cluster) => {
    const { status } = agentView(cluster, { remotes: remotesFor(cluster, { c2: { shared: false } }) });
    expect(status?.backends.map((b) => b.address)).not.toContain('10.2.0.10');
    expect(inUse(status)).toEqual(['c1:10.1.0.10', 'c1:10.1.0.11']);
  });

  test('a service that is not global locally never receives remote backends', () => {
    const { status } = agentView('c1', { annotations: {} });
    expect(inUse(status)).toEqual(['c1:10.1.0.10', 'c1:10.1.0.11']);
    expect(status?.backends).toHaveLength(2);
    expect(inUse(agentView('c3', { annotations: { 'service.cilium.io/global': 'false' } }).status)).toEqual(
      [],
    );
  });

  test('older annotation names work the same', () => {
    const legacy = { 'io.cilium/global-service': 'true', 'io.cilium/service-affinity': 'local' };
    expect(inUse(agentView('c1', { annotations: legacy }).status)).toEqual(['c1:10.1.0.10', 'c1:10.1.0.11']);
  });

  test('an unknown affinity means none, with a warning', () => {
    const { status, warnings } = agentView('c1', { annotations: global('nearest') });
    expect(inUse(status)).toEqual(all);
    expect(warnings).toEqual([
      'service default/rebel-base: unknown affinity "nearest" (want none, local or remote); using none',
    ]);
  });
});

describe('affinity annotation', () => {
  test.each([
    [undefined, 'none', false],
    ['', 'none', false],
    ['none', 'none', false],
    ['Local', 'local', false],
    ['REMOTE', 'remote', false],
    ['sideways', 'none', true],
  ])('%j → %s', (value, affinity, warns) => {
    const svc: K8sService = {
      metadata: { annotations: value === undefined ? {} : { 'service.cilium.io/affinity': value } },
    };
    const out = serviceAffinity(svc);
    expect(out.affinity).toBe(affinity);
    expect(out.warning !== undefined).toBe(warns);
  });
});

describe('local backends from EndpointSlices', () => {
  const ep = (
    ip: string,
    ready: boolean | undefined,
    serving: boolean | undefined,
    terminating: boolean | undefined,
  ) => ({
    addresses: [ip],
    conditions: { ready, serving, terminating },
  });
  const view = (endpoints: ReturnType<typeof ep>[]) =>
    agentView('c1', { annotations: {}, slices: [slice('s', endpoints)] }).status;

  test('ready endpoints are used; unknown readiness counts as ready', () => {
    expect(
      inUse(view([ep('10.1.0.10', true, true, false), ep('10.1.0.11', undefined, undefined, undefined)])),
    ).toEqual(['c1:10.1.0.10', 'c1:10.1.0.11']);
  });

  test('terminating endpoints stay listed but unused while a ready one exists', () => {
    const status = view([ep('10.1.0.10', true, true, false), ep('10.1.0.11', false, true, true)]);
    expect(status?.backends.map((b) => [b.address, b.inUse])).toEqual([
      ['10.1.0.10', true],
      ['10.1.0.11', false],
    ]);
  });

  test('serving terminating endpoints are used when nothing else is', () => {
    expect(inUse(view([ep('10.1.0.11', false, true, true)]))).toEqual(['c1:10.1.0.11']);
  });

  test('terminating endpoints that no longer serve, and not-ready ones, are dropped', () => {
    expect(
      view([ep('10.1.0.10', false, false, true), ep('10.1.0.11', false, false, false)])?.backends,
    ).toEqual([]);
  });

  test('an address in two slices is listed once, active if either says so', () => {
    const status = agentView('c1', {
      annotations: {},
      slices: [slice('a', [ep('10.1.0.10', false, true, true)]), slice('b', [readyEndpoint('10.1.0.10')])],
    }).status;
    expect(status?.backends).toEqual([
      { address: '10.1.0.10', port: 8080, protocol: 'TCP', clusterID: 1, inUse: true },
    ]);
  });

  test('slices of other services and bad addresses are ignored, the latter with a warning', () => {
    const out = agentView('c1', {
      annotations: {},
      slices: [
        slice('x', [readyEndpoint('10.9.9.9')], 'other'),
        slice('s', [readyEndpoint('not-an-ip'), readyEndpoint('10.1.0.10')]),
      ],
    });
    expect(out.status?.backends.map((b) => b.address)).toEqual(['10.1.0.10']);
    expect(out.warnings).toEqual([
      'service default/rebel-base: endpoint address in slice s "not-an-ip" is not an IP address',
    ]);
  });
});

describe('frontends and ports', () => {
  const twoPorts: K8sService = {
    metadata: { namespace: 'default', name: 'echo', annotations: { 'service.cilium.io/global': 'true' } },
    spec: {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10', 'fd00::a'],
      externalIPs: ['192.0.2.7'],
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: '198.51.100.4' }, {}] } },
  };

  test('every ClusterIP, external IP and ingress IP, for every port', () => {
    const out = desiredService({ service: twoPorts, slices: [], remotes: [] }, { localClusterId: 1 });
    expect(out.service && toServiceStatus(out.service).frontends).toEqual([
      { address: '10.96.0.10', port: 53, protocol: 'UDP', type: 'ClusterIP' },
      { address: '10.96.0.10', port: 80, protocol: 'TCP', type: 'ClusterIP' },
      { address: 'fd00::a', port: 53, protocol: 'UDP', type: 'ClusterIP' },
      { address: 'fd00::a', port: 80, protocol: 'TCP', type: 'ClusterIP' },
      { address: '192.0.2.7', port: 53, protocol: 'UDP', type: 'ExternalIPs' },
      { address: '192.0.2.7', port: 80, protocol: 'TCP', type: 'ExternalIPs' },
      { address: '198.51.100.4', port: 53, protocol: 'UDP', type: 'LoadBalancer' },
      { address: '198.51.100.4', port: 80, protocol: 'TCP', type: 'LoadBalancer' },
    ]);
  });

  test('remote backends are matched to service ports by port name', () => {
    const remote = clusterService('c2', {
      name: 'echo',
      backends: {
        '10.2.0.5': { dns: { protocol: 'UDP', port: 5353 }, metrics: { protocol: 'TCP', port: 9090 } },
      },
    });
    const out = desiredService({ service: twoPorts, slices: [], remotes: [remote] }, { localClusterId: 1 });
    expect(out.service?.backends).toEqual([
      { address: '10.2.0.5', port: 5353, protocol: 'UDP', clusterID: 2, inUse: true, portName: 'dns' },
    ]);
  });

  test.each([
    ['headless', { ...rebelBase(), spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } }],
    ['ExternalName', { ...rebelBase(), spec: { type: 'ExternalName', ports: [{ name: 'http', port: 80 }] } }],
    ['nameless', { spec: rebelBase().spec }],
  ])('a %s service has nothing to program', (_what, svc) => {
    expect(
      desiredService({ service: svc, slices: localSlices('c1'), remotes: [] }, { localClusterId: 1 }).service,
    ).toBeUndefined();
  });

  test('a bad port or IP is skipped with a warning, the rest still served', () => {
    const svc: K8sService = {
      metadata: { namespace: 'default', name: 'odd' },
      spec: {
        clusterIPs: ['10.96.0.9', '300.1.1.1'],
        ports: [
          { name: 'a', port: 0 },
          { name: 'b', port: 81 },
        ],
      },
    };
    const out = desiredService({ service: svc, slices: [], remotes: [] }, { localClusterId: 1 });
    expect(out.service?.frontends).toEqual([
      { address: '10.96.0.9', port: 81, protocol: 'TCP', type: 'ClusterIP', portName: 'b' },
    ]);
    expect(out.warnings).toEqual([
      'service default/odd: ClusterIP address "300.1.1.1" is not an IP address',
      'service default/odd: service port "a" has invalid port 0',
    ]);
  });
});

test('input order does not change the output', () => {
  const a = rebelBase(global(), '10.96.0.50');
  const b: K8sService = {
    ...rebelBase(global(), '10.96.0.51'),
    metadata: { namespace: 'alpha', name: 'z', annotations: global() },
  };
  const slices = [...localSlices('c1'), slice('extra', [readyEndpoint('10.1.0.9')])];
  const remotes = remotesFor('c1');
  const forward = mergeAll(
    { services: [a, b], endpointSlices: slices, remoteServices: remotes },
    { localClusterId: 1 },
  );
  const reversed = mergeAll(
    {
      services: [b, a],
      endpointSlices: [...slices].reverse(),
      remoteServices: new Map([...remotes].reverse()),
    },
    { localClusterId: 1 },
  );
  expect(JSON.stringify(reversed)).toBe(JSON.stringify(forward));
  expect(forward.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(['alpha/z', 'default/rebel-base']);
});
