/**
 * Runs the real /usr/bin/kubectl against a given server with its own kubeconfig and a fresh
 * discovery cache directory (a warm cache would hide discovery problems).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const KUBECTL = '/usr/bin/kubectl';

export function kubectlAvailable(): boolean {
  return existsSync(KUBECTL);
}

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Kubectl {
  readonly dir: string;
  run(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  /** Starts a long-running kubectl (get -w); the caller reads lines and kills it. */
  spawn(args: readonly string[]): ChildProcess;
  close(): Promise<void>;
}

export interface KubectlTarget {
  readonly server: string;
  readonly token: string;
  /** PEM of the CA that signed the server's certificate; omitted for plain http. */
  readonly caPem?: string;
}

function kubeconfig(target: KubectlTarget): string {
  const ca = target.caPem
    ? `    certificate-authority-data: ${Buffer.from(target.caPem).toString('base64')}\n`
    : '';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sandbox',
    '  cluster:',
    `    server: ${target.server}`,
    ca.trimEnd(),
    'users:',
    '- name: tester',
    '  user:',
    `    token: ${target.token}`,
    'contexts:',
    '- name: sandbox',
    '  context: {cluster: sandbox, user: tester, namespace: default}',
    'current-context: sandbox',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export async function createKubectl(target: KubectlTarget): Promise<Kubectl> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-kubectl-'));
  const config = join(dir, 'kubeconfig');
  await writeFile(config, kubeconfig(target) + '\n', { mode: 0o600 });
  const children = new Set<ChildProcess>();
  const baseArgs = ['--kubeconfig', config, '--cache-dir', join(dir, 'cache')];
  const env = { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, 'cache') };

  const start = (args: readonly string[]): ChildProcess => {
    const child = spawn(KUBECTL, [...baseArgs, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };

  return {
    dir,
    spawn: start,
    run: (args, stdin) =>
      new Promise((resolve, reject) => {
        const child = start(args);
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin?.end(stdin ?? '');
      }),
    close: async () => {
      for (const child of children) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface LineStream {
  readonly lines: string[];
  /** Resolves with all lines so far once one satisfies `pred`; rejects after the timeout. */
  waitFor(pred: (line: string) => boolean, timeoutMs?: number): Promise<string[]>;
  readonly exited: Promise<number | null>;
}

/** Collects a spawned kubectl's stdout line by line (for `get -w`). */
export function lineStream(child: ChildProcess): LineStream {
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines,
    exited,
    waitFor: async (pred, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!lines.some(pred)) {
        if (Date.now() > deadline) {
          throw new Error(
            `no matching line within ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return [...lines];
    },
  };
}

/** kubectl's column output: cells are separated by two or more spaces. */
export function table(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));
}

/** Asserts a clean exit with nothing on stderr and returns stdout. */
export function ok(r: KubectlResult): string {
  expect(r.stderr, r.stdout).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
