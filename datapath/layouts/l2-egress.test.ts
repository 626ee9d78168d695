import { describe, expect, test } from 'vitest';
import { MapSpecs } from './constants.js';
import { EXCLUDED_CIDR_GATEWAY, NO_GATEWAY, egressPolicyKey, egressPolicyValue } from './egress.js';
import { l2ResponderStats, l2ResponderV4Key, l2ResponderV6Key } from './l2-responder.js';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

describe('L2 responder maps', () => {
  test('v4 key: address network order, ifindex host order', () => {
    const key = { address: '192.0.2.10', ifindex: 3 };
    expect(l2ResponderV4Key.encode(key)).toEqual(hex('c000020a 03000000'));
    expect(l2ResponderV4Key.decode(hex('c000020a 03000000'))).toEqual({ ok: true, value: key });
  });

  test('v6 key: 16-byte address, ifindex, 4 bytes of pad', () => {
    const key = { address: '2001:db8::1', ifindex: 0x01020304 };
    const bytes = hex('20010db8000000000000000000000001 04030201 00000000');
    expect(l2ResponderV6Key.encode(key)).toEqual(bytes);
    expect(l2ResponderV6Key.decode(bytes)).toEqual({ ok: true, value: key });
  });

  test('stats value: u64 host order, full range', () => {
    expect(l2ResponderStats.encode({ responsesSent: 1000n })).toEqual(hex('e803000000000000'));
    expect(l2ResponderStats.decode(hex('ffffffffffffffff'))).toEqual({ ok: true, value: { responsesSent: 2n ** 64n - 1n } });
    expect(() => l2ResponderStats.encode({ responsesSent: 2n ** 64n })).toThrow(RangeError);
  });

  test('sizes agree with the map specs and decoders check them', () => {
    expect([l2ResponderV4Key.size, l2ResponderStats.size]).toEqual([MapSpecs.l2ResponderV4.keySize, MapSpecs.l2ResponderV4.valueSize]);
    expect(l2ResponderV6Key.size).toBe(MapSpecs.l2ResponderV6.keySize);
    expect(l2ResponderV4Key.decode(hex('c000020a'))).toEqual({
      ok: false,
      error: 'l2 responder v4 key: expected 8 bytes, got 4',
      retry: false,
    });
  });
});

describe('egress gateway policy map', () => {
  test('key: prefixlen = 32 + destination bits in host order, addresses network order', () => {
    const key = { sourceIp: '10.0.1.5', destination: '192.168.0.0', destinationPrefixLen: 16 };
    const bytes = hex('30000000 0a000105 c0a80000');
    expect(egressPolicyKey.encode(key)).toEqual(bytes);
    expect(egressPolicyKey.decode(bytes)).toEqual({ ok: true, value: key });
    expect(egressPolicyKey.encode({ ...key, destination: '0.0.0.0', destinationPrefixLen: 0 })).toEqual(hex('20000000 0a000105 00000000'));
  });

  test('value: egress IP then gateway IP; excluded and no-gateway markers', () => {
    expect(egressPolicyValue.encode({ egressIp: '0.0.0.0', gatewayIp: '172.18.0.3' })).toEqual(hex('00000000 ac120003'));
    expect(egressPolicyValue.encode({ egressIp: '0.0.0.0', gatewayIp: EXCLUDED_CIDR_GATEWAY })).toEqual(hex('00000000 00000001'));
    expect(egressPolicyValue.encode({ egressIp: '0.0.0.0', gatewayIp: NO_GATEWAY })).toEqual(hex('00000000 00000000'));
    expect(egressPolicyValue.decode(hex('0a000105 ac120003'))).toEqual({ ok: true, value: { egressIp: '10.0.1.5', gatewayIp: '172.18.0.3' } });
  });

  test('decoder rejects a prefixlen that cannot come from a policy', () => {
    expect(egressPolicyKey.decode(hex('1f000000 0a000105 00000000'))).toEqual({
      ok: false,
      error: 'egress policy v4 key: prefixlen must be 32..64, got 31',
      retry: false,
    });
    expect(egressPolicyKey.decode(hex('41000000 0a000105 00000000'))).toMatchObject({ ok: false });
    expect(() => egressPolicyKey.encode({ sourceIp: '10.0.0.1', destination: '0.0.0.0', destinationPrefixLen: 33 })).toThrow(RangeError);
  });
});
