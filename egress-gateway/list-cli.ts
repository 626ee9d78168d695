/**
 * `meshlb bpf egress list`: the egress policy map's entries from the pin under a bpffs root
 * (opened only if already pinned, at whatever size it was created with: listing never
 * creates or resizes a map), or from a running agent's `GET /v1/egress`.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { MapSpecs } from '../datapath/layouts/constants.js';
import { runBpftool } from '../datapath/pinned/bpftool.js';
import { createPinnedBackend } from '../datapath/pinned/index.js';
import { DEFAULT_BPF_ROOT } from '../datapath/pinned/root.js';
import { pinPath } from '../datapath/pinned/spec.js';
import { getAgentJson } from '../lib/agent-client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { egressListRows, formatEgressRows, rowsFromAgentJson, type EgressListRow } from './list.js';
import { openEgressMap, readEgressMap } from './map.js';

export interface EgressListFlags {
  bpfRoot?: string;
  agent?: string;
}

const showSchema = z.object({ max_entries: z.number().int().positive() });

/** The pinned map's capacity, since the agent may have been started with a larger one. */
async function pinnedMaxEntries(path: string): Promise<Result<number>> {
  const shown = await runBpftool(['-j', 'map', 'show', 'pinned', path]);
  if (!shown.ok) return shown;
  const parsed = showSchema.safeParse(JSON.parse(shown.value));
  return parsed.success ? ok(parsed.data.max_entries) : fail(`bpftool map show ${path}: no max_entries`);
}

export async function rowsFromPins(root: string): Promise<Result<EgressListRow[]>> {
  const path = pinPath(root, MapSpecs.egressPolicyV4);
  if (!existsSync(path)) return fail(`no egress policy map is pinned under ${root}`);
  const max = await pinnedMaxEntries(path);
  if (!max.ok) return max;
  const backend = createPinnedBackend({ root });
  if (!backend.ok) return backend;
  try {
    const map = await openEgressMap(backend.value, max.value);
    if (!map.ok) return fail(map.error.message);
    const contents = await readEgressMap(map.value);
    return contents.ok ? ok(egressListRows(contents.value.entries)) : fail(contents.error.message);
  } finally {
    await backend.value.close();
  }
}

export async function rowsFromAgent(url: string): Promise<Result<EgressListRow[]>> {
  const body = await getAgentJson(url, '/v1/egress');
  return body.ok ? rowsFromAgentJson(body.value) : body;
}

export async function runEgressList(flags: EgressListFlags, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (flags.bpfRoot !== undefined && flags.agent !== undefined) {
    err('meshlb bpf egress list: give --bpf-root or --agent, not both\n');
    return 2;
  }
  const rows = flags.agent !== undefined ? await rowsFromAgent(flags.agent) : await rowsFromPins(flags.bpfRoot ?? DEFAULT_BPF_ROOT);
  if (!rows.ok) {
    err(`meshlb bpf egress list: ${rows.error}\n`);
    return 1;
  }
  out(formatEgressRows(rows.value));
  return 0;
}
