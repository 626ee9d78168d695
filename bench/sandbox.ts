/**
 * API server create throughput next to raw etcd puts of the same objects, measured in the same
 * run with the same concurrency; and watch delivery latency (create sent → watch event read).
 */
import { Agent, request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCertificate } from '../certs/index.js';
import { connectKv } from '../kvstore/etcd.js';
import type { KvClient } from '../kvstore/types.js';
import { silentLogger } from '../lib/log.js';
import { startApiServer } from '../sandbox/apiserver/server.js';
import { startEtcd } from '../sandbox/etcd/index.js';
import { percentile, runConcurrently } from './util.js';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 3000);
const CONCURRENCY = 32;
const WATCH_SAMPLES = 300;

function configMap(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { app: 'bench' } }, data: { k: 'v'.repeat(64) } };
}

interface Client {
  post(path: string, body: unknown): Promise<number>;
  watch(path: string, onLine: (line: string) => void): () => void;
}

function client(base: string, token: string, ca: string): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    post: (path, body) =>
      new Promise((resolve, reject) => {
        const req = request(`${base}${path}`, { method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      }),
    watch: (path, onLine) => {
      let buffered = '';
      const req = request(`${base}${path}`, { method: 'GET', ca, headers }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            onLine(buffered.slice(0, nl));
            buffered = buffered.slice(nl + 1);
          }
        });
      });
      req.on('error', () => undefined);
      req.end();
      return () => req.destroy();
    },
  };
}

async function rawEtcdCreates(kv: KvClient, n: number): Promise<number> {
  const start = performance.now();
  await runConcurrently(n, CONCURRENCY, async (i) => {
    const key = `/bench-raw/configmaps/default/cm-${i}`;
    const r = await kv.txn([{ key, modRevision: 0 }], [{ op: 'put', key, value: JSON.stringify(configMap(`cm-${i}`)) }]);
    if (!r.ok || !r.value.succeeded) throw new Error(`raw put failed: ${JSON.stringify(r)}`);
  });
  return n / ((performance.now() - start) / 1000);
}

async function apiCreates(c: Client, n: number): Promise<number> {
  const start = performance.now();
  await runConcurrently(n, CONCURRENCY, async (i) => {
    const code = await c.post('/api/v1/namespaces/default/configmaps', configMap(`cm-${i}`));
    if (code !== 201) throw new Error(`create answered ${code}`);
  });
  return n / ((performance.now() - start) / 1000);
}

async function watchLatencies(c: Client, samples: number): Promise<number[]> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let wake: (() => void) | undefined;
  const cancel = c.watch('/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Dwatch', (line) => {
    const ev = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
    const t0 = sentAt.get(ev.object.metadata.name);
    if (ev.type === 'ADDED' && t0 !== undefined) {
      latencies.push(performance.now() - t0);
      wake?.();
    }
  });
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < samples; i++) {
    const name = `w-${i}`;
    const seen = new Promise<void>((r) => (wake = r));
    sentAt.set(name, performance.now());
    const obj = configMap(name);
    (obj.metadata as { labels: Record<string, string> }).labels = { app: 'watch' };
    await c.post('/api/v1/namespaces/default/configmaps', obj);
    await Promise.race([seen, new Promise((r) => setTimeout(r, 5000))]);
  }
  cancel();
  return latencies;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-bench-'));
  const etcd = await startEtcd({ dataDir: join(dir, 'etcd') });
  if (!etcd.ok) throw new Error(etcd.error.message);
  const kv = connectKv({ endpoints: etcd.value.clientUrls }, silentLogger);
  const ca = await createCA({ commonName: 'bench-ca', validityDays: 1 });
  const leaf = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], usages: ['server'], validityDays: 1 });
  const server = await startApiServer({ kv, tls: { cert: leaf.certPem, key: leaf.keyPem }, token: 'bench', logger: silentLogger });
  if (!server.ok) throw new Error(server.error);
  try {
    const c = client(server.value.url, 'bench', ca.certPem);
    process.stderr.write(`raw etcd creates (${OBJECTS}) ...\n`);
    const rawPerSec = await rawEtcdCreates(kv, OBJECTS);
    process.stderr.write(`API server creates (${OBJECTS}) ...\n`);
    const apiPerSec = await apiCreates(c, OBJECTS);
    process.stderr.write(`watch latency (${WATCH_SAMPLES} samples) ...\n`);
    const lat = await watchLatencies(c, WATCH_SAMPLES);
    return {
      objects: OBJECTS,
      concurrency: CONCURRENCY,
      rawEtcdCreatesPerSec: Math.round(rawPerSec),
      apiServerCreatesPerSec: Math.round(apiPerSec),
      ratioToRawEtcd: Number((apiPerSec / rawPerSec).toFixed(3)),
      watchDelivery: {
        samples: lat.length,
        p50Ms: Number(percentile(lat, 50).toFixed(2)),
        p99Ms: Number(percentile(lat, 99).toFixed(2)),
      },
    };
  } finally {
    await server.value.stop();
    await kv.close();
    await etcd.value.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
