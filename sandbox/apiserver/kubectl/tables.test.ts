import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCES, type ResourceDef } from '../resources.js';
import { toTable, wantsTable } from './tables.js';

const now = new Date('2025-01-10T12:00:00Z');
const created = '2025-01-10T11:54:57Z'; // 5m3s before now
const def = (resource: string): ResourceDef => BUILTIN_RESOURCES.find((d) => d.resource === resource)!;

interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string };
  columnDefinitions: { name: string; type: string; priority: number; format: string }[];
  rows: { cells: unknown[]; object: unknown }[];
}
const table = (
  d: ResourceDef,
  objects: unknown[],
  includeObject: 'None' | 'Metadata' | 'Object' = 'Metadata',
) => toTable(d, objects, { includeObject, now, resourceVersion: '42' }) as Table;
const cells = (d: ResourceDef, o: unknown): unknown[] => table(d, [o]).rows[0]!.cells;
const columns = (d: ResourceDef): string[] => table(d, []).columnDefinitions.map((c) => c.name);
const meta = (name: string) => ({ name, namespace: 'default', creationTimestamp: created });

describe('wantsTable', () => {
  test('kubectl get asks for a v1 Table first', () => {
    expect(
      wantsTable(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toBe(true);
  });
  test('plain JSON, protobuf tables and nothing do not get a Table', () => {
    expect(wantsTable('application/json')).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
    expect(wantsTable('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io')).toBe(false);
    expect(wantsTable('application/json, application/json;as=Table;v=v1;g=meta.k8s.io')).toBe(false);
  });
});

describe('Table envelope', () => {
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web'),
    spec: { clusterIP: '10.96.0.10', ports: [{ port: 80 }] },
  };
  test('kind, apiVersion, resourceVersion, column definitions with priority', () => {
    const t = table(def('services'), [svc]);
    expect(t).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '42' },
    });
    expect(t.columnDefinitions[0]).toMatchObject({
      name: 'Name',
      type: 'string',
      format: 'name',
      priority: 0,
    });
    expect(t.columnDefinitions.find((c) => c.name === 'Selector')?.priority).toBe(1);
  });
  test('rows carry PartialObjectMetadata by default, the object on request, nothing for None', () => {
    expect(table(def('services'), [svc]).rows[0]!.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: meta('web'),
    });
    expect(table(def('services'), [svc], 'Object').rows[0]!.object).toEqual(svc);
    expect(table(def('services'), [svc], 'None').rows[0]!.object).toBeNull();
  });
});

