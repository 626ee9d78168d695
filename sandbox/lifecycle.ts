/** Foreground, detached and shutdown handling for `meshlb sandbox up/down`. */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { Logger } from '../lib/log.js';
import { meshlbBin } from '../lib/repo.js';
import { isAlive, readPid, sandboxPaths, type SandboxPaths } from './files.js';
import type { SandboxDatapath } from './plan.js';
import { startSandbox } from './up.js';

/** Runs until SIGINT/SIGTERM, then stops every process it started. */
export async function runForeground(opts: {
  dir: string;
  clusters: number;
  datapath?: SandboxDatapath;
  logger: Logger;
  banner: boolean;
  /** Runs once the sandbox is ready (the demo); what it returns runs before the sandbox stops. */
  afterReady?: (paths: SandboxPaths) => Promise<() => Promise<void>>;
}): Promise<void> {
  const sandbox = await startSandbox(opts);
  if (opts.banner) process.stdout.write(usageBanner(sandbox.paths) + '\n');
  opts.logger.info('sandbox ready', { dir: sandbox.paths.dir, clusters: sandbox.clusters.length });
  // Signals are handled before the demo starts, so Ctrl-C during seeding still stops cleanly.
  let beforeStop: Promise<() => Promise<void>> = Promise.resolve(async () => {});
  await new Promise<void>((done) => {
    const shutdown = (sig: string): void => {
      opts.logger.info('shutting down sandbox', { signal: sig });
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      void beforeStop
        .then((stop) => stop())
        .then(() => sandbox.stop())
        .then(done, (err: unknown) => {
          opts.logger.error('sandbox stop failed', { err });
          done();
        });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    if (opts.afterReady) beforeStop = opts.afterReady(sandbox.paths);
  });
}

export function usageBanner(paths: SandboxPaths): string {
  const kc = relative(process.cwd(), paths.kubeconfig) || paths.kubeconfig;
  return [
    '',
    `meshlb sandbox is up (${paths.dir}).`,
    '',
    `  export KUBECONFIG=${resolve(kc)}`,
    '  kubectl config get-contexts          # one context per cluster: c1, c2, ...',
    '  kubectl --context c1 get namespaces',
    '  kubectl --context c2 get nodes',
    '',
    `  cluster details: ${paths.env}`,
    '  Ctrl-C stops everything; data is kept in the directory for the next start.',
    '',
  ].join('\n');
}

/** Starts `sandbox up` as a detached process and returns once it reports ready. */
export async function runDetached(opts: {
  dir: string;
  clusters: number;
  datapath?: SandboxDatapath;
  timeoutMs?: number;
}): Promise<void> {
  const paths = sandboxPaths(resolve(opts.dir));
  const existing = await readPid(paths);
  if (existing !== undefined && isAlive(existing)) {
    throw new Error(`a sandbox is already running in ${paths.dir} (pid ${existing})`);
  }
  await rm(paths.ready, { force: true });
  mkdirSync(paths.dir, { recursive: true });
  const fd = openSync(paths.log, 'a');
  const child = spawn(
    process.execPath,
    [
      meshlbBin,
      'sandbox',
      'up',
      '--dir',
      paths.dir,
      '--clusters',
      String(opts.clusters),
      '--quiet',
      ...(opts.datapath ? ['--datapath', opts.datapath] : []),
    ],
    {
      detached: true,
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  while (Date.now() < deadline) {
    if (existsSync(paths.ready) && readFileSync(paths.ready, 'utf8').trim() === String(child.pid)) return;
    if (exited !== undefined)
      throw new Error(`sandbox exited with code ${exited} before it was ready:\n${tail(paths.log)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`sandbox not ready within ${(opts.timeoutMs ?? 600_000) / 1000}s:\n${tail(paths.log)}`);
}

/** Stops a running sandbox (foreground or detached) through its pid file; data is kept unless purge. */
export async function stopSandbox(
  dir: string,
  opts: { purge: boolean; timeoutMs?: number },
): Promise<string> {
  const paths = sandboxPaths(resolve(dir));
  const pid = await readPid(paths);
  let message = `no sandbox running in ${paths.dir}`;
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) killGroup(pid);
    message = `sandbox in ${paths.dir} stopped (pid ${pid})`;
  }
  if (opts.purge) {
    await rm(paths.dir, { recursive: true, force: true });
    message += '; directory removed';
  }
  return message;
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** A detached sandbox leads its own process group: take its etcd and API servers down with it. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
}
