import { describe, expect, test } from 'vitest';
import { projectEndpoint } from './endpoints.js';
import { projectIdentity } from './identities.js';
import { projectNode } from './nodes.js';
import type { ProjectionOptions } from './options.js';
import { diff, ownedPrefixes, project } from './project.js';
import { projectService } from './services.js';
import { loadGoldenInputs, runGolden } from './testdata/golden.js';

const opts: ProjectionOptions = { clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, defaultGlobalNamespace: true };
const globalSvc = (name: string, ns = 'bar') => ({
  metadata: { name, namespace: ns, annotations: { 'service.cilium.io/global': 'true' } },
  spec: { clusterIP: '10.96.0.1', ports: [{ name: 'http', port: 80 }] },
});

describe('diff', () => {
  test('puts new and changed keys, deletes stale ones, leaves equal ones alone', () => {
    const current = new Map([
      ['a', '1'],
      ['b', '2'],
      ['stale', 'x'],
    ]);
    const desired = new Map([
      ['b', '3'],
      ['a', '1'],
      ['c', '4'],
    ]);
    expect(diff(current, desired)).toEqual({
      puts: [
        ['b', '3'],
        ['c', '4'],
      ],
      deletes: ['stale'],
    });
    expect(diff(desired, desired)).toEqual({ puts: [], deletes: [] });
  });
});

describe('global namespaces', () => {
  const annotated = (v: string) => ({ metadata: { name: 'bar', annotations: { 'clustermesh.cilium.io/global': v } } });
  test.each([
    [true, undefined, 1],
    [true, 'false', 0],
    [true, 'true', 1],
    [false, undefined, 0],
    [false, 'false', 0],
    [false, 'true', 1],
  ])('default %s, annotation %s → %i entries', (defaultGlobalNamespace, value, count) => {
    const ns = value === undefined ? { metadata: { name: 'bar' } } : annotated(value);
    expect(projectService(globalSvc('s'), [], ns, { ...opts, defaultGlobalNamespace }).entries).toHaveLength(count);
  });
  test('an unseen namespace follows the default', () => {
    expect(projectService(globalSvc('s'), [], undefined, opts).entries).toHaveLength(1);
    expect(projectService(globalSvc('s'), [], undefined, { ...opts, defaultGlobalNamespace: false }).entries).toHaveLength(0);
  });
});

describe('bad input is skipped with a reason', () => {
  test.each([
    [{ metadata: { name: 's' }, spec: {} }, 'namespace'],
    [{ ...globalSvc('s'), spec: { clusterIP: '10.96.0.1', ports: [{ port: 70000 }] } }, 'ports'],
    [{ ...globalSvc('s'), metadata: { name: 's', namespace: 'bar', annotations: { 'service.cilium.io/shared': 'nah' } } }, 'shared'],
    [null, '(root)'],
  ])('service %j', (svc, reason) => {
    const p = projectService(svc, [], undefined, opts);
    expect(p.entries).toEqual([]);
    expect(p.rejected).toEqual([expect.objectContaining({ kind: 'Service', reason: expect.stringContaining(reason) })]);
  });
  test.each([
    [{ metadata: { name: 'abc' }, 'security-labels': {} }, 'not a numeric identity'],
    [{ metadata: { name: '300' }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c1' } }, 'outside'],
    [{ metadata: { name: '65536' }, 'security-labels': { 'k8s:app': 'x' } }, 'lack io.cilium.k8s.policy.cluster=c1'],
    [{ metadata: { name: '65536' }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c2' } }, 'lack'],
    [{ metadata: { name: '65536' }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c1', 'k8s:a': 'v'.repeat(64) } }, 'longer than 63'],
    [{ metadata: { name: '65536' }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c1', 'k8s:a': 'x', 'other:a': 'y' } }, 'more than once'],
    [{ metadata: { name: '65536' } }, 'security-labels'],
  ])('identity %j', (obj, reason) => {
    expect(projectIdentity(obj, opts)).toEqual({
      entries: [],
      rejected: [expect.objectContaining({ kind: 'CiliumIdentity', reason: expect.stringContaining(reason) })],
    });
  });
  test('endpoint with an invalid IP, and one with a wrong-family IP', () => {
    const cep = (addressing: unknown) => ({
      metadata: { name: 'p', namespace: 'bar' },
      status: { identity: { id: 65536 }, networking: { addressing, node: '172.18.0.2' } },
    });
    expect(projectEndpoint(cep([{ ipv4: '10.0.0.x' }]), undefined, opts).rejected[0]?.reason).toContain('not an IPv4');
    expect(projectEndpoint(cep([{ ipv4: 'fd00::1' }]), undefined, opts).rejected[0]?.reason).toContain('not an IPv4');
    expect(projectEndpoint(cep([{ ipv4: '10.0.0.1' }]), undefined, opts).entries).toHaveLength(1);
  });
  test('node with a bad annotation', () => {
    const node = { metadata: { name: 'n', annotations: { 'network.cilium.io/ipv4-cilium-host': 'fd00::1' } }, status: {} };
    expect(projectNode(node, opts).rejected[0]?.reason).toContain('ipv4-cilium-host');
  });
});

describe('incremental projection', () => {
  test('the per-object functions reproduce the full projection', () => {
    const golden = loadGoldenInputs();
    const { projection, identities, endpoints } = runGolden(golden);
    const pieces = new Map<string, string>();
    const addAll = (entries: readonly (readonly [string, string])[]) => entries.forEach(([k, v]) => pieces.set(k, v));
    const ns = (name: string) => golden.namespaces.find((n) => (n as { metadata: { name: string } }).metadata.name === name);
    for (const svc of golden.services) {
      const { name, namespace } = (svc as { metadata: { name: string; namespace: string } }).metadata;
      const slices = golden.endpointSlices.filter((s) => {
        const m = (s as { metadata: { namespace: string; labels: Record<string, string> } }).metadata;
        return m.namespace === namespace && m.labels['kubernetes.io/service-name'] === name;
      });
      addAll(projectService(svc, slices, ns(namespace), golden.options).entries);
    }
    golden.nodes.forEach((n) => addAll(projectNode(n, golden.options).entries));
    identities.forEach((i) => addAll(projectIdentity(i, golden.options).entries));
    endpoints.forEach((e) => addAll(projectEndpoint(e, ns((e as { metadata: { namespace: string } }).metadata.namespace), golden.options).entries));
    expect(pieces).toEqual(projection.entries);
  });

  test('a change to one service touches only its key', () => {
    const services = Array.from({ length: 50 }, (_, i) => globalSvc(`s${i}`));
    const base = { services, endpointSlices: [], namespaces: [], nodes: [], identities: [], endpoints: [] };
    const before = project(base, opts).entries;
    const changed = [...services];
    changed[7] = { ...globalSvc('s7'), spec: { clusterIP: '10.96.0.2', ports: [{ name: 'http', port: 80 }] } };
    const after = project({ ...base, services: changed }, opts).entries;
    const d = diff(before, after);
    expect(d.puts.map(([k]) => k)).toEqual(['cilium/state/services/v1/c1/bar/s7']);
    expect(d.deletes).toEqual([]);
  });

  test('owned prefixes cover every projected key and no other cluster', () => {
    const { projection } = runGolden(loadGoldenInputs());
    const prefixes = ownedPrefixes('c1');
    for (const key of projection.entries.keys()) expect(prefixes.some((p) => key.startsWith(p))).toBe(true);
    expect(prefixes.some((p) => 'cilium/state/services/v1/c2/bar/echo'.startsWith(p))).toBe(false);
  });
});
