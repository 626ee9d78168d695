import { describe, expect, test } from 'vitest';
import { decodeMessage } from './codec.js';
import { packDiff } from './packing.js';
import { buildDesired, diffRib } from './routes.js';

const ctx = { localAsn: 65001, ibgp: false, nextHopIpv4: '192.0.2.1', nextHopIpv6: 'fd00:ffff::1' };
const v4 = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;

describe('packing', () => {
  test('10,000 /32s with identical attributes pack ~810 per UPDATE, all within 4096 bytes, and decode back', () => {
    const desired = buildDesired(Array.from({ length: 10_000 }, (_, i) => ({ prefix: v4(i), communities: ['65000:1'] })), ctx);
    const msgs = packDiff(diffRib(new Map(), desired.routes), { asn4: true });
    expect(msgs.length).toBe(Math.ceil(10_000 / Math.floor((4096 - 23 - 29) / 5)));
    const seen = new Set<string>();
    for (const m of msgs) {
      expect(m.length).toBeLessThanOrEqual(4096);
      const d = decodeMessage(m, { asn4: true });
      if (!d.ok || d.value.type !== 'update') throw new Error('undecodable');
      for (const p of d.value.nlri) seen.add(p);
    }
    expect(seen.size).toBe(10_000);
  });

  test('ipv6 announcements ride in MP_REACH, withdrawals in MP_UNREACH; only changes are sent', () => {
    const specs = Array.from({ length: 500 }, (_, i) => ({ prefix: `fd00::${i.toString(16)}/128` }));
    const first = buildDesired(specs, ctx).routes;
    const msgs = packDiff(diffRib(new Map(), first), { asn4: true });
    expect(msgs.length).toBe(3);
    const d = decodeMessage(msgs[0]!, { asn4: true });
    expect(d.ok && d.value.type === 'update' && d.value.attrs.mpReach?.nextHops).toEqual(['fd00:ffff::1']);

    const second = buildDesired([...specs.slice(1), { prefix: 'fd00::1/128', communities: ['1:1'] }], ctx).routes;
    const diff = diffRib(first, second);
    expect(diff.withdraw.map((r) => r.prefix)).toEqual(['fd00::/128']);
    expect(diff.announce.map((r) => r.prefix)).toEqual(['fd00::1/128']);
    const w = decodeMessage(packDiff(diff, { asn4: true })[0]!, { asn4: true });
    expect(w.ok && w.value.type === 'update' && w.value.attrs.mpUnreach?.withdrawn).toEqual(['fd00::/128']);
  });

  test('invalid route specs are rejected with a reason and the rest stays', () => {
    const d = buildDesired([{ prefix: '10.0.0.1/33' }, { prefix: '10.0.0.1/32', communities: ['x:y'] }, { prefix: '10.0.0.2/32' }], ctx);
    expect(d.rejected).toHaveLength(2);
    expect([...d.routes.keys()]).toEqual(['10.0.0.2/32']);
  });
});
