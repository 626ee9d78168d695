import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createLogger, type Logger } from '../../lib/log.js';
import { sandboxPaths, type SandboxPaths } from '../files.js';
import { runDemo } from './index.js';

/** For `sandbox up --demo`: never rejects, so a failed seed leaves the sandbox running. */
export function demoAfterReady(log: Logger, uiPort: number): (paths: SandboxPaths) => Promise<() => Promise<void>> {
  return async (paths) => {
    const demo = await runDemo(paths, log.child({ part: 'demo' }), { uiPort });
    if (!demo.ok) {
      log.error('demo not seeded; the sandbox keeps running', { error: demo.error });
      return async () => {};
    }
    process.stdout.write(demo.value.summary + '\n');
    return () => demo.value.stop();
  };
}

/** `meshlb sandbox demo`: seed a sandbox started elsewhere (e.g. `up --detach`) and print the summary. */
export function registerDemoCommand(sandbox: Command): void {
  sandbox
    .command('demo')
    .description('seed the Star Wars demo into the running sandbox in DIR (idempotent) and print its status')
    .option('--dir <dir>', 'state directory', '.sandbox')
    .action(async (o: { dir: string }) => {
      const demo = await runDemo(sandboxPaths(resolve(o.dir)), createLogger({ component: 'demo' }));
      if (!demo.ok) {
        process.stderr.write(`meshlb sandbox demo: ${demo.error}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(demo.value.summary + '\n');
      if (!demo.value.complete) {
        process.stderr.write('meshlb sandbox demo: the mesh did not show the whole demo in time (see above)\n');
        process.exitCode = 1;
      }
    });
}
