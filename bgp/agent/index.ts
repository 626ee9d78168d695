/**
 * The BGP control plane as an `meshlb agent` feature: this node's CiliumBGPNodeConfig and
 * everything it refers to → BGP sessions and routes, NodeConfig status, metrics and the
 * /v1/bgp status routes. Without a NodeConfig for the node nothing listens or dials.
 */
import { isIP } from 'node:net';
import type { Command } from 'commander';
import type { AgentFeature } from '../../agent/modules.js';
import { fail, ok } from '../../lib/result.js';
import { BgpController } from './controller.js';
import { bgpStatusRoutes } from './routes-api.js';

export { BgpController } from './controller.js';
export type { BgpControllerOptions } from './controller.js';
export { decide } from './desired.js';

export const bgpAgentFeature: AgentFeature = {
  name: 'bgp-control-plane',
  flags(cmd: Command): Command {
    return cmd.option('--bgp-listen-address <ip>', 'address BGP instances with a localPort listen on', '0.0.0.0');
  },
  create(ctx, options) {
    const listenHost = typeof options.bgpListenAddress === 'string' ? options.bgpListenAddress : '0.0.0.0';
    if (isIP(listenHost) === 0) return fail(`--bgp-listen-address ${JSON.stringify(listenHost)} is not an IP address`);
    const controller = new BgpController({ kc: ctx.kc, nodeName: ctx.nodeName, log: ctx.log, registry: ctx.agent.registry, listenHost });
    return ok({
      start(): Promise<void> {
        ctx.agent.addRoutes(bgpStatusRoutes({ nodeName: ctx.nodeName, views: () => controller.views(), since: (k) => controller.since(k) }));
        controller.start();
        return Promise.resolve();
      },
      stop: () => controller.stop(),
      health: () => controller.health(),
    });
  },
};
