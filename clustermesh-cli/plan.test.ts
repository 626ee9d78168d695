import { describe, expect, test } from 'vitest';
import { parseConfigDir } from '../agent-sync/config-dir.js';
import {
  connectionDirections,
  connectPatch,
  disconnectPatch,
  endpointsFromService,
  identityFromConfigMap,
  remoteEntries,
  validateMesh,
  type ClusterSide,
} from './plan.js';
import { sandboxClusterIdentityObjects } from './sandbox-objects.js';

function side(name: string, id: number, over: Partial<ClusterSide> = {}): ClusterSide {
  return {
    name,
    id,
    context: name,
    maxConnectedClusters: 255,
    endpoints: [`https://${name}.mesh.cilium.io:2379`],
    caCert: 'CA',
    remoteCert: { certPem: `cert-${name}`, keyPem: `key-${name}` },
    ...over,
  };
}

describe('identityFromConfigMap', () => {
  test('reads Cilium keys, max-connected-clusters defaulting to 255', () => {
    expect(identityFromConfigMap({ 'cluster-name': 'c1', 'cluster-id': '3' })).toEqual({
      ok: true,
      value: { name: 'c1', id: 3, maxConnectedClusters: 255 },
    });
    expect(identityFromConfigMap({ 'cluster-name': 'c1', 'cluster-id': '3', 'max-connected-clusters': '511' })).toMatchObject({
      value: { maxConnectedClusters: 511 },
    });
  });
  test('says which key is missing or wrong', () => {
    expect(identityFromConfigMap({ 'cluster-id': '1' })).toMatchObject({ ok: false, error: expect.stringContaining('cluster-name') });
    expect(identityFromConfigMap(undefined)).toMatchObject({ ok: false, error: expect.stringContaining('cluster-name') });
    expect(identityFromConfigMap({ 'cluster-name': 'a', 'cluster-id': 'x' })).toMatchObject({ error: expect.stringContaining('not a number') });
    expect(identityFromConfigMap({ 'cluster-name': 'a', 'cluster-id': '1', 'max-connected-clusters': '300' })).toMatchObject({
      error: expect.stringContaining('255 or 511'),
    });
  });
});

describe('endpointsFromService', () => {
  test('the annotation wins over load-balancer status', () => {
    const svc = {
      metadata: { annotations: { 'meshlb.io/clustermesh-endpoint': 'https://localhost:1234, https://127.0.0.1:1234' } },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
    };
    expect(endpointsFromService(svc)).toEqual({ ok: true, value: ['https://localhost:1234', 'https://127.0.0.1:1234'] });
  });
  test('load-balancer addresses with the first port; IPv6 bracketed', () => {
    const svc = { spec: { ports: [{ port: 32379 }] }, status: { loadBalancer: { ingress: [{ ip: 'fd00::1' }, { hostname: 'mesh.example' }] } } };
    expect(endpointsFromService(svc)).toEqual({ ok: true, value: ['https://[fd00::1]:32379', 'https://mesh.example:32379'] });
  });
  test('no address and a non-https annotation are errors', () => {
    expect(endpointsFromService({ spec: {} })).toMatchObject({ ok: false, error: expect.stringContaining('no load-balancer address') });
    expect(endpointsFromService({ metadata: { annotations: { 'meshlb.io/clustermesh-endpoint': 'http://x:1' } } })).toMatchObject({
      ok: false,
      error: expect.stringContaining('not an https URL'),
    });
  });
});

describe('validateMesh', () => {
  test('accepts distinct valid clusters', () => {
    expect(validateMesh([side('c1', 1), side('c2', 2), side('c3', 3)]).ok).toBe(true);
  });
  test.each([
    ['duplicate name', [side('c1', 1), side('c1', 2, { context: 'other' })], 'both have cluster name c1'],
    ['default', [side('default', 1), side('c2', 2)], 'named "default"'],
    ['duplicate ID', [side('c1', 4), side('c2', 4)], 'both have cluster ID 4'],
    ['ID out of range', [side('c1', 1), side('c2', 256)], 'out of range 1..255'],
    ['ID zero', [side('c1', 0), side('c2', 2)], 'cluster ID 0'],
    ['max mismatch', [side('c1', 1), side('c2', 2, { maxConnectedClusters: 511 })], 'different max-connected-clusters (255 and 511)'],
    ['CA mismatch', [side('c1', 1), side('c2', 2, { caCert: 'OTHER' })], 'different certificate authorities'],
  ])('refuses %s', (_what, sides, message) => {
    const r = validateMesh(sides);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(message);
      expect(r.error).not.toContain('\n');
    }
  });
  test('a CA mismatch is accepted when allowed', () => {
    expect(validateMesh([side('c1', 1), side('c2', 2, { caCert: 'OTHER' })], { allowMismatchingCa: true }).ok).toBe(true);
  });
});

