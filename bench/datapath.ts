/**
 * Datapath service programming: time to plan and apply 10,000 services × 10 backends into the
 * in-memory backend (the pure core's cost, the floor for any real backend), then the latency of
 * a single-service update against that full table. The pinned-BPF numbers and the raw
 * `bpftool batch` baseline are added with the BPF backend.
 */
import { performance } from 'node:perf_hooks';
import { applySteps, openMaps, readContents } from '../datapath/apply.js';
import { lbMapSpecs } from '../datapath/lb-maps.js';
import { createMemoryBackend } from '../datapath/memory-backend.js';
import { planServices } from '../datapath/service-reconciler.js';
import type { TableService } from '../datapath/service-table.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const BACKENDS = Number(process.env.BENCH_BACKENDS ?? 10);

function table(services: number, backends: number): TableService[] {
  return Array.from({ length: services }, (_, i) => ({
    namespace: 'bench',
    name: `svc-${i}`,
    frontends: [{ address: `10.96.${i >> 8}.${i & 255}`, port: 80, protocol: 'TCP', type: 'ClusterIP' }],
    backends: Array.from({ length: backends }, (_, j) => ({
      address: `10.${100 + (j % 100)}.${i >> 8}.${i & 255}`,
      port: 8080,
      protocol: 'TCP',
      clusterID: 1,
      inUse: true,
    })),
  }));
}

export async function run(): Promise<Record<string, unknown>> {
  const backend = createMemoryBackend();
  const opened = await openMaps(backend, lbMapSpecs.map((s) => ({ ...s, maxEntries: 1 << 21 })));
  if (!opened.ok) throw new Error(opened.error.message);
  const maps = opened.value;
  const full = table(SERVICES, BACKENDS);

  const t0 = performance.now();
  const plan = planServices(full, new Map());
  const t1 = performance.now();
  const applied = await applySteps(maps, plan.steps);
  const t2 = performance.now();
  if (!applied.ok) throw new Error(applied.error.error.message);
  const entries = applied.value.updated;

  // One service loses a backend: read, plan against the full maps, apply.
  const changed = full.map((s, i) => (i === 0 ? { ...s, backends: s.backends.slice(1) } : s));
  const u0 = performance.now();
  const actual = await readContents(maps);
  if (!actual.ok) throw new Error(actual.error.message);
  const u1 = performance.now();
  const small = planServices(changed, actual.value);
  const u2 = performance.now();
  await applySteps(maps, small.steps);
  const u3 = performance.now();

  return {
    services: SERVICES,
    backendsPerService: BACKENDS,
    entries,
    fullProgram: { planMs: round(t1 - t0), applyMemoryMs: round(t2 - t1), entriesPerSec: Math.round(entries / ((t2 - t0) / 1000)) },
    singleServiceUpdate: { readMs: round(u1 - u0), planMs: round(u2 - u1), applyMs: round(u3 - u2), steps: small.steps.length },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
