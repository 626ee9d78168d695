/**
 * Datapath service programming: 10,000 services × 10 backends planned and written into pinned
 * BPF maps (the bpf(2) addon, as the agent uses them), next to the raw throughput of
 * `bpftool batch`, of the addon one syscall per entry and of the addon's batch writes
 * (BPF_MAP_UPDATE_BATCH) measured in the same run on scratch maps (and the ratio of the full
 * program's rate to each), then the latency of single-service updates planned the way
 * the datapath loop does (incrementally, from the changed key, against its applied state) and
 * of a periodic full reconciliation over unchanged maps (dump, compare, re-plan nothing).
 * Needs root and a bpf filesystem; without them only the in-memory numbers are printed with
 * the reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applySteps, openMaps, readContents, type OpenMaps } from '../datapath/apply.js';
import { lbMapSpecs } from '../datapath/lb-maps.js';
import type { MapBackend } from '../datapath/maps.js';
import { createMemoryBackend } from '../datapath/memory-backend.js';
import { loadBpfAddon, type BpfAddon } from '../datapath/pinned/addon.js';
import { hexWords, runBpftool } from '../datapath/pinned/bpftool.js';
import { createPinnedBackend } from '../datapath/pinned/index.js';
import { ServiceState } from '../datapath/service-state.js';
import type { TableService } from '../datapath/service-table.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const BACKENDS = Number(process.env.BENCH_BACKENDS ?? 10);
const RAW_ENTRIES = Number(process.env.BENCH_RAW_ENTRIES ?? 50_000);
const SINGLE_UPDATES = Number(process.env.BENCH_SINGLE_UPDATES ?? 7);

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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What the datapath does on start over empty maps: read them, rebuild its state, plan all, write. */
async function programFull(backend: MapBackend) {
  const opened = await openMaps(backend, benchSpecs);
  if (!opened.ok) throw new Error(opened.error.message);
  const full = table(SERVICES, BACKENDS);
  const t0 = performance.now();
  const read = await readContents(opened.value);
  if (!read.ok) throw new Error(read.error.message);
  const state = ServiceState.fromContents(read.value);
  const plan = state.planFull(full);
  const t1 = performance.now();
  const applied = await applySteps(opened.value, plan.steps);
  const t2 = performance.now();
  if (!applied.ok) throw new Error(applied.error.error.message);
  plan.commit();
  // Recording the plan as applied happens after the writes, off the programming path; shown apart.
  const t3 = performance.now();
  const entries = applied.value.updated;
  return {
    maps: opened.value,
    full,
    state,
    result: {
      entries,
      planMs: round(t1 - t0),
      writeMs: round(t2 - t1),
      totalMs: round(t2 - t0),
      commitMs: round(t3 - t2),
      entriesPerSec: Math.round(entries / ((t2 - t0) / 1000)),
      writeEntriesPerSec: Math.round(entries / ((t2 - t1) / 1000)),
    },
  };
}

/**
 * Services lose their first backend one at a time (a different service each round), planned
 * from the changed key against the applied state, as the datapath loop does on a table change.
 */
async function singleUpdates(maps: OpenMaps, full: TableService[], state: ServiceState) {
  const rounds: { planMs: number; writeMs: number; totalMs: number; writes: number }[] = [];
  let current = full;
  for (let round = 0; round < SINGLE_UPDATES; round++) {
    const i = Math.floor((round * full.length) / SINGLE_UPDATES);
    current = current.map((s, j) => (j === i ? { ...s, backends: s.backends.slice(1) } : s));
    const t0 = performance.now();
    const plan = state.planKeys(current, [`${full[i]!.namespace}/${full[i]!.name}`]);
    const t1 = performance.now();
    const applied = await applySteps(maps, plan.steps);
    const t2 = performance.now();
    if (!applied.ok) throw new Error(applied.error.error.message);
    plan.commit();
    rounds.push({ planMs: t1 - t0, writeMs: t2 - t1, totalMs: t2 - t0, writes: applied.value.updated + applied.value.deleted });
  }
  const pick = (f: (r: (typeof rounds)[number]) => number) => round(median(rounds.map(f)));
  return {
    rounds: rounds.length,
    median: { planMs: pick((r) => r.planMs), writeMs: pick((r) => r.writeMs), totalMs: pick((r) => r.totalMs), writes: pick((r) => r.writes) },
    maxTotalMs: round(Math.max(...rounds.map((r) => r.totalMs))),
    current,
  };
}

