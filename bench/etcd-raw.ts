/**
 * The raw etcd write baseline other benches compare against: sequential puts (one round trip
 * each) and applyBatched puts (128 per transaction, several in flight), ~100-byte values.
 * Run directly it starts its own etcd in a temp dir and prints one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connectKv } from '../kvstore/etcd.js';
import type { KvClient, TxnOp } from '../kvstore/types.js';
import { startEtcd } from '../sandbox/etcd/index.js';

const value = 'v'.repeat(100);

export async function rawPutRate(client: KvClient, n: number): Promise<{ sequentialPerSec: number; batchedPerSec: number }> {
  const run = `bench/raw/${process.pid}-${Date.now()}`;
  const seqStart = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await client.put(`${run}/seq/${i}`, value);
    if (!r.ok) throw new Error(`sequential put failed: ${r.error.kind}: ${r.error.message}`);
  }
  const seqSeconds = (performance.now() - seqStart) / 1000;

  const ops: TxnOp[] = Array.from({ length: n }, (_, i) => ({ op: 'put', key: `${run}/batch/${i}`, value }));
  const batchStart = performance.now();
  const r = await client.applyBatched(ops);
  if (!r.ok) throw new Error(`batched put failed: ${r.error.kind}: ${r.error.message}`);
  const batchSeconds = (performance.now() - batchStart) / 1000;

  await client.txn([], [{ op: 'deletePrefix', prefix: `${run}/` }]);
  return { sequentialPerSec: Math.round(n / seqSeconds), batchedPerSec: Math.round(n / batchSeconds) };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const dir = mkdtempSync(join(tmpdir(), 'meshlb-bench-etcd-'));
  const etcd = await startEtcd({ dataDir: join(dir, 'etcd') });
  try {
    if (!etcd.ok) throw new Error(`${etcd.error.message}\n${etcd.error.logTail}`);
    const client = connectKv({ endpoints: etcd.value.clientUrls });
    try {
      const rates = await rawPutRate(client, n);
      process.stdout.write(JSON.stringify({ bench: 'etcd-raw', n, valueBytes: value.length, ...rates }) + '\n');
    } finally {
      await client.close();
    }
  } finally {
    if (etcd.ok) await etcd.value.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`etcd-raw bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
