import { basename, isAbsolute, join } from 'node:path';
/**
 * The agent's per-remote-cluster configuration: the `cilium-clustermesh` Secret mounted as a
 * directory, one file per remote cluster named after it. The adapter lists the directory and
 * hands the file contents here; this module decides which files are remote configs and what
 * changed since the last read.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { validateClusterName } from '../clustermesh/cluster.js';
import { zodReason } from '../clustermesh/zod-reason.js';

export interface ConfigFile {
  readonly name: string;
  readonly content: string;
}

export interface RemoteConfig {
  readonly cluster: string;
  readonly endpoints: readonly string[];
  readonly trustedCaFile?: string;
  readonly keyFile?: string;
  readonly certFile?: string;
  /** sha256 of the file content: a changed hash means reconnect with the new settings. */
  readonly hash: string;
}

export interface RejectedFile {
  readonly file: string;
  readonly reason: string;
}

export interface ConfigDirContents {
  readonly configs: ReadonlyMap<string, RemoteConfig>;
  readonly rejected: readonly RejectedFile[];
}

export interface ConfigDiff {
  readonly connect: readonly RemoteConfig[];
  readonly reconnect: readonly RemoteConfig[];
  readonly disconnect: readonly string[];
}

const fileSchema = z.object({
  endpoints: z.array(z.url()).min(1, 'endpoints must list at least one URL'),
  'trusted-ca-file': z.string().min(1).optional(),
  'key-file': z.string().min(1).optional(),
  'cert-file': z.string().min(1).optional(),
});

/**
 * Kubelet's atomic-writer layout keeps the real files in `..<timestamp>` directories and
 * points `..data` at the current one; those and other dotfiles are never cluster configs.
 */
function isHiddenEntry(name: string): boolean {
  return name.startsWith('.');
}

/** The same Secret also carries the certificates and keys; only a file with `endpoints:` is a config. */
function looksLikeRemoteConfig(content: string): boolean {
  return content.includes('endpoints:');
}

function contentHash(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

function endpointProblem(endpoints: readonly string[]): string | undefined {
  for (const e of endpoints) {
    const protocol = new URL(e).protocol;
    if (protocol !== 'https:' && protocol !== 'http:') return `endpoint ${JSON.stringify(e)} is not http(s)`;
  }
  return undefined;
}

type ParsedFile = { ok: true; config: RemoteConfig } | { ok: false; reason: string };

export function parseConfigFile(file: ConfigFile): ParsedFile {
  const name = validateClusterName(file.name);
  if (!name.ok) return { ok: false, reason: `file name is not a cluster name: ${name.error}` };
  let doc: unknown;
  try {
    doc = parseYaml(file.content);
  } catch (e) {
    return { ok: false, reason: `not valid YAML: ${(e as Error).message.split('\n')[0]}` };
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, reason: zodReason(parsed.error) };
  const problem = endpointProblem(parsed.data.endpoints);
  if (problem) return { ok: false, reason: problem };
  const v = parsed.data;
  return {
    ok: true,
    config: {
      cluster: file.name,
      endpoints: v.endpoints,
      trustedCaFile: v['trusted-ca-file'],
      keyFile: v['key-file'],
      certFile: v['cert-file'],
      hash: contentHash(file.content),
    },
  };
}

/**
 * Reads a directory listing into remote configs. A file named after the local cluster is
 * skipped without complaint: a shared Secret may legitimately describe every cluster.
 */
export function parseConfigDir(files: readonly ConfigFile[], localCluster?: string): ConfigDirContents {
  const configs = new Map<string, RemoteConfig>();
  const rejected: RejectedFile[] = [];
  const ordered = [...files].sort((a, b) => compareStrings(a.name, b.name));
  for (const file of ordered) {
    if (isHiddenEntry(file.name) || !looksLikeRemoteConfig(file.content)) continue;
    if (file.name === localCluster) continue;
    const parsed = parseConfigFile(file);
    if (parsed.ok) configs.set(parsed.config.cluster, parsed.config);
    else rejected.push({ file: file.name, reason: parsed.reason });
  }
  return { configs, rejected };
}

export function diffConfigs(
  previous: ReadonlyMap<string, RemoteConfig>,
  next: ReadonlyMap<string, RemoteConfig>,
): ConfigDiff {
  const connect: RemoteConfig[] = [];
  const reconnect: RemoteConfig[] = [];
  const disconnect: string[] = [];
  for (const cluster of [...next.keys()].sort(compareStrings)) {
    const now = next.get(cluster)!;
    const before = previous.get(cluster);
    if (!before) connect.push(now);
    else if (before.hash !== now.hash) reconnect.push(now);
  }
  for (const cluster of [...previous.keys()].sort(compareStrings)) {
    if (!next.has(cluster)) disconnect.push(cluster);
  }
  return { connect, reconnect, disconnect };
}

/** Code-point order, independent of locale, so output is identical on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Certificate paths in a config file say where `clustermesh connect` assumed the Secret is
 * mounted (Cilium: /var/lib/cilium/clustermesh/). An agent that has the Secret in another
 * directory (the sandbox, an agent outside a pod) has the same files there, so relative paths
 * and absolute paths whose file is absent are looked up by file name in its config directory.
 */
export function resolveConfigPaths(
  config: RemoteConfig,
  dir: string,
  namesInDir: ReadonlySet<string>,
  exists: (path: string) => boolean,
): RemoteConfig {
  const resolve = (p: string | undefined): string | undefined => {
    if (p === undefined || p === '') return p;
    if (isAbsolute(p) && exists(p)) return p;
    const local = basename(p);
    return namesInDir.has(local) ? join(dir, local) : isAbsolute(p) ? p : join(dir, p);
  };
  return {
    ...config,
    trustedCaFile: resolve(config.trustedCaFile),
    certFile: resolve(config.certFile),
    keyFile: resolve(config.keyFile),
  };
}
