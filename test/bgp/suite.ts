/**
 * The interop scenarios every peer daemon must pass, parameterized by how to start the daemon
 * and how to read its table. BIRD's file adds graceful restart on top of these.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createSpeaker } from '../../bgp/speaker/index.js';
import type { PeerConfig, Speaker, SpeakerEvent } from '../../bgp/speaker/index.js';
import { eventually, tempDir } from './daemons.js';
import type { Daemon, SimpleSpec } from './daemons.js';

export interface SeenRoute {
  readonly prefix: string;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly localPref?: number;
}

export interface PeerDaemon {
  readonly name: string;
  /** 127.0.x: the daemon listens on .2; our eBGP speaker is .1, our iBGP speaker .3. */
  readonly net: string;
  readonly port: number;
  start(dir: string, spec: SimpleSpec): Daemon;
  ready(dir: string): Promise<boolean>;
  /** Routes the daemon learned from `from`, both families. */
  routes(dir: string, from: string): Promise<SeenRoute[]>;
}

export const ROUTES = [
  { prefix: '198.51.100.7/32', communities: ['65000:99'], largeCommunities: ['65000:1:2'], localPref: 200 },
  { prefix: 'fd00:10::7/128', communities: ['65000:99'], largeCommunities: ['65000:1:2'], localPref: 200 },
];

export function interopSuite(d: PeerDaemon): void {
  const addr = `${d.net}.2`;
  const ebgpLocal = `${d.net}.1`;
  const ibgpLocal = `${d.net}.3`;
  const spec: SimpleSpec = {
    address: addr,
    port: d.port,
    asn: 65000,
    apiPort: 50000 + d.port,
    neighbors: [
      { address: ebgpLocal, asn: 65001 },
      { address: ibgpLocal, asn: 65000 },
    ],
  };
  const tmp = tempDir(`meshlb-${d.name}-`);
  let daemon: Daemon;
  const speakers: Speaker[] = [];

  const peer = (local: string, extra: Partial<PeerConfig> = {}): PeerConfig => ({
    name: d.name,
    address: addr,
    port: d.port,
    peerAsn: 65000,
    localAddress: local,
    connectRetrySeconds: 1,
    holdTimeSeconds: 9,
    keepaliveSeconds: 3,
    nextHopIpv4: '192.0.2.1',
    nextHopIpv6: 'fd00:ffff::1',
    ...extra,
  });
  const speaker = async (local: string, asn: number): Promise<Speaker> => {
    const s = await createSpeaker({ routerId: local, localAsn: asn });
    if (!s.ok) throw new Error(s.error);
    speakers.push(s.value);
    return s.value;
  };
  const established = (s: Speaker, timeoutMs = 20_000): Promise<true> =>
    eventually('session established', () => (s.peerStatus()[0]?.state === 'established' ? true : undefined), timeoutMs);
  const routesAt = (from: string, n: number): Promise<SeenRoute[]> =>
    eventually(`${n} routes at ${d.name}`, async () => {
      const r = await d.routes(tmp.dir, from);
      return r.length === n ? r : undefined;
    });

  beforeAll(async () => {
    daemon = d.start(tmp.dir, spec);
    await eventually(`${d.name} ready`, () => d.ready(tmp.dir).then((ok) => ok || undefined));
  });
  afterEach(async () => {
    for (const s of speakers.splice(0)) await s.stop();
  });
  afterAll(async () => {
    try {
      for (const s of speakers.splice(0)) await s.stop();
      await daemon.kill();
    } finally {
      tmp.remove();
    }
  });

  describe(d.name, () => {
    test('eBGP: ipv4+ipv6 routes arrive with communities and large communities; withdraw removes them', async () => {
      const s = await speaker(ebgpLocal, 65001);
      s.setRoutes('*', ROUTES);
      s.setPeers([peer(ebgpLocal)]);
      await established(s);
      const got = await routesAt(ebgpLocal, 2);
      for (const prefix of ['198.51.100.7/32', 'fd00:10::7/128']) {
        expect(got.find((r) => r.prefix === prefix)).toMatchObject({ communities: ['65000:99'], largeCommunities: ['65000:1:2'] });
      }
      s.setRoutes('*', [ROUTES[1]!]);
      expect((await routesAt(ebgpLocal, 1))[0]?.prefix).toBe('fd00:10::7/128');
      s.setRoutes('*', []);
      await routesAt(ebgpLocal, 0);
      expect(s.peerStatus()[0]?.state).toBe('established');
    });

    test('iBGP: local preference arrives', async () => {
      const s = await speaker(ibgpLocal, 65000);
      s.setRoutes('*', ROUTES);
      s.setPeers([peer(ibgpLocal)]);
      await established(s);
      for (const r of await routesAt(ibgpLocal, 2)) expect(r.localPref).toBe(200);
    });

    test('restarting the peer re-establishes the session and re-sends the routes', async () => {
      const s = await speaker(ebgpLocal, 65001);
      s.setRoutes('*', ROUTES);
      s.setPeers([peer(ebgpLocal)]);
      await established(s);
      await routesAt(ebgpLocal, 2);
      await daemon.kill();
      await eventually('session down', () => (s.peerStatus()[0]?.state !== 'established' ? true : undefined));
      daemon = d.start(tmp.dir, spec);
      await established(s, 30_000);
      await routesAt(ebgpLocal, 2);
    });

    test('a SIGSTOPped peer is detected by our hold timer', async () => {
      const s = await speaker(ebgpLocal, 65001);
      const events: SpeakerEvent[] = [];
      s.on((e) => events.push(e));
      s.setPeers([peer(ebgpLocal, { holdTimeSeconds: 3, keepaliveSeconds: 1 })]);
      // Daemons hold back a neighbor for a while after the previous test's session ended.
      await established(s, 45_000);
      daemon.pause();
      try {
        await eventually('hold timer expiry', () => events.find((e) => e.type === 'notification-sent' && e.code === 4), 10_000);
        expect(s.peerStatus()[0]?.state).not.toBe('established');
      } finally {
        daemon.resume();
      }
    });
  });
}
