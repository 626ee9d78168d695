/**
 * Every etcd this process started and has not stopped, so test helpers (and a process exit) can
 * clean up whatever a failing test left behind.
 */
interface Stoppable {
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const live = new Set<Stoppable>();
let exitHookInstalled = false;

export function register(member: Stoppable): void {
  live.add(member);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort: no orphaned etcd survives its parent, even on process.exit().
    process.once('exit', () => {
      for (const m of live) {
        if (m.pid !== undefined) {
          try {
            process.kill(m.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    });
  }
}

export function unregister(member: Stoppable): void {
  live.delete(member);
}

export function liveEtcdCount(): number {
  return live.size;
}

/** Stops every etcd this process started that is still running. */
export async function stopAllEtcd(): Promise<void> {
  await Promise.all([...live].map((m) => m.stop()));
  live.clear();
}
