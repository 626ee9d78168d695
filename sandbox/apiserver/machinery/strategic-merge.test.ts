import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCES } from '../resources.js';
import type { ResourceDef } from '../resources.js';
import { applyStrategicMergePatch } from './patch.js';

function def(kind: string): ResourceDef {
  const d = BUILTIN_RESOURCES.find((r) => r.kind === kind);
  if (d === undefined) throw new Error(`no builtin ${kind}`);
  return d;
}

function smp(kind: string, target: unknown, patch: unknown): unknown {
  const r = applyStrategicMergePatch(target, patch, def(kind));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const svc = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', labels: { a: '1' }, finalizers: ['x/one'] },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
    ],
    externalIPs: ['192.0.2.1', '192.0.2.2'],
  },
};

describe('strategic merge patch: Service', () => {
  test.each([
    [
      'ports merge on port: an existing port is updated in place',
      { spec: { ports: [{ port: 443, targetPort: 9443 }] } },
      {
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 9443, protocol: 'TCP' },
        ],
      },
    ],
    [
      'a new port is appended',
      { spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } },
      {
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      },
    ],
    [
      '$patch: delete removes by merge key',
      { spec: { ports: [{ $patch: 'delete', port: 80 }] } },
      { ports: [{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] },
    ],
    [
      'a list element {$patch: replace} replaces the whole list',
      { spec: { ports: [{ $patch: 'replace' }, { port: 8000 }] } },
      { ports: [{ port: 8000 }] },
    ],
    [
      'null inside a merged element deletes that field',
      { spec: { ports: [{ port: 80, targetPort: null }] } },
      {
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    ],
    [
      'atomic lists (externalIPs) are replaced',
      { spec: { externalIPs: ['192.0.2.9'] } },
      { externalIPs: ['192.0.2.9'] },
    ],
    [
      '$setElementOrder orders the merged list',
      { spec: { '$setElementOrder/ports': [{ port: 443 }, { port: 80 }] } },
      {
        ports: [
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        ],
      },
    ],
    ['an empty patch list leaves a merged list alone', { spec: { ports: [] } }, { ports: svc.spec.ports }],
  ])('%s', (_name, patch, expectedSpec) => {
    const cleaned = JSON.parse(JSON.stringify(patch)) as unknown;
    const out = smp('Service', svc, cleaned) as { spec: Record<string, unknown> };
    expect(out.spec).toMatchObject(expectedSpec);
    for (const [k, v] of Object.entries(expectedSpec)) expect(out.spec[k]).toEqual(v);
  });

  test('what kubectl apply sends for a removed port and a changed selector', () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        '$setElementOrder/ports': [{ port: 443 }],
        ports: [{ $patch: 'delete', port: 80 }],
        selector: { app: null, tier: 'web' },
      },
    };
    expect(smp('Service', svc, patch)).toEqual({
      ...svc,
      metadata: {
        ...svc.metadata,
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      spec: { ...svc.spec, selector: { tier: 'web' }, ports: [svc.spec.ports[1]] },
    });
  });

  test('never mutates the target or the patch', () => {
    const target = JSON.parse(JSON.stringify(svc)) as typeof svc;
    const patch = { spec: { ports: [{ port: 80, name: 'web' }] }, metadata: { labels: { a: null } } };
    const patchCopy = JSON.parse(JSON.stringify(patch)) as unknown;
    smp('Service', target, patch);
    expect(target).toEqual(svc);
    expect(patch).toEqual(patchCopy);
  });
});

describe('strategic merge patch: metadata (every kind)', () => {
  const cm = {
    metadata: {
      name: 'c',
      finalizers: ['a', 'b'],
      ownerReferences: [{ uid: 'u1', kind: 'X', name: 'x1' }],
      labels: { keep: 'y', drop: 'n' },
    },
    data: { k1: 'v1', k2: 'v2' },
  };
  test.each([
    ['finalizers merge as a set', { metadata: { finalizers: ['b', 'c'] } }, { finalizers: ['a', 'b', 'c'] }],
    [
      '$deleteFromPrimitiveList removes values',
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      { finalizers: ['b'] },
    ],
    [
      'delete and add in one patch',
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'b'], finalizers: ['z'] } },
      { finalizers: ['z'] },
    ],
    [
      '$setElementOrder on a primitive list',
      { metadata: { '$setElementOrder/finalizers': ['b', 'a'] } },
      { finalizers: ['b', 'a'] },
    ],
    [
      'ownerReferences merge on uid',
      {
        metadata: {
          ownerReferences: [
            { uid: 'u2', kind: 'Y', name: 'y' },
            { uid: 'u1', name: 'renamed' },
          ],
        },
      },
      {
        ownerReferences: [
          { uid: 'u1', kind: 'X', name: 'renamed' },
          { uid: 'u2', kind: 'Y', name: 'y' },
        ],
      },
    ],
    [
      'null removes a label',
      { metadata: { labels: { drop: null, add: 'z' } } },
      { labels: { keep: 'y', add: 'z' } },
    ],
    [
      '$patch: replace on a map',
      { metadata: { labels: { $patch: 'replace', only: 'me' } } },
      { labels: { only: 'me' } },
    ],
  ])('%s', (_name, patch, expectedMeta) => {
    const out = smp('ConfigMap', cm, patch) as { metadata: Record<string, unknown> };
    for (const [k, v] of Object.entries(expectedMeta)) expect(out.metadata[k]).toEqual(v);
  });

  test('$patch: delete on a map removes it', () => {
    expect(smp('ConfigMap', cm, { data: { $patch: 'delete' } })).toEqual({ metadata: cm.metadata });
  });
  test('$patch: delete at the root leaves an empty object', () => {
    expect(smp('ConfigMap', cm, { $patch: 'delete' })).toEqual({});
  });
  test('data maps merge key by key', () => {
    expect(smp('ConfigMap', cm, { data: { k1: null, k3: 'v3' } })).toEqual({
      metadata: cm.metadata,
      data: { k2: 'v2', k3: 'v3' },
    });
  });
  test('a patch onto a missing object builds it, without directives', () => {
    expect(
      smp('ConfigMap', undefined, { metadata: { name: 'n', $patch: 'merge' }, data: { a: 'b' } }),
    ).toEqual({
      metadata: { name: 'n' },
      data: { a: 'b' },
    });
  });
});

