import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { Logger } from '../lib/log.js';

/**
 * Supervises one long-running child process of the sandbox (an API server, later agents and
 * operators): output to a log file, restart with backoff after an unexpected exit, and a
 * graceful stop (SIGTERM, then SIGKILL). Expected exits (stop) are never restarted.
 */
export interface ChildSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves once the child serves; rejects (or times out) otherwise. */
  readonly waitReady: (signal: AbortSignal) => Promise<void>;
  readonly readyTimeoutMs?: number;
}

export interface SupervisedChild {
  readonly name: string;
  pid(): number | undefined;
  restarts(): number;
  /** Kills the process as a crash would (fault tests); the supervisor restarts it. */
  kill(signal?: NodeJS.Signals): void;
  stop(graceMs?: number): Promise<void>;
}

const MAX_BACKOFF_MS = 10_000;

export async function superviseChild(spec: ChildSpec, log: Logger): Promise<SupervisedChild> {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restartCount = 0;
  let backoffMs = 200;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = (): ChildProcess => {
    const fd = openSync(spec.logFile, 'a');
    try {
      // Own process group (see sandbox/etcd/process.ts); killOnExit covers the supervisor's exit.
      const c = spawn(spec.command, [...spec.args], {
        stdio: ['ignore', fd, fd],
        env: spec.env ?? process.env,
        detached: true,
      });
      killOnExit(c);
      c.on('exit', (code, signal) => onExit(c, code, signal));
      c.on('error', (err) => log.error('child failed to spawn', { child: spec.name, err }));
      return c;
    } finally {
      closeSync(fd);
    }
  };

  const onExit = (c: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void => {
    if (c !== child || stopping) return;
    log.warn('child exited unexpectedly; restarting', {
      child: spec.name,
      code,
      signal,
      backoffMs,
      logFile: spec.logFile,
    });
    restartTimer = setTimeout(() => {
      restartCount++;
      child = launch();
      const ctl = new AbortController();
      spec.waitReady(ctl.signal).then(
        () => {
          backoffMs = 200;
          log.info('child restarted', { child: spec.name, pid: child?.pid });
        },
        (err: unknown) => log.warn('restarted child not ready', { child: spec.name, err }),
      );
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  };

  child = launch();
  try {
    await waitWithTimeout(spec, child);
  } catch (err) {
    // It never became ready: stop it for good instead of letting onExit restart it.
    stopping = true;
    await terminate(child, 1000);
    throw err;
  }

  return {
    name: spec.name,
    pid: () => child?.pid,
    restarts: () => restartCount,
    kill: (signal = 'SIGKILL') => child?.kill(signal),
    stop: async (graceMs = 5000) => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (child) await terminate(child, graceMs);
    },
  };
}

async function waitWithTimeout(spec: ChildSpec, child: ChildProcess): Promise<void> {
  const ctl = new AbortController();
  // Generous: on a loaded two-core machine a Node process alone can take tens of seconds to load.
  const timeoutMs = spec.readyTimeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `${spec.name} exited before it was ready (code ${code}, signal ${signal}); see ${spec.logFile}`,
        ),
      ),
    );
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${spec.name} was not ready within ${timeoutMs} ms; see ${spec.logFile}`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([spec.waitReady(ctl.signal), exited, timeout]);
  } finally {
    ctl.abort();
    clearTimeout(timer);
  }
}

export function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Polls `probe` until it returns true; used as `waitReady` for HTTP health endpoints. */
export async function pollUntil(
  probe: () => Promise<boolean>,
  signal: AbortSignal,
  intervalMs = 50,
): Promise<void> {
  while (!signal.aborted) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error('aborted');
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort: children in their own process groups must not outlive the supervisor. */
function killOnExit(c: ChildProcess): void {
  live.add(c);
  c.once('exit', () => live.delete(c));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
