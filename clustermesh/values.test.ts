import { describe, expect, test } from 'vitest';
import { decodeClusterConfig, encodeClusterConfig } from './cluster-config.js';
import { decodeIdentity, encodeIdentity } from './identity.js';
import { decodeIpIdentityPair, encodeIpIdentityPair, ipcacheEntryKey } from './ipcache.js';
import { decodeNode, encodeNode, type ClusterNode } from './node.js';
import { decodeClusterService, encodeClusterService, type ClusterService } from './service.js';

const svc: ClusterService = {
  cluster: 'c1',
  namespace: 'ns',
  name: 'echo',
  frontends: { '10.96.0.10': { http: { protocol: 'TCP', port: 80 } } },
  backends: { '10.244.1.10': { http: { protocol: 'TCP', port: 8080 } } },
  labels: {},
  selector: { app: 'echo' },
  includeExternal: true,
  shared: true,
  clusterID: 1,
};
const svcKey = 'cilium/state/services/v1/c1/ns/echo';
const svcCtx = { cluster: 'c1', clusterId: 1, maxConnectedClusters: 255 } as const;

describe('ClusterService', () => {
  test('encodes exactly like the reference example', () => {
    expect(encodeClusterService(svc)).toBe(
      '{"cluster":"c1","namespace":"ns","name":"echo","frontends":{"10.96.0.10":{"http":{"Protocol":"TCP","Port":80}}},' +
        '"backends":{"10.244.1.10":{"http":{"Protocol":"TCP","Port":8080}}},"labels":{},"selector":{"app":"echo"},' +
        '"includeExternal":true,"shared":true,"clusterID":1}',
    );
  });
  test('hostnames appear only when non-empty', () => {
    expect(encodeClusterService({ ...svc, hostnames: { '10.244.1.10': 'web-0' } })).toContain(
      '"backends":{"10.244.1.10":{"http":{"Protocol":"TCP","Port":8080}}},"hostnames":{"10.244.1.10":"web-0"},"labels"',
    );
  });
  test('round trips', () => {
    expect(decodeClusterService(svcKey, encodeClusterService(svc), svcCtx)).toMatchObject({ ok: true, value: svc });
  });
  const mutate = (patch: Record<string, unknown>): string => JSON.stringify({ ...JSON.parse(encodeClusterService(svc)), ...patch });
  test.each([
    [{ cluster: '' }, 'cluster is empty'],
    [{ namespace: '' }, 'namespace is empty'],
    [{ name: '' }, 'name is empty'],
    [{ name: 'other' }, 'does not match its key'],
    [{ cluster: 'c2' }, 'not the remote cluster'],
    [{ clusterID: 0 }, 'unset'],
    [{ clusterID: 256 }, 'out of range'],
    [{ clusterID: 2 }, "remote cluster's ID"],
    [{ frontends: { 'not-an-ip': {} } }, 'frontend address'],
    [{ backends: { 'fe80::1%eth0': {} } }, 'backend address'],
    [{ backends: { '10.0.0.1': { http: { Protocol: 'tcp', Port: 80 } } } }, 'Protocol'],
    [{ backends: { '10.0.0.1': { http: { Protocol: 'TCP', Port: 70000 } } } }, 'Port'],
  ])('rejects %j (%s)', (patch, reason) => {
    expect(decodeClusterService(svcKey, mutate(patch), svcCtx)).toMatchObject({ ok: false, error: expect.stringContaining(reason) });
  });
  test('rejects non-JSON and wrong keys', () => {
    expect(decodeClusterService(svcKey, '{', svcCtx).ok).toBe(false);
    expect(decodeClusterService('cilium/state/services/v1/c1/echo', encodeClusterService(svc), svcCtx).ok).toBe(false);
  });
});

const node: ClusterNode = {
  name: 'n1',
  cluster: 'c1',
  ipAddresses: [
    { type: 'InternalIP', ip: '172.18.0.2' },
    { type: 'CiliumInternalIP', ip: '10.244.0.1' },
  ],
  ipv4AllocCIDR: '10.244.0.0/24',
  ipv6AllocCIDR: 'fd00:10:244::/64',
  clusterID: 1,
  source: 'k8s',
  encryptionKey: 0,
  labels: { 'kubernetes.io/hostname': 'n1' },
  nodeIdentity: 0,
  wireguardPubKey: '',
  bootID: '',
};
const nodeKey = 'cilium/state/nodes/v1/c1/n1';

