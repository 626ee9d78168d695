import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCES } from '../resources.js';
import type { ResourceDef } from '../resources.js';
import { formatFieldError } from './field-errors.js';
import { validateObject } from './validation.js';

function def(kind: string): ResourceDef {
  const d = BUILTIN_RESOURCES.find((r) => r.kind === kind);
  if (d === undefined) throw new Error(`no builtin ${kind}`);
  return d;
}
function errorsOf(kind: string, obj: unknown, old?: unknown): string[] {
  return validateObject(def(kind), obj, old).map(formatFieldError);
}
function expectError(errs: string[], prefix: string): void {
  expect(
    errs.some((e) => e.startsWith(prefix)),
    `expected an error starting with ${prefix}, got:\n${errs.join('\n')}`,
  ).toBe(true);
}

const nsMeta = { name: 'x', namespace: 'default' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Pod', () => {
  const pod = (spec: unknown) => ({ metadata: nsMeta, spec });
  test('a minimal pod is valid', () => {
    expect(
      errorsOf(
        'Pod',
        pod({
          containers: [
            {
              name: 'app',
              image: 'busybox',
              ports: [{ containerPort: 80, name: 'http' }],
              env: [{ name: 'A' }],
            },
          ],
          initContainers: [{ name: 'init', image: 'busybox' }],
          restartPolicy: 'Never',
          nodeName: 'node-1',
        }),
      ),
    ).toEqual([]);
  });
  test.each([
    [undefined, 'spec: Required value'],
    [{}, 'spec.containers: Required value'],
    [{ containers: [{ image: 'x' }] }, 'spec.containers[0].name: Required value'],
    [{ containers: [{ name: 'App', image: 'x' }] }, 'spec.containers[0].name: Invalid value: "App"'],
    [{ containers: [{ name: 'a' }] }, 'spec.containers[0].image: Required value'],
    [
      {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'a', image: 'y' },
        ],
      },
      'spec.containers[1].name: Duplicate value: "a"',
    ],
    [
      { initContainers: [{ name: 'a', image: 'x' }], containers: [{ name: 'a', image: 'y' }] },
      'spec.containers[0].name: Duplicate value: "a"',
    ],
    [
      { containers: [{ name: 'a', image: 'x', ports: [{}] }] },
      'spec.containers[0].ports[0].containerPort: Required value',
    ],
    [
      { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 0 }] }] },
      'spec.containers[0].ports[0].containerPort: Invalid value: 0',
    ],
    [
      { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 1, protocol: 'IP' }] }] },
      'spec.containers[0].ports[0].protocol: Unsupported value: "IP"',
    ],
    [
      {
        containers: [
          { name: 'a', image: 'x', ports: [{ containerPort: 1, name: 'way-too-long-port-name' }] },
        ],
      },
      'spec.containers[0].ports[0].name: Invalid value',
    ],
    [
      { containers: [{ name: 'a', image: 'x', env: [{ value: 'v' }] }] },
      'spec.containers[0].env[0].name: Required value',
    ],
    [
      { containers: [{ name: 'a', image: 'x' }], restartPolicy: 'Sometimes' },
      'spec.restartPolicy: Unsupported value: "Sometimes"',
    ],
    [
      { containers: [{ name: 'a', image: 'x' }], nodeName: 'Bad Node' },
      'spec.nodeName: Invalid value: "Bad Node"',
    ],
  ])('%j → %s', (spec, expected) => {
    expectError(errorsOf('Pod', pod(spec)), expected);
  });
});

describe('Node and Namespace', () => {
  test('valid node', () => {
    expect(
      errorsOf('Node', {
        metadata: { name: 'n1' },
        spec: {
          podCIDR: '10.0.1.0/24',
          podCIDRs: ['10.0.1.0/24', 'fd00:1::/64'],
          taints: [{ key: 'a/b', effect: 'NoSchedule' }],
        },
      }),
    ).toEqual([]);
  });
  test.each([
    [{ podCIDR: '10.0.1.0' }, 'spec.podCIDR: Invalid value: "10.0.1.0": must be a valid CIDR value'],
    [{ podCIDRs: ['x/8'] }, 'spec.podCIDRs[0]: Invalid value: "x/8"'],
    [
      { podCIDRs: ['10.0.0.0/24', 'fd00::/64', '10.1.0.0/24'] },
      'spec.podCIDRs: Too many: 3: must have at most 2 items',
    ],
    [{ taints: [{ effect: 'NoSchedule' }] }, 'spec.taints[0].key: Required value'],
    [{ taints: [{ key: 'a' }] }, 'spec.taints[0].effect: Required value'],
    [{ taints: [{ key: 'a', effect: 'Never' }] }, 'spec.taints[0].effect: Unsupported value: "Never"'],
  ])('node spec %j → %s', (spec, expected) => {
    expectError(errorsOf('Node', { metadata: { name: 'n1' }, spec }), expected);
  });
  test('namespace finalizers are qualified names', () => {
    expect(errorsOf('Namespace', { metadata: { name: 'ns' }, spec: { finalizers: ['kubernetes'] } })).toEqual(
      [],
    );
    expectError(
      errorsOf('Namespace', { metadata: { name: 'ns' }, spec: { finalizers: ['no way'] } }),
      'spec.finalizers[0]: Invalid value: "no way"',
    );
  });
});

