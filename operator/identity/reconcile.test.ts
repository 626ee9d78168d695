import { describe, expect, test } from 'vitest';
import { identityRange } from '../../clustermesh/cluster.js';
import { reconcile, type ClusterInfo, type ReconcileInput, type ReconcilePlan } from './reconcile.js';

const cluster: ClusterInfo = { name: 'c1', id: 1, maxConnected: 255 };
const range = identityRange(1, 255);

function pod(ns: string, name: string, labels: Record<string, string>, ip?: string): Record<string, unknown> {
  return {
    metadata: { name, namespace: ns, uid: `uid-${ns}-${name}`, labels },
    spec: { serviceAccountName: 'default', containers: [{ ports: [{ name: 'http', containerPort: 80 }] }] },
    status: { phase: 'Running', hostIP: '10.0.0.1', ...(ip ? { podIPs: [{ ip }] } : {}) },
  };
}

function input(over: Partial<ReconcileInput>): ReconcileInput {
  return { cluster, pods: [], namespaceLabels: new Map(), identities: [], endpoints: [], lastUsed: new Map(), now: 1_000, graceMs: 500, ...over };
}

/** The state after applying a plan, as the informers would then report it. */
function applied(prev: ReconcileInput, plan: ReconcilePlan): Pick<ReconcileInput, 'identities' | 'endpoints' | 'lastUsed'> {
  const deletedIds = new Set(plan.deleteIdentities.map(String));
  const identities = [...prev.identities, ...plan.createIdentities.map((c) => c.object)].filter(
    (o) => !deletedIds.has((o as { metadata: { name: string } }).metadata.name),
  );
  const key = (o: unknown): string => {
    const m = (o as { metadata: { namespace: string; name: string } }).metadata;
    return `${m.namespace}/${m.name}`;
  };
  const eps = new Map(prev.endpoints.map((e) => [key(e), e]));
  for (const w of plan.writeEndpoints) eps.set(`${w.namespace}/${w.name}`, w.object);
  for (const d of plan.deleteEndpoints) eps.delete(`${d.namespace}/${d.name}`);
  return { identities, endpoints: [...eps.values()], lastUsed: plan.lastUsed };
}

