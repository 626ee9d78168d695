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

/** Errors as `<field>: <message>` lines, what a user would read. */
function errorsOf(kind: string, obj: unknown, old?: unknown): string[] {
  return validateObject(def(kind), obj, old).map(formatFieldError);
}

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  ...extra,
});

const service = (spec: Record<string, unknown>, name = 'web') => ({ metadata: meta(name), spec });
const okPorts = [{ port: 80 }];

describe('metadata', () => {
  test.each([
    ['ConfigMap', { metadata: { name: 'c', namespace: 'default' } }],
    ['ConfigMap', { metadata: { generateName: 'c-', namespace: 'default' } }],
    ['ConfigMap', { metadata: { name: 'a.b-c', namespace: 'default', labels: { 'x.io/app': 'v_1' } } }],
    ['Namespace', { metadata: { name: 'kube-system' } }],
    ['Node', { metadata: { name: 'node-1.example' } }],
    [
      'ConfigMap',
      {
        metadata: {
          name: 'c',
          namespace: 'd',
          annotations: { 'Any.Case/Key': 'any value at all, even / and spaces' },
        },
      },
    ],
    ['ConfigMap', { metadata: { name: 'c', namespace: 'd', finalizers: ['example.com/cleanup'] } }],
  ])('%s %j is valid', (kind, obj) => {
    expect(errorsOf(kind, obj)).toEqual([]);
  });

  test.each([
    ['ConfigMap', {}, 'metadata: Required value'],
    [
      'ConfigMap',
      { metadata: { namespace: 'd' } },
      'metadata.name: Required value: name or generateName is required',
    ],
    [
      'ConfigMap',
      { metadata: { name: 'Bad_Name', namespace: 'd' } },
      'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain',
    ],
    [
      'ConfigMap',
      { metadata: { generateName: 'Bad-', namespace: 'd' } },
      'metadata.generateName: Invalid value: "Bad-"',
    ],
    [
      'Namespace',
      { metadata: { name: 'a.b' } },
      'metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label',
    ],
    [
      'Service',
      service({ ports: okPorts }, '1web'),
      'metadata.name: Invalid value: "1web": a DNS-1035 label',
    ],
    ['ConfigMap', { metadata: { name: 'c' } }, 'metadata.namespace: Required value'],
    ['ConfigMap', { metadata: { name: 'c', namespace: 'Bad' } }, 'metadata.namespace: Invalid value: "Bad"'],
    [
      'Node',
      { metadata: { name: 'n', namespace: 'default' } },
      'metadata.namespace: Forbidden: not allowed on this type',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { labels: { '-bad': 'v' } }) },
      'metadata.labels: Invalid value: "-bad": name part must consist',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { labels: { ok: 'bad value' } }) },
      'metadata.labels: Invalid value: "bad value": a valid label must be',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { labels: { ok: 1 } }) },
      'metadata.labels[ok]: Invalid value: 1: must be a string',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { labels: 'a=b' }) },
      'metadata.labels: Invalid value: "a=b": must be a map',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { annotations: { 'a/b/c': 'x' } }) },
      'metadata.annotations: Invalid value: "a/b/c"',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { annotations: { big: 'x'.repeat(256 * 1024) } }) },
      'metadata.annotations: Too long: must have at most 262144 bytes',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { finalizers: ['bad finalizer'] }) },
      'metadata.finalizers[0]: Invalid value: "bad finalizer"',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { finalizers: 'x' }) },
      'metadata.finalizers: Invalid value: "x": must be a list of strings',
    ],
    [
      'ConfigMap',
      { metadata: meta('c', { ownerReferences: [{ kind: 'X', name: 'x', uid: 'u' }] }) },
      'metadata.ownerReferences[0].apiVersion: Required value',
    ],
    ['ConfigMap', 'not an object', 'Invalid value: "not an object": must be a JSON object'],
  ])('%s %j → %s', (kind, obj, expected) => {
    const errs = errorsOf(kind, obj);
    expect(
      errs.some((e) => e.startsWith(expected)),
      errs.join('\n'),
    ).toBe(true);
  });

  test('name, namespace and uid are immutable on update', () => {
    const old = { metadata: { name: 'c', namespace: 'd', uid: 'u1' } };
    expect(errorsOf('ConfigMap', { metadata: { name: 'c', namespace: 'd', uid: 'u1' } }, old)).toEqual([]);
    expect(errorsOf('ConfigMap', { metadata: { name: 'c', namespace: 'd' } }, old)).toEqual([]);
    expect(errorsOf('ConfigMap', { metadata: { name: 'c', namespace: 'd', uid: 'u2' } }, old)).toEqual([
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
    expect(errorsOf('ConfigMap', { metadata: { name: 'x', namespace: 'd' } }, old)).toEqual([
      'metadata.name: Invalid value: "x": field is immutable',
    ]);
  });
});

