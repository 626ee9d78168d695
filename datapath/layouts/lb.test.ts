import { describe, expect, test } from 'vitest';
import { BackendState, IpProto, LookupScope, MapSpecs, ServiceFlag, ServiceFlag2 } from './constants.js';
import { lb4, lb6 } from './lb.js';

/** Hand-written golden bytes; spaces separate fields for the reader. */
function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

describe('lb4 layouts', () => {
  test('service key: address and port network order, slot host order', () => {
    const key = { address: '10.43.144.23', port: 9080, slot: 2, proto: IpProto.TCP, scope: LookupScope.Internal };
    const bytes = hex('0a2b9017 2378 0200 06 01 0000');
    expect(lb4.serviceKey.encode(key)).toEqual(bytes);
    expect(lb4.serviceKey.decode(bytes)).toEqual({ ok: true, value: key });
  });

  test('service value: backend_id/count/qcount host order, rev_nat_index network order', () => {
    const value = {
      backendId: (2 << 24) | 3600, // maglev, 1 h affinity timeout
      count: 3,
      revNatIndex: 8,
      flags: ServiceFlag.LoadBalancer | ServiceFlag.Routable,
      flags2: ServiceFlag2.TwoScopes,
      qcount: 1,
    };
    const bytes = hex('100e0002 0300 0008 60 20 0100');
    expect(lb4.serviceValue.encode(value)).toEqual(bytes);
    expect(lb4.serviceValue.decode(bytes)).toEqual({ ok: true, value });
  });

  test('backend key: u32 ID host order', () => {
    expect(lb4.backendKey.encode(0x01020304)).toEqual(hex('04030201'));
    expect(lb4.backendKey.decode(hex('01000000'))).toEqual({ ok: true, value: 1 });
  });

  test('backend value: address, port network order; cluster_id host order; zone', () => {
    const value = { address: '10.42.0.231', port: 9080, proto: IpProto.TCP, flags: BackendState.Terminating, clusterId: 258, zone: 7 };
    const bytes = hex('0a2a00e7 2378 06 01 0201 07 00');
    expect(lb4.backendValue.encode(value)).toEqual(bytes);
    expect(lb4.backendValue.decode(bytes)).toEqual({ ok: true, value });
  });

  test('reverse NAT key is network order; value is packed 6 bytes', () => {
    expect(lb4.revNatKey.encode(0x1234)).toEqual(hex('1234'));
    expect(lb4.revNatKey.encode(8)).toEqual(hex('0008'));
    expect(lb4.revNatKey.decode(hex('0008'))).toEqual({ ok: true, value: 8 });
    const value = { address: '10.43.144.23', port: 9080 };
    expect(lb4.revNatValue.encode(value)).toEqual(hex('0a2b9017 2378'));
    expect(lb4.revNatValue.decode(hex('0a2b9017 2378'))).toEqual({ ok: true, value });
  });
});

describe('lb6 layouts', () => {
  test('service key is 24 bytes', () => {
    const key = { address: 'fd00::1', port: 443, slot: 1, proto: IpProto.UDP, scope: LookupScope.External };
    const bytes = hex('fd000000000000000000000000000001 01bb 0100 11 00 0000');
    expect(lb6.serviceKey.size).toBe(24);
    expect(lb6.serviceKey.encode(key)).toEqual(bytes);
    expect(lb6.serviceKey.decode(bytes)).toEqual({ ok: true, value: key });
  });

  test('service value has the same 12-byte layout as v4', () => {
    const value = { backendId: 77, count: 0, revNatIndex: 0x0102, flags: 0, flags2: 0, qcount: 0 };
    expect(lb6.serviceValue.encode(value)).toEqual(hex('4d000000 0000 0102 00 00 0000'));
  });

  test('backend value is 24 bytes', () => {
    const value = { address: '2001:db8::a:b', port: 8080, proto: IpProto.TCP, flags: BackendState.Active, clusterId: 255, zone: 0 };
    const bytes = hex('20010db800000000 00000000000a000b 1f90 06 00 ff00 00 00');
    expect(lb6.backendValue.encode(value)).toEqual(bytes);
    expect(lb6.backendValue.decode(bytes)).toEqual({ ok: true, value });
  });

  test('reverse NAT value is packed 18 bytes', () => {
    const value = { address: 'fd00::1', port: 443 };
    const bytes = hex('fd000000000000000000000000000001 01bb');
    expect(lb6.revNatValue.size).toBe(18);
    expect(lb6.revNatValue.encode(value)).toEqual(bytes);
    expect(lb6.revNatValue.decode(bytes)).toEqual({ ok: true, value });
  });

  test('IPv4-mapped and compressible addresses decode to Go-style text', () => {
    const key = (address: string) => ({ address, port: 1, slot: 0, proto: 0, scope: 0 });
    const mapped = lb6.serviceKey.encode(key('::ffff:10.0.0.1'));
    expect(mapped.subarray(0, 16)).toEqual(hex('00000000000000000000ffff0a000001'));
    expect(lb6.serviceKey.decode(mapped)).toMatchObject({ ok: true, value: { address: '10.0.0.1' } });
    const long = lb6.serviceKey.encode(key('2001:db8:0:0:1:0:0:1'));
    expect(lb6.serviceKey.decode(long)).toMatchObject({ ok: true, value: { address: '2001:db8::1:0:0:1' } });
  });
});

