/** The apiserver as its own process (`bin/meshlb clustermesh-apiserver`), for kill/restart tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './env.js';

const BIN = new URL('../../bin/meshlb', import.meta.url).pathname;

export interface ApiserverProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** http://127.0.0.1:PORT of /healthz /readyz /metrics, once it serves them. */
  healthUrl(): Promise<string>;
  waitReady(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnApiserver(args: readonly string[], dir: string, name: string): ApiserverProcess {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [BIN, 'clustermesh-apiserver', '--health-port', '0', ...args], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, MESHLB_LOG_LEVEL: 'info' },
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const healthUrl = () =>
    waitFor('health server', async () => readFileSync(logFile, 'utf8').match(/serving \/healthz.* url=(http:\/\/127\.0\.0\.1:\d+)/)?.[1], 30_000);
  return {
    child,
    logFile,
    healthUrl,
    async waitReady(timeoutMs = 120_000) {
      const url = await healthUrl();
      await waitFor('/readyz 200', async () => ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200 ? true : undefined), timeoutMs, 100);
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