describe('reconcile', () => {
  const pods = [
    pod('a', 'web-1', { app: 'web', 'pod-template-hash': 'x1' }, '10.1.0.1'),
    pod('a', 'web-2', { app: 'web', 'pod-template-hash': 'x2' }, '10.1.0.2'),
    pod('b', 'web-1', { app: 'web' }, '10.1.0.3'),
    pod('b', 'pending', { app: 'web' }),
  ];

  test('one identity per distinct label set, one endpoint per pod with an IP', () => {
    const plan = reconcile(input({ pods }));
    expect(plan.createIdentities.map((c) => c.id)).toEqual([range.min, range.min + 1]);
    expect(plan.podIdentity.get('a/web-1')).toBe(plan.podIdentity.get('a/web-2'));
    expect(plan.podIdentity.get('b/web-1')).toBe(plan.podIdentity.get('b/pending'));
    expect(plan.podIdentity.get('a/web-1')).not.toBe(plan.podIdentity.get('b/web-1'));
    expect(plan.writeEndpoints.map((w) => `${w.namespace}/${w.name}`).sort()).toEqual(['a/web-1', 'a/web-2', 'b/web-1']);
    expect(plan.writeEndpoints.every((w) => !w.exists)).toBe(true);
    expect(plan.deleteIdentities).toEqual([]);
    expect(plan.errors).toEqual([]);
  });

  test('a second round over the result changes nothing', () => {
    const first = input({ pods });
    const second = reconcile({ ...first, ...applied(first, reconcile(first)), now: 5_000 });
    expect(second.createIdentities).toEqual([]);
    expect(second.writeEndpoints).toEqual([]);
    expect(second.deleteEndpoints).toEqual([]);
    expect(second.deleteIdentities).toEqual([]);
  });

  test('a label change allocates a new identity; the old one goes only after the grace period', () => {
    const one = [pod('a', 'p', { app: 'v1' }, '10.1.0.1')];
    const s0 = input({ pods: one });
    const s1 = { ...s0, ...applied(s0, reconcile(s0)) };
    const oldId = reconcile(s0).podIdentity.get('a/p')!;
    const changed = { ...s1, pods: [pod('a', 'p', { app: 'v2' }, '10.1.0.1')], now: 2_000 };
    const p2 = reconcile(changed);
    expect(p2.createIdentities.map((c) => c.id)).toEqual([oldId + 1]);
    expect(p2.writeEndpoints).toHaveLength(1);
    expect(p2.writeEndpoints[0]!.exists).toBe(true);
    expect(p2.deleteIdentities).toEqual([]);
    const s2 = { ...changed, ...applied(changed, p2) };
    expect(reconcile({ ...s2, now: 2_400 }).deleteIdentities).toEqual([]);
    expect(reconcile({ ...s2, now: 2_500 }).deleteIdentities).toEqual([oldId]);
  });

  test('a deleted pod loses its endpoint; endpoints not owned by a pod are left alone', () => {
    const s0 = input({ pods });
    const s1 = { ...s0, ...applied(s0, reconcile(s0)) };
    const foreign = { metadata: { namespace: 'x', name: 'vm' }, status: { identity: { id: 5 } } };
    const plan = reconcile({ ...s1, pods: pods.slice(1), endpoints: [...s1.endpoints, foreign] });
    expect(plan.deleteEndpoints).toEqual([{ namespace: 'a', name: 'web-1' }]);
  });

  test('restart: existing identities are reused whatever order they come in', () => {
    const s0 = input({ pods });
    const s1 = applied(s0, reconcile(s0));
    const restarted = reconcile(input({ pods: [...pods].reverse(), identities: [...s1.identities].reverse(), endpoints: s1.endpoints }));
    expect(restarted.createIdentities).toEqual([]);
    expect(restarted.writeEndpoints).toEqual([]);
  });

  test('identities of other clusters or outside the range are reported and never deleted', () => {
    const foreign = [
      { metadata: { name: '200000' }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c1' } },
      { metadata: { name: String(range.min + 9) }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'other' } },
      { metadata: { name: 'abc' }, 'security-labels': {} },
    ];
    const plan = reconcile(input({ identities: foreign, now: 10_000 }));
    expect(plan.deleteIdentities).toEqual([]);
    expect(plan.errors.map((e) => [e.reason, e.subject])).toEqual([
      ['foreign_identity', 'ciliumidentities 200000'],
      ['foreign_identity', `ciliumidentities ${range.min + 9}`],
      ['foreign_identity', 'ciliumidentities abc'],
    ]);
  });

  test('a pod with labels that cannot be encoded is reported and keeps its endpoint', () => {
    const good = pod('a', 'p', { app: 'web' }, '10.1.0.1');
    const s0 = input({ pods: [good] });
    const s1 = { ...s0, ...applied(s0, reconcile(s0)) };
    const bad = pod('a', 'p', { app: 'x'.repeat(64) }, '10.1.0.1');
    const plan = reconcile({ ...s1, pods: [bad, pod('a', 'q', { app: 'web' }, '10.1.0.2')], now: 10_000 });
    expect(plan.errors).toEqual([{ reason: 'invalid_labels', subject: 'pods a/p', message: 'label app value is longer than 63 characters' }]);
    expect(plan.deleteEndpoints).toEqual([]);
    expect(plan.deleteIdentities).toEqual([]);
    expect(plan.writeEndpoints.map((w) => w.name)).toEqual(['q']);
  });

  test('a malformed pod is reported; everything else goes on', () => {
    const plan = reconcile(input({ pods: [{ metadata: { name: 'broken', namespace: 'a', labels: { app: 5 } } }, pods[0]!] }));
    expect(plan.errors.map((e) => [e.reason, e.subject])).toEqual([['invalid_pod', 'pods a/broken']]);
    expect(plan.writeEndpoints.map((w) => w.name)).toEqual(['web-1']);
  });

  test('a full range is reported; pods that fit still get identities', () => {
    // The smaller of the two range layouts, to keep the test quick.
    const small: ClusterInfo = { name: 'c1', id: 1, maxConnected: 511 };
    const range = identityRange(1, 511);
    const taken = [];
    for (let id = range.min; id < range.max; id++) {
      taken.push({ metadata: { name: String(id) }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c1', 'k8s:n': String(id) } });
    }
    const plan = reconcile(input({ cluster: small, pods: [pod('a', 'x', { app: 'x' }, '10.1.0.1'), pod('a', 'y', { app: 'y' }, '10.1.0.2')], identities: taken }));
    expect(plan.createIdentities.map((c) => c.id)).toEqual([range.max]);
    expect(plan.errors.map((e) => e.reason)).toEqual(['range_exhausted']);
    expect(plan.writeEndpoints.map((w) => w.name)).toEqual(['x']);
  });

  test('namespace labels are part of the identity: relabelling a namespace moves its pods', () => {
    const s0 = input({ pods: [pod('a', 'p', { app: 'web' }, '10.1.0.1')], namespaceLabels: new Map([['a', { team: 'red' }]]) });
    const p0 = reconcile(s0);
    const s1 = { ...s0, ...applied(s0, p0), namespaceLabels: new Map([['a', { team: 'blue' }]]) };
    const p1 = reconcile(s1);
    expect(p1.createIdentities.map((c) => c.labels)).toEqual([
      'k8s:app=web;k8s:io.cilium.k8s.namespace.labels.team=blue;k8s:io.cilium.k8s.policy.cluster=c1;' +
        'k8s:io.cilium.k8s.policy.serviceaccount=default;k8s:io.kubernetes.pod.namespace=a;',
    ]);
    expect(p1.writeEndpoints.map((w) => [w.name, (w.object.status as { identity: { id: number } }).identity.id])).toEqual([['p', p1.createIdentities[0]!.id]]);
    expect(p1.podIdentity.get('a/p')).not.toBe(p0.podIdentity.get('a/p'));
  });

  test('host-network and finished pods get no endpoint, and lose one they had', () => {
    const s0 = input({ pods: [pod('a', 'p', { app: 'web' }, '10.1.0.1')] });
    const s1 = { ...s0, ...applied(s0, reconcile(s0)) };
    const host = { ...pod('a', 'p', { app: 'web' }, '10.1.0.1'), spec: { hostNetwork: true, containers: [] } };
    expect(reconcile({ ...s1, pods: [host] }).deleteEndpoints).toEqual([{ namespace: 'a', name: 'p' }]);
    const done = pod('a', 'p', { app: 'web' }, '10.1.0.1');
    (done.status as { phase: string }).phase = 'Succeeded';
    const plan = reconcile({ ...s1, pods: [done] });
    expect(plan.deleteEndpoints).toEqual([{ namespace: 'a', name: 'p' }]);
    expect(plan.writeEndpoints).toEqual([]);
  });
});
