/** Small helpers shared by the mesh benchmark's parts. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Multiplies every count (and the propagation duration, up to its full 10 s). */
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);

export const log = (m: string): void => void process.stderr.write(`[bench mesh] ${m}\n`);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export function memory(): { rssMiB: number; heapMiB: number } {
  gc();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
}

export async function waitUntil(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(probe)
      .catch(() => false))
  ) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

export function must<T>(
  r: { ok: true; value: T } | { ok: false; error: { message: string } },
  what: string,
): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.message}`);
  return r.value;
}
