/** Small helpers for tests that use a real KvClient. */
import type { Result } from '../../lib/result.js';
import type { KvClient, KvEvent } from '../../kvstore/types.js';

/** Unwraps a result (KvResult, etcd start result), failing the test with the error otherwise. */
export function must<T>(r: Result<T, { readonly kind: string; readonly message: string }>): T {
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

export function eventKey(e: KvEvent): string {
  return e.type === 'put' ? e.entry.key : e.key;
}

export function eventRevision(e: KvEvent): number {
  return e.type === 'put' ? e.entry.modRevision : e.modRevision;
}

/** Puts `count` keys one after another, returning the revision of each put. */
export async function putSequence(kv: KvClient, prefix: string, count: number, from = 0): Promise<number[]> {
  const revs: number[] = [];
  for (let i = from; i < from + count; i++) revs.push(must(await kv.put(`${prefix}${String(i).padStart(4, '0')}`, `v${i}`)).revision);
  return revs;
}
