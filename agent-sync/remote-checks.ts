/**
 * Whether the agent may use a remote cluster, decided from the remote's cluster config and
 * what the agent already knows. The refusal reasons are shown verbatim in
 * `meshlb clustermesh status`, so each says what is wrong and with which values.
 */
import type { ClusterConfig } from '../clustermesh/cluster-config.js';
import type { MaxConnectedClusters } from '../clustermesh/cluster.js';
import { fail, ok, type Result } from '../lib/result.js';

export interface LocalCluster {
  readonly name: string;
  readonly id: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
}

export interface RemoteCandidate {
  /** The name the agent was configured with (the config file name). */
  readonly configuredName: string;
  /**
   * The name the remote reports for itself, when the adapter learned one (e.g. from the
   * cluster-config key it found); undefined when only the configured name is known.
   */
  readonly reportedName?: string;
  /** Undefined when no config exists under `cilium/cluster-config/<configuredName>`. */
  readonly config: ClusterConfig | undefined;
}

export type RefusalCode =
  | 'config-missing'
  | 'name-mismatch'
  | 'local-name'
  | 'id-unset'
  | 'id-out-of-range'
  | 'id-local'
  | 'id-duplicate'
  | 'max-connected-mismatch';

export interface Refusal {
  readonly code: RefusalCode;
  readonly reason: string;
}

export interface AcceptedRemote {
  readonly name: string;
  readonly id: number;
  readonly syncedCanaries: boolean;
}

/** A config written before the capability existed means 255, as in Cilium. */
function remoteMaxConnected(config: ClusterConfig): number {
  return config.capabilities.maxConnectedClusters || 255;
}

/**
 * Most refusals are configuration problems that a timer will not fix (a changed cluster
 * config or config file triggers a fresh check); a missing config may still be written by a
 * remote apiserver that is starting up, so that one is worth retrying.
 */
function refuse(code: RefusalCode, reason: string, retry = false): Result<never, Refusal> {
  return fail({ code, reason }, retry);
}

function checkName(remote: RemoteCandidate, local: LocalCluster): Result<string, Refusal> {
  const name = remote.configuredName;
  if (name === local.name) return refuse('local-name', `remote cluster ${name} has the local cluster's name`);
  if (remote.reportedName !== undefined && remote.reportedName !== name) {
    return refuse(
      'name-mismatch',
      `remote cluster configured as ${name} reports its name as ${remote.reportedName}`,
    );
  }
  return ok(name);
}

/**
 * @param otherRemotes cluster ID of every other remote currently accepted (the candidate
 *   itself is ignored if present, so a reconnect does not collide with its own old entry).
 */
export function checkRemote(
  remote: RemoteCandidate,
  local: LocalCluster,
  otherRemotes: ReadonlyMap<string, number>,
): Result<AcceptedRemote, Refusal> {
  const name = checkName(remote, local);
  if (!name.ok) return name;
  const config = remote.config;
  if (!config) return refuse('config-missing', 'remote cluster configuration required but not found', true);
  const max = remoteMaxConnected(config);
  if (max !== local.maxConnectedClusters) {
    return refuse(
      'max-connected-mismatch',
      `remote cluster ${name.value} has maxConnectedClusters ${max}, the local cluster ${local.maxConnectedClusters}`,
    );
  }
  const id = config.id;
  if (id === 0) return refuse('id-unset', `remote cluster ${name.value} has cluster ID 0 (unset)`);
  if (!Number.isInteger(id) || id < 0 || id > local.maxConnectedClusters) {
    return refuse(
      'id-out-of-range',
      `remote cluster ${name.value} has cluster ID ${id}, outside 1..${local.maxConnectedClusters}`,
    );
  }
  if (id === local.id) {
    return refuse(
      'id-local',
      `remote cluster ${name.value} has cluster ID ${id}, the same as the local cluster ${local.name}`,
    );
  }
  for (const [other, otherId] of [...otherRemotes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (other !== name.value && otherId === id) {
      return refuse(
        'id-duplicate',
        `remote cluster ${name.value} has cluster ID ${id}, already used by remote cluster ${other}`,
      );
    }
  }
  return ok({ name: name.value, id, syncedCanaries: config.capabilities.syncedCanaries === true });
}
