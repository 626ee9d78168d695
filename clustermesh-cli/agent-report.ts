/**
 * Pure: an agent's `GET /v1/clustermesh` answer (agent/status-api.ts) validated at the
 * boundary and turned into the report agent-sync/status-format.ts summarises. Config files the
 * agent rejected count as configured-but-not-connected clusters, so `status` shows why.
 */
import { z } from 'zod';
import type { AgentClusterStatus, AgentReport } from '../agent-sync/status-format.js';

const clusterSchema = z.object({
  name: z.string(),
  connected: z.boolean(),
  ready: z.boolean(),
  clusterID: z.number().int(),
  phase: z.string().optional(),
  numFailures: z.number().optional(),
  numNodes: z.number().optional(),
  numServices: z.number().optional(),
  numIdentities: z.number().optional(),
  numEndpoints: z.number().optional(),
  lastError: z.string().optional(),
});

const statusSchema = z.object({
  node: z.string().min(1),
  globalServices: z.number().int().min(0),
  clusters: z.array(clusterSchema),
  rejectedConfigs: z.array(z.object({ file: z.string(), reason: z.string() })).optional(),
});

/** @param source how the agent was reached (its URL), used as the node name when the answer is unusable. */
export function reportFromAgentStatus(body: unknown, source: string): AgentReport {
  const parsed = statusSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { node: source, reachable: false, error: `malformed status answer: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  const s = parsed.data;
  const clusters: AgentClusterStatus[] = s.clusters.map((c) => ({ ...c }));
  for (const r of s.rejectedConfigs ?? []) {
    if (clusters.some((c) => c.name === r.file)) continue;
    clusters.push({ name: r.file, connected: false, ready: false, clusterID: 0, lastError: `config file rejected: ${r.reason}` });
  }
  return { node: s.node, reachable: true, globalServices: s.globalServices, clusters };
}
