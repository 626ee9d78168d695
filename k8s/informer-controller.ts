/**
 * The lifecycle the leader-only controllers over informers share (LB-IPAM, identities, BGP
 * operator): start the reconcile loop and the informers, wait until every informer has listed,
 * then ask for the first run; stop the loop and the informers together; ready once everything
 * has listed and a real run has happened. The controller keeps its own decisions and writes.
 */
import type { HealthReport, Module } from '../lib/module.js';
import type { Informer } from './informer.js';
import type { ReconcileLoop } from './reconcile-loop.js';

type ListingInformer = Pick<Informer<unknown>, 'start' | 'stop' | 'whenSynced' | 'synced'>;

export interface InformerControllerOptions {
  /** The health report's name. */
  readonly name: string;
  readonly loop: ReconcileLoop;
  readonly informers: readonly ListingInformer[];
  /** After every informer has listed, before the first run (a log line, periodic kicks). */
  readonly onSynced?: () => void;
  /** When stopping, before the loop and the informers stop. */
  readonly onStop?: () => void;
  readonly details: () => Record<string, unknown>;
}

export interface InformerController extends Module {
  /** The signal of the current start; aborted before the first start. */
  readonly signal: AbortSignal;
  readonly stopped: boolean;
  /** Every informer has delivered its first list. */
  readonly synced: boolean;
}

export function informerController(opts: InformerControllerOptions): InformerController {
  const { loop, informers } = opts;
  let stopped = true;
  let signal: AbortSignal = AbortSignal.abort();
  const synced = (): boolean => informers.every((i) => i.synced);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    opts.onStop?.();
    const runDone = loop.stop();
    await Promise.all(informers.map((i) => i.stop()));
    await runDone;
  };

  return {
    get signal() {
      return signal;
    },
    get stopped() {
      return stopped;
    },
    get synced() {
      return synced();
    },
    async start(parent: AbortSignal) {
      if (!stopped) return;
      stopped = false;
      signal = parent;
      parent.addEventListener('abort', () => void stop(), { once: true });
      loop.start();
      await Promise.all(informers.map((i) => i.start(parent)));
      await Promise.all(informers.map((i) => i.whenSynced())).catch(() => undefined);
      if (stopped) return;
      opts.onSynced?.();
      loop.kick(0);
    },
    stop,
    health(): HealthReport {
      return {
        name: opts.name,
        healthy: true,
        ready: !stopped && synced() && loop.runs > 0,
        ...(loop.lastError ? { message: loop.lastError } : {}),
        details: opts.details(),
      };
    },
  };
}
