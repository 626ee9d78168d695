import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { createLogger } from '../lib/log.js';
import { startUi } from './server.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
}

/** `meshlb ui`: the status page of a sandbox (or any env.json naming kubeconfig contexts and agents). */
export function registerUiCommands(program: Command): void {
  program
    .command('ui')
    .description('serve the status page: mesh, global services, LB pools, BGP peers, L2 announcements')
    .option('--dir <dir>', 'sandbox directory whose env.json to show', '.sandbox')
    .option('--env <file>', 'env.json to show (default: DIR/env.json)')
    .option('--port <port>', 'HTTP port (0: any free port)', port, 8080)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .action(async (o: { dir: string; env?: string; port: number; host: string }) => {
      const log = createLogger({ component: 'ui' });
      const ui = await startUi({ envFile: resolve(o.env ?? join(o.dir, 'env.json')), port: o.port, host: o.host, log });
      if (!ui.ok) {
        process.stderr.write(`meshlb ui: ${ui.error}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`status page: ${ui.value.url}\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void ui.value.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
