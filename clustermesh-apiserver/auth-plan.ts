/**
 * Pure: the etcd users and roles a clustermesh etcd needs (reference table in
 * shared/reference/clustermesh.md), and what to change so an existing etcd matches them.
 * Users have no password: with --client-cert-auth the client certificate's CN is the user.
 */
import { CLUSTER_CONFIG_PREFIX, HEARTBEAT_KEY, CACHE_PREFIX, STATE_PREFIX, SYNCED_PREFIX } from '../clustermesh/keys.js';

/** One read grant: a single key, or every key starting with `prefix`. */
export type ReadGrant = { readonly key: string } | { readonly prefix: string };

export interface RolePlan {
  readonly name: string;
  /** Undefined for `root`, whose permissions etcd defines itself. */
  readonly reads?: readonly ReadGrant[];
}

export interface UserPlan {
  readonly name: string;
  readonly roles: readonly string[];
}

export interface AuthPlan {
  readonly roles: readonly RolePlan[];
  readonly users: readonly UserPlan[];
}

export function authPlan(clusterName: string): AuthPlan {
  return {
    roles: [
      { name: 'root' },
      {
        name: 'local',
        reads: [{ key: HEARTBEAT_KEY }, { prefix: CACHE_PREFIX }, { prefix: CLUSTER_CONFIG_PREFIX }, { prefix: SYNCED_PREFIX }],
      },
      {
        name: 'remote',
        // Only this cluster's own config and canaries: a remote must not learn about other peers.
        reads: [
          { key: HEARTBEAT_KEY },
          { prefix: STATE_PREFIX },
          { key: `${CLUSTER_CONFIG_PREFIX}${clusterName}` },
          { prefix: `${SYNCED_PREFIX}${clusterName}/` },
        ],
      },
    ],
    users: [
      { name: 'root', roles: ['root'] },
      { name: `admin-${clusterName}`, roles: ['root'] },
      { name: `local-${clusterName}`, roles: ['local'] },
      { name: 'remote', roles: ['remote'] },
    ],
  };
}

/** A permission as etcd stores it: [key, rangeEnd) where an empty rangeEnd means the key alone. */
export interface KeyRange {
  readonly key: string;
  readonly rangeEnd: string;
}

/** etcd's prefix range end: the prefix with its last byte incremented (ASCII prefixes only). */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

export function grantRange(grant: ReadGrant): KeyRange {
  return 'key' in grant ? { key: grant.key, rangeEnd: '' } : { key: grant.prefix, rangeEnd: prefixEnd(grant.prefix) };
}

export interface PermissionChange {
  readonly grant: readonly KeyRange[];
  readonly revoke: readonly KeyRange[];
}

const rangeId = (r: KeyRange): string => `${r.key}\u0000${r.rangeEnd}`;

/**
 * What to grant and revoke so a role holds exactly the wanted read permissions. `current` holds
 * the role's existing permissions with their type; a non-read one on a wanted range is revoked
 * and granted again as read.
 */
export function permissionChange(wanted: readonly ReadGrant[], current: readonly (KeyRange & { type: string })[]): PermissionChange {
  const want = new Map(wanted.map((g) => [rangeId(grantRange(g)), grantRange(g)]));
  const haveRead = new Set(current.filter((p) => p.type === 'Read').map(rangeId));
  const grant = [...want].filter(([id]) => !haveRead.has(id)).map(([, r]) => r);
  const revoke = current.filter((p) => p.type !== 'Read' || !want.has(rangeId(p))).map(({ key, rangeEnd }) => ({ key, rangeEnd }));
  return { grant, revoke };
}
