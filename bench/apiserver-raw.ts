/**
 * The apiserver bench's raw baseline, run as its own process like the apiserver it is compared
 * with (same heap situation: the cluster's objects in memory): the bench's projected keys and
 * values written under bench/raw/ with applyBatched (128 ops per transaction, 8 in flight, as
 * the apiserver's writer does) as fast as it goes, then deleted. Prints {"keysPerSecond": n}.
 *
 * Usage: node dist/bench/apiserver-raw.js <etcd client URL>[,<url>...]
 */
import { connectKv } from '../kvstore/etcd.js';
import type { TxnOp } from '../kvstore/types.js';
import { silentLogger } from '../lib/log.js';
import { expectedEntries } from './apiserver-inputs.js';

async function main(endpoints: string[]): Promise<void> {
  const entries = expectedEntries();
  const ops: TxnOp[] = [...entries].map(([key, value]) => ({ op: 'put', key: `bench/raw/${key}`, value }));
  const kv = connectKv({ endpoints, callTimeoutMs: 30_000 }, silentLogger);
  try {
    const t0 = performance.now();
    const put = await kv.applyBatched(ops);
    const seconds = (performance.now() - t0) / 1000;
    if (!put.ok) throw new Error(`raw puts: ${put.error.message}`);
    const cleanup = await kv.txn([], [{ op: 'deletePrefix', prefix: 'bench/raw/' }]);
    if (!cleanup.ok) throw new Error(`raw cleanup: ${cleanup.error.message}`);
    process.stdout.write(JSON.stringify({ keysPerSecond: ops.length / seconds }) + '\n');
  } finally {
    await kv.close();
  }
}

main((process.argv[2] ?? '').split(',').filter(Boolean)).catch((err: unknown) => {
  process.stderr.write(`apiserver-raw: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
