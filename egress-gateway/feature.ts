/**
 * `meshlb agent`'s egress-gateway feature: the controller on this node's map backend, its
 * metrics on the agent's registry, and the status routes `GET /v1/egress` (the map's entries
 * as `bpf egress list` shows them) and `GET /v1/egress/policies` (what this node made of each
 * policy).
 */
import type { Command } from 'commander';
import { MapSpecs } from '../datapath/layouts/constants.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { AgentFeature, AgentModule } from '../agent/modules.js';
import { createEgressAgent, type EgressAgent } from './controller.js';
import type { HostNetwork } from './host.js';
import { egressListRows } from './list.js';

export const DEFAULT_POLICY_MAP_MAX = MapSpecs.egressPolicyV4.maxEntries;
/** The kernel refuses larger LPM tries only for lack of memory; this just stops typos. */
const POLICY_MAP_MAX_LIMIT = 1 << 24;

export interface EgressFeatureDeps {
  /** This node's interfaces; the running host by default (tests give each fake node its own). */
  readonly host?: () => HostNetwork;
  readonly debounceMs?: number;
  /** Receives each module built, so tests can look inside. */
  readonly created?: (agent: EgressAgent) => void;
}

function parseBool(flag: string, v: unknown): Result<boolean> {
  if (v === undefined || v === true || v === 'true') return ok(true);
  if (v === false || v === 'false') return ok(false);
  return fail(`${flag} must be true or false, got "${String(v)}"`);
}

function parseMapMax(v: unknown): Result<number> {
  const n = v === undefined ? DEFAULT_POLICY_MAP_MAX : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > POLICY_MAP_MAX_LIMIT) {
    return fail(`--egress-gateway-policy-map-max must be an integer from 1 to ${POLICY_MAP_MAX_LIMIT}, got "${String(v)}"`);
  }
  return ok(n);
}

const DISABLED: AgentModule = {
  start: async () => undefined,
  stop: async () => undefined,
  health: () => ({ name: 'egress-gateway', healthy: true, ready: true, message: 'disabled' }),
};

export function createEgressGatewayFeature(deps: EgressFeatureDeps = {}): AgentFeature {
  return {
    name: 'egress-gateway',
    flags(cmd: Command): Command {
      return cmd
        .option('--enable-ipv4-egress-gateway <bool>', 'program cilium_egress_gw_policy_v4 from CiliumEgressGatewayPolicies', 'true')
        .option('--egress-gateway-policy-map-max <n>', 'capacity of the egress policy map (one entry per pod IP and destination or excluded CIDR)', String(DEFAULT_POLICY_MAP_MAX));
    },
    create(ctx, options) {
      const enabled = parseBool('--enable-ipv4-egress-gateway', options.enableIpv4EgressGateway);
      if (!enabled.ok) return enabled;
      if (!enabled.value) return ok(DISABLED);
      const mapMax = parseMapMax(options.egressGatewayPolicyMapMax);
      if (!mapMax.ok) return mapMax;
      const agent = createEgressAgent({
        kc: ctx.kc,
        nodeName: ctx.nodeName,
        backend: ctx.datapath.backend,
        mapMaxEntries: mapMax.value,
        log: ctx.log,
        registry: ctx.agent.registry,
        ...(deps.host ? { host: deps.host } : {}),
        ...(deps.debounceMs !== undefined ? { debounceMs: deps.debounceMs } : {}),
      });
      deps.created?.(agent);
      return ok({
        async start(signal) {
          ctx.agent.addRoutes((app) => {
            app.get('/v1/egress', (_req, res) => {
              res.json(egressListRows(agent.entries()));
            });
            app.get('/v1/egress/policies', (_req, res) => {
              res.json(agent.policies());
            });
          });
          await agent.start(signal);
        },
        stop: () => agent.stop(),
        health: () => agent.health(),
      });
    },
  };
}

export const egressGatewayFeature: AgentFeature = createEgressGatewayFeature();