describe('Node', () => {
  test('encodes Go field names, nulls and "" for absent values', () => {
    expect(encodeNode(node)).toBe(
      '{"Name":"n1","Cluster":"c1","IPAddresses":[{"Type":"InternalIP","IP":"172.18.0.2"},{"Type":"CiliumInternalIP","IP":"10.244.0.1"}],' +
        '"IPv4AllocCIDR":{"IP":"10.244.0.0","Mask":"////AA=="},"IPv4SecondaryAllocCIDRs":null,' +
        '"IPv6AllocCIDR":{"IP":"fd00:10:244::","Mask":"//////////8AAAAAAAAAAA=="},"IPv6SecondaryAllocCIDRs":null,' +
        '"IPv4HealthIP":"","IPv6HealthIP":"","IPv4IngressIP":"","IPv6IngressIP":"","ClusterID":1,"Source":"k8s",' +
        '"EncryptionKey":0,"Labels":{"kubernetes.io/hostname":"n1"},"Annotations":null,"NodeIdentity":0,"WireguardPubKey":"","BootID":""}',
    );
  });
  test('round trips', () => {
    expect(decodeNode(nodeKey, encodeNode(node), svcCtx)).toMatchObject({ ok: true, value: node });
  });
  test('accepts a CIDR written as a plain string', () => {
    const raw = { ...JSON.parse(encodeNode(node)), IPv4AllocCIDR: '10.244.1.0/24' };
    expect(decodeNode(nodeKey, JSON.stringify(raw), svcCtx)).toMatchObject({ ok: true, value: { ipv4AllocCIDR: '10.244.1.0/24' } });
  });
  const mutate = (patch: Record<string, unknown>): string => JSON.stringify({ ...JSON.parse(encodeNode(node)), ...patch });
  test.each([
    [{ Name: '' }, 'Name is empty'],
    [{ Cluster: '' }, 'Cluster is empty'],
    [{ Name: 'n2' }, 'does not match its key'],
    [{ ClusterID: 0 }, 'unset'],
    [{ IPAddresses: [{ Type: 'InternalIP', IP: '300.1.1.1' }] }, 'not an IP'],
    [{ IPAddresses: [{ Type: 'Bogus', IP: '10.0.0.1' }] }, 'unknown address type'],
    [{ IPv4AllocCIDR: { IP: '10.0.0.0', Mask: '!!' } }, 'Mask'],
    [{ IPv4AllocCIDR: { IP: 'fd00::', Mask: '////AA==' } }, 'not IPv4'],
    [{ IPv4AllocCIDR: 'fd00::/64' }, 'not an IPv4 CIDR'],
    [{ IPv4AllocCIDR: 42 }, 'IPv4AllocCIDR'],
    [{ IPv4HealthIP: 'nope' }, 'IPv4HealthIP'],
  ])('rejects %j (%s)', (patch, reason) => {
    expect(decodeNode(nodeKey, mutate(patch), svcCtx)).toMatchObject({ ok: false, error: expect.stringContaining(reason) });
  });
});

describe('IPIdentityPair', () => {
  const pod = {
    ip: '10.244.1.10',
    hostIP: '172.18.0.3',
    id: 65792,
    key: 0,
    metadata: '',
    k8sNamespace: 'bar',
    k8sPodName: 'web-1',
    namedPorts: [
      { name: 'metrics', port: 9090, protocol: 'TCP' },
      { name: 'http', port: 8080, protocol: 'TCP' },
    ],
  };
  test('host entry: Mask null, omitempty fields, named ports sorted', () => {
    expect(ipcacheEntryKey(pod)).toBe('cilium/state/ip/v1/default/10.244.1.10');
    expect(encodeIpIdentityPair(pod)).toBe(
      '{"IP":"10.244.1.10","Mask":null,"HostIP":"172.18.0.3","ID":65792,"Key":0,"Metadata":"","K8sNamespace":"bar","K8sPodName":"web-1",' +
        '"NamedPorts":[{"Name":"http","Port":8080,"Protocol":"TCP"},{"Name":"metrics","Port":9090,"Protocol":"TCP"}]}',
    );
  });
  test('prefix entry carries a mask and a /len key', () => {
    const prefix = { ip: '10.1.2.0', prefixLen: 24, id: 16777217, key: 0, metadata: '' };
    expect(ipcacheEntryKey(prefix)).toBe('cilium/state/ip/v1/default/10.1.2.0/24');
    expect(encodeIpIdentityPair(prefix)).toBe('{"IP":"10.1.2.0","Mask":"////AA==","HostIP":"","ID":16777217,"Key":0,"Metadata":""}');
    expect(decodeIpIdentityPair(ipcacheEntryKey(prefix), encodeIpIdentityPair(prefix), { remote: true })).toMatchObject({
      ok: true,
      value: { ip: '10.1.2.0', prefixLen: 24 },
    });
  });
  test('round trips, and a remote host identity reads as remote-node', () => {
    const key = ipcacheEntryKey(pod);
    const sorted = { ...pod, namedPorts: [pod.namedPorts[1], pod.namedPorts[0]] };
    expect(decodeIpIdentityPair(key, encodeIpIdentityPair(pod), { remote: true })).toMatchObject({ ok: true, value: sorted });
    const host = encodeIpIdentityPair({ ip: '172.18.0.3', id: 1, key: 0, metadata: '' });
    const hostKey = 'cilium/state/ip/v1/default/172.18.0.3';
    expect(decodeIpIdentityPair(hostKey, host, { remote: true })).toMatchObject({ ok: true, value: { id: 6 } });
    expect(decodeIpIdentityPair(hostKey, host, { remote: false })).toMatchObject({ ok: true, value: { id: 1 } });
  });
  test.each([
    ['cilium/state/ip/v1/default/10.244.1.11', '{"IP":"10.244.1.10","Mask":null,"ID":300}', 'does not match its key'],
    ['cilium/state/ip/v1/default/10.244.1.10', '{"IP":"10.244.1.x","Mask":null,"ID":300}', 'not an IP'],
    ['cilium/state/ip/v1/default/10.244.1.10', '{"IP":"10.244.1.10","Mask":null,"HostIP":"h","ID":300}', 'HostIP'],
    ['cilium/state/ip/v1/default/10.244.1.10', '{"IP":"10.244.1.10","Mask":"////AA==","ID":300}', 'does not match its key'],
    ['cilium/state/ip/v1/default/10.244.1.10', '{"IP":"10.244.1.10","ID":-1}', 'ID'],
    ['cilium/state/ip/v1/default/nope', '{"IP":"10.244.1.10"}', 'does not end in an IP'],
  ])('rejects %s = %s (%s)', (key, value, reason) => {
    expect(decodeIpIdentityPair(key, value, { remote: true })).toMatchObject({ ok: false, error: expect.stringContaining(reason) });
  });
});

