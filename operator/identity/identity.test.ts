import { describe, expect, test } from 'vitest';
import { identityRange } from '../../clustermesh/cluster.js';
import { allocate } from './allocator.js';
import { gcIdentities } from './gc.js';
import { isIdentityRelevant } from './label-filter.js';
import { ciliumEndpointObject, podIdentities } from './pods.js';
import { securityLabelsText } from './security-labels.js';

const k8s = (key: string) => ({ source: 'k8s', key, value: 'x' });

describe('label filter (Cilium defaults)', () => {
  test.each([
    'pod-template-hash',
    'controller-revision-hash',
    'statefulset.kubernetes.io/pod-name',
    'apps.kubernetes.io/pod-index',
    'batch.kubernetes.io/job-completion-index',
    'batch.kubernetes.io/controller-uid',
    'controller-uid',
    'pod-template-generation',
    'kubernetes.io/hostname',
    'io.kubernetes.container.name',
    'failure-domain.beta.kubernetes.io/zone',
    'k8s.io/x',
    'annotation.foo',
    'etcd_node',
  ])('%s is not identity-relevant', (key) => expect(isIdentityRelevant(k8s(key))).toBe(false));
  test.each([
    'app',
    'io.kubernetes.pod.namespace',
    'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name',
    'io.cilium.k8s.policy.serviceaccount',
    'io.cilium.k8s.policy.cluster',
    'app.kubernetes.io/name',
    'job-name',
    'batch.kubernetes.io/job-name',
  ])('%s is identity-relevant', (key) => expect(isIdentityRelevant(k8s(key))).toBe(true));
});

test('security labels add namespace, service account, namespace labels and cluster; pods cannot override them', () => {
  expect(
    securityLabelsText({
      namespace: 'bar',
      podLabels: { app: 'baz', 'pod-template-hash': '5d8f', 'io.kubernetes.pod.namespace': 'fake' },
      namespaceLabels: { team: 'red', 'kubernetes.io/metadata.name': 'bar' },
      serviceAccount: 'default',
      cluster: 'c1',
    }),
  ).toBe(
    'k8s:app=baz;k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=bar;k8s:io.cilium.k8s.namespace.labels.team=red;' +
      'k8s:io.cilium.k8s.policy.cluster=c1;k8s:io.cilium.k8s.policy.serviceaccount=default;k8s:io.kubernetes.pod.namespace=bar;',
  );
});

describe('allocate', () => {
  const range = { min: 65536, max: 65539 };
  test('reuses existing IDs, gives new sets the lowest free IDs in sorted order, reports unused', () => {
    const a = allocate(
      [
        { id: 65537, labels: 'k8s:b;' },
        { id: 65539, labels: 'k8s:old;' },
      ],
      ['k8s:c;', 'k8s:b;', 'k8s:a;', 'k8s:a;'],
      range,
    );
    expect([...a.assigned]).toEqual([
      ['k8s:b;', 65537],
      ['k8s:a;', 65536],
      ['k8s:c;', 65538],
    ]);
    expect(a.created).toEqual([
      { id: 65536, labels: 'k8s:a;' },
      { id: 65538, labels: 'k8s:c;' },
    ]);
    expect(a.unused).toEqual([65539]);
    expect(a.exhausted).toEqual([]);
  });
  test('is deterministic regardless of input order', () => {
    const x = allocate([], ['k8s:z;', 'k8s:y;'], range);
    const y = allocate([], ['k8s:y;', 'k8s:z;'], range);
    expect([...x.assigned].sort()).toEqual([...y.assigned].sort());
  });
  test('reports exhaustion', () => {
    const a = allocate([], ['1', '2', '3', '4', '5'], range);
    expect(a.created.map((c) => c.id)).toEqual([65536, 65537, 65538, 65539]);
    expect(a.exhausted).toEqual(['5']);
  });
  test('duplicates keep the lowest ID; an out-of-range copy is not reused', () => {
    const a = allocate(
      [
        { id: 65538, labels: 'L' },
        { id: 65537, labels: 'L' },
        { id: 300, labels: 'M' },
      ],
      ['L', 'M'],
      range,
    );
    expect(a.assigned.get('L')).toBe(65537);
    expect(a.assigned.get('M')).toBe(65536);
    expect(a.unused).toEqual([300, 65538]);
  });
  test('uses the cluster range', () => {
    expect(allocate([], ['L'], identityRange(2, 511)).created).toEqual([{ id: 65536, labels: 'L' }]);
  });
});

describe('gc', () => {
  test('deletes identities unused for the grace period, keeps used and recently used ones', () => {
    const d = gcIdentities({
      identities: [1000, 1001, 1002, 1003],
      inUse: new Set([1000]),
      lastUsed: new Map([
        [1000, 0],
        [1001, 0],
        [1002, 9_500],
      ]),
      now: 10_000,
      graceMs: 1_000,
    });
    expect(d.delete).toEqual([1001]);
    expect([...d.lastUsed]).toEqual([
      [1000, 10_000],
      [1002, 9_500],
      [1003, 10_000],
    ]);
  });
});

describe('pods', () => {
  const pod = {
    metadata: { name: 'web-0', namespace: 'bar', uid: 'u1', labels: { app: 'web' } },
    spec: { serviceAccountName: 'web', containers: [{ ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9 }] }] },
    status: { hostIP: '172.18.0.2', podIPs: [{ ip: '10.244.0.5' }, { ip: 'fd00::5' }] },
  };
  test('invalid pods are rejected with a reason, host-network pods need no identity', () => {
    const r = podIdentities(
      [pod, { metadata: { name: 'x' } }, { ...pod, metadata: { ...pod.metadata, name: 'h' }, spec: { hostNetwork: true } }],
      new Map(),
      'c1',
    );
    expect([...r.byPod.keys()]).toEqual(['bar/web-0']);
    expect(r.rejected).toEqual([{ name: 'x', reason: expect.stringContaining('namespace') }]);
  });
  test('CiliumEndpoint carries both IPs, node IP, identity and named ports', () => {
    const r = podIdentities([pod], new Map(), 'c1');
    const cep = ciliumEndpointObject(r.pods.get('bar/web-0')!, { id: 65536, labels: r.byPod.get('bar/web-0')! });
    expect(cep).toMatchObject({
      metadata: { name: 'web-0', namespace: 'bar', ownerReferences: [{ kind: 'Pod', uid: 'u1' }] },
      status: {
        identity: { id: 65536, labels: expect.arrayContaining(['k8s:app=web']) },
        networking: { addressing: [{ ipv4: '10.244.0.5', ipv6: 'fd00::5' }], node: '172.18.0.2' },
        'named-ports': [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    });
    const noIp = podIdentities([{ ...pod, status: {} }], new Map(), 'c1');
    expect(ciliumEndpointObject(noIp.pods.get('bar/web-0')!, { id: 65536, labels: 'k8s:a=b;' })).toBeUndefined();
  });
});
