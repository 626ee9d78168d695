import { describe, expect, test } from 'vitest';
import { decodeMessage, encodeKeepalive, encodeNotification, encodeOpen, encodeRouteRefresh, readFrame } from './codec.js';
import { encodeEndOfRib, encodeUpdate } from './update-codec.js';
import { endOfRibFamily } from './messages.js';
import type { UpdateMessage } from './messages.js';

const M = 'ff'.repeat(16);
const hex = (b: Buffer): string => b.toString('hex');
const buf = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const ctx4 = { asn4: true };

describe('golden bytes', () => {
  test('KEEPALIVE', () => {
    expect(hex(encodeKeepalive())).toBe(`${M}001304`);
  });

  test('NOTIFICATION cease/admin shutdown', () => {
    expect(hex(encodeNotification(6, 2))).toBe(`${M}00150306 02`.replace(' ', ''));
  });

  test('ROUTE-REFRESH ipv6 unicast', () => {
    expect(hex(encodeRouteRefresh('ipv6'))).toBe(`${M}0017050002 0001`.replace(' ', ''));
  });

  test('OPEN with MP ipv4+ipv6, route refresh, 4-octet AS', () => {
    const open = encodeOpen({ asn: 65001, holdTime: 90, bgpId: '1.2.3.4', families: ['ipv4', 'ipv6'] });
    expect(hex(open)).toBe(
      `${M}003301` + '04fde9005a01020304' + '16' + '0214' + '010400010001' + '010400020001' + '0200' + '41040000fde9',
    );
  });

  test('OPEN with a 4-byte ASN uses AS_TRANS and graceful restart with R bit and F bits', () => {
    const open = encodeOpen({
      asn: 4200000001,
      holdTime: 3,
      bgpId: '10.0.0.1',
      families: ['ipv4'],
      gracefulRestart: { restarting: true, restartTimeSeconds: 120, families: [{ family: 'ipv4', forwardingPreserved: true }] },
    });
    expect(hex(open)).toBe(
      `${M}003501` + '045ba000030a000001' + '18' + '0216' + '010400010001' + '0200' + '4104fa56ea01' + '4006' + '8078' + '00010180',
    );
    const d = decodeMessage(open, ctx4);
    expect(d).toMatchObject({
      ok: true,
      value: {
        myAs: 23456,
        holdTime: 3,
        bgpId: '10.0.0.1',
        caps: {
          asn4: 4200000001,
          families: ['ipv4'],
          routeRefresh: true,
          gracefulRestart: { restarting: true, restartTimeSeconds: 120, families: [{ family: 'ipv4', forwardingPreserved: true }] },
        },
      },
    });
  });

  test('OPEN from FRR style: one capability per optional parameter, unknown capabilities skipped', () => {
    const body =
      '04fde8005a7f000003' +
      '22' +
      '0206010400010001' +
      '0206010400020001' +
      '0202' + '4600' + // enhanced route refresh (70): skipped
      '0204' + '49020000' + // FQDN-ish (73) with a body: skipped
      '0206' + '41040000fde8';
    const msg = buf(`${M}${(19 + body.length / 2).toString(16).padStart(4, '0')}01${body}`);
    const d = decodeMessage(msg, ctx4);
    expect(d).toMatchObject({ ok: true, value: { caps: { families: ['ipv4', 'ipv6'], asn4: 65000, unknown: [70, 73] } } });
  });

  const update: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attrs: {
      origin: 0,
      asPath: [{ type: 2, asns: [65001] }],
      nextHop: '192.0.2.1',
      communities: [65000 * 65536 + 99],
      largeCommunities: [[65000, 1, 2]],
    },
    nlri: ['192.0.2.1/32'],
  };
  const updateHex =
    `${M}004602` + '0000' + '002a' + '40010100' + '400206020100' + '00fde9' + '4003' + '04c0000201' + 'c00804fde80063' +
    'c0200c0000fde80000000100000002' + '20c0000201';

  test('UPDATE ipv4 with communities and large communities, 4-byte AS_PATH', () => {
    expect(hex(encodeUpdate(update, ctx4))).toBe(updateHex);
    expect(decodeMessage(buf(updateHex), ctx4)).toEqual({ ok: true, value: update });
  });

  test('UPDATE towards a 2-octet peer carries AS_TRANS and AS4_PATH; decoding merges them back', () => {
    const u: UpdateMessage = { ...update, attrs: { origin: 0, asPath: [{ type: 2, asns: [4200000001] }], nextHop: '192.0.2.1' } };
    const bytes = encodeUpdate(u, { asn4: false });
    expect(hex(bytes)).toContain('4002040201' + '5ba0'); // AS_PATH with AS_TRANS
    expect(hex(bytes)).toContain('c01106020' + '1fa56ea01'); // AS4_PATH with the real ASN
    expect(decodeMessage(bytes, { asn4: false })).toMatchObject({ ok: true, value: { attrs: { asPath: [{ type: 2, asns: [4200000001] }] } } });
  });

  test('UPDATE ipv6 MP_REACH with a 32-byte next hop, LOCAL_PREF and MED', () => {
    const u: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attrs: {
        origin: 0,
        asPath: [],
        med: 5,
        localPref: 200,
        mpReach: { afi: 2, safi: 1, nextHops: ['fd00:ffff::1', 'fe80::1'], nlri: ['fd00:10::7/128'] },
      },
      nlri: [],
    };
    const bytes = encodeUpdate(u, ctx4);
    expect(hex(bytes)).toBe(
      `${M}006502` + '0000' + '004e' + '40010100' + '400200' + '800404' + '00000005' + '400504000000c8' +
      '800e' + '36' + '00020120' + 'fd00ffff000000000000000000000001' + 'fe800000000000000000000000000001' + '00' +
      '80' + 'fd000010000000000000000000000007',
    );
    expect(decodeMessage(bytes, ctx4)).toEqual({ ok: true, value: u });
  });

  test('End-of-RIB for both families', () => {
    expect(hex(encodeEndOfRib('ipv4'))).toBe(`${M}00170200000000`);
    expect(hex(encodeEndOfRib('ipv6'))).toBe(`${M}001d0200000006800f03000201`);
    for (const f of ['ipv4', 'ipv6'] as const) {
      const d = decodeMessage(encodeEndOfRib(f), ctx4);
      expect(d.ok && d.value.type === 'update' && endOfRibFamily(d.value)).toBe(f);
    }
  });

  test('attributes longer than 255 bytes use the extended length flag', () => {
    const many = Array.from({ length: 70 }, (_, i) => i + 1);
    const bytes = encodeUpdate({ ...update, attrs: { ...update.attrs, communities: many } }, ctx4);
    expect(hex(bytes)).toContain('d0080118');
    expect(decodeMessage(bytes, ctx4)).toMatchObject({ ok: true, value: { attrs: { communities: many } } });
  });
});

describe('framing', () => {
  test('waits for a whole message and splits a stream', () => {
    const two = Buffer.concat([encodeKeepalive(), encodeKeepalive()]);
    expect(readFrame(two.subarray(0, 18), 0)).toEqual({ kind: 'need-more' });
    const first = readFrame(two, 0);
    expect(first).toMatchObject({ kind: 'frame', end: 19 });
    expect(readFrame(two, 19)).toMatchObject({ kind: 'frame', end: 38 });
  });
});
