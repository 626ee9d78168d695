import { describe, expect, test } from 'vitest';
import { BackendState } from './layouts/constants.js';
import { lb4, lbCodecsFor } from './layouts/lb.js';
import { backendValue, encodeFrontend, frontendEntries, slotKey, slotValue } from './service-encode.js';
import { parseService, type ParsedFrontend } from './service-parse.js';
import { backendIdentityKey, type BackendIdentity } from './service-ids.js';

const backend = (id: BackendIdentity) => ({ id, key: backendIdentityKey(id), inUse: true });

describe('backend values written without the codec equal the codec', () => {
  test.each([
    { family: 4 as const, address: '10.100.0.255', port: 8080, proto: 6, clusterId: 1 },
    { family: 4 as const, address: '0.0.0.0', port: 0, proto: 17, clusterId: 0 },
    { family: 4 as const, address: '255.255.255.255', port: 65535, proto: 132, clusterId: 65535 },
    { family: 6 as const, address: 'fd10::1', port: 443, proto: 6, clusterId: 2 },
  ])('$address:$port', (id) => {
    const codec = lbCodecsFor(id.family).backendValue;
    expect(backendValue(backend(id))).toEqual(codec.encode({ address: id.address, port: id.port, proto: id.proto, flags: BackendState.Active, clusterId: id.clusterId, zone: 0 }));
  });
});

describe('a frontend record derives the codec entries of every slot', () => {
  const parsed = parseService({
    namespace: 'default',
    name: 'web',
    frontends: [{ address: '10.96.0.10', port: 80, protocol: 'TCP', type: 'ClusterIP' }],
    backends: [
      { address: '10.0.0.1', port: 8080, protocol: 'TCP', clusterID: 1, inUse: false },
      { address: '10.0.0.2', port: 8080, protocol: 'TCP', clusterID: 1, inUse: true },
    ],
  });
  const fe = (parsed.items[0] as { frontend: ParsedFrontend }).frontend;
  const record = encodeFrontend(fe, 7, [42, 41]);

  test('slot 0 counts the in-use backends, slots name the IDs in slot order', () => {
    const common = { address: '10.96.0.10', port: 80, proto: 6, scope: 0 };
    expect(slotKey(record, 2)).toEqual(lb4.serviceKey.encode({ ...common, slot: 2 }));
    expect(slotValue(record, 0)).toEqual(lb4.serviceValue.encode({ backendId: 0, count: 1, revNatIndex: 7, flags: record.value0[8]!, flags2: 0, qcount: 0 }));
    expect(slotValue(record, 1)).toEqual(lb4.serviceValue.encode({ backendId: 42, count: 0, revNatIndex: 7, flags: record.value0[8]!, flags2: 0, qcount: 0 }));
    expect(slotValue(record, 2)).toEqual(lb4.serviceValue.encode({ backendId: 41, count: 0, revNatIndex: 7, flags: record.value0[8]!, flags2: 0, qcount: 0 }));
  });

  test('entries: reverse NAT, then slot 0..n, each with its hex key', () => {
    const entries = frontendEntries(record);
    expect(entries.map((e) => [e.map, e.slot, e.hex === e.key.toString('hex')])).toEqual([
      ['cilium_lb4_reverse_nat', undefined, true],
      ['cilium_lb4_services_v2', 0, true],
      ['cilium_lb4_services_v2', 1, true],
      ['cilium_lb4_services_v2', 2, true],
    ]);
    expect(entries[0]!.value).toEqual(lb4.revNatValue.encode({ address: '10.96.0.10', port: 80 }));
  });
});