describe('strategic merge patch: Pod', () => {
  const pod = {
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'app:1',
          ports: [{ containerPort: 80 }, { containerPort: 9090, name: 'metrics' }],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        { name: 'sidecar', image: 'side:1' },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
    },
    status: { conditions: [{ type: 'Ready', status: 'False' }], podIPs: [{ ip: '10.0.0.1' }] },
  };
  type PodShape = typeof pod;

  test('containers merge by name, their ports by containerPort and env by name', () => {
    const out = smp('Pod', pod, {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'app:2',
            ports: [{ containerPort: 9090, protocol: 'TCP' }],
            env: [
              { name: 'B', $patch: 'delete' },
              { name: 'C', value: '3' },
            ],
            volumeMounts: [{ mountPath: '/data', readOnly: true }],
          },
        ],
      },
    }) as PodShape;
    expect(out.spec.containers).toEqual([
      {
        name: 'app',
        image: 'app:2',
        ports: [{ containerPort: 80 }, { containerPort: 9090, name: 'metrics', protocol: 'TCP' }],
        env: [
          { name: 'A', value: '1' },
          { name: 'C', value: '3' },
        ],
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      },
      { name: 'sidecar', image: 'side:1' },
    ]);
  });

  test('volumes merge by name and honour $retainKeys', () => {
    const out = smp('Pod', pod, {
      spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }] },
    }) as PodShape;
    expect(out.spec.volumes).toEqual([{ name: 'data', hostPath: { path: '/x' } }]);
  });

  test('tolerations are atomic', () => {
    const out = smp('Pod', pod, { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } }) as PodShape;
    expect(out.spec.tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
  });

  test('status conditions merge by type, podIPs by ip', () => {
    const out = smp('Pod', pod, {
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Initialized', status: 'True' },
        ],
        podIPs: [{ ip: 'fd00::1' }],
      },
    }) as PodShape;
    expect(out.status).toEqual({
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Initialized', status: 'True' },
      ],
      podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }],
    });
  });
});

describe('strategic merge patch: Node, EndpointSlice, Endpoints', () => {
  test('node addresses and conditions merge by type; podCIDRs as a set; taints atomic', () => {
    const node = {
      metadata: { name: 'n' },
      spec: { podCIDRs: ['10.0.0.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      status: {
        addresses: [
          { type: 'InternalIP', address: '10.1.0.1' },
          { type: 'Hostname', address: 'n' },
        ],
        conditions: [{ type: 'Ready', status: 'False' }],
      },
    };
    expect(
      smp('Node', node, {
        spec: { podCIDRs: ['fd00::/64'], taints: [] },
        status: {
          addresses: [{ type: 'InternalIP', address: '10.1.0.2' }],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      }),
    ).toEqual({
      metadata: { name: 'n' },
      spec: { podCIDRs: ['10.0.0.0/24', 'fd00::/64'], taints: [] },
      status: {
        addresses: [
          { type: 'InternalIP', address: '10.1.0.2' },
          { type: 'Hostname', address: 'n' },
        ],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  });

  test('EndpointSlice endpoints and ports are replaced', () => {
    const slice = {
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
      ports: [{ port: 80 }],
    };
    expect(
      smp('EndpointSlice', slice, { endpoints: [{ addresses: ['10.0.0.3'] }], ports: [{ port: 81 }] }),
    ).toEqual({
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.3'] }],
      ports: [{ port: 81 }],
    });
  });

  test('Endpoints subsets are replaced', () => {
    const ep = { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] };
    expect(smp('Endpoints', ep, { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] })).toEqual({
      subsets: [{ addresses: [{ ip: '10.0.0.2' }] }],
    });
  });
});

describe('strategic merge patch: errors', () => {
  test.each([
    [
      'Service',
      { spec: { ports: [{ name: 'no-port' }] } },
      /spec.ports\[0\]: map does not contain declared merge key: port/,
    ],
    ['Service', { spec: { ports: ['80'] } }, /spec.ports\[0\]: list elements must be objects/],
    ['Service', { spec: { $patch: 'explode' } }, /spec: unknown patch type "explode"/],
    ['Service', { spec: { $frobnicate: 1 } }, /spec.\$frobnicate: unknown patch directive/],
    ['Service', { metadata: { $retainKeys: 'name' } }, /\$retainKeys must be a list of strings/],
    ['ConfigMap', { metadata: { '$setElementOrder/finalizers': 'a' } }, /must be a list/],
    ['ConfigMap', { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, /must be a list/],
    ['ConfigMap', [], /must be a JSON object/],
    ['ConfigMap', null, /must be a JSON object/],
    ['ConfigMap', 'x', /must be a JSON object/],
  ])('%s %j', (kind, patch, message) => {
    const r = applyStrategicMergePatch({ metadata: { name: 'x' } }, patch, def(kind));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  test('custom resources are refused', () => {
    const crd: ResourceDef = {
      ...def('ConfigMap'),
      group: 'cilium.io',
      kind: 'CiliumLoadBalancerIPPool',
      builtin: false,
    };
    const r = applyStrategicMergePatch({}, { spec: {} }, crd);
    expect(r).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not supported for CiliumLoadBalancerIPPool/),
    });
  });
});