describe('Service', () => {
  test.each([
    { ports: okPorts },
    { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::10'], ports: okPorts },
    { clusterIP: 'None' },
    { type: 'ExternalName', externalName: 'db.example.com' },
    {
      type: 'LoadBalancer',
      ports: [
        { name: 'http', port: 80, targetPort: 'http-alt', nodePort: 30080, protocol: 'TCP' },
        { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
      externalIPs: ['192.0.2.10', '2001:db8::1'],
      loadBalancerIP: '198.51.100.7',
      loadBalancerSourceRanges: ['10.0.0.0/8'],
      loadBalancerClass: 'io.cilium/bgp-control-plane',
      ipFamilyPolicy: 'PreferDualStack',
      ipFamilies: ['IPv4', 'IPv6'],
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'ClientIP',
      selector: { app: 'web', 'example.com/tier': 'front' },
    },
  ])('%j is valid', (spec) => {
    expect(errorsOf('Service', service(spec))).toEqual([]);
  });

  test.each([
    [
      { type: 'Magic', ports: okPorts },
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ],
    [{}, 'spec.ports: Required value'],
    [
      { ports: [{ port: 0 }] },
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ],
    [
      { ports: [{ port: 65536 }] },
      'spec.ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive',
    ],
    [{ ports: [{ port: '80' }] }, 'spec.ports[0].port: Invalid value: "80"'],
    [{ ports: [{ name: 'x' }] }, 'spec.ports[0].port: Required value'],
    [
      { ports: [{ port: 80, protocol: 'ICMP' }] },
      'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ],
    [{ ports: [{ port: 80 }, { port: 81 }] }, 'spec.ports[0].name: Required value'],
    [{ ports: [{ port: 80, name: 'a' }, { port: 81 }] }, 'spec.ports[1].name: Required value'],
    [
      {
        ports: [
          { port: 80, name: 'a' },
          { port: 81, name: 'a' },
        ],
      },
      'spec.ports[1].name: Duplicate value: "a"',
    ],
    [
      { ports: [{ port: 80, name: 'Http' }] },
      'spec.ports[0].name: Invalid value: "Http": a lowercase RFC 1123 label',
    ],
    [
      {
        ports: [
          { port: 80, name: 'a' },
          { port: 80, name: 'b' },
        ],
      },
      'spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}',
    ],
    [{ ports: [{ port: 80, targetPort: 70000 }] }, 'spec.ports[0].targetPort: Invalid value: 70000'],
    [
      { ports: [{ port: 80, targetPort: 'not--valid' }] },
      'spec.ports[0].targetPort: Invalid value: "not--valid"',
    ],
    [
      { ports: [{ port: 80, nodePort: 30080 }] },
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ],
    [
      { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] },
      'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ],
    [
      { clusterIP: '10.0.0.300', ports: okPorts },
      'spec.clusterIP: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
    [
      { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.2'], ports: okPorts },
      'spec.clusterIPs: Invalid value: ["10.0.0.2"]: first value must match `clusterIP`',
    ],
    [{ clusterIPs: ['bogus'], ports: okPorts }, 'spec.clusterIPs[0]: Invalid value: "bogus"'],
    [
      { externalIPs: ['192.0.2.1', 'nope'], ports: okPorts },
      'spec.externalIPs[1]: Invalid value: "nope": must be a valid IP address',
    ],
    [
      { type: 'LoadBalancer', loadBalancerIP: '1.2.3', ports: okPorts },
      'spec.loadBalancerIP: Invalid value: "1.2.3"',
    ],
    [
      { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/33'], ports: okPorts },
      'spec.loadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33"',
    ],
    [
      { loadBalancerClass: 'x.io/y', ports: okPorts },
      "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
    ],
    [{ ipFamilyPolicy: 'DualStack', ports: okPorts }, 'spec.ipFamilyPolicy: Unsupported value: "DualStack"'],
    [{ ipFamilies: ['IPv4', 'IPv4'], ports: okPorts }, 'spec.ipFamilies[1]: Duplicate value: "IPv4"'],
    [{ ipFamilies: ['IPv5'], ports: okPorts }, 'spec.ipFamilies[0]: Unsupported value: "IPv5"'],
    [
      { externalTrafficPolicy: 'Nearest', ports: okPorts },
      'spec.externalTrafficPolicy: Unsupported value: "Nearest": supported values: "Cluster", "Local"',
    ],
    [
      { internalTrafficPolicy: 'Local2', ports: okPorts },
      'spec.internalTrafficPolicy: Unsupported value: "Local2"',
    ],
    [
      { sessionAffinity: 'Sticky', ports: okPorts },
      'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
    ],
    [
      { selector: { app: 'bad value' }, ports: okPorts },
      'spec.selector: Invalid value: "bad value": a valid label must be',
    ],
    [{ selector: { '-app': 'x' }, ports: okPorts }, 'spec.selector: Invalid value: "-app"'],
    [{ type: 'ExternalName' }, 'spec.externalName: Required value'],
    [{ type: 'ExternalName', externalName: 'Not A Host' }, 'spec.externalName: Invalid value: "Not A Host"'],
    [{ ports: 'http' }, 'spec.ports: Invalid value: "http": must be a list'],
  ])('%j → %s', (spec, expected) => {
    const errs = errorsOf('Service', service(spec));
    expect(
      errs.some((e) => e.startsWith(expected)),
      errs.join('\n'),
    ).toBe(true);
  });

  test('the cluster IP is immutable once allocated', () => {
    const old = service({ clusterIP: '10.96.0.10', ports: okPorts });
    expect(errorsOf('Service', service({ clusterIP: '10.96.0.10', ports: okPorts }), old)).toEqual([]);
    expect(errorsOf('Service', service({ clusterIP: '10.96.0.11', ports: okPorts }), old)).toEqual([
      'spec.clusterIP: Invalid value: "10.96.0.11": field is immutable',
    ]);
    expect(errorsOf('Service', service({ ports: okPorts }), old)).toEqual([
      'spec.clusterIP: Invalid value: "": field is immutable',
    ]);
    expect(
      errorsOf('Service', service({ clusterIP: '10.96.0.11', ports: okPorts }), service({ ports: okPorts })),
    ).toEqual([]);
    expect(errorsOf('Service', service({ type: 'ExternalName', externalName: 'a.example' }), old)).toEqual(
      [],
    );
  });
});

describe('Endpoints and EndpointSlice', () => {
  const ep = (subsets: unknown) => ({ metadata: meta('web'), subsets });
  test('valid Endpoints', () => {
    expect(
      errorsOf(
        'Endpoints',
        ep([
          { addresses: [{ ip: '10.0.0.1' }], notReadyAddresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] },
        ]),
      ),
    ).toEqual([]);
  });
  test.each([
    [[{ addresses: [{ ip: 'x' }] }], 'subsets[0].addresses[0].ip: Invalid value: "x"'],
    [[{ notReadyAddresses: [{}] }], 'subsets[0].notReadyAddresses[0].ip: Invalid value: null'],
    [[{ ports: [{ port: 0 }] }], 'subsets[0].ports[0].port: Invalid value: 0'],
    [[{ ports: [{ port: 1, protocol: 'X' }] }], 'subsets[0].ports[0].protocol: Unsupported value: "X"'],
    [[{ ports: [{ port: 1 }, { port: 2, name: 'b' }] }], 'subsets[0].ports[0].name: Required value'],
  ])('Endpoints %j → %s', (subsets, expected) => {
    const errs = errorsOf('Endpoints', ep(subsets));
    expect(
      errs.some((e) => e.startsWith(expected)),
      errs.join('\n'),
    ).toBe(true);
  });

  const slice = (rest: Record<string, unknown>) => ({ metadata: meta('web-abc'), ...rest });
  test.each([
    {
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, nodeName: 'n1' }],
      ports: [{ port: 80, name: 'http', protocol: 'TCP' }],
    },
    { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }], ports: [{ name: '', port: null }] },
    { addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] },
    { addressType: 'IPv4' },
  ])('valid EndpointSlice %j', (rest) => {
    expect(errorsOf('EndpointSlice', slice(rest))).toEqual([]);
  });
  test.each([
    [{}, 'addressType: Required value'],
    [
      { addressType: 'IPv5' },
      'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    ],
    [
      { addressType: 'IPv4', endpoints: [{ addresses: [] }] },
      'endpoints[0].addresses: Required value: must contain at least 1 address',
    ],
    [
      { addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1'] }] },
      'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
    ],
    [
      { addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1'] }] },
      'endpoints[0].addresses[0]: Invalid value: "10.0.0.1": must be a valid IPv6 address',
    ],
    [
      { addressType: 'FQDN', endpoints: [{ addresses: ['Bad Host'] }] },
      'endpoints[0].addresses[0]: Invalid value: "Bad Host"',
    ],
    [
      { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: 'yes' } }] },
      'endpoints[0].conditions.ready: Invalid value: "yes": must be a boolean',
    ],
    [
      { addressType: 'IPv4', endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] })) },
      'endpoints: Too many: 1001: must have at most 1000 items',
    ],
    [{ addressType: 'IPv4', ports: [{ port: 0 }] }, 'ports[0].port: Invalid value: 0'],
    [
      {
        addressType: 'IPv4',
        ports: [
          { port: 1, name: 'a' },
          { port: 2, name: 'a' },
        ],
      },
      'ports[1].name: Duplicate value: "a"',
    ],
    [{ addressType: 'IPv4', ports: [{ port: 1, name: 'A' }] }, 'ports[0].name: Invalid value: "A"'],
    [
      { addressType: 'IPv4', ports: [{ port: 1, protocol: 'ICMP' }] },
      'ports[0].protocol: Unsupported value: "ICMP"',
    ],
  ])('EndpointSlice %j → %s', (rest, expected) => {
    const errs = errorsOf('EndpointSlice', slice(rest));
    expect(
      errs.some((e) => e.startsWith(expected)),
      errs.join('\n'),
    ).toBe(true);
  });
  test('addressType is immutable', () => {
    expect(errorsOf('EndpointSlice', slice({ addressType: 'IPv6' }), slice({ addressType: 'IPv4' }))).toEqual(
      ['addressType: Invalid value: "IPv6": field is immutable'],
    );
  });
});
