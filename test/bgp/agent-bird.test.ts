/**
 * The agent's BGP control plane end to end: the sandbox API server with the BGP CRDs (applied
 * by the real kubectl), the agent's BGP controller in-process with its status API, and BIRD as
 * the peer on loopback. Config goes in with kubectl; what is checked is what BIRD holds, the
 * NodeConfig status kubectl shows, the metrics and `meshlb bgp peers/routes`.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADVERTISEMENTS, NODE_CONFIGS, PEER_CONFIGS } from '../../bgp/api/index.js';
import { BgpController } from '../../bgp/agent/index.js';
import { bgpStatusRoutes } from '../../bgp/agent/routes-api.js';
import { runPeers, runRoutes } from '../../bgp/cli.js';
import { createLogger } from '../../lib/log.js';
import { serveObservability, type ObservabilityServer } from '../../lib/observability.js';
import { eventually, withBgpWorld } from './crds-world.js';
import { birdProtocolState, birdRoutes, startBird, tempDir, type Daemon } from './daemons.js';

function birdMissing(): string | undefined {
  const found = ['bird', 'birdc'].every((cmd) => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  return found ? undefined : 'BIRD 2 (bird, birdc) is not installed: apt-get install -y bird2';
}

const skipReason = birdMissing();
if (skipReason) process.stderr.write(`test/bgp/agent-bird: skipped: ${skipReason}\n`);

const BIRD = '127.0.21.2';
const LOCAL = '127.0.21.1';
const NODE = 'n1';
const LB_IP = '198.51.100.7';

async function freePort(host: string): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function captureIo(): { io: { out: (t: string) => void; err: (t: string) => void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (t) => void (out += t), err: (t) => void (err += t) }, out: () => out, err: () => err };
}

describe.skipIf(skipReason !== undefined)('agent BGP control plane against BIRD', () => {
  const world = withBgpWorld([NODE_CONFIGS, PEER_CONFIGS, ADVERTISEMENTS]);
  const tmp = tempDir('meshlb-agent-bird-');
  const registry = new Registry();
  let bird: Daemon | undefined;
  let controller: BgpController | undefined;
  let server: ObservabilityServer | undefined;
  let port = 0;

  const nodeConfig = (peers: object[]): object => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPNodeConfig',
    metadata: { name: NODE },
    spec: { bgpInstances: [{ name: 'i1', localASN: 65001, peers }] },
  });
  const birdPeer = { name: 'bird', peerAddress: BIRD, peerASN: 65000, localAddress: LOCAL, peerConfigRef: { name: 'fast' } };

  const newController = (reg: Registry): BgpController =>
    new BgpController({
      kc: world.h.kc,
      nodeName: NODE,
      log: createLogger({ component: 'bgp-test' }, (l) => process.env.BGP_TEST_DEBUG && process.stderr.write(l + '\n')),
      registry: reg,
      listenHost: '127.0.0.1',
      statusIntervalMs: 500,
    });

  const nodeConfigStatus = async (): Promise<Record<string, unknown> | undefined> =>
    (await world.getJson('ciliumbgpnodeconfigs', NODE))?.status as Record<string, unknown> | undefined;

  beforeAll(async () => {
    port = await freePort(BIRD);
    bird = startBird(tmp.dir, { address: BIRD, port, asn: 65000, neighbors: [{ name: 'meshlb', address: LOCAL, asn: 65001 }] });
    await world.apply({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE },
      spec: { podCIDR: '10.1.1.0/24', podCIDRs: ['10.1.1.0/24'] },
    });
    await world.must(['patch', 'node', NODE, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: '192.0.2.1' }] } })]);
    controller = newController(registry);
    server = await serveObservability({
      host: '127.0.0.1',
      port: 0,
      registry,
      reports: () => [controller!.health()],
      extend: bgpStatusRoutes({ nodeName: NODE, views: () => controller!.views(), since: (k) => controller!.since(k) }),
    });
    controller.start();
  });

  afterAll(async () => {
    try {
      await controller?.stop();
      await server?.close();
      await bird?.kill();
    } finally {
      tmp.remove();
    }
  });

  test('without a NodeConfig for the node: no sessions, no instances', async () => {
    await eventually(async () => expect(controller!.health().ready).toBe(true));
    const peers = (await (await fetch(new URL('/v1/bgp/peers', server!.url))).json()) as unknown[];
    expect(peers).toEqual([]);
    expect(controller!.views()).toEqual([]);
  });

  test('a LoadBalancer service reaches BIRD with its communities; status, metrics and CLI show the session', async () => {
    await world.apply(
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPPeerConfig',
        metadata: { name: 'fast' },
        spec: {
          transport: { peerPort: port },
          timers: { connectRetryTimeSeconds: 1, holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
          gracefulRestart: { enabled: true, restartTimeSeconds: 30 },
          families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }],
        },
      },
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPAdvertisement',
        metadata: { name: 'lb', labels: { advertise: 'bgp' } },
        spec: {
          advertisements: [
            {
              advertisementType: 'Service',
              service: { addresses: ['LoadBalancerIP'] },
              selector: { matchLabels: { 'io.kubernetes.service.namespace': 'default' } },
              attributes: { communities: { standard: ['65000:99'], large: ['65000:1:1'] } },
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.1.2.5'], nodeName: 'n2', conditions: { ready: true } }],
        ports: [{ port: 80, protocol: 'TCP' }],
      },
      nodeConfig([birdPeer]),
    );
    await world.must(['patch', 'service', 'web', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: LB_IP }] } } })]);

    await eventually(async () => expect(await birdProtocolState(tmp.dir, 'meshlb')).toContain('Established'), 30_000);
    const route = await eventually(async () => {
      const r = (await birdRoutes(tmp.dir, 'meshlb')).find((x) => x.prefix === `${LB_IP}/32`);
      expect(r).toBeDefined();
      return r!;
    }, 30_000);
    expect(route.communities).toEqual(['65000:99']);
    expect(route.largeCommunities).toEqual(['65000:1:1']);
    expect(route.asPath).toBe('65001');

    const status = await eventually(async () => {
      const s = await nodeConfigStatus();
      const peer = (s?.bgpInstances as { peers: Record<string, unknown>[] }[] | undefined)?.[0]?.peers?.[0];
      expect(peer).toMatchObject({ name: 'bird', peeringState: 'established', routeCount: [{ afi: 'ipv4', safi: 'unicast', advertised: 1, received: 0 }] });
      return s!;
    }, 15_000);
    const peer = (status.bgpInstances as { peers: Record<string, unknown>[] }[])[0]!.peers[0]!;
    expect(peer).toMatchObject({ peerAddress: BIRD, peerASN: 65000, timers: { appliedHoldTimeSeconds: 9, appliedKeepaliveSeconds: 3 } });
    expect(peer.establishedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'cilium.io/BGPReconcileError', status: 'False' })]);

    const metrics = await registry.metrics();
    expect(metrics).toContain(`cilium_bgp_control_plane_session_state{vrouter="65001",neighbor="${BIRD}",neighbor_asn="65000"} 1`);
    expect(metrics).toContain(`cilium_bgp_control_plane_advertised_routes{vrouter="65001",neighbor="${BIRD}",neighbor_asn="65000",afi="ipv4",safi="unicast"} 1`);

    const peersOut = captureIo();
    expect(await runPeers({ agent: [server!.url], output: 'text' }, peersOut.io)).toBe(0);
    const lines = peersOut.out().trimEnd().split('\n');
    expect(lines[0]).toBe('Node   Local AS   Peer AS   Peer Address   Session State   Uptime   Family         Received   Advertised');
    expect(lines[1]).toMatch(new RegExp(`^n1\\s+65001\\s+65000\\s+${BIRD.replace(/\./g, '\\.')}\\s+established\\s+\\d+s\\s+ipv4/unicast\\s+0\\s+1$`));

    const routesOut = captureIo();
    expect(await runRoutes('advertised', 'ipv4', 'unicast', { agent: [server!.url], output: 'text' }, routesOut.io)).toBe(0);
    expect(routesOut.out()).toContain(`${LB_IP}/32`);
    expect(routesOut.out()).toContain('[{Origin: i} {AsPath: 65001} {Nexthop: 192.0.2.1} {Communities: 65000:99} {LargeCommunity: [ 65000:1:1]}]');
  });

  test('agent restart with graceful restart: BIRD keeps the route meanwhile, the new agent takes the session over', async () => {
    await controller!.stop();
    // Stopped without NOTIFICATION: BIRD holds our routes as stale for the restart time.
    const kept = await birdRoutes(tmp.dir, 'meshlb');
    expect(kept.map((r) => r.prefix)).toContain(`${LB_IP}/32`);
    controller = newController(new Registry());
    controller.start();
    await eventually(async () => {
      expect(await birdProtocolState(tmp.dir, 'meshlb')).toContain('Established');
      const r = (await birdRoutes(tmp.dir, 'meshlb')).find((x) => x.prefix === `${LB_IP}/32`);
      expect(r?.communities).toEqual(['65000:99']);
      expect(controller!.views()[0]?.peers[0]?.state).toBe('established');
    }, 30_000);
  });

  test('deleting the service withdraws the route at BIRD', async () => {
    await world.must(['delete', 'service', 'web', '-n', 'default']);
    await eventually(async () => {
      const routes = await birdRoutes(tmp.dir, 'meshlb');
      expect(routes.map((r) => r.prefix)).not.toContain(`${LB_IP}/32`);
    }, 15_000);
    await eventually(async () => {
      const s = await nodeConfigStatus();
      const peer = (s?.bgpInstances as { peers: Record<string, unknown>[] }[])[0]!.peers[0]!;
      expect(peer.routeCount).toEqual([{ afi: 'ipv4', safi: 'unicast', advertised: 0, received: 0 }]);
    }, 15_000);
  });

  test('bad config: the reconcile condition says what is wrong; fixing it clears it; the good session stays up', async () => {
    await world.apply(
      { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'secure' }, spec: { authSecretRef: 'bgp-auth' } },
      nodeConfig([birdPeer, { name: 'secure', peerAddress: '127.0.21.9', peerASN: 65000, peerConfigRef: { name: 'secure' } }, { name: 'nocfg', peerAddress: '127.0.21.10', peerASN: 65000, peerConfigRef: { name: 'missing' } }]),
    );
    const cond = await eventually(async () => {
      const c = ((await nodeConfigStatus())?.conditions as Record<string, string>[] | undefined)?.[0];
      expect(c).toMatchObject({ type: 'cilium.io/BGPReconcileError', status: 'True', reason: 'BGPReconcileError' });
      return c!;
    });
    expect(cond.message).toContain('instance i1 peer secure: authSecretRef is set but TCP MD5 authentication is not supported');
    expect(cond.message).toContain('instance i1 peer nocfg: CiliumBGPPeerConfig missing not found');
    expect(await birdProtocolState(tmp.dir, 'meshlb')).toContain('Established');

    await world.apply(nodeConfig([birdPeer]));
    await eventually(async () => {
      const c = ((await nodeConfigStatus())?.conditions as Record<string, string>[] | undefined)?.[0];
      expect(c).toMatchObject({ type: 'cilium.io/BGPReconcileError', status: 'False' });
    });
  });

  test('deleting the NodeConfig closes the session', async () => {
    await world.must(['delete', 'ciliumbgpnodeconfig', NODE]);
    await eventually(async () => expect(await birdProtocolState(tmp.dir, 'meshlb')).not.toContain('Established'), 15_000);
    expect(controller!.views()).toEqual([]);
  });
});
