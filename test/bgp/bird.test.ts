/**
 * Interop with BIRD 2 as a real peer on loopback: eBGP and iBGP sessions for ipv4+ipv6 unicast,
 * routes with communities / large communities / local preference, withdraw, peer restart,
 * SIGSTOP detected by our hold timer, and our graceful restart keeping routes at BIRD.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createSpeaker } from '../../bgp/speaker/index.js';
import type { PeerConfig, Speaker, SpeakerEvent } from '../../bgp/speaker/index.js';
import { birdProtocolState, birdRoutes, eventually, startBird, tempDir } from './daemons.js';
import type { BirdSpec, Daemon } from './daemons.js';

const BIRD = '127.0.20.2';
const PORT = 1790;
const EBGP_LOCAL = '127.0.20.1';
const IBGP_LOCAL = '127.0.20.3';
const spec: BirdSpec = {
  address: BIRD,
  port: PORT,
  asn: 65000,
  gracefulRestartTime: 30,
  neighbors: [
    { name: 'meshlb_e', address: EBGP_LOCAL, asn: 65001 },
    { name: 'meshlb_i', address: IBGP_LOCAL, asn: 65000 },
  ],
};

const routes = [
  { prefix: '198.51.100.7/32', communities: ['65000:99', 'no-export'], largeCommunities: ['65000:1:2'], localPref: 200 },
  { prefix: 'fd00:10::7/128', communities: ['65000:99'], largeCommunities: ['65000:1:2'], localPref: 200 },
];

function peer(local: string, peerAsn: number, extra: Partial<PeerConfig> = {}): PeerConfig {
  return {
    name: 'bird',
    address: BIRD,
    port: PORT,
    peerAsn,
    localAddress: local,
    connectRetrySeconds: 1,
    holdTimeSeconds: 9,
    keepaliveSeconds: 3,
    nextHopIpv4: '192.0.2.1',
    nextHopIpv6: 'fd00:ffff::1',
    gracefulRestart: { enabled: true, restartTimeSeconds: 30 },
    ...extra,
  };
}

const tmp = tempDir('meshlb-bird-');
let bird: Daemon;
const speakers: Speaker[] = [];

async function speakerFor(local: string, asn: number, opts: { restarting?: boolean } = {}): Promise<Speaker> {
  const s = await createSpeaker({ routerId: local, localAsn: asn, ...opts });
  if (!s.ok) throw new Error(s.error);
  speakers.push(s.value);
  return s.value;
}

function established(s: Speaker): Promise<true> {
  return eventually('session established', () => (s.peerStatus()[0]?.state === 'established' ? true : undefined));
}

async function birdHas(protocol: string, prefix: string): Promise<boolean> {
  return (await birdRoutes(tmp.dir, protocol)).some((r) => r.prefix === prefix);
}

beforeAll(async () => {
  bird = startBird(tmp.dir, spec);
  await eventually('bird control socket', () => birdProtocolState(tmp.dir, 'meshlb_e').then((l) => l || undefined));
});
afterEach(async () => {
  for (const s of speakers.splice(0)) await s.stop();
});
afterAll(async () => {
  try {
    for (const s of speakers.splice(0)) await s.stop();
    await bird.kill();
  } finally {
    tmp.remove();
  }
});

describe('BIRD', () => {
  test('eBGP: ipv4+ipv6 routes arrive with communities and large communities; withdraw removes them', async () => {
    const s = await speakerFor(EBGP_LOCAL, 65001);
    s.setRoutes('*', routes);
    s.setPeers([peer(EBGP_LOCAL, 65000)]);
    await established(s);
    const got = await eventually('both routes at BIRD', async () => {
      const r = await birdRoutes(tmp.dir, 'meshlb_e');
      return r.length === 2 ? r : undefined;
    });
    const v4 = got.find((r) => r.prefix === '198.51.100.7/32');
    const v6 = got.find((r) => r.prefix === 'fd00:10::7/128');
    expect(v4).toMatchObject({ asPath: '65001', communities: ['65000:99', '65535:65281'], largeCommunities: ['65000:1:2'] });
    expect(v6).toMatchObject({ asPath: '65001', communities: ['65000:99'], largeCommunities: ['65000:1:2'] });
    expect(s.peerStatus()[0]).toMatchObject({
      state: 'established',
      appliedHoldTimeSeconds: 9,
      appliedKeepaliveSeconds: 3,
      routeCounts: [
        { family: 'ipv4', advertised: 1, received: 0 },
        { family: 'ipv6', advertised: 1, received: 0 },
      ],
    });

    s.setRoutes('*', [routes[1]!]);
    await eventually('ipv4 route withdrawn', async () => ((await birdHas('meshlb_e', '198.51.100.7/32')) ? undefined : true));
    expect(await birdHas('meshlb_e', 'fd00:10::7/128')).toBe(true);
    s.setRoutes('*', []);
    await eventually('ipv6 route withdrawn', async () => ((await birdHas('meshlb_e', 'fd00:10::7/128')) ? undefined : true));
  });

  test('iBGP: local preference is sent', async () => {
    const s = await speakerFor(IBGP_LOCAL, 65000);
    s.setRoutes('*', routes);
    s.setPeers([peer(IBGP_LOCAL, 65000)]);
    await established(s);
    const got = await eventually('routes at BIRD', async () => {
      const r = await birdRoutes(tmp.dir, 'meshlb_i');
      return r.length === 2 ? r : undefined;
    });
    for (const r of got) expect(r).toMatchObject({ localPref: 200, asPath: '' });
  });

  test('restarting BIRD re-establishes the session and re-sends the routes', async () => {
    const s = await speakerFor(EBGP_LOCAL, 65001);
    s.setRoutes('*', routes);
    s.setPeers([peer(EBGP_LOCAL, 65000)]);
    await established(s);
    await eventually('routes at BIRD', async () => ((await birdHas('meshlb_e', '198.51.100.7/32')) ? true : undefined));
    await bird.kill();
    await eventually('session down', () => (s.peerStatus()[0]?.state !== 'established' ? true : undefined));
    bird = startBird(tmp.dir, spec);
    await established(s);
    await eventually('routes re-sent', async () => ((await birdRoutes(tmp.dir, 'meshlb_e')).length === 2 ? true : undefined));
  });

  test('a SIGSTOPped BIRD is detected by the hold timer', async () => {
    const s = await speakerFor(EBGP_LOCAL, 65001);
    const events: SpeakerEvent[] = [];
    s.on((e) => events.push(e));
    s.setPeers([peer(EBGP_LOCAL, 65000, { holdTimeSeconds: 3, keepaliveSeconds: 1, connectRetrySeconds: 30 })]);
    await established(s);
    bird.pause();
    try {
      await eventually('hold timer expiry', () => events.find((e) => e.type === 'notification-sent' && e.code === 4), 10_000);
      expect(s.peerStatus()[0]?.state).not.toBe('established');
    } finally {
      bird.resume();
    }
  });

  test('our graceful restart: BIRD keeps the routes during the restart time, End-of-RIB flushes what we no longer send', async () => {
    const first = await speakerFor(EBGP_LOCAL, 65001);
    first.setRoutes('*', routes);
    first.setPeers([peer(EBGP_LOCAL, 65000)]);
    await established(first);
    await eventually('routes at BIRD', async () => ((await birdRoutes(tmp.dir, 'meshlb_e')).length === 2 ? true : undefined));

    await first.stop({ graceful: true });
    speakers.splice(speakers.indexOf(first), 1);
    await eventually('BIRD sees the session go', async () => ((await birdProtocolState(tmp.dir, 'meshlb_e')).includes('Established') ? undefined : true));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await birdRoutes(tmp.dir, 'meshlb_e')).map((r) => r.prefix).sort()).toEqual(['198.51.100.7/32', 'fd00:10::7/128']);

    const second = await speakerFor(EBGP_LOCAL, 65001, { restarting: true });
    second.setRoutes('*', [routes[1]!]);
    second.setPeers([peer(EBGP_LOCAL, 65000)]);
    await established(second);
    // Only End-of-RIB tells BIRD the stale ipv4 route is gone: we never withdrew it.
    await eventually('stale ipv4 route flushed at End-of-RIB', async () => ((await birdHas('meshlb_e', '198.51.100.7/32')) ? undefined : true), 10_000);
    expect(await birdHas('meshlb_e', 'fd00:10::7/128')).toBe(true);
  });
});
