/**
 * What the status page and the demo summary read, validated at the boundary: the sandbox's
 * env.json (which clusters, which agents) and the agents' status API answers. Shapes of other
 * features' paths (BGP, L2) are not fixed here: any list of flat records is shown as a table.
 */
import { z } from 'zod';

export const EnvSchema = z.object({
  kubeconfig: z.string(),
  clusters: z.array(
    z.object({
      name: z.string(),
      id: z.number().int(),
      context: z.string(),
      agents: z.array(z.object({ node: z.string(), status: z.string() })).default([]),
    }),
  ),
});
export type UiEnv = z.infer<typeof EnvSchema>;

export const RemoteSchema = z.object({
  name: z.string(),
  connected: z.boolean(),
  ready: z.boolean(),
  clusterID: z.number().optional(),
  numServices: z.number().optional(),
  lastFailure: z.string().optional(),
});
export const ClustermeshSchema = z.object({
  cluster: z.object({ name: z.string(), id: z.number() }),
  clusters: z.array(RemoteSchema),
});
export type Remote = z.infer<typeof RemoteSchema>;
export type ClustermeshView = z.infer<typeof ClustermeshSchema>;

export const ServiceSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  frontends: z.array(z.object({ address: z.string(), port: z.number(), protocol: z.string(), type: z.string() })),
  backends: z.array(
    z.object({ address: z.string(), port: z.number(), protocol: z.string(), clusterID: z.number(), inUse: z.boolean() }),
  ),
});
export const ServicesSchema = z.array(ServiceSchema);
export type AgentServiceView = z.infer<typeof ServiceSchema>;

export type Cell = string | number | boolean | null;
export type Row = Readonly<Record<string, Cell>>;

const RecordList = z.array(z.record(z.string(), z.unknown()));

/**
 * A list of records from either a bare JSON array or an object holding one array (e.g.
 * `{ peers: [...] }`); nested values are shown as compact JSON so nothing is hidden.
 */
export function rowsFrom(body: unknown): Row[] | undefined {
  let list = RecordList.safeParse(body);
  if (!list.success && body !== null && typeof body === 'object') {
    const arrays = Object.values(body).filter((v) => Array.isArray(v));
    if (arrays.length === 1) list = RecordList.safeParse(arrays[0]);
  }
  if (!list.success) return undefined;
  return list.data.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v),
      ]),
    ),
  );
}

/** A pool's LB-IPAM counters live in condition messages (as Cilium's printer columns read them). */
export const PoolSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z
    .object({
      blocks: z.array(z.object({ cidr: z.string().optional(), start: z.string().optional(), stop: z.string().optional() })).optional(),
      disabled: z.boolean().optional(),
    })
    .optional(),
  status: z
    .object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), message: z.string().optional() })).optional() })
    .optional(),
});
export type PoolObject = z.infer<typeof PoolSchema>;

export const LbServiceSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string() }),
  spec: z.object({ type: z.string().optional() }).optional(),
  status: z.object({ loadBalancer: z.object({ ingress: z.array(z.object({ ip: z.string().optional() })).optional() }).optional() }).optional(),
});
export type LbServiceObject = z.infer<typeof LbServiceSchema>;
