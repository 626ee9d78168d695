/**
 * `meshlb operator` flags → validated options, pure. Durations use Go's notation ("15m",
 * "30s", "1h30m", "250ms") because Cilium's operator flags do.
 */
import { hostname } from 'node:os';
import { isMaxConnectedClusters, validateClusterId, validateClusterName, type MaxConnectedClusters } from '../clustermesh/cluster.js';
import { validateTiming } from '../k8s/leader-election-core.js';
import { fail, ok, type Result } from '../lib/result.js';

export interface OperatorFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly clusterName: string;
  readonly clusterId: string;
  readonly maxConnectedClusters: string;
  readonly namespace: string;
  readonly identity?: string;
  readonly healthPort: string;
  readonly identityGcInterval: string;
  readonly identityGcGrace: string;
  readonly leaseDuration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
}

export interface OperatorSettings {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly clusterName: string;
  readonly clusterId: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
  readonly leaseNamespace: string;
  readonly identity: string;
  readonly healthPort: number;
  readonly gcIntervalMs: number;
  readonly gcGraceMs: number;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): Result<number> {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (text === '' || parts.map((p) => p[0]).join('') !== text) return fail(`"${text}" is not a duration like 30s, 15m or 250ms`);
  return ok(Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0)));
}

function integer(text: string, what: string, min: number, max: number): Result<number> {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) return fail(`${what} must be an integer from ${min} to ${max}, got "${text}"`);
  return ok(n);
}

export function parseOperatorFlags(f: OperatorFlags, pid = process.pid, host = hostname()): Result<OperatorSettings> {
  const maxConnected = Number(f.maxConnectedClusters);
  if (!isMaxConnectedClusters(maxConnected)) return fail(`--max-connected-clusters must be 255 or 511, got "${f.maxConnectedClusters}"`);
  const id = integer(f.clusterId, '--cluster-id', 0, maxConnected);
  if (!id.ok) return id;
  const idValid = validateClusterId(id.value, maxConnected);
  if (!idValid.ok) return fail(`--cluster-id: ${idValid.error}`);
  const name = validateClusterName(f.clusterName, id.value);
  if (!name.ok) return fail(`--cluster-name: ${name.error}`);
  const port = integer(f.healthPort, '--health-port', 0, 65535);
  if (!port.ok) return port;
  const durations: Record<string, Result<number>> = {
    '--identity-gc-interval': parseDuration(f.identityGcInterval),
    '--identity-gc-grace': parseDuration(f.identityGcGrace),
    '--lease-duration': parseDuration(f.leaseDuration),
    '--renew-deadline': parseDuration(f.renewDeadline),
    '--retry-period': parseDuration(f.retryPeriod),
  };
  const values: Record<string, number> = {};
  for (const [flag, r] of Object.entries(durations)) {
    if (!r.ok) return fail(`${flag}: ${r.error}`);
    values[flag] = r.value;
  }
  if (values['--identity-gc-interval']! <= 0) return fail('--identity-gc-interval must be positive');
  if (f.namespace === '') return fail('--namespace must not be empty');
  const timing = {
    leaseDurationSeconds: values['--lease-duration']! / 1000,
    renewDeadlineSeconds: values['--renew-deadline']! / 1000,
    retryPeriodSeconds: values['--retry-period']! / 1000,
  };
  const badTiming = validateTiming(timing);
  if (badTiming) return fail(`leader election: ${badTiming}`);
  return ok({
    ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}),
    ...(f.context ? { context: f.context } : {}),
    clusterName: name.value,
    clusterId: id.value,
    maxConnectedClusters: maxConnected,
    leaseNamespace: f.namespace,
    identity: f.identity || `${host}-${pid}`,
    healthPort: port.value,
    gcIntervalMs: values['--identity-gc-interval']!,
    gcGraceMs: values['--identity-gc-grace']!,
    ...timing,
  });
}
