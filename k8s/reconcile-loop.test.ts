import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { silentLogger } from '../lib/log.js';
import { fail, ok } from '../lib/result.js';
import { createReconcileLoop, runLimited, type RunResult } from './reconcile-loop.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function loopWith(results: (RunResult | Error)[], extra: { debounceMs?: number; canRun?: () => boolean } = {}) {
  const calls: number[] = [];
  const outcomes: string[] = [];
  let release: (() => void) | undefined;
  let block = false;
  const loop = createReconcileLoop({
    name: 'test',
    logger: silentLogger,
    debounceMs: extra.debounceMs ?? 50,
    retry: { initialMs: 100, maxMs: 400, jitter: 0 },
    random: () => 0,
    onRunDone: (o) => outcomes.push(o),
    ...(extra.canRun ? { canRun: extra.canRun } : {}),
    run: async () => {
      calls.push(Date.now());
      if (block) await new Promise<void>((r) => (release = r));
      const next = results.shift() ?? ok(undefined);
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { loop, calls, outcomes, blockNext: () => (block = true), release: () => { block = false; release?.(); } };
}

describe('reconcile loop', () => {
  test('kicks within the debounce window become one run', async () => {
    const { loop, calls } = loopWith([]);
    loop.start();
    const t0 = Date.now();
    loop.kick();
    await vi.advanceTimersByTimeAsync(20);
    loop.kick();
    loop.kick();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls.map((t) => t - t0)).toEqual([50]);
    expect(loop.runs).toBe(1);
  });

  test('a kick during a run gives exactly one more run after it', async () => {
    const t = loopWith([]);
    t.loop.start();
    t.blockNext();
    t.loop.kick(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.calls).toHaveLength(1);
    t.loop.kick();
    t.loop.kick();
    await vi.advanceTimersByTimeAsync(500);
    expect(t.calls).toHaveLength(1); // still blocked: never two runs at once
    t.release();
    await vi.advanceTimersByTimeAsync(500);
    expect(t.calls).toHaveLength(2);
  });

  test('a failed run asking for retry is retried with doubling, capped backoff, reset by a clean run', async () => {
    const { loop, calls, outcomes } = loopWith([fail('a', true), fail('b', true), fail('c', true), fail('d', true), ok(undefined)], { debounceMs: 0 });
    loop.start();
    const t0 = Date.now();
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.lastError).toBe('a');
    await vi.advanceTimersByTimeAsync(2_000);
    // Runs at 0, then +100, +200, +400, +400 (capped).
    expect(calls.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1100]);
    expect(outcomes).toEqual(['failed', 'failed', 'failed', 'failed', 'clean']);
    expect(loop.lastError).toBeUndefined();
  });

  test('a failure without retry waits for the next kick', async () => {
    const { loop, calls } = loopWith([fail('bad input', false)], { debounceMs: 0 });
    loop.start();
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(1);
    expect(loop.lastError).toBe('bad input');
  });

  test('a run that throws is caught, reported as crashed and retried', async () => {
    const { loop, calls, outcomes } = loopWith([new Error('boom')], { debounceMs: 0 });
    loop.start();
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(150);
    expect(outcomes).toEqual(['crashed', 'clean']);
    expect(calls).toHaveLength(2);
  });

  test('stop cancels pending runs and retries, waits for the one in flight, and later kicks do nothing', async () => {
    const t = loopWith([fail('x', true)], { debounceMs: 0 });
    t.loop.start();
    t.blockNext();
    t.loop.kick(0);
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = t.loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    t.release();
    await stopping;
    t.loop.kick(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.calls).toHaveLength(1);
  });

  test('kicks before start are ignored', async () => {
    const { loop, calls } = loopWith([]);
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(0);
  });

  test('while the gate is shut a due run is skipped without counting, reporting or clearing the last error', async () => {
    let open = true;
    const { loop, calls, outcomes } = loopWith([fail('write failed', false)], { debounceMs: 0, canRun: () => open });
    loop.start();
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.lastError).toBe('write failed');
    open = false;
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);
    expect(outcomes).toEqual(['failed']);
    expect(loop.runs).toBe(1);
    expect(loop.lastError).toBe('write failed');
    open = true;
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    expect(outcomes).toEqual(['failed', 'clean']);
    expect(loop.lastError).toBeUndefined();
  });

  test('a retry that falls due while the gate is shut waits for the next kick', async () => {
    let open = true;
    const { loop, calls } = loopWith([fail('a', true)], { debounceMs: 0, canRun: () => open });
    loop.start();
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(0);
    open = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(1);
    open = true;
    loop.kick(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    expect(loop.lastError).toBeUndefined();
  });
});

describe('runLimited', () => {
  test('runs every task, never more than the limit at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    const tasks = Array.from({ length: 7 }, (_, i) => async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 10 * (i % 3)));
      inFlight--;
      done.push(i);
    });
    const all = runLimited(tasks, 3);
    await vi.advanceTimersByTimeAsync(1_000);
    await all;
    expect(peak).toBe(3);
    expect([...done].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test('no tasks is done at once', async () => {
    await expect(runLimited([], 4)).resolves.toBeUndefined();
  });
});
