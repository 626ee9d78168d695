import { describe, expect, test } from 'vitest';
import { lb4, lb6 } from './layouts/lb.js';
import { decodeLbMaps } from './lb-decode.js';
import { createMemoryBackend } from './memory-backend.js';
import { describeMaps, makeHarness } from './service-test-helpers.js';
import type { TableBackend, TableService } from './service-table.js';

const be = (address: string, inUse = true, clusterID = 1, port = 8080, protocol = 'TCP'): TableBackend => ({ address, port, protocol, clusterID, inUse });

function svc(name: string, frontends: TableService['frontends'], backends: TableBackend[]): TableService {
  return { namespace: 'default', name, frontends, backends };
}

const vip = (address: string, type = 'ClusterIP', port = 80, protocol = 'TCP') => ({ address, port, protocol, type });

/** Backend ID per "address:port@cluster", read back from the maps. */
function backendIds(contents: ReturnType<typeof createMemoryBackend>['snapshot'] extends () => infer C ? C : never): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [hex, raw] of contents.get('cilium_lb4_backends_v3') ?? []) {
    const id = lb4.backendKey.decode(Buffer.from(hex, 'hex'));
    const v = lb4.backendValue.decode(raw);
    if (id.ok && v.ok) out[`${v.value.address}:${v.value.port}@${v.value.clusterId}`] = id.value;
  }
  return out;
}

describe('service table → map entries', () => {
  test('in-use backends come first and only they are counted in slot 0', async () => {
    const h = await makeHarness();
    const { after, plan } = await h.reconcile([
      svc('rebel-base', [vip('10.96.100.1')], [be('10.0.0.1', false, 2), be('10.0.0.2'), be('10.0.0.3')]),
    ]);
    expect(plan.errors).toEqual([]);
    expect(describeMaps(after)).toEqual([
      '10.96.100.1:80/TCP flags=0 count=2 -> 10.0.0.2:8080/TCP@1,10.0.0.3:8080/TCP@1,10.0.0.1:8080/TCP@2',
    ]);
    const [fe] = decodeLbMaps(after).frontends;
    expect(fe?.master).toEqual({ backendId: 0, count: 2, revNatIndex: 1, flags: 0, flags2: 0, qcount: 0 });
    // New IDs are handed out in slot order.
    expect(fe?.slots.map((s) => [s.slot, s.value.backendId, s.value.count, s.value.revNatIndex])).toEqual([
      [1, 1, 0, 1],
      [2, 2, 0, 1],
      [3, 3, 0, 1],
    ]);
    expect(backendIds(after)).toEqual({ '10.0.0.2:8080@1': 1, '10.0.0.3:8080@1': 2, '10.0.0.1:8080@2': 3 });
    const revNat = after.get('cilium_lb4_reverse_nat')!;
    expect([...revNat].map(([k, v]) => [k, v.toString('hex')])).toEqual([['0001', '0a606401' + '0050']]);
  });

  test('frontend types map to Cilium flags', async () => {
    const h = await makeHarness();
    const { after } = await h.reconcile([
      svc('a', [vip('10.96.0.1'), vip('192.0.2.10', 'LoadBalancer'), vip('198.51.100.7', 'ExternalIPs'), vip('172.18.0.2', 'NodePort', 30080)], [be('10.0.0.1')]),
    ]);
    expect(describeMaps(after).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      '10.96.0.1:80/TCP flags=0',
      '172.18.0.2:30080/TCP flags=66', // NODEPORT | ROUTABLE
      '192.0.2.10:80/TCP flags=96', // LOADBALANCER | ROUTABLE
      '198.51.100.7:80/TCP flags=65', // EXTERNAL_IP | ROUTABLE
    ]);
  });

  test('backends pair with frontends by family, protocol and port name', async () => {
    const h = await makeHarness();
    const { after, plan } = await h.reconcile([
      {
        namespace: 'default',
        name: 'dual',
        frontends: [
          { ...vip('10.96.0.5'), portName: 'http' },
          { ...vip('10.96.0.5', 'ClusterIP', 443), portName: 'https' },
          vip('10.96.0.5', 'ClusterIP', 53, 'UDP'),
          vip('fd00::5'),
        ],
        backends: [
          { ...be('10.0.0.1'), portName: 'http' },
          { ...be('10.0.0.1', true, 1, 8443), portName: 'https' },
          be('10.0.0.9', true, 1, 5353, 'UDP'),
          be('fd10::1'),
          be('fd10::1'), // duplicate: programmed once
        ],
      },
    ]);
    expect(plan.errors).toEqual([]);
    expect(describeMaps(after)).toEqual([
      '10.96.0.5:443/TCP flags=0 count=1 -> 10.0.0.1:8443/TCP@1',
      '10.96.0.5:53/UDP flags=0 count=1 -> 10.0.0.9:5353/UDP@1',
      '10.96.0.5:80/TCP flags=0 count=1 -> 10.0.0.1:8080/TCP@1',
      'fd00::5:80/TCP flags=0 count=1 -> fd10::1:8080/TCP@1',
    ]);
    const v6key = lb6.serviceKey.encode({ address: 'fd00::5', port: 80, proto: 6, scope: 0, slot: 0 }).toString('hex');
    expect(after.get('cilium_lb6_services_v2')?.has(v6key)).toBe(true);
  });

  test('bad entries are reported per service and the rest is still programmed', async () => {
    const h = await makeHarness();
    const { after, plan } = await h.reconcile([
      svc('bad', [vip('10.96.0.300'), vip('10.96.0.2', 'Headless'), vip('10.96.0.3', 'ClusterIP', 80, 'ICMP'), vip('10.96.0.4')], [be('not-an-ip'), be('10.0.0.1')]),
      svc('zzz', [vip('10.96.0.4')], [be('10.0.0.2')]),
    ]);
    expect(plan.errors).toEqual([
      { service: 'default/bad', message: 'backend address "not-an-ip" is not an IP address' },
      { service: 'default/bad', message: 'frontend address "10.96.0.300" is not an IP address' },
      { service: 'default/bad', message: 'frontend 10.96.0.2:80 has unknown type "Headless"' },
      { service: 'default/bad', message: 'frontend 10.96.0.3:80 has unknown protocol "ICMP"' },
      { service: 'default/zzz', message: 'frontend 10.96.0.4:80/TCP is already used by another service' },
    ]);
    expect(describeMaps(after)).toEqual(['10.96.0.4:80/TCP flags=0 count=1 -> 10.0.0.1:8080/TCP@1']);
  });
});

