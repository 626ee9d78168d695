/**
 * `meshlb agent` feature: L2 announcements. Flags follow Cilium's names where Cilium has them
 * (--devices, --l2-announcements-lease-duration, -renew-deadline, -retry-period).
 */
import type { Command } from 'commander';
import type express from 'express';
import { parseDuration } from '../agent/cli.js';
import type { AgentFeature, AgentModuleContext } from '../agent/modules.js';
import { attachL2Responder, sendGratuitousArp } from '../datapath/l2-responder.js';
import { fail, ok, type Result } from '../lib/result.js';
import { createL2Announcer, type L2Announcer } from './controller.js';
import { parseDevicesFlag } from './devices.js';
import { DEFAULT_LEASE_TIMING, validateTiming, type LeaseTiming } from './lease-core.js';
import type { DatapathHooks } from './responder.js';

export { createL2Announcer } from './controller.js';
export type { Announcement, L2Announcer, L2AnnouncerOptions } from './controller.js';

export function l2AnnouncementsRoute(announcer: Pick<L2Announcer, 'announcements'>): (app: express.Express) => void {
  return (app) => {
    app.get('/v1/l2/announcements', (_req, res) => {
      res.json(announcer.announcements());
    });
  };
}

function bpfHooks(bpfRoot: string): DatapathHooks {
  return {
    attach: (ifname) => attachL2Responder({ bpfRoot, ifname }),
    announce: (ifname, ip) => sendGratuitousArp({ ifname, ip }),
  };
}

function timingFrom(options: Readonly<Record<string, unknown>>): Result<LeaseTiming, string> {
  const ms = (v: unknown, dflt: number): number => (typeof v === 'number' ? v : dflt);
  const t = {
    leaseDurationMs: ms(options.l2AnnouncementsLeaseDuration, DEFAULT_LEASE_TIMING.leaseDurationMs),
    renewDeadlineMs: ms(options.l2AnnouncementsRenewDeadline, DEFAULT_LEASE_TIMING.renewDeadlineMs),
    retryPeriodMs: ms(options.l2AnnouncementsRetryPeriod, DEFAULT_LEASE_TIMING.retryPeriodMs),
  };
  const bad = validateTiming(t);
  return bad ? fail(`--l2-announcements-*: ${bad}`) : ok(t);
}

export const l2AnnouncerFeature: AgentFeature = {
  name: 'l2-announcer',
  flags(cmd: Command) {
    return cmd
      .option('--no-l2-announcements', 'do not answer ARP for LoadBalancer/external IPs selected by CiliumL2AnnouncementPolicies')
      .option('--devices <list>', 'devices that may announce: names, prefixes ("eth+") or regexes, comma separated (default: all but loopback)')
      .option('--l2-announcements-lease-duration <duration>', 'how long a service lease protects its holder', parseDuration, DEFAULT_LEASE_TIMING.leaseDurationMs)
      .option('--l2-announcements-renew-deadline <duration>', 'how often the holder renews a service lease', parseDuration, DEFAULT_LEASE_TIMING.renewDeadlineMs)
      .option('--l2-announcements-retry-period <duration>', 'wait after a failed lease write', parseDuration, DEFAULT_LEASE_TIMING.retryPeriodMs)
      .option('--l2-announcements-lease-namespace <ns>', 'namespace of the per-service leases', 'kube-system');
  },
  create(ctx: AgentModuleContext, options) {
    if (options.l2Announcements === false) return ok(disabled);
    const timing = timingFrom(options);
    if (!timing.ok) return timing;
    const devices = parseDevicesFlag(typeof options.devices === 'string' ? options.devices : undefined);
    if (!devices.ok) return devices;
    const bpfRoot = typeof options.bpfRoot === 'string' ? options.bpfRoot : undefined;
    const announcer = createL2Announcer({
      kc: ctx.kc,
      nodeName: ctx.nodeName,
      leaseNamespace: typeof options.l2AnnouncementsLeaseNamespace === 'string' ? options.l2AnnouncementsLeaseNamespace : 'kube-system',
      timing: timing.value,
      devices: devices.value,
      backend: ctx.datapath.backend,
      ...(ctx.datapath.backend.kind === 'bpf' && bpfRoot ? { hooks: bpfHooks(bpfRoot) } : {}),
      registry: ctx.agent.registry,
      log: ctx.log,
    });
    ctx.agent.addRoutes(l2AnnouncementsRoute(announcer));
    return ok(announcer);
  },
};

const disabled = {
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
  health: () => ({ name: 'l2-announcer', healthy: true, ready: true, message: 'disabled' }),
};