describe('connectionDirections', () => {
  test('bidirectional, unicast and mesh', () => {
    expect(connectionDirections('bidirectional', 'a', ['b'])).toEqual({ ok: true, value: [{ local: 'a', remote: 'b' }, { local: 'b', remote: 'a' }] });
    expect(connectionDirections('unicast', 'a', ['b'])).toEqual({ ok: true, value: [{ local: 'a', remote: 'b' }] });
    const mesh = connectionDirections('mesh', 'a', ['b', 'c']);
    expect(mesh.ok && mesh.value.map((d) => `${d.local}>${d.remote}`).sort()).toEqual(['a>b', 'a>c', 'b>a', 'b>c', 'c>a', 'c>b']);
  });
  test('refuses repeated contexts and several destinations outside mesh', () => {
    expect(connectionDirections('bidirectional', 'a', ['a']).ok).toBe(false);
    expect(connectionDirections('bidirectional', 'a', ['b', 'c'])).toMatchObject({ ok: false, error: expect.stringContaining('mesh') });
    expect(connectionDirections('mesh', 'a', []).ok).toBe(false);
  });
});

describe('Secret entries', () => {
  test('the config file is what the agent parses, pointing into the mount directory', () => {
    const entries = remoteEntries(side('c2', 2), '/mnt/mesh/');
    expect(Object.keys(entries).sort()).toEqual(['c2', 'c2.etcd-client-ca.crt', 'c2.etcd-client.crt', 'c2.etcd-client.key']);
    expect(entries['c2']).toBe(
      [
        'endpoints:',
        '  - https://c2.mesh.cilium.io:2379',
        'trusted-ca-file: /mnt/mesh/c2.etcd-client-ca.crt',
        'key-file: /mnt/mesh/c2.etcd-client.key',
        'cert-file: /mnt/mesh/c2.etcd-client.crt',
        '',
      ].join('\n'),
    );
    const dir = parseConfigDir(Object.entries(entries).map(([name, content]) => ({ name, content })), 'c1');
    expect(dir.rejected).toEqual([]);
    expect(dir.configs.get('c2')).toMatchObject({
      endpoints: ['https://c2.mesh.cilium.io:2379'],
      trustedCaFile: '/mnt/mesh/c2.etcd-client-ca.crt',
      keyFile: '/mnt/mesh/c2.etcd-client.key',
      certFile: '/mnt/mesh/c2.etcd-client.crt',
    });
    expect(entries['c2.etcd-client.crt']).toBe('cert-c2');
    expect(entries['c2.etcd-client.key']).toBe('key-c2');
    expect(entries['c2.etcd-client-ca.crt']).toBe('CA');
  });
  test('patches: base64 on connect, nulls for exactly the four keys on disconnect', () => {
    expect(connectPatch({ a: 'hi' })).toEqual({ data: { a: 'aGk=' } });
    expect(disconnectPatch('c2')).toEqual({
      data: { c2: null, 'c2.etcd-client-ca.crt': null, 'c2.etcd-client.crt': null, 'c2.etcd-client.key': null },
    });
  });
});

test('sandbox identity objects read back as the cluster identity and endpoint', () => {
  const o = sandboxClusterIdentityObjects({ name: 'c7', id: 7, endpoints: ['https://localhost:4000'] });
  expect(identityFromConfigMap((o.configMap as { data: unknown }).data)).toEqual({
    ok: true,
    value: { name: 'c7', id: 7, maxConnectedClusters: 255 },
  });
  expect(endpointsFromService(o.service)).toEqual({ ok: true, value: ['https://localhost:4000'] });
});