describe('IDs', () => {
  test('kept for the same backend; a freed ID is reused only once its entry is gone', async () => {
    const h = await makeHarness();
    let { after } = await h.reconcile([svc('a', [vip('10.96.0.1')], [be('10.0.0.1'), be('10.0.0.2'), be('10.0.0.3')])]);
    expect(backendIds(after)).toEqual({ '10.0.0.1:8080@1': 1, '10.0.0.2:8080@1': 2, '10.0.0.3:8080@1': 3 });
    // 10.0.0.1 leaves while 10.0.0.4 arrives: ID 1 is still in the maps during this update.
    ({ after } = await h.reconcile([svc('a', [vip('10.96.0.1')], [be('10.0.0.2'), be('10.0.0.3'), be('10.0.0.4')])]));
    expect(backendIds(after)).toEqual({ '10.0.0.2:8080@1': 2, '10.0.0.3:8080@1': 3, '10.0.0.4:8080@1': 4 });
    ({ after } = await h.reconcile([svc('a', [vip('10.96.0.1')], [be('10.0.0.2'), be('10.0.0.3'), be('10.0.0.4'), be('10.0.0.5', true, 2)])]));
    expect(backendIds(after)['10.0.0.5:8080@2']).toBe(1);
  });

  test('the same address in two clusters is two backends', async () => {
    const h = await makeHarness();
    const { after } = await h.reconcile([svc('a', [vip('10.96.0.1')], [be('10.0.0.1', true, 1), be('10.0.0.1', false, 2)])]);
    expect(backendIds(after)).toEqual({ '10.0.0.1:8080@1': 1, '10.0.0.1:8080@2': 2 });
  });

  test('a restarted agent recovers every ID from the maps and writes nothing', async () => {
    const backend = createMemoryBackend();
    const first = await makeHarness(backend);
    const table = [
      svc('b', [vip('10.96.0.2'), vip('fd00::2')], [be('10.0.0.7'), be('fd10::7', false)]),
      svc('a', [vip('10.96.0.1', 'LoadBalancer')], [be('10.0.0.1'), be('10.0.0.2', false)]),
    ];
    // Build some history so IDs are not simply 1..n in table order.
    await first.reconcile([svc('x', [vip('10.96.0.9')], [be('10.0.0.9'), be('10.0.0.8')])]);
    const { after: before } = await first.reconcile(table);
    const restarted = await makeHarness(backend);
    const { plan, after } = await restarted.reconcile([...table].reverse());
    expect(plan.steps).toEqual([]);
    expect(after).toEqual(before);
  });

  test('reverse-NAT indexes are stable per frontend and not reused while still mapped', async () => {
    const h = await makeHarness();
    await h.reconcile([svc('a', [vip('10.96.0.1')], []), svc('b', [vip('10.96.0.2')], [])]);
    const { after } = await h.reconcile([svc('b', [vip('10.96.0.2')], []), svc('c', [vip('10.96.0.3')], [])]);
    const revOf = (address: string) => decodeLbMaps(after).frontends.find((f) => f.key.address === address)?.master?.revNatIndex;
    expect([revOf('10.96.0.2'), revOf('10.96.0.3')]).toEqual([2, 3]);
  });
});

