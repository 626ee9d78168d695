/**
 * The first-run demo on a running sandbox: the status page, the seeded objects, and the
 * printed summary. `sandbox up --demo` (npm start) runs it once the sandbox is ready;
 * `sandbox demo` runs it against a detached one.
 */
import type { Logger } from '../../lib/log.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { readUiEnv, startUi, type RunningUi } from '../../ui/server.js';
import type { SandboxPaths } from '../files.js';
import { demoVisible, seedDemo } from './seed.js';
import { formatDemoSummary } from './summary.js';

export interface DemoRun {
  readonly summary: string;
  /** False when the wait ran out: the summary then shows what is still missing. */
  readonly complete: boolean;
  readonly ui: RunningUi | undefined;
  stop(): Promise<void>;
}

/** uiPort undefined: no status page. A taken port falls back to any free one (a second sandbox). */
export async function runDemo(paths: SandboxPaths, log: Logger, opts: { uiPort?: number; timeoutMs?: number } = {}): Promise<Result<DemoRun>> {
  const env = await readUiEnv(paths.env);
  if (!env.ok) return env;
  let ui: RunningUi | undefined;
  if (opts.uiPort !== undefined) {
    let started = await startUi({ envFile: paths.env, port: opts.uiPort, log });
    if (!started.ok && opts.uiPort !== 0) {
      log.warn('status page port taken; using a free one', { port: opts.uiPort, error: started.error });
      started = await startUi({ envFile: paths.env, port: 0, log });
    }
    if (!started.ok) return fail(started.error);
    ui = started.value;
  }
  const seeded = await seedDemo(env.value, log, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
  if (!seeded.ok) {
    await ui?.close();
    return seeded;
  }
  return ok({
    summary: formatDemoSummary(seeded.value, ui?.url),
    complete: demoVisible(seeded.value),
    ui,
    stop: async () => {
      await ui?.close();
    },
  });
}