describe('Secret and ConfigMap', () => {
  test('valid secret and configmap', () => {
    expect(
      errorsOf('Secret', {
        metadata: nsMeta,
        type: 'Opaque',
        data: { 'a.key': b64('v'), K_2: '' },
        stringData: { 'a.key': 'x' },
      }),
    ).toEqual([]);
    expect(
      errorsOf('Secret', {
        metadata: nsMeta,
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': b64('c'), 'tls.key': b64('k') },
      }),
    ).toEqual([]);
    expect(
      errorsOf('ConfigMap', {
        metadata: nsMeta,
        data: { 'config.yaml': 'a: 1' },
        binaryData: { blob: b64('\u0000\u0001') },
      }),
    ).toEqual([]);
  });
  test.each([
    [
      'Secret',
      { data: { 'bad key': b64('v') } },
      'data[bad key]: Invalid value: "bad key": a valid config key must consist',
    ],
    ['Secret', { data: { '..x': b64('v') } }, 'data[..x]: Invalid value: "..x": must not start with \'..\''],
    ['Secret', { data: { '.': b64('v') } }, 'data[.]: Invalid value: ".": must not be \'.\''],
    [
      'Secret',
      { data: { a: 'not base64!' } },
      'data[a]: Invalid value: "<value omitted>": must be base64-encoded',
    ],
    ['Secret', { data: { a: 1 } }, 'data[a]: Invalid value: 1: must be a string'],
    ['Secret', { data: [] }, 'data: Invalid value: []: must be a map'],
    [
      'Secret',
      { data: { a: Buffer.alloc(1024 * 1024 + 1).toString('base64') } },
      'data: Too long: must have at most 1048576 bytes',
    ],
    ['Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }, 'data[tls.key]: Required value'],
    ['ConfigMap', { data: { 'a/b': 'x' } }, 'data[a/b]: Invalid value: "a/b"'],
    ['ConfigMap', { data: { a: 'x' }, binaryData: { a: b64('y') } }, 'binaryData[a]: Duplicate value: "a"'],
    [
      'ConfigMap',
      { binaryData: { a: '***' } },
      'binaryData[a]: Invalid value: "<value omitted>": must be base64-encoded',
    ],
    ['ConfigMap', { data: { a: 'x'.repeat(1024 * 1024 + 1) } }, 'Too long: must have at most 1048576 bytes'],
  ])('%s %j → %s', (kind, body, expected) => {
    expectError(errorsOf(kind, { metadata: nsMeta, ...body }), expected);
  });
  test('immutable secrets and configmaps keep their data; a secret keeps its type', () => {
    const old = { metadata: nsMeta, immutable: true, data: { a: b64('1') } };
    expect(errorsOf('Secret', old, old)).toEqual([]);
    expectError(
      errorsOf('Secret', { ...old, data: { a: b64('2') } }, old),
      'data: Forbidden: field is immutable when `immutable` is set',
    );
    expectError(
      errorsOf('ConfigMap', { metadata: nsMeta, data: { a: '2' } }, { ...old, data: { a: '1' } }),
      'immutable: Forbidden',
    );
    expectError(
      errorsOf(
        'Secret',
        { metadata: nsMeta, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } },
        { metadata: nsMeta },
      ),
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
    );
  });
});

