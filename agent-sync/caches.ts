/**
 * What the agent holds from one remote cluster: its services, nodes, identities and ipcache
 * entries, each validated by the clustermesh decoders before it is kept. Pure: the adapter
 * (remote-cluster.ts) feeds it raw etcd entries and applies the returned service changes to
 * the service table.
 *
 * Reconnects converge without ghosts: every watch session marks the keys it has listed, and
 * when the session's initial list is complete the keys it did not see (deleted while the
 * agent was away) are swept.
 */
import type { MaxConnectedClusters } from '../clustermesh/cluster.js';
import { decodeIdentity, type IdentityEntry } from '../clustermesh/identity.js';
import { decodeIpIdentityPair, type IpIdentityPair } from '../clustermesh/ipcache.js';
import type { CanaryKind } from '../clustermesh/keys.js';
import { decodeNode, type ClusterNode } from '../clustermesh/node.js';
import { decodeClusterService, type ClusterService } from '../clustermesh/service.js';
import { fail, ok, type Result } from '../lib/result.js';

export type EntryKind = CanaryKind;

export interface DecodeContext {
  readonly cluster: string;
  readonly clusterId: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
}

/** Label values of the invalid-entries metric: few and stable, the log line carries the detail. */
export type InvalidReason = 'bad_key' | 'bad_json' | 'mismatch' | 'invalid_value';

export interface InvalidEntry {
  readonly kind: EntryKind;
  readonly key: string;
  readonly reason: InvalidReason;
  readonly message: string;
}

export type Decoded =
  | { readonly kind: 'services'; readonly value: ClusterService }
  | { readonly kind: 'nodes'; readonly value: ClusterNode }
  | { readonly kind: 'identities'; readonly value: IdentityEntry }
  | { readonly kind: 'ipcache'; readonly value: IpIdentityPair };

const MISMATCH_MARKERS = [
  'is not the remote cluster',
  'does not match its key',
  "is not the remote cluster's ID",
  'outside cluster',
  'no io.cilium.k8s.policy.cluster label',
];

/** Decoder messages name the entry first (`service <key>: ...`); one that does not is a key problem. */
export function classifyInvalid(key: string, message: string): InvalidReason {
  if (!message.includes(`${key}:`)) return 'bad_key';
  if (message.includes('value is not JSON')) return 'bad_json';
  if (MISMATCH_MARKERS.some((m) => message.includes(m))) return 'mismatch';
  return 'invalid_value';
}

function decodeRaw(kind: EntryKind, key: string, value: string, ctx: DecodeContext): Result<Decoded> {
  switch (kind) {
    case 'services': {
      const r = decodeClusterService(key, value, ctx);
      return r.ok ? ok({ kind, value: r.value }) : r;
    }
    case 'nodes': {
      const r = decodeNode(key, value, ctx);
      return r.ok ? ok({ kind, value: r.value }) : r;
    }
    case 'identities': {
      const r = decodeIdentity(key, value, ctx);
      return r.ok ? ok({ kind, value: r.value }) : r;
    }
    case 'ipcache': {
      const r = decodeIpIdentityPair(key, value, { remote: true });
      return r.ok ? ok({ kind, value: r.value }) : r;
    }
  }
}

export function decodeRemoteEntry(
  kind: EntryKind,
  key: string,
  value: string,
  ctx: DecodeContext,
): Result<Decoded, InvalidEntry> {
  const r = decodeRaw(kind, key, value, ctx);
  if (r.ok) return r;
  return fail({ kind, key, reason: classifyInvalid(key, r.error), message: r.error });
}

/** A change the service table must hear about. */
export type ServiceChange =
  | { readonly type: 'upsert'; readonly service: ClusterService }
  | { readonly type: 'delete'; readonly namespace: string; readonly name: string };

export interface ApplyOutcome {
  readonly services: readonly ServiceChange[];
  readonly invalid?: InvalidEntry;
}

const NONE: ApplyOutcome = { services: [] };

export class RemoteCaches {
  readonly services = new Map<string, ClusterService>();
  readonly nodes = new Map<string, ClusterNode>();
  readonly identities = new Map<string, IdentityEntry>();
  readonly ipcache = new Map<string, IpIdentityPair>();
  /** Keys listed or written during the current session, per kind, until its initial sync completes. */
  private readonly marks = new Map<EntryKind, Set<string>>();

  constructor(readonly cluster: string) {}

  counts(): Record<EntryKind, number> {
    return {
      services: this.services.size,
      nodes: this.nodes.size,
      identities: this.identities.size,
      ipcache: this.ipcache.size,
    };
  }

  /** A new watch session of one kind starts: remember what it sees until it has synced. */
  beginSession(kind: EntryKind): void {
    this.marks.set(kind, new Set());
  }

  upsert(kind: EntryKind, key: string, value: string, ctx: DecodeContext): ApplyOutcome {
    this.marks.get(kind)?.add(key);
    const decoded = decodeRemoteEntry(kind, key, value, ctx);
    if (!decoded.ok) {
      // The key's previous value is no longer what the remote says; serving it would be stale.
      const removed = this.remove(kind, key);
      return { services: removed.services, invalid: decoded.error };
    }
    const d = decoded.value;
    if (d.kind === 'services') {
      this.services.set(key, d.value);
      return { services: [{ type: 'upsert', service: d.value }] };
    }
    this.mapOf(kind).set(key, d.value);
    return NONE;
  }

  remove(kind: EntryKind, key: string): ApplyOutcome {
    if (kind === 'services') {
      const before = this.services.get(key);
      if (!before) return NONE;
      this.services.delete(key);
      return { services: [{ type: 'delete', namespace: before.namespace, name: before.name }] };
    }
    this.mapOf(kind).delete(key);
    return NONE;
  }

  /** The session's initial list is complete: forget what it did not list. */
  endInitialSync(kind: EntryKind): ApplyOutcome {
    const seen = this.marks.get(kind);
    this.marks.delete(kind);
    if (!seen) return NONE;
    const changes: ServiceChange[] = [];
    for (const key of [...this.mapOf(kind).keys()]) {
      if (!seen.has(key)) changes.push(...this.remove(kind, key).services);
    }
    return { services: changes };
  }

  /** Cache TTL expired: services go, the rest stays for policy and routing. */
  revokeServices(): void {
    this.services.clear();
    this.marks.delete('services');
  }

  drain(): void {
    for (const kind of ['services', 'nodes', 'identities', 'ipcache'] as const) this.mapOf(kind).clear();
    this.marks.clear();
  }

  private mapOf(kind: EntryKind): Map<string, unknown> {
    switch (kind) {
      case 'services':
        return this.services;
      case 'nodes':
        return this.nodes;
      case 'identities':
        return this.identities;
      case 'ipcache':
        return this.ipcache;
    }
  }
}