describe('service flag bits', () => {
  const base = { backendId: 0, count: 0, revNatIndex: 0, flags: 0, flags2: 0, qcount: 0 };
  test.each([
    ['ExternalIP', ServiceFlag.ExternalIP, '00000000 0000 0000 01 00 0000'],
    ['NodePort', ServiceFlag.NodePort, '00000000 0000 0000 02 00 0000'],
    ['ExtLocalScope', ServiceFlag.ExtLocalScope, '00000000 0000 0000 04 00 0000'],
    ['HostPort', ServiceFlag.HostPort, '00000000 0000 0000 08 00 0000'],
    ['Affinity', ServiceFlag.Affinity, '00000000 0000 0000 10 00 0000'],
    ['LoadBalancer', ServiceFlag.LoadBalancer, '00000000 0000 0000 20 00 0000'],
    ['Routable', ServiceFlag.Routable, '00000000 0000 0000 40 00 0000'],
    ['SourceRange', ServiceFlag.SourceRange, '00000000 0000 0000 80 00 0000'],
  ])('flags %s', (_name, bit, golden) => {
    expect(lb4.serviceValue.encode({ ...base, flags: bit })).toEqual(hex(golden));
  });
  test.each([
    ['LocalRedirect', ServiceFlag2.LocalRedirect, '00000000 0000 0000 00 01 0000'],
    ['Nat46x64', ServiceFlag2.Nat46x64, '00000000 0000 0000 00 02 0000'],
    ['L7LoadBalancer', ServiceFlag2.L7LoadBalancer, '00000000 0000 0000 00 04 0000'],
    ['Loopback', ServiceFlag2.Loopback, '00000000 0000 0000 00 08 0000'],
    ['IntLocalScope', ServiceFlag2.IntLocalScope, '00000000 0000 0000 00 10 0000'],
    ['TwoScopes', ServiceFlag2.TwoScopes, '00000000 0000 0000 00 20 0000'],
    ['Quarantined', ServiceFlag2.Quarantined, '00000000 0000 0000 00 40 0000'],
    ['FwdModeDsr', ServiceFlag2.FwdModeDsr, '00000000 0000 0000 00 80 0000'],
  ])('flags2 %s', (_name, bit, golden) => {
    expect(lb4.serviceValue.encode({ ...base, flags2: bit })).toEqual(hex(golden));
  });
  test.each([
    ['Active', BackendState.Active, '7f000001 0050 06 00 0000 00 00'],
    ['Terminating', BackendState.Terminating, '7f000001 0050 06 01 0000 00 00'],
    ['Quarantined', BackendState.Quarantined, '7f000001 0050 06 02 0000 00 00'],
    ['Maintenance', BackendState.Maintenance, '7f000001 0050 06 03 0000 00 00'],
  ])('backend state %s', (_name, state, golden) => {
    const value = { address: '127.0.0.1', port: 80, proto: IpProto.TCP, flags: state, clusterId: 0, zone: 0 };
    expect(lb4.backendValue.encode(value)).toEqual(hex(golden));
    expect(lb4.backendValue.decode(hex(golden))).toEqual({ ok: true, value });
  });
});

describe('decoders validate', () => {
  test.each([
    ['lb4 service key', () => lb4.serviceKey.decode(hex('0a2b9017 2378 0200 06 01')), 'lb4 service key: expected 12 bytes, got 10'],
    ['lb6 service key', () => lb6.serviceKey.decode(hex('0a2b9017 2378 0200 06 01 0000')), 'lb6 service key: expected 24 bytes, got 12'],
    ['lb4 service value', () => lb4.serviceValue.decode(Buffer.alloc(13)), 'lb4 service value: expected 12 bytes, got 13'],
    ['lb4 backend value', () => lb4.backendValue.decode(Buffer.alloc(24)), 'lb4 backend value: expected 12 bytes, got 24'],
    ['lb6 backend value', () => lb6.backendValue.decode(Buffer.alloc(12)), 'lb6 backend value: expected 24 bytes, got 12'],
    ['lb4 reverse NAT value', () => lb4.revNatValue.decode(Buffer.alloc(8)), 'lb4 reverse NAT value: expected 6 bytes, got 8'],
    ['lb6 reverse NAT value', () => lb6.revNatValue.decode(Buffer.alloc(20)), 'lb6 reverse NAT value: expected 18 bytes, got 20'],
    ['backend ID 0', () => lb4.backendKey.decode(hex('00000000')), 'lb4 backend key: backend ID 0 is reserved'],
    ['reverse NAT index 0', () => lb6.revNatKey.decode(hex('0000')), 'lb6 reverse NAT key: reverse NAT index 0 is reserved'],
  ])('%s', (_name, decode, error) => {
    expect(decode()).toEqual({ ok: false, error, retry: false });
  });

  test('encoders refuse out-of-range fields and wrong-family addresses (programming errors)', () => {
    const key = { address: '10.0.0.1', port: 65536, slot: 0, proto: 6, scope: 0 };
    expect(() => lb4.serviceKey.encode(key)).toThrow(/port must be an integer in 0\.\.65535/);
    expect(() => lb6.serviceKey.encode({ ...key, port: 80 })).toThrow(/not an IPv6 address/);
    expect(() => lb4.revNatKey.encode(70000)).toThrow(RangeError);
  });
});

test('codec sizes match the map specs', () => {
  const sizes = (c: typeof lb4) => [c.serviceKey.size, c.serviceValue.size, c.backendKey.size, c.backendValue.size, c.revNatKey.size, c.revNatValue.size];
  const spec = (s: { keySize: number; valueSize: number }) => [s.keySize, s.valueSize];
  expect(sizes(lb4)).toEqual([...spec(MapSpecs.lb4Services), ...spec(MapSpecs.lb4Backends), ...spec(MapSpecs.lb4ReverseNat)]);
  expect(sizes(lb6)).toEqual([...spec(MapSpecs.lb6Services), ...spec(MapSpecs.lb6Backends), ...spec(MapSpecs.lb6ReverseNat)]);
  expect(sizes(lb6)).toEqual([24, 12, 4, 24, 2, 18]);
});
