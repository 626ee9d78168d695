import { expect, test } from 'vitest';
import { lb4 } from './layouts/lb.js';
import { keyHex, type MapContents } from './maps.js';
import { danglingReferences } from './service-invariants.js';

const svcKey = (slot: number) => keyHex(lb4.serviceKey.encode({ address: '10.96.0.1', port: 80, proto: 6, scope: 0, slot }));
const svcVal = (backendId: number, count: number, revNatIndex = 1) => lb4.serviceValue.encode({ backendId, count, revNatIndex, flags: 0, flags2: 0, qcount: 0 });
const backend = lb4.backendValue.encode({ address: '10.0.0.1', port: 8080, proto: 6, flags: 0, clusterId: 1, zone: 0 });

function contents(services: [string, Buffer][], backendIds: number[], revNat: number[] = [1]): MapContents {
  return new Map([
    ['cilium_lb4_services_v2', new Map(services)],
    ['cilium_lb4_backends_v3', new Map(backendIds.map((id) => [keyHex(lb4.backendKey.encode(id)), backend]))],
    ['cilium_lb4_reverse_nat', new Map(revNat.map((i) => [keyHex(lb4.revNatKey.encode(i)), Buffer.alloc(6)]))],
  ]);
}

test('a consistent service has no problems', () => {
  expect(danglingReferences(contents([[svcKey(0), svcVal(0, 1)], [svcKey(1), svcVal(5, 0)]], [5]))).toEqual([]);
});

test('each kind of dangling reference is named', () => {
  expect(danglingReferences(contents([[svcKey(0), svcVal(0, 2)], [svcKey(1), svcVal(5, 0)]], [5]))).toEqual([
    '10.96.0.1:80 slot 0: count 2 but slot 2 is missing',
  ]);
  expect(danglingReferences(contents([[svcKey(1), svcVal(6, 0)]], [5]))).toEqual(['10.96.0.1:80 slot 1: backend 6 is missing']);
  expect(danglingReferences(contents([[svcKey(0), svcVal(0, 0, 2)]], []))).toEqual(['10.96.0.1:80 slot 0: reverse NAT index 2 is missing']);
});
