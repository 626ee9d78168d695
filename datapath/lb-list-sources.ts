/**
 * Where `bpf lb list` gets map contents from: the pinned maps under a bpffs root (opened only
 * if already pinned: listing never creates maps), or a running agent's desired table
 * (`GET /v1/services`), encoded the way the agent would program it.
 */
import { existsSync } from 'node:fs';
import { getAgentJson } from '../lib/agent-client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { openMaps, readContents } from './apply.js';
import { lbMapSpecs } from './lb-maps.js';
import type { MapContents } from './maps.js';
import { createPinnedBackend } from './pinned/index.js';
import { pinPath } from './pinned/spec.js';
import { planServices } from './service-reconciler.js';
import { serviceTableSchema } from './service-table.js';

export async function contentsFromPins(root: string): Promise<Result<MapContents, string>> {
  const pinned = lbMapSpecs.filter((s) => existsSync(pinPath(root, s)));
  if (pinned.length === 0) return fail(`no service maps are pinned under ${root}`);
  const backend = createPinnedBackend({ root });
  if (!backend.ok) return backend;
  try {
    const maps = await openMaps(backend.value, pinned);
    if (!maps.ok) return fail(maps.error.message);
    const contents = await readContents(maps.value);
    return contents.ok ? contents : fail(contents.error.message);
  } finally {
    await backend.value.close();
  }
}

/**
 * The agent's table as map contents. IDs are assigned afresh here, so reverse-NAT indexes can
 * differ from the node's maps; addresses, slots and flags are what the agent programs.
 */
export function contentsFromAgentJson(body: unknown): Result<MapContents, string> {
  const table = serviceTableSchema.safeParse(body);
  if (!table.success) return fail(`agent returned an unexpected /v1/services body: ${table.error.issues[0]?.message ?? 'invalid'}`);
  return ok(planServices(table.data, new Map()).desired);
}

export async function contentsFromAgent(url: string): Promise<Result<MapContents, string>> {
  const body = await getAgentJson(url, '/v1/services');
  return body.ok ? contentsFromAgentJson(body.value) : body;
}
