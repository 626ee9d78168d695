/**
 * `meshlb bgp peers` and `meshlb bgp routes advertised|available <afi> <safi>`: ask each
 * agent's status API and print Cilium's tables (or the agents' JSON with -o json). Agents
 * come from `--agent URL` (repeatable), else from the sandbox's env.json (`--sandbox-env`,
 * default .sandbox/env.json; `--context` picks one cluster, otherwise all of them).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { getAgentJson } from '../lib/agent-client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { formatPeers, formatRoutes, peerJson, routeJson } from './cli-format.js';

export const DEFAULT_SANDBOX_ENV = '.sandbox/env.json';

export interface BgpCliFlags {
  readonly agent: readonly string[];
  readonly sandboxEnv?: string;
  readonly context?: string;
  readonly output: string;
}

export interface CliOut {
  out(text: string): void;
  err(text: string): void;
}

const envSchema = z.object({
  clusters: z.array(z.object({ context: z.string(), agents: z.array(z.object({ status: z.string() }).loose()).optional() }).loose()),
});

async function agentUrls(f: BgpCliFlags): Promise<Result<string[]>> {
  if (f.agent.length > 0) return ok([...f.agent]);
  const file = f.sandboxEnv ?? DEFAULT_SANDBOX_ENV;
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return fail(`no --agent given and the sandbox env ${file} cannot be read: ${(err as Error).message}`);
  }
  const env = envSchema.safeParse(doc);
  if (!env.success) return fail(`${file} is not a sandbox env.json`);
  const clusters = f.context === undefined ? env.data.clusters : env.data.clusters.filter((c) => c.context === f.context);
  if (clusters.length === 0) return fail(`${file} has no cluster with context ${f.context}`);
  return ok(clusters.flatMap((c) => (c.agents ?? []).map((a) => a.status)));
}

async function getJson<T>(base: string, path: string, schema: z.ZodType<T>): Promise<Result<T>> {
  const body = await getAgentJson(base, path, 5_000);
  if (!body.ok) return body;
  const url = new URL(path, base);
  const parsed = schema.safeParse(body.value);
  return parsed.success ? ok(parsed.data) : fail(`agent at ${url.href} returned an unexpected body: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
}

async function collect<T>(f: BgpCliFlags, path: string, schema: z.ZodType<T>, io: CliOut): Promise<Result<T[], number>> {
  if (f.output !== 'text' && f.output !== 'json') {
    io.err(`meshlb bgp: -o ${f.output}: want text or json\n`);
    return fail(2);
  }
  const urls = await agentUrls(f);
  if (!urls.ok) {
    io.err(`meshlb bgp: ${urls.error}\n`);
    return fail(1);
  }
  const all: T[] = [];
  for (const u of urls.value) {
    const r = await getJson(u, path, z.array(schema));
    if (!r.ok) {
      io.err(`meshlb bgp: ${r.error}\n`);
      return fail(1);
    }
    all.push(...r.value);
  }
  return ok(all);
}

export async function runPeers(f: BgpCliFlags, io: CliOut): Promise<number> {
  const peers = await collect(f, '/v1/bgp/peers', peerJson, io);
  if (!peers.ok) return peers.error;
  io.out(f.output === 'json' ? `${JSON.stringify(peers.value, null, 2)}\n` : formatPeers(peers.value));
  return 0;
}

export async function runRoutes(table: string, afi: string, safi: string, f: BgpCliFlags, io: CliOut): Promise<number> {
  if (table !== 'advertised' && table !== 'available') {
    io.err(`meshlb bgp routes: table ${JSON.stringify(table)}: want advertised or available\n`);
    return 2;
  }
  if ((afi !== 'ipv4' && afi !== 'ipv6') || safi !== 'unicast') {
    io.err(`meshlb bgp routes: address family ${afi} ${safi}: want ipv4|ipv6 unicast\n`);
    return 2;
  }
  const routes = await collect(f, `/v1/bgp/routes/${table}/${afi}/${safi}`, routeJson, io);
  if (!routes.ok) return routes.error;
  io.out(f.output === 'json' ? `${JSON.stringify(routes.value, null, 2)}\n` : formatRoutes(routes.value, table));
  return 0;
}

const repeat = (v: string, prev: string[]): string[] => [...prev, v];

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--agent <url>', "an agent's status base URL (repeatable)", repeat, [])
    .option('--sandbox-env <file>', `the sandbox's env.json (default ${DEFAULT_SANDBOX_ENV}) when no --agent is given`)
    .option('--context <name>', 'only the agents of this sandbox cluster')
    .option('-o, --output <format>', 'text or json', 'text');
}

const stdio: CliOut = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function registerBgpCommands(program: Command): void {
  const bgp = program.command('bgp').description('BGP control plane status from the agents');
  commonOptions(bgp.command('peers').description('BGP peers of every agent, with session state and route counts')).action(async (o: BgpCliFlags) => {
    process.exitCode = await runPeers(o, stdio);
  });
  commonOptions(
    bgp.command('routes <table> <afi> <safi>').description('routes: table advertised (per peer) or available (the instance RIB); afi ipv4|ipv6; safi unicast'),
  ).action(async (table: string, afi: string, safi: string, o: BgpCliFlags) => {
    process.exitCode = await runRoutes(table, afi, safi, o, stdio);
  });
}
