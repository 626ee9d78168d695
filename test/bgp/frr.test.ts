/** Interop with FRR 8.4 bgpd (run alone, unprivileged) as a real peer on loopback. */
import { startFrr, vtysh } from './daemons.js';
import { interopSuite } from './suite.js';
import type { SeenRoute } from './suite.js';

interface FrrPath {
  peer?: { peerId?: string };
  community?: { list?: string[] };
  largeCommunity?: { list?: string[] };
  locPrf?: number;
  localpref?: number;
}

interopSuite({
  name: 'frr',
  net: '127.0.23',
  port: 1792,
  start: (dir, spec) => startFrr(dir, spec),
  ready: async (dir) => (await vtysh(dir, 'show bgp summary json')).includes('routerId'),
  async routes(dir, from) {
    const out: SeenRoute[] = [];
    for (const afi of ['ipv4', 'ipv6']) {
      const table = JSON.parse(await vtysh(dir, `show bgp ${afi} unicast json detail`)) as { routes?: Record<string, FrrPath[]> };
      for (const [prefix, entries] of Object.entries(table.routes ?? {})) {
        for (const p of entries) {
          if (p.peer?.peerId !== from) continue;
          const lp = p.locPrf ?? p.localpref;
          out.push({
            prefix,
            communities: p.community?.list ?? [],
            largeCommunities: p.largeCommunity?.list ?? [],
            ...(lp !== undefined ? { localPref: lp } : {}),
          });
        }
      }
    }
    return out;
  },
});