describe('services', () => {
  const d = def('services');
  test('columns', () => {
    expect(columns(d)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  });
  test('ClusterIP service', () => {
    const svc = {
      metadata: meta('web'),
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        selector: { b: '2', a: '1' },
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
    };
    expect(cells(d, svc)).toEqual([
      'web',
      'ClusterIP',
      '10.96.0.10',
      '<none>',
      '80/TCP,53/UDP',
      '5m3s',
      'a=1,b=2',
    ]);
  });
  test('LoadBalancer: pending, then ingress IPs; node ports shown', () => {
    const spec = {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.11',
      ports: [
        { port: 80, nodePort: 30080 },
        { port: 443, nodePort: 31000, protocol: 'TCP' },
      ],
    };
    expect(cells(d, { metadata: meta('lb'), spec })).toEqual([
      'lb',
      'LoadBalancer',
      '10.96.0.11',
      '<pending>',
      '80:30080/TCP,443:31000/TCP',
      '5m3s',
      '<none>',
    ]);
    const status = { loadBalancer: { ingress: [{ ip: '198.51.100.3' }, { hostname: 'lb.example' }] } };
    expect(cells(d, { metadata: meta('lb'), spec: { ...spec, externalIPs: ['192.0.2.1'] }, status })[3]).toBe(
      '198.51.100.3,lb.example,192.0.2.1',
    );
  });
  test('headless, ExternalName and no ports', () => {
    expect(cells(d, { metadata: meta('h'), spec: { clusterIP: 'None' } }).slice(1, 5)).toEqual([
      'ClusterIP',
      'None',
      '<none>',
      '<none>',
    ]);
    expect(
      cells(d, { metadata: meta('x'), spec: { type: 'ExternalName', externalName: 'db.example' } }).slice(
        1,
        5,
      ),
    ).toEqual(['ExternalName', '<none>', 'db.example', '<none>']);
  });
});

describe('other built-ins', () => {
  test('namespaces', () => {
    expect(columns(def('namespaces'))).toEqual(['Name', 'Status', 'Age']);
    expect(cells(def('namespaces'), { metadata: meta('team-a'), status: { phase: 'Active' } })).toEqual([
      'team-a',
      'Active',
      '5m3s',
    ]);
  });
  test('endpoints abbreviate after three addresses', () => {
    const ep = {
      metadata: meta('web'),
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }, { ip: '10.0.0.4' }],
          ports: [{ port: 8080 }],
        },
      ],
    };
    expect(cells(def('endpoints'), ep)).toEqual([
      'web',
      '10.0.0.1:8080,10.0.0.2:8080,[fd00::3]:8080 + 1 more...',
      '5m3s',
    ]);
    expect(cells(def('endpoints'), { metadata: meta('e') })[1]).toBe('<none>');
  });
  test('pods', () => {
    expect(columns(def('pods'))).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    const pod = {
      metadata: meta('p'),
      spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        podIP: '10.0.0.9',
        containerStatuses: [
          {
            ready: true,
            restartCount: 2,
            state: { running: {} },
            lastState: { terminated: { finishedAt: '2025-01-10T11:57:00Z' } },
          },
          { ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    };
    expect(cells(def('pods'), pod)).toEqual([
      'p',
      '1/2',
      'CrashLoopBackOff',
      '3 (3m ago)',
      '5m3s',
      '10.0.0.9',
      'n1',
      '<none>',
      '<none>',
    ]);
    expect(cells(def('pods'), { ...pod, metadata: { ...meta('p'), deletionTimestamp: created } })[2]).toBe(
      'Terminating',
    );
  });
  test('nodes', () => {
    const node = {
      metadata: {
        ...meta('n1'),
        labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '' },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.1.0.1' }],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Debian',
          kernelVersion: '6.18',
          containerRuntimeVersion: 'containerd://2',
        },
      },
    };
    expect(cells(def('nodes'), node)).toEqual([
      'n1',
      'Ready,SchedulingDisabled',
      'control-plane,worker',
      '5m3s',
      'v1.32.0',
      '10.1.0.1',
      '<none>',
      'Debian',
      '6.18',
      'containerd://2',
    ]);
    expect(cells(def('nodes'), { metadata: meta('n2') }).slice(1, 3)).toEqual(['Unknown', '<none>']);
  });
  test('secrets, configmaps, leases', () => {
    expect(
      cells(def('secrets'), { metadata: meta('s'), type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } }),
    ).toEqual(['s', 'Opaque', 2, '5m3s']);
    expect(
      cells(def('configmaps'), { metadata: meta('c'), data: { a: 'x' }, binaryData: { b: 'AA==' } }),
    ).toEqual(['c', 2, '5m3s']);
    expect(columns(def('leases'))).toEqual(['Name', 'Holder', 'Age']);
    expect(cells(def('leases'), { metadata: meta('l'), spec: { holderIdentity: 'node-1' } })).toEqual([
      'l',
      'node-1',
      '5m3s',
    ]);
  });
  test('endpointslices', () => {
    expect(columns(def('endpointslices'))).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    const slice = {
      metadata: meta('web-abc'),
      addressType: 'IPv4',
      ports: [{ port: 8080 }, { name: 'dns' }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
    };
    expect(cells(def('endpointslices'), slice)).toEqual([
      'web-abc',
      'IPv4',
      '8080,dns',
      '10.0.0.1,10.0.0.2',
      '5m3s',
    ]);
    expect(cells(def('endpointslices'), { metadata: meta('e'), addressType: 'IPv6' }).slice(2, 4)).toEqual([
      '<unset>',
      '<unset>',
    ]);
  });
  test('CRDs print NAME and CREATED AT', () => {
    const d = def('customresourcedefinitions');
    expect(columns(d)).toEqual(['Name', 'Created At']);
    expect(cells(d, { metadata: { name: 'x.cilium.io', creationTimestamp: created } })).toEqual([
      'x.cilium.io',
      created,
    ]);
  });
});

describe('custom resources', () => {
  const pool: ResourceDef = {
    group: 'cilium.io',
    version: 'v2',
    resource: 'ciliumloadbalancerippools',
    singular: 'ciliumloadbalancerippool',
    kind: 'CiliumLoadBalancerIPPool',
    listKind: 'CiliumLoadBalancerIPPoolList',
    namespaced: false,
    shortNames: [],
    categories: [],
    statusSubresource: true,
    verbs: ['get'],
    builtin: false,
    printerColumns: [
      { name: 'Disabled', type: 'boolean', jsonPath: '.spec.disabled' },
      {
        name: 'Conflicting',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="cilium.io/PoolConflict")].status',
      },
      {
        name: 'IPs Available',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="cilium.io/IPsAvailable")].message',
      },
      { name: 'Blocks', type: 'integer', jsonPath: '.spec.count', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  };
  test('printer columns in order, priority kept, date rendered as age, missing values null', () => {
    const t = table(pool, [
      {
        metadata: { name: 'blue', creationTimestamp: created },
        spec: { disabled: false, count: 3 },
        status: {
          conditions: [
            { type: 'cilium.io/PoolConflict', status: 'False' },
            { type: 'cilium.io/IPsAvailable', message: '254' },
          ],
        },
      },
      { metadata: { name: 'new', creationTimestamp: created }, spec: {} },
    ]);
    expect(t.columnDefinitions.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Disabled', 'boolean', 0],
      ['Conflicting', 'string', 0],
      ['IPs Available', 'string', 0],
      ['Blocks', 'integer', 1],
      ['Age', 'date', 0],
    ]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['blue', false, 'False', '254', 3, '5m3s'],
      ['new', null, null, null, null, '5m3s'],
    ]);
  });
  test('a CRD without printer columns gets Age, as the apiextensions server defaults it', () => {
    const plain = { ...pool, printerColumns: undefined };
    const t = table(plain, [{ metadata: { name: 'x', creationTimestamp: created } }]);
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(t.rows[0]!.cells).toEqual(['x', '5m3s']);
  });
  test('values of the wrong type become null instead of crashing', () => {
    const t = table(pool, [
      { metadata: { name: 'odd', creationTimestamp: 'yesterday' }, spec: { disabled: 'no', count: 'three' } },
    ]);
    expect(t.rows[0]!.cells).toEqual(['odd', null, null, null, null, null]);
  });
});