describe('write order', () => {
  test('backends, reverse NAT, slots n..1, slot 0; deletes in reverse', async () => {
    const h = await makeHarness();
    await h.reconcile([svc('old', [vip('10.96.0.9')], [be('10.0.0.9'), be('10.0.0.8')])]);
    h.log.length = 0;
    await h.reconcile([svc('new', [vip('10.96.0.1')], [be('10.0.0.1'), be('10.0.0.2'), be('10.0.0.3', false)])]);
    const describe = (e: (typeof h.log)[number]['event']) => {
      if (e.map.includes('services')) {
        const k = lb4.serviceKey.decode(e.key);
        return `${e.op} svc ${k.ok ? `${k.value.address} slot ${k.value.slot}` : '?'}`;
      }
      return `${e.op} ${e.map.includes('backends') ? 'backend' : 'revnat'}`;
    };
    expect(h.log.map((l) => describe(l.event))).toEqual([
      'update backend',
      'update backend',
      'update backend',
      'update revnat',
      'update svc 10.96.0.1 slot 3',
      'update svc 10.96.0.1 slot 2',
      'update svc 10.96.0.1 slot 1',
      'update svc 10.96.0.1 slot 0',
      'delete svc 10.96.0.9 slot 0',
      'delete svc 10.96.0.9 slot 2',
      'delete svc 10.96.0.9 slot 1',
      'delete revnat',
      'delete backend',
      'delete backend',
    ]);
    expect(h.log.flatMap((l) => l.problems)).toEqual([]);
  });

  test('shrinking a service lowers slot 0 before its extra slots go', async () => {
    const h = await makeHarness();
    await h.reconcile([svc('a', [vip('10.96.0.1')], [be('10.0.0.1'), be('10.0.0.2'), be('10.0.0.3')])]);
    h.log.length = 0;
    const { after } = await h.reconcile([svc('a', [vip('10.96.0.1')], [be('10.0.0.3')])]);
    expect(describeMaps(after)).toEqual(['10.96.0.1:80/TCP flags=0 count=1 -> 10.0.0.3:8080/TCP@1']);
    expect(h.log.map((l) => `${l.event.op} ${l.event.map}`)).toEqual([
      'update cilium_lb4_services_v2', // slot 1 now names backend 3
      'update cilium_lb4_services_v2', // slot 0 count 3 → 1
      'delete cilium_lb4_services_v2',
      'delete cilium_lb4_services_v2',
      'delete cilium_lb4_backends_v3',
      'delete cilium_lb4_backends_v3',
    ]);
    expect(h.log.flatMap((l) => l.problems)).toEqual([]);
  });

  test('entries changed or deleted behind the reconciler are repaired by the next run', async () => {
    const h = await makeHarness();
    const table = [svc('a', [vip('10.96.0.1')], [be('10.0.0.1'), be('10.0.0.2')])];
    const { after: good } = await h.reconcile(table);
    const services = h.maps.get('cilium_lb4_services_v2')!;
    const key = (slot: number) => lb4.serviceKey.encode({ address: '10.96.0.1', port: 80, proto: 6, scope: 0, slot });
    const tampered = lb4.serviceValue.encode({ backendId: 0, count: 7, revNatIndex: 1, flags: 0x40, flags2: 0, qcount: 0 });
    await services.delete([key(1)]);
    await services.update([{ key: key(0), value: tampered }]);
    await h.maps.get('cilium_lb4_reverse_nat')!.delete([lb4.revNatKey.encode(1)]);
    const { after, plan } = await h.reconcile(table);
    expect(plan.steps.length).toBeGreaterThan(0);
    expect(after).toEqual(good);
  });

  test('a backend overwritten behind the reconciler gets a fresh ID and no slot ever dangles', async () => {
    const h = await makeHarness();
    const table = [svc('a', [vip('10.96.0.1')], [be('10.0.0.1'), be('10.0.0.2')])];
    const { after: good } = await h.reconcile(table);
    await h.maps.get('cilium_lb4_backends_v3')!.update([{ key: lb4.backendKey.encode(2), value: Buffer.alloc(12) }]);
    h.log.length = 0;
    const { after } = await h.reconcile(table);
    expect(describeMaps(after)).toEqual(describeMaps(good));
    expect(backendIds(after)).toEqual({ '10.0.0.1:8080@1': 1, '10.0.0.2:8080@1': 3 });
    expect(h.log.flatMap((l) => l.problems)).toEqual([]);
    expect((await h.reconcile(table)).plan.steps).toEqual([]);
  });
});
