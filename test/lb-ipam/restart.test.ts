/**
 * A restarted controller rebuilds its state from the services' status: with 1,000 allocated
 * services (some sharing), no address changes and nothing is written; services created while
 * it was down get addresses nobody else holds.
 */
import { describe, expect, test } from 'vitest';
import { kubeRequest } from '../../k8s/request.js';
import { collectionPath, coreResource } from '../../k8s/resource.js';
import { eventually, poolYaml, serviceYaml, withLbIpamWorld } from './harness.js';

// Services arrive one by one for minutes; a round every 20 ms (what the other files use, for
// quick reactions) would decide over up to 1,000 services per create, on the event loop the
// API server shares. Half a second still allocates while they arrive, in far fewer rounds.
const w = withLbIpamWorld({}, 500);
const COUNT = 1000;

type Svc = { metadata: { name: string }; status?: { loadBalancer?: { ingress?: { ip: string }[] }; conditions?: { type: string; status: string }[] } };

async function addresses(ns: string): Promise<Map<string, string[]>> {
  const r = await kubeRequest<{ items: Svc[] }>(w.h.kc, { method: 'GET', path: collectionPath({ ...coreResource('services'), namespace: ns }) });
  if (!r.ok) throw new Error(r.error.message);
  return new Map(r.value.items.map((s) => [s.metadata.name, (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)]));
}

describe('LB-IPAM restart', () => {
  test(`${COUNT} allocated services keep their addresses across a controller restart`, async () => {
    await w.namespace('many');
    await w.apply(
      poolYaml('many-a', { namespace: 'many', blocks: [{ cidr: '10.200.0.0/24' }] }),
      poolYaml('many-b', { namespace: 'many', blocks: [{ cidr: '10.201.0.0/22' }] }),
    );
    // Every tenth pair shares an address by key; the rest get their own.
    const docs = Array.from({ length: COUNT }, (_, i) =>
      serviceYaml('many', `s${i}`, i % 10 < 2 ? { sharingKey: `pair${Math.floor(i / 10)}`, ports: [{ port: 80 + (i % 10) }] } : {}));
    const t0 = Date.now();
    await w.create(...docs);
    process.stderr.write(`applied ${COUNT} services in ${Date.now() - t0} ms\n`);
    const before = await eventually(async () => {
      const m = await addresses('many');
      expect([...m.values()].filter((ips) => ips.length === 1).length).toBe(COUNT);
      return m;
    }, 120_000);
    process.stderr.write(`all allocated after ${Date.now() - t0} ms\n`);
    const distinct = new Set([...before.values()].flat());
    expect(distinct.size).toBe(COUNT - COUNT / 10);

    await w.stopController();
    // Created while no controller runs: must not take anyone's address afterwards.
    await w.apply(serviceYaml('many', 'late-1'), serviceYaml('many', 'late-2'));
    await w.startController();
    await eventually(async () => expect(w.controller?.health().ready).toBe(true), 60_000);
    const after = await eventually(async () => {
      const m = await addresses('many');
      expect(m.get('late-1')).toHaveLength(1);
      expect(m.get('late-2')).toHaveLength(1);
      return m;
    }, 60_000);
    for (const [name, ips] of before) expect(after.get(name), name).toEqual(ips);
    expect(distinct.has(after.get('late-1')![0]!)).toBe(false);
    expect(distinct.has(after.get('late-2')![0]!)).toBe(false);
    // Only the two new services and the two pools' counts were written.
    expect(w.controller?.health().details?.writes).toBeLessThanOrEqual(4);
  }, 300_000);
});
