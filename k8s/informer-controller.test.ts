import { describe, expect, test } from 'vitest';
import { silentLogger } from '../lib/log.js';
import { ok } from '../lib/result.js';
import { informerController } from './informer-controller.js';
import { createReconcileLoop } from './reconcile-loop.js';

/** An informer whose first list is delivered when the test says so. */
function fakeInformer() {
  let resolveSynced!: () => void;
  const listed = new Promise<void>((r) => (resolveSynced = r));
  const state = { synced: false, started: 0, stopped: 0 };
  return {
    state,
    list() {
      state.synced = true;
      resolveSynced();
    },
    informer: {
      get synced() {
        return state.synced;
      },
      start: async () => void state.started++,
      stop: async () => void state.stopped++,
      whenSynced: () => listed,
    },
  };
}

describe('informerController', () => {
  test('first run after every informer has listed; ready after it; stop stops everything once', async () => {
    const a = fakeInformer();
    const b = fakeInformer();
    const calls: string[] = [];
    const loop = createReconcileLoop({ name: 't', logger: silentLogger, debounceMs: 1, run: async () => (calls.push('run'), ok(undefined)), canRun: () => life.synced });
    const life = informerController({
      name: 'test-controller',
      loop,
      informers: [a.informer, b.informer],
      onSynced: () => calls.push('synced'),
      onStop: () => calls.push('stop'),
      details: () => ({ runs: loop.runs }),
    });
    expect(life.signal.aborted).toBe(true);
    const abort = new AbortController();
    const started = life.start(abort.signal);
    a.list();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual([]);
    expect(life.health()).toMatchObject({ name: 'test-controller', ready: false });
    b.list();
    await started;
    await expect.poll(() => loop.runs).toBe(1);
    expect(calls).toEqual(['synced', 'run']);
    expect(life.health()).toMatchObject({ healthy: true, ready: true, details: { runs: 1 } });
    expect(life.signal).toBe(abort.signal);

    abort.abort();
    await expect.poll(() => life.stopped).toBe(true);
    await life.stop();
    expect(calls).toEqual(['synced', 'run', 'stop']);
    expect([a.state.stopped, b.state.stopped]).toEqual([1, 1]);
    expect(life.health().ready).toBe(false);
  });
});
