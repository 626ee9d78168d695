/**
 * The identity controller inside a leader-elected operator, against a real etcd and the
 * sandbox API server with the Cilium CRDs: identities shared by equal label sets, endpoints
 * following pods, GC after the grace period, and a restart that changes nothing.
 */
import { Registry } from 'prom-client';
import { afterEach, expect, test } from 'vitest';
import { createObject, getObject } from '../../k8s/patch.js';
import { kubeRequest } from '../../k8s/request.js';
import { objectPath } from '../../k8s/resource.js';
import { silentLogger } from '../../lib/log.js';
import { CILIUM_IDENTITIES } from '../../operator/identity/writer.js';
import { createOperator, type Operator } from '../../operator/operator.js';
import { eventually, withOperatorWorld, type Identity } from './harness.js';

const w = withOperatorWorld();
const GRACE_MS = 2_000;
const running: { op: Operator; abort: AbortController }[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.op.stop();
    r.abort.abort();
  }
});

async function startOperator(identity: string): Promise<{ op: Operator; registry: Registry }> {
  const registry = new Registry();
  const op = createOperator({
    kc: w.h.kc, cluster: { name: 'c1', id: 1, maxConnected: 255 }, leaseNamespace: 'kube-system', identity,
    gcIntervalMs: 200, gcGraceMs: GRACE_MS, leaseDurationSeconds: 2, renewDeadlineSeconds: 1.5, retryPeriodSeconds: 0.25,
    registry, logger: silentLogger,
  });
  const abort = new AbortController();
  running.push({ op, abort });
  await op.start(abort.signal);
  await eventually(async () => expect(op.health()).toMatchObject({ ready: true }), 30_000);
  return { op, registry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const matching = (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return matching.reduce((s, v) => s + v.value, 0);
}

const base = (ns: string): Record<string, string> => ({
  'k8s:io.cilium.k8s.policy.cluster': 'c1',
  'k8s:io.cilium.k8s.policy.serviceaccount': 'default',
  'k8s:io.kubernetes.pod.namespace': ns,
  [`k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name`]: ns,
});

const canonical = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort());
const withLabels = (ids: Identity[], labels: Record<string, string>): Identity | undefined =>
  ids.find((i) => canonical(i.labels) === canonical(labels));

test('identities per distinct label set, endpoints per pod, GC after grace, restart without churn', async () => {
  await w.createNamespace('red', { 'kubernetes.io/metadata.name': 'red', team: 'red' });
  await w.createNamespace('blue', { 'kubernetes.io/metadata.name': 'blue' });
  const uid1 = await w.createPod('red', 'web-1', { app: 'web', 'pod-template-hash': 'aaa' }, '10.244.0.11');
  await w.createPod('red', 'web-2', { app: 'web', 'pod-template-hash': 'bbb' }, '10.244.0.12');
  await w.createPod('blue', 'web-1', { app: 'web' }, '10.244.0.13');
  await w.createPod('blue', 'db', { app: 'db' }, '10.244.0.14');
  await w.createPod('blue', 'pending', { app: 'db' });
  const first = await startOperator('op-1');

  const redWeb = { ...base('red'), 'k8s:app': 'web', 'k8s:io.cilium.k8s.namespace.labels.team': 'red' };
  const blueWeb = { ...base('blue'), 'k8s:app': 'web' };
  const blueDb = { ...base('blue'), 'k8s:app': 'db' };
  const ids = await eventually(async () => {
    const got = await w.identities();
    expect(got).toHaveLength(3);
    return got;
  });
  // Exactly these three label sets, key order as Cilium writes them, from cluster 1's range.
  expect(ids.map((i) => canonical(i.labels)).sort()).toEqual([blueDb, blueWeb, redWeb].map(canonical).sort());
  expect(ids.every((i) => i.id >= 65536 && i.id <= 131071)).toBe(true);
  for (const i of ids) expect(Object.keys(i.labels)).toEqual(Object.keys(i.labels).sort((a, b) => a.slice(4).localeCompare(b.slice(4))));
  const idOf = (labels: Record<string, string>): number => withLabels(ids, labels)!.id;

  const eps = await eventually(async () => {
    const got = await w.endpoints();
    expect([...got.keys()].sort()).toEqual(['blue/db', 'blue/web-1', 'red/web-1', 'red/web-2']);
    return got;
  });
  expect(eps.get('red/web-1')).toEqual({
    key: 'red/web-1', identity: idOf(redWeb), ips: [{ ipv4: '10.244.0.11' }], node: '10.0.0.1', ownerUid: uid1,
    namedPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  });
  expect(eps.get('red/web-2')!.identity).toBe(idOf(redWeb));
  expect(eps.get('blue/web-1')!.identity).toBe(idOf(blueWeb));
  expect(eps.get('blue/db')!.identity).toBe(idOf(blueDb));

  // A label change moves the pod to a new identity; the old one survives the grace period, then goes.
  await w.setPodLabels('blue', 'db', { app: 'db2' });
  const blueDb2 = { ...base('blue'), 'k8s:app': 'db2' };
  await eventually(async () => {
    const got = await w.identities();
    const fresh = withLabels(got, blueDb2);
    expect(fresh).toBeDefined();
    expect((await w.endpoints()).get('blue/db')!.identity).toBe(fresh!.id);
  });
  // The pending pod still holds the old db identity; once it is gone nothing does.
  await w.deletePod('blue', 'pending');
  const pendingGoneAt = Date.now();
  await new Promise((r) => setTimeout(r, GRACE_MS / 2));
  expect(withLabels(await w.identities(), blueDb)).toBeDefined();
  await eventually(async () => expect(withLabels(await w.identities(), blueDb)).toBeUndefined(), GRACE_MS * 5);
  expect(Date.now() - pendingGoneAt).toBeGreaterThanOrEqual(GRACE_MS);

  // A deleted pod loses its endpoint.
  await w.deletePod('red', 'web-2');
  await eventually(async () => expect((await w.endpoints()).has('red/web-2')).toBe(false));
  expect((await w.endpoints()).get('red/web-1')!.identity).toBe(idOf(redWeb));

  // Restart: the same identities and endpoints, and not a single write.
  const before = { ids: await w.identities(), eps: await w.endpoints() };
  expect(await metric(first.registry, 'meshlb_operator_identity_errors_total')).toBe(0);
  for (const r of running.splice(0)) await r.op.stop();
  const second = await startOperator('op-2');
  await new Promise((r) => setTimeout(r, 1_000));
  expect(await w.identities()).toEqual(before.ids);
  expect(await w.endpoints()).toEqual(before.eps);
  expect(await metric(second.registry, 'meshlb_operator_identity_writes_total')).toBe(0);
});

test('an identity that is not ours is reported once, counted, and left alone', async () => {
  const { registry } = await startOperator('op-3');
  const foreign = { metadata: { name: '300000' }, 'security-labels': { 'k8s:io.cilium.k8s.policy.cluster': 'c5', 'k8s:app': 'x' } };
  const created = await createObject(w.h.kc, CILIUM_IDENTITIES, { apiVersion: 'cilium.io/v2', kind: 'CiliumIdentity', ...foreign });
  expect(created.ok).toBe(true);
  await eventually(async () => expect(await metric(registry, 'meshlb_operator_identity_errors_total', { reason: 'foreign_identity' })).toBe(1));
  await new Promise((r) => setTimeout(r, GRACE_MS + 500));
  expect((await w.identities()).some((i) => i.id === 300000)).toBe(true);
  expect(await metric(registry, 'meshlb_operator_identity_errors_total', { reason: 'foreign_identity' })).toBe(1);
});

test('an operator that loses its lease stops acting and is no longer ready', async () => {
  const { op, registry } = await startOperator('op-4');
  const lease = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system', name: 'meshlb-operator' };
  // Someone else takes the lease (as a partitioned leader would find on its return).
  await eventually(async () => {
    const cur = await getObject<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>(w.h.kc, lease);
    if (!cur.ok) throw new Error(cur.error.message);
    const body = { ...cur.value, spec: { ...cur.value.spec, holderIdentity: 'intruder', leaseDurationSeconds: 3600, renewTime: new Date().toISOString().replace('Z', '000Z') } };
    const r = await kubeRequest(w.h.kc, { method: 'PUT', path: objectPath(lease), body });
    if (!r.ok) throw new Error(r.error.message);
  });
  await eventually(async () => expect(op.health()).toMatchObject({ ready: false, message: 'standby; leader is intruder' }));
  expect(op.isLeader()).toBe(false);
  const before = await metric(registry, 'meshlb_operator_identity_writes_total');
  await w.createPod('red', 'after-loss', { app: 'lonely' }, '10.244.0.99');
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await w.endpoints()).has('red/after-loss')).toBe(false);
  expect(await metric(registry, 'meshlb_operator_identity_writes_total')).toBe(before);
});
