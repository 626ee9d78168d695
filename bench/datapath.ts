/**
 * Datapath service programming: 10,000 services × 10 backends planned and written into pinned
 * BPF maps (the bpf(2) addon, as the agent uses them), next to the raw throughput of
 * `bpftool batch` and of the addon measured in the same run on scratch maps, then the latency
 * of a single-service update planned against the full table the way the datapath loop does
 * (against the contents it last wrote). Needs root and a bpf filesystem; without them only the
 * in-memory numbers are printed with the reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applySteps, openMaps, type OpenMaps } from '../datapath/apply.js';
import { lbMapSpecs } from '../datapath/lb-maps.js';
import type { MapBackend, MapContents } from '../datapath/maps.js';
import { createMemoryBackend } from '../datapath/memory-backend.js';
import { hexWords, runBpftool } from '../datapath/pinned/bpftool.js';
import { createPinnedBackend } from '../datapath/pinned/index.js';
import { planServices } from '../datapath/service-reconciler.js';
import type { TableService } from '../datapath/service-table.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const BACKENDS = Number(process.env.BENCH_BACKENDS ?? 10);
const RAW_ENTRIES = Number(process.env.BENCH_RAW_ENTRIES ?? 50_000);

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

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The maps sized for the bench table (Cilium's default 65536 holds fewer service slots). */
const benchSpecs = lbMapSpecs.map((s) => ({ ...s, maxEntries: Math.max(s.maxEntries, SERVICES * (BACKENDS + 1) * 2) }));

async function programFull(backend: MapBackend) {
  const opened = await openMaps(backend, benchSpecs);
  if (!opened.ok) throw new Error(opened.error.message);
  const full = table(SERVICES, BACKENDS);
  const t0 = performance.now();
  const plan = planServices(full, new Map());
  const t1 = performance.now();
  const applied = await applySteps(opened.value, plan.steps);
  const t2 = performance.now();
  if (!applied.ok) throw new Error(applied.error.error.message);
  const entries = applied.value.updated;
  return {
    maps: opened.value,
    full,
    known: plan.desired,
    result: { entries, planMs: round(t1 - t0), applyMs: round(t2 - t1), totalMs: round(t2 - t0), entriesPerSec: Math.round(entries / ((t2 - t0) / 1000)), applyEntriesPerSec: Math.round(entries / ((t2 - t1) / 1000)) },
  };
}

/** One service loses a backend; planned against what was last written, as the loop does. */
async function singleUpdate(maps: OpenMaps, full: TableService[], known: MapContents) {
  const changed = full.map((s, i) => (i === 0 ? { ...s, backends: s.backends.slice(1) } : s));
  const t0 = performance.now();
  const plan = planServices(changed, known);
  const t1 = performance.now();
  const applied = await applySteps(maps, plan.steps);
  const t2 = performance.now();
  if (!applied.ok) throw new Error(applied.error.error.message);
  return { planMs: round(t1 - t0), applyMs: round(t2 - t1), totalMs: round(t2 - t0), writes: applied.value.updated + applied.value.deleted };
}

async function rawBpftool(root: string) {
  const path = join(root, 'raw_bpftool');
  execFileSync('bpftool', ['map', 'create', path, 'type', 'hash', 'key', '12', 'value', '12', 'entries', String(RAW_ENTRIES), 'name', 'raw_bpftool']);
  const lines: string[] = [];
  const key = Buffer.alloc(12);
  const value = Buffer.alloc(12, 1);
  for (let i = 0; i < RAW_ENTRIES; i++) {
    key.writeUInt32LE(i, 0);
    lines.push(`map update pinned ${path} key hex ${hexWords(key)} value hex ${hexWords(value)}`);
  }
  const input = lines.join('\n') + '\n';
  const t0 = performance.now();
  const res = await runBpftool(['batch', 'file', '-'], input);
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(res.error);
  return { entries: RAW_ENTRIES, ms: round(ms), entriesPerSec: Math.round(RAW_ENTRIES / (ms / 1000)) };
}

async function rawAddon(backend: MapBackend) {
  const spec = { name: 'raw_addon', kind: 'hash' as const, keySize: 12, valueSize: 12, maxEntries: RAW_ENTRIES, flags: 0 };
  const map = await backend.open(spec);
  if (!map.ok) throw new Error(map.error.message);
  const entries = Array.from({ length: RAW_ENTRIES }, (_, i) => {
    const key = Buffer.alloc(12);
    key.writeUInt32LE(i, 0);
    return { key, value: Buffer.alloc(12, 1) };
  });
  const t0 = performance.now();
  const res = await map.value.update(entries);
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(res.error.message);
  return { entries: RAW_ENTRIES, ms: round(ms), entriesPerSec: Math.round(RAW_ENTRIES / (ms / 1000)) };
}

function bpfUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status !== 0) return 'bpftool missing';
  return undefined;
}

async function runBpf() {
  const dir = mkdtempSync(join(tmpdir(), 'meshlb-bench-bpffs-'));
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', dir]);
    const pinned = createPinnedBackend({ root: join(dir, 'meshlb') });
    if (!pinned.ok) throw new Error(pinned.error);
    const backend = pinned.value;
    try {
      process.stderr.write(`bench datapath: pinned maps via ${backend.impl}\n`);
      const raw = { bpftoolBatch: await rawBpftool(dir), ...(backend.impl === 'native' ? { addon: await rawAddon(backend) } : {}) };
      const { maps, full, known, result } = await programFull(backend);
      const single = await singleUpdate(maps, full, known);
      return { impl: backend.impl, fullProgram: result, rawWriteThroughput: raw, singleServiceUpdate: single };
    } finally {
      await backend.close();
    }
  } finally {
    spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const memory = await programFull(createMemoryBackend());
  const memorySingle = await singleUpdate(memory.maps, memory.full, memory.known);
  const why = bpfUnavailable();
  return {
    services: SERVICES,
    backendsPerService: BACKENDS,
    memory: { fullProgram: memory.result, singleServiceUpdate: memorySingle },
    pinnedBpf: why ? { skipped: why } : await runBpf(),
  };
}
