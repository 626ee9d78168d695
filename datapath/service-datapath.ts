/**
 * The service datapath adapter: keeps the service maps equal to the desired table. Table
 * changes trigger an incremental plan of only the changed services against the state it last
 * applied (no map reads on the hot path); a periodic full reconciliation re-reads the maps: when
 * they hold what it wrote it only re-plans services whose entry differs, otherwise it rebuilds
 * its state from the maps (IDs found there, pinned ones survive restarts, are kept) and repairs
 * every entry changed or deleted behind its back. A failed write drops the state: the retry is
 * a full run.
 * Runs are serialized: one plan/apply at a time, later changes coalesce into one more run.
 */
import type { Logger } from '../lib/log.js';
import { silentLogger } from '../lib/log.js';
import type { HealthReport, Module } from '../lib/module.js';
import { fail, ok, type Result } from '../lib/result.js';
import { applySteps, openMaps, readContents, type OpenMaps } from './apply.js';
import { lbMapSpecs } from './lb-maps.js';
import type { MapBackend, MapContents } from './maps.js';
import type { TableError } from './service-reconciler.js';
import { ServiceState, type StatePlan } from './service-state.js';
import type { TableService } from './service-table.js';

/** Where the desired table comes from (the agent: `services()` and `onTableChange`). */
export interface TableSource {
  current(): readonly TableService[];
  /** `changedKeys` are "namespace/name" of services whose desired entry changed. Returns unsubscribe. */
  onChange(listener: (changedKeys: readonly string[]) => void): () => void;
}

export interface ServiceDatapathOptions {
  readonly backend: MapBackend;
  readonly source: TableSource;
  /** Full reconciliation period (re-read maps, repair drift). Default 10 s. */
  readonly fullReconcileMs?: number;
  /** Delay before retrying a failed run. Default 1 s. */
  readonly retryMs?: number;
  readonly log?: Logger;
}

export interface RunStats {
  readonly full: boolean;
  /** Services planned (all of them when the state was rebuilt from the maps). */
  readonly planned: number;
  readonly updated: number;
  readonly deleted: number;
  readonly tableErrors: number;
  readonly ms: number;
}

export interface ServiceDatapath extends Module {
  /** Runs a reconciliation now (after any running one); `full` re-reads the maps first. */
  reconcile(full: boolean): Promise<Result<RunStats, string>>;
  /** What the datapath believes the maps hold (after its last successful run). Live view: do not keep. */
  contents(): MapContents | undefined;
}

export function createServiceDatapath(o: ServiceDatapathOptions): ServiceDatapath {
  const log = o.log ?? silentLogger;
  const fullEvery = o.fullReconcileMs ?? 10_000;
  const retryMs = o.retryMs ?? 1_000;
  let maps: OpenMaps | undefined;
  /** State as last applied; undefined forces the next run to read the maps and rebuild it. */
  let state: ServiceState | undefined;
  /** Services changed since the last incremental run started. */
  let changedKeys = new Set<string>();
  let chain: Promise<unknown> = Promise.resolve();
  let pending: Promise<Result<RunStats, string>> | undefined;
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  let fullTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastError: string | undefined;
  let lastRun: RunStats | undefined;
  let reportedTableErrors = new Set<string>();

  function reportTableErrors(errors: readonly TableError[]): void {
    const now = new Set(errors.map((e) => `${e.service}: ${e.message}`));
    // Each problem is logged once while it lasts, not on every run.
    for (const e of now) if (!reportedTableErrors.has(e)) log.warn('service not programmed as asked', { problem: e });
    reportedTableErrors = now;
  }

  /** Full: read the maps; re-plan what changed if they hold what was written, else rebuild. */
  async function planFull(open: OpenMaps): Promise<Result<{ plan: StatePlan; next: ServiceState }, string>> {
    const read = await readContents(open);
    if (!read.ok) return fail(read.error.message, true);
    const table = o.source.current();
    if (state?.matches(read.value)) return ok({ plan: state.planChanged(table), next: state });
    const next = ServiceState.fromContents(read.value);
    return ok({ plan: next.planFull(table), next });
  }

  async function runOnce(full: boolean): Promise<Result<RunStats, string>> {
    if (!maps) return fail('datapath not started');
    const started = performance.now();
    const useFull = full || state === undefined;
    const keys = changedKeys;
    changedKeys = new Set();
    let planned: { plan: StatePlan; next: ServiceState };
    if (useFull) {
      const res = await planFull(maps);
      if (!res.ok) return res;
      planned = res.value;
    } else {
      planned = { plan: state!.planKeys(o.source.current(), keys), next: state! };
    }
    const { plan, next } = planned;
    reportTableErrors(plan.errors);
    const applied = await applySteps(maps, plan.steps);
    if (!applied.ok) {
      state = undefined;
      return fail(`step ${applied.error.step}: ${applied.error.error.message}`, applied.retry);
    }
    plan.commit();
    state = next;
    const stats = { full: useFull, planned: plan.planned, ...applied.value, tableErrors: plan.errors.length, ms: performance.now() - started };
    if (useFull && applied.value.updated + applied.value.deleted > 0) log.info('full reconciliation repaired the maps', { ...stats });
    return ok(stats);
  }

  function scheduleRetry(): void {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void reconcile(true);
    }, retryMs);
    retryTimer.unref();
  }

  function reconcile(full: boolean): Promise<Result<RunStats, string>> {
    // Incremental runs coalesce: a change arriving while one waits is covered by it.
    if (!full && pending) return pending;
    const run = chain.then(async () => {
      if (run === pending) pending = undefined;
      if (stopped) return fail('datapath stopped');
      const res = await runOnce(full).catch((err: unknown) => fail(`reconciliation threw: ${String(err)}`, true));
      if (res.ok) {
        lastError = undefined;
        lastRun = res.value;
      } else {
        if (res.error !== lastError) log.error('service maps not reconciled', { err: res.error });
        lastError = res.error;
        scheduleRetry();
      }
      return res;
    });
    if (!full) pending = run;
    chain = run;
    return run;
  }

  return {
    async start(): Promise<void> {
      const opened = await openMaps(o.backend, lbMapSpecs);
      if (!opened.ok) throw new Error(`cannot open service maps: ${opened.error.message}`);
      maps = opened.value;
      unsubscribe = o.source.onChange((keys) => {
        for (const k of keys) changedKeys.add(k);
        void reconcile(false);
      });
      await reconcile(true);
      fullTimer = setInterval(() => void reconcile(true), fullEvery);
      fullTimer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      unsubscribe?.();
      clearInterval(fullTimer);
      clearTimeout(retryTimer);
      await chain.catch(() => undefined);
    },
    health(): HealthReport {
      return {
        name: 'datapath',
        healthy: lastError === undefined,
        ready: lastRun !== undefined,
        ...(lastError ? { message: lastError } : {}),
        details: { backend: o.backend.kind, lastRun, tableErrors: reportedTableErrors.size },
      };
    },
    reconcile,
    contents: () => state?.contents(),
  };
}
