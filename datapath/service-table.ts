/**
 * The agent's desired service table, as the agent-sync merge produces it and the agent's status
 * API shows it. The zod schema is for the boundaries where it arrives as JSON (status API,
 * CLI); the reconciler also checks each field's meaning (address family, protocol) itself.
 */
import { z } from 'zod';
import { IpProto, ServiceFlag } from './layouts/constants.js';

export const frontendTypes = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalIPs'] as const;
export type FrontendType = (typeof frontendTypes)[number];

const port = z.number().int().min(0).max(65535);

export const tableFrontendSchema = z.object({
  address: z.string(),
  port,
  protocol: z.string(),
  type: z.string(),
  /** Pairs a frontend with its backends in multi-port services; absent = all backends of the protocol. */
  portName: z.string().optional(),
});

export const tableBackendSchema = z.object({
  address: z.string(),
  port,
  protocol: z.string(),
  clusterID: z.number().int().min(0).max(65535),
  inUse: z.boolean(),
  portName: z.string().optional(),
});

export const tableServiceSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  frontends: z.array(tableFrontendSchema).readonly(),
  backends: z.array(tableBackendSchema).readonly(),
});

export const serviceTableSchema = z.array(tableServiceSchema);

export type TableFrontend = z.infer<typeof tableFrontendSchema>;
export type TableBackend = z.infer<typeof tableBackendSchema>;
export type TableService = z.infer<typeof tableServiceSchema>;

/** Kubernetes protocol names → IP protocol numbers written in the maps' proto fields. */
export function protoNumber(protocol: string): number | undefined {
  switch (protocol.toUpperCase()) {
    case 'TCP':
      return IpProto.TCP;
    case 'UDP':
      return IpProto.UDP;
    case 'SCTP':
      return IpProto.SCTP;
    default:
      return undefined;
  }
}

/**
 * Frontend type → `flags` byte, as Cilium sets them: every type but ClusterIP is routable
 * (reachable from outside the node); ClusterIP carries no type bit and prints as
 * "ClusterIP, non-routable". A NodePort frontend is written for the address the agent lists
 * (node IPs); scope is always external since the table carries no traffic policies.
 */
export function frontendFlags(type: string): number | undefined {
  switch (type) {
    case 'ClusterIP':
      return 0;
    case 'NodePort':
      return ServiceFlag.NodePort | ServiceFlag.Routable;
    case 'LoadBalancer':
      return ServiceFlag.LoadBalancer | ServiceFlag.Routable;
    case 'ExternalIPs':
    case 'ExternalIP':
      return ServiceFlag.ExternalIP | ServiceFlag.Routable;
    default:
      return undefined;
  }
}
