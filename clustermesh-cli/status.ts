/**
 * `meshlb clustermesh status`: asks every agent of a cluster for its clustermesh status and
 * prints the summary. Agents are found, in this order, from:
 * - `--agent URL` (repeatable): each agent's status base URL;
 * - `--sandbox-env FILE`: the sandbox's env.json, `clusters[].agents[].status` of the cluster
 *   whose `context` is --context;
 * - otherwise the cluster's Nodes: the annotation `meshlb.io/agent-status` (a base URL) that
 *   an agent may put on its Node.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatStatusJson, formatStatusText, summarize, type AgentReport, type MeshStatus } from '../agent-sync/status-format.js';
import { coreResource, kubeRequest } from '../k8s/index.js';
import { fail, ok, type Result } from '../lib/result.js';
import { reportFromAgentStatus } from './agent-report.js';
import { openContext } from './cluster-reader.js';
import type { CliIo } from './io.js';

export const AGENT_STATUS_ANNOTATION = 'meshlb.io/agent-status';
const FETCH_TIMEOUT_MS = 2_000;
const POLL_INTERVAL_MS = 1_000;

export interface StatusOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly agents: readonly string[];
  readonly sandboxEnv?: string;
  readonly wait: boolean;
  readonly waitDurationMs: number;
  readonly output: 'text' | 'json';
}

const envSchema = z.object({
  clusters: z.array(
    z.object({ context: z.string(), agents: z.array(z.object({ node: z.string().optional(), status: z.string() })).optional() }).loose(),
  ),
});

async function agentsFromEnv(file: string, context: string | undefined): Promise<Result<string[]>> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return fail(`--sandbox-env ${file}: ${(err as Error).message}`);
  }
  const parsed = envSchema.safeParse(doc);
  if (!parsed.success) return fail(`--sandbox-env ${file}: not a sandbox env.json`);
  const cluster = context === undefined ? parsed.data.clusters[0] : parsed.data.clusters.find((c) => c.context === context);
  if (!cluster) return fail(`--sandbox-env ${file} has no cluster with context ${context ?? '(any)'}`);
  return ok((cluster.agents ?? []).map((a) => a.status));
}

const nodeList = z.object({
  items: z.array(z.object({ metadata: z.object({ annotations: z.record(z.string(), z.string()).optional() }).loose() }).loose()).nullable(),
});

async function agentsFromNodes(o: StatusOptions): Promise<Result<string[]>> {
  const h = openContext({ kubeconfig: o.kubeconfig, context: o.context ?? '' });
  if (!h.ok) return h;
  const r = await kubeRequest(h.value.kc, { method: 'GET', path: `/api/v1/${coreResource('nodes').resource}` });
  if (!r.ok) return fail(`listing Nodes: ${r.error.message}`);
  const parsed = nodeList.safeParse(r.value);
  if (!parsed.success) return fail('listing Nodes: malformed answer');
  return ok((parsed.data.items ?? []).map((n) => n.metadata.annotations?.[AGENT_STATUS_ANNOTATION]).filter((u): u is string => !!u));
}

async function agentUrls(o: StatusOptions): Promise<Result<string[]>> {
  if (o.agents.length > 0) return ok([...o.agents]);
  if (o.sandboxEnv !== undefined) return agentsFromEnv(o.sandboxEnv, o.context);
  return agentsFromNodes(o);
}

async function fetchReport(base: string): Promise<AgentReport> {
  const url = `${base.replace(/\/+$/, '')}/v1/clustermesh`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (res.status !== 200) return { node: base, reachable: false, error: `GET ${url}: HTTP ${res.status}` };
    return reportFromAgentStatus(await res.json(), base);
  } catch (err) {
    return { node: base, reachable: false, error: `GET ${url}: ${(err as Error).message}` };
  }
}

export async function gatherStatus(urls: readonly string[]): Promise<MeshStatus> {
  return summarize(await Promise.all(urls.map(fetchReport)));
}

export async function runStatus(o: StatusOptions, io: CliIo): Promise<number> {
  const urls = await agentUrls(o);
  if (!urls.ok) {
    io.err(`Error: ${urls.error}\n`);
    return 1;
  }
  if (urls.value.length === 0) {
    io.err('Error: no agents found: pass --agent URL or --sandbox-env FILE, or annotate Nodes with ' + `${AGENT_STATUS_ANNOTATION}\n`);
    return 1;
  }
  const deadline = Date.now() + o.waitDurationMs;
  let status = await gatherStatus(urls.value);
  while (o.wait && !status.allConnected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now()))));
    status = await gatherStatus(urls.value);
  }
  io.out(o.output === 'json' ? formatStatusJson(status) : formatStatusText(status));
  if (o.wait && !status.allConnected) {
    io.err(`Error: not all nodes are connected to all clusters after ${Math.round(o.waitDurationMs / 1000)}s\n`);
    return 1;
  }
  return 0;
}