/** The periodic full reconciliation when nothing drifted: dump, compare with the state, re-plan nothing. */
async function fullReconcile(maps: OpenMaps, current: TableService[], state: ServiceState) {
  const t0 = performance.now();
  const read = await readContents(maps);
  if (!read.ok) throw new Error(read.error.message);
  const t1 = performance.now();
  const same = state.matches(read.value);
  const plan = same ? state.planChanged(current) : undefined;
  const t2 = performance.now();
  return { readMs: round(t1 - t0), compareAndPlanMs: round(t2 - t1), totalMs: round(t2 - t0), mapsMatched: same, writes: plan?.steps.length ?? -1 };
}

async function programAndUpdate(backend: MapBackend) {
  const { maps, full, state, result } = await programFull(backend);
  const { current, ...single } = await singleUpdates(maps, full, state);
  return { fullProgram: result, singleServiceUpdate: single, fullReconcileNoDrift: await fullReconcile(maps, current, state) };
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

/**
 * The addon's raw write paths on an unpinned scratch map: prepared packed keys and values,
 * either in BPF_MAP_UPDATE_BATCH calls (what the backend uses) or one bpf(2) call per entry.
 */
function rawAddonWrite(addon: BpfAddon, mode: 'batch' | 'perEntry') {
  const fd = addon.create(1 /* hash */, 12, 12, RAW_ENTRIES, 0, `raw_${mode}`);
  if (fd < 0) throw new Error(`map create failed: errno ${-fd}`);
  try {
    const keys = Buffer.alloc(RAW_ENTRIES * 12);
    for (let i = 0; i < RAW_ENTRIES; i++) keys.writeUInt32LE(i, i * 12);
    const values = Buffer.alloc(RAW_ENTRIES * 12, 1);
    const refusals = addon.batchRefusals();
    const t0 = performance.now();
    const written = mode === 'batch' ? addon.update(fd, keys, values, 12, 12) : addon.updateEach(fd, keys, values, 12, 12);
    const ms = performance.now() - t0;
    if (written !== RAW_ENTRIES) throw new Error(`${mode} update stopped at ${written}: errno ${addon.lastErrno()}`);
    const result = { entries: RAW_ENTRIES, ms: round(ms), entriesPerSec: Math.round(RAW_ENTRIES / (ms / 1000)) };
    return mode === 'batch' ? { ...result, kernelBatches: addon.batchRefusals() === refusals } : result;
  } finally {
    addon.close(fd);
  }
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
      const addon = loadBpfAddon().addon;
      const native = backend.impl === 'native' && addon ? { addon: rawAddonWrite(addon, 'perEntry'), addonBatch: rawAddonWrite(addon, 'batch') } : undefined;
      const raw = { bpftoolBatch: await rawBpftool(dir), ...native };
      const measured = await programAndUpdate(backend);
      const rate = measured.fullProgram.entriesPerSec;
      const ratio = (baseline: { entriesPerSec: number }) => Math.round((rate / baseline.entriesPerSec) * 100) / 100;
      const ratios = {
        fullProgramVsBpftoolBatch: ratio(raw.bpftoolBatch),
        ...(native ? { fullProgramVsAddon: ratio(native.addon), fullProgramVsAddonBatch: ratio(native.addonBatch) } : {}),
      };
      return { impl: backend.impl, ...measured, rawWriteThroughput: raw, ratios };
    } finally {
      await backend.close();
    }
  } finally {
    spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const memory = await programAndUpdate(createMemoryBackend());
  const why = bpfUnavailable();
  return {
    services: SERVICES,
    backendsPerService: BACKENDS,
    memory,
    pinnedBpf: why ? { skipped: why } : await runBpf(),
  };
}
