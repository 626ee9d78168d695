/**
 * Pure decisions of list-then-watch: what to tell a consumer after a re-list, and whether a watch
 * event is news, given what it has already been told (key → modRevision delivered).
 */
import type { KvEntry, KvEvent } from './types.js';

export type Delivered = ReadonlyMap<string, number>;

export interface RelistDiff {
  /** Entries the consumer has not seen at this modRevision, in key order. */
  readonly upserts: readonly KvEntry[];
  /** Keys the consumer holds that are gone from the list, sorted. */
  readonly deletes: readonly string[];
}

export function diffRelist(delivered: Delivered, listed: readonly KvEntry[]): RelistDiff {
  const present = new Set<string>();
  const upserts: KvEntry[] = [];
  for (const entry of listed) {
    present.add(entry.key);
    if (delivered.get(entry.key) !== entry.modRevision) upserts.push(entry);
  }
  const deletes = [...delivered.keys()].filter((k) => !present.has(k)).sort();
  return { upserts, deletes };
}

export type EventDecision = { readonly emit: 'upsert'; readonly entry: KvEntry } | { readonly emit: 'delete'; readonly key: string } | { readonly emit: 'none' };

/**
 * A put already delivered at the same (or a later) revision, or a delete of a key the consumer
 * does not hold, is not news: that is what keeps replays after a re-list from duplicating.
 */
export function decideEvent(delivered: Delivered, event: KvEvent): EventDecision {
  if (event.type === 'put') {
    const seen = delivered.get(event.entry.key);
    return seen !== undefined && seen >= event.entry.modRevision ? { emit: 'none' } : { emit: 'upsert', entry: event.entry };
  }
  const seen = delivered.get(event.key);
  return seen !== undefined && seen < event.modRevision ? { emit: 'delete', key: event.key } : { emit: 'none' };
}
