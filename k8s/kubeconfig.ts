/**
 * Where a process finds its cluster: an explicit file, then $KUBECONFIG, then the in-cluster
 * service account, then ~/.kube/config. Every way of not finding one says which it tried.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { fail, ok, type Result } from '../lib/result.js';

export interface KubeConfigOptions {
  /** Path to a kubeconfig file; wins over $KUBECONFIG. */
  readonly kubeconfig?: string;
  /** Context to use instead of the file's current-context. */
  readonly context?: string;
  /** For tests: environment and home directory to consult. */
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function loadFile(kc: KubeConfig, path: string): Result<void> {
  if (!existsSync(path)) return fail(`kubeconfig file ${path} does not exist`);
  try {
    kc.loadFromFile(path);
    return ok(undefined);
  } catch (err) {
    return fail(`kubeconfig file ${path} could not be read: ${(err as Error).message}`);
  }
}

function loadFromEnv(kc: KubeConfig, value: string): Result<void> {
  const paths = value.split(delimiter).filter((p) => p !== '');
  const present = paths.filter((p) => existsSync(p));
  if (present.length === 0) return fail(`KUBECONFIG=${value} names no existing file`);
  if (present.length === 1) return loadFile(kc, present[0]!);
  try {
    // client-node merges multiple files the way kubectl does.
    kc.loadFromDefault({}, false);
    return ok(undefined);
  } catch (err) {
    return fail(`KUBECONFIG=${value} could not be read: ${(err as Error).message}`);
  }
}

function loadSource(kc: KubeConfig, opts: KubeConfigOptions): Result<void> {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig !== undefined && opts.kubeconfig !== '') return loadFile(kc, opts.kubeconfig);
  if (env.KUBECONFIG) return loadFromEnv(kc, env.KUBECONFIG);
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    try {
      kc.loadFromCluster();
      return ok(undefined);
    } catch (err) {
      return fail(`in-cluster configuration failed: ${(err as Error).message}`);
    }
  }
  const home = join(opts.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return loadFile(kc, home);
  return fail(`no kubeconfig found: pass --kubeconfig, set KUBECONFIG, run in a cluster, or create ${home}`);
}

export function loadKubeConfig(opts: KubeConfigOptions = {}): Result<KubeConfig> {
  const kc = new KubeConfig();
  const loaded = loadSource(kc, opts);
  if (!loaded.ok) return loaded;
  if (opts.context !== undefined && opts.context !== '') {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(opts.context)) {
      return fail(`context "${opts.context}" not found in kubeconfig (available: ${names.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext();
  if (!context) return fail('kubeconfig has no current-context and none was given');
  if (!kc.getCurrentCluster()) return fail(`context "${context}" refers to a cluster that is not defined`);
  return ok(kc);
}