describe('Lease', () => {
  const lease = (spec: unknown) => ({ metadata: { name: 'leader', namespace: 'kube-system' }, spec });
  test('a held lease is valid', () => {
    expect(
      errorsOf(
        'Lease',
        lease({
          holderIdentity: 'op-1',
          leaseDurationSeconds: 15,
          leaseTransitions: 0,
          acquireTime: '2024-01-02T03:04:05.123456Z',
          renewTime: '2024-01-02T03:04:05.000000Z',
        }),
      ),
    ).toEqual([]);
    expect(errorsOf('Lease', lease({}))).toEqual([]);
  });
  test.each([
    [{ holderIdentity: 5 }, 'spec.holderIdentity: Invalid value: 5: must be a string'],
    [{ leaseDurationSeconds: 0 }, 'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
    [{ leaseDurationSeconds: 1.5 }, 'spec.leaseDurationSeconds: Invalid value: 1.5'],
    [
      { leaseTransitions: -1 },
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ],
    [{ renewTime: 'yesterday' }, 'spec.renewTime: Invalid value: "yesterday"'],
    [{ acquireTime: 12 }, 'spec.acquireTime: Invalid value: 12'],
  ])('%j → %s', (spec, expected) => {
    expectError(errorsOf('Lease', lease(spec)), expected);
  });
});

describe('CustomResourceDefinition', () => {
  const schema = { openAPIV3Schema: { type: 'object' } };
  const crd = (spec: Record<string, unknown>, name = 'pools.cilium.io') => ({ metadata: { name }, spec });
  const good = {
    group: 'cilium.io',
    scope: 'Cluster',
    names: { plural: 'pools', singular: 'pool', kind: 'Pool', listKind: 'PoolList', shortNames: ['pl'] },
    versions: [
      { name: 'v2alpha1', served: true, storage: false, schema },
      { name: 'v2', served: true, storage: true, schema },
    ],
  };
  test('a sane CRD is valid', () => {
    expect(errorsOf('CustomResourceDefinition', crd(good))).toEqual([]);
  });
  test.each([
    [{ ...good, group: undefined }, 'spec.group: Required value'],
    [
      { ...good, group: 'cilium' },
      'spec.group: Invalid value: "cilium": should be a domain with at least one dot',
    ],
    [{ ...good, group: 'Cilium.io' }, 'spec.group: Invalid value: "Cilium.io"'],
    [{ ...good, names: undefined }, 'spec.names: Required value'],
    [{ ...good, names: { kind: 'Pool' } }, 'spec.names.plural: Required value'],
    [{ ...good, names: { plural: 'Pools', kind: 'Pool' } }, 'spec.names.plural: Invalid value: "Pools"'],
    [{ ...good, names: { plural: 'pools' } }, 'spec.names.kind: Required value'],
    [{ ...good, names: { plural: 'pools', kind: 'my-kind' } }, 'spec.names.kind: Invalid value: "my-kind"'],
    [
      { ...good, names: { plural: 'pools', kind: 'Pool', listKind: 'Pool' } },
      'spec.names.listKind: Invalid value: "Pool"',
    ],
    [{ ...good, scope: undefined }, 'spec.scope: Required value'],
    [
      { ...good, scope: 'Global' },
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
    ],
    [{ ...good, versions: [] }, 'spec.versions: Required value'],
    [
      { ...good, versions: [{ name: 'v1', served: true, storage: false, schema }] },
      'spec.versions: Invalid value: 0: must have exactly one version marked as storage version',
    ],
    [
      {
        ...good,
        versions: [
          { name: 'v1', served: true, storage: true, schema },
          { name: 'v2', served: true, storage: true, schema },
        ],
      },
      'spec.versions: Invalid value: 2: must have exactly one version marked as storage version',
    ],
    [
      {
        ...good,
        versions: [
          { name: 'v1', served: true, storage: true, schema },
          { name: 'v1', served: true, storage: false, schema },
        ],
      },
      'spec.versions[1].name: Duplicate value: "v1"',
    ],
    [
      { ...good, versions: [{ name: 'V1', served: true, storage: true, schema }] },
      'spec.versions[0].name: Invalid value: "V1"',
    ],
    [
      { ...good, versions: [{ name: 'v1', storage: true, schema }] },
      'spec.versions[0].served: Required value',
    ],
    [
      { ...good, versions: [{ name: 'v1', served: true, storage: true }] },
      'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required',
    ],
    [
      {
        ...good,
        versions: [
          { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'array' } } },
        ],
      },
      'spec.versions[0].schema.openAPIV3Schema.type: Invalid value: "array": must be object at the root',
    ],
  ])('%j → %s', (spec, expected) => {
    expectError(errorsOf('CustomResourceDefinition', crd(spec)), expected);
  });
  test('the name must be <plural>.<group>', () => {
    expectError(
      errorsOf('CustomResourceDefinition', crd(good, 'pool.cilium.io')),
      'metadata.name: Invalid value: "pool.cilium.io": must be spec.names.plural+"."+spec.group',
    );
  });
  test('missing spec', () => {
    expect(errorsOf('CustomResourceDefinition', { metadata: { name: 'a.b.c' } })).toEqual([
      'spec: Required value',
    ]);
  });
  test('group and scope are immutable', () => {
    expectError(
      errorsOf('CustomResourceDefinition', crd({ ...good, scope: 'Namespaced' }), crd(good)),
      'spec.scope: Invalid value: "Namespaced": field is immutable',
    );
  });
});