describe('identity', () => {
  const ctx = { cluster: 'c1', clusterId: 1, maxConnectedClusters: 255 } as const;
  const labels = 'k8s:app=baz;k8s:io.cilium.k8s.policy.cluster=c1;k8s:io.kubernetes.pod.namespace=bar;';
  test('encodes key and labels text', () => {
    const e = encodeIdentity({
      id: 65536,
      labels: [
        { source: 'k8s', key: 'io.kubernetes.pod.namespace', value: 'bar' },
        { source: 'k8s', key: 'io.cilium.k8s.policy.cluster', value: 'c1' },
        { source: 'k8s', key: 'app', value: 'baz' },
      ],
    });
    expect(e).toEqual({ key: 'cilium/state/identities/v1/id/65536', value: labels });
  });
  test('accepts an identity in range, and a reserved one', () => {
    expect(decodeIdentity('cilium/state/identities/v1/id/65536', labels, ctx).ok).toBe(true);
    expect(decodeIdentity('cilium/state/identities/v1/id/7', labels, ctx).ok).toBe(true);
  });
  test.each([
    ['cilium/state/identities/v1/id/300', labels, 'outside'],
    ['cilium/state/identities/v1/id/131072', labels, 'outside'],
    ['cilium/state/identities/v1/id/65536', 'k8s:app=baz;', 'no io.cilium.k8s.policy.cluster'],
    ['cilium/state/identities/v1/id/65536', 'k8s:io.cilium.k8s.policy.cluster=c2;', 'not the remote cluster'],
    ['cilium/state/identities/v1/id/065536', labels, 'decimal'],
    ['cilium/state/identities/v1/id/65536', 'garbage', 'end in'],
  ])('rejects %s = %s (%s)', (key, value, reason) => {
    expect(decodeIdentity(key, value, ctx)).toMatchObject({ ok: false, error: expect.stringContaining(reason) });
  });
});

describe('cluster config', () => {
  test('encodes like the reference example; omitempty everywhere except capabilities', () => {
    expect(encodeClusterConfig({ id: 3, capabilities: { syncedCanaries: true, maxConnectedClusters: 255, serviceExportsEnabled: false } })).toBe(
      '{"id":3,"capabilities":{"syncedCanaries":true,"maxConnectedClusters":255,"serviceExportsEnabled":false}}',
    );
    expect(encodeClusterConfig({ id: 0, capabilities: {} })).toBe('{"capabilities":{}}');
  });
  test('decodes and checks ID and maxConnectedClusters', () => {
    expect(decodeClusterConfig('{"id":3,"capabilities":{"syncedCanaries":true}}', 255)).toMatchObject({
      ok: true,
      value: { id: 3, capabilities: { syncedCanaries: true } },
    });
    expect(decodeClusterConfig('{"id":0,"capabilities":{}}', 255)).toMatchObject({ ok: false, error: expect.stringContaining('unset') });
    expect(decodeClusterConfig('{"id":300,"capabilities":{"maxConnectedClusters":511}}', 511).ok).toBe(true);
    expect(decodeClusterConfig('{"id":3,"capabilities":{"maxConnectedClusters":511}}', 255)).toMatchObject({
      ok: false,
      error: expect.stringContaining('differs'),
    });
    expect(decodeClusterConfig('{"id":3,"capabilities":{"maxConnectedClusters":300}}', 255).ok).toBe(false);
    expect(decodeClusterConfig('nope', 255).ok).toBe(false);
  });
});
