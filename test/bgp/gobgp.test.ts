/** Interop with GoBGP 3 (gobgpd) as a real peer on loopback. */
import { gobgp, startGobgp } from './daemons.js';
import { interopSuite } from './suite.js';
import type { SeenRoute } from './suite.js';

const PORT = 1791;
const API = 50000 + PORT;

interface GobgpAttr {
  type: number;
  value?: unknown;
  communities?: number[];
}

function toSeen(prefix: string, attrs: GobgpAttr[]): SeenRoute {
  const comm = attrs.find((a) => a.type === 8)?.communities;
  const large = attrs.find((a) => a.type === 32)?.value as { ASN: number; LocalData1: number; LocalData2: number }[] | undefined;
  const lp = attrs.find((a) => a.type === 5)?.value as number | undefined;
  return {
    prefix,
    communities: (comm ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`),
    largeCommunities: (large ?? []).map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`),
    ...(lp !== undefined ? { localPref: lp } : {}),
  };
}

interopSuite({
  name: 'gobgp',
  net: '127.0.22',
  port: PORT,
  start: (dir, spec) => startGobgp(dir, spec),
  ready: async () => (await gobgp(API, 'global')).includes('AS'),
  async routes(_dir, from) {
    const out: SeenRoute[] = [];
    for (const afi of ['ipv4', 'ipv6']) {
      const rib = JSON.parse(await gobgp(API, 'global', 'rib', '-a', afi, '-j')) as Record<string, { attrs: GobgpAttr[]; 'neighbor-ip': string }[]>;
      for (const [prefix, paths] of Object.entries(rib)) for (const p of paths) if (p['neighbor-ip'] === from) out.push(toSeen(prefix, p.attrs));
    }
    return out;
  },
});
