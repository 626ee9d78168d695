/** Pure conversions between etcd's wire messages and the project's types. */
import type { KvEntry, KvEvent } from './types.js';
import type { WireEvent, WireKeyValue } from './wire.js';

export function toEntry(kv: WireKeyValue): KvEntry {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value,
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: kv.lease || '0',
  };
}

export function toEvent(ev: WireEvent): KvEvent {
  // etcd sends prev_kv as an empty message, not null, when the key had no previous value.
  const prev = ev.prev_kv && ev.prev_kv.key.length > 0 ? toEntry(ev.prev_kv) : undefined;
  if (ev.type === 'Delete') {
    return { type: 'delete', key: ev.kv.key.toString('utf8'), modRevision: Number(ev.kv.mod_revision), prev };
  }
  return { type: 'put', entry: toEntry(ev.kv), prev };
}

/**
 * The exclusive end of the key range holding every key that starts with `prefix`: the prefix
 * with its last byte incremented (after dropping trailing 0xff bytes). An empty or all-0xff
 * prefix means "to the end of the keyspace", which etcd spells as a single zero byte.
 */
export function prefixRangeEnd(prefix: string | Buffer): Buffer {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if ((bytes[i] as number) < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = (bytes[i] as number) + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
