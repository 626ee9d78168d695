/**
 * The loop every controller here runs: informer events kick it, kicks within `debounceMs`
 * coalesce into one run, a kick during a run schedules exactly one more run after it, and a
 * run that could not apply everything is retried with capped, jittered backoff (reset by the
 * next clean run). Only one run is ever in flight, so a run may read caches and write without
 * locking. The run itself decides and writes; this file only decides *when*.
 */
import type { Logger } from '../lib/log.js';
import type { Result } from '../lib/result.js';
import { backoffDelay, type BackoffPolicy } from './informer-core.js';

/** ok: everything applied. Not ok: `retry` asks for a backoff retry; otherwise wait for the next kick. */
export type RunResult = Result<void, string>;

export type RunOutcome = 'clean' | 'failed' | 'crashed';

export interface ReconcileLoopOptions {
  readonly name: string;
  readonly logger: Logger;
  readonly run: () => Promise<RunResult>;
  /**
   * While this says no (say, until every informer has listed) a due run is skipped: not
   * counted, no onRunDone, lastError kept, no retry. Whoever opens the gate kicks.
   */
  readonly canRun?: () => boolean;
  /** Coalesces bursts of kicks into one run. */
  readonly debounceMs?: number;
  readonly retry?: BackoffPolicy;
  /** After every run, for metrics. */
  readonly onRunDone?: (outcome: RunOutcome, durationMs: number) => void;
  /** Injected in tests; Math.random otherwise. */
  readonly random?: () => number;
}

export interface ReconcileLoop {
  /** Asks for a run after `delayMs` (default: the debounce); no effect while stopped. */
  kick(delayMs?: number): void;
  start(): void;
  /** Cancels pending runs and waits for the one in flight. */
  stop(): Promise<void>;
  /** Completed runs, clean or not (skipped ones do not count). */
  readonly runs: number;
  /** Why the last run was not clean; undefined after a clean one. */
  readonly lastError: string | undefined;
}

export const DEFAULT_RETRY: BackoffPolicy = { initialMs: 500, maxMs: 30_000, jitter: 0.2 };

export function createReconcileLoop(opts: ReconcileLoopOptions): ReconcileLoop {
  const debounceMs = opts.debounceMs ?? 50;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const random = opts.random ?? Math.random;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let attempt = 0;
  let runs = 0;
  let lastError: string | undefined;

  const once = async (): Promise<void> => {
    if (opts.canRun && !opts.canRun()) return;
    const started = performance.now();
    let outcome: RunOutcome;
    let result: RunResult;
    try {
      result = await opts.run();
      outcome = result.ok ? 'clean' : 'failed';
    } catch (err) {
      // A bug in one run must not take the process down; retrying may get past it.
      result = { ok: false, error: `run failed: ${err instanceof Error ? err.message : String(err)}`, retry: true };
      outcome = 'crashed';
      opts.logger.error('reconcile run failed', { loop: opts.name, err });
    }
    runs++;
    opts.onRunDone?.(outcome, performance.now() - started);
    if (result.ok) {
      lastError = undefined;
      attempt = 0;
      return;
    }
    lastError = result.error;
    if (result.retry && !stopped) {
      const delay = backoffDelay(attempt++, retry, random());
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        runNow();
      }, delay);
    }
  };

  const runNow = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    timer = undefined;
    running = once().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        kick();
      }
    });
  };

  function kick(delayMs = debounceMs): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(runNow, delayMs);
  }

  return {
    kick,
    start() {
      stopped = false;
    },
    async stop() {
      stopped = true;
      again = false;
      clearTimeout(timer);
      clearTimeout(retryTimer);
      timer = undefined;
      retryTimer = undefined;
      await running;
    },
    get runs() {
      return runs;
    },
    get lastError() {
      return lastError;
    },
  };
}

/** Runs a run's writes with at most `limit` in flight, so one run does not flood the API server. */
export async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
