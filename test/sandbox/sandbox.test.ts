/**
 * The sandbox as a user runs it: `meshlb sandbox up --detach`, the real kubectl against every
 * cluster, status, down, and up again on the same directory with the data kept.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { meshlbBin } from '../../lib/repo.js';

const run = promisify(execFile);
// Made in beforeAll, not at import: a run that filters every test out leaves nothing behind.
let dir = '';

async function meshlb(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [meshlbBin, ...args], { timeout: 600_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function kubectl(context: string, ...args: string[]): Promise<string> {
  const r = await run('/usr/bin/kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'kubectl-cache'), '--context', context, ...args], {
    timeout: 60_000,
  });
  return r.stdout;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshlb-sandbox-'));
});

afterAll(async () => {
  if (!dir) return;
  await meshlb('sandbox', 'down', '--dir', dir, '--purge');
  rmSync(dir, { recursive: true, force: true });
}, 300_000);

describe('meshlb sandbox', () => {
  test('up --detach starts two clusters that kubectl can use; down stops them; up resumes the data', async () => {
    const up = await meshlb('sandbox', 'up', '--clusters', '2', '--dir', dir, '--detach');
    expect(up.stderr + up.stdout).toContain('sandbox ready');
    expect(up.code).toBe(0);

    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as {
      kubeconfig: string;
      clusters: { name: string; id: number; context: string; server: string; etcd: { endpoints: string[] } }[];
    };
    expect(env.kubeconfig).toBe(join(dir, 'kubeconfig'));
    expect(env.clusters.map((c) => [c.name, c.id, c.context])).toEqual([
      ['c1', 1, 'c1'],
      ['c2', 2, 'c2'],
    ]);
    for (const c of env.clusters) {
      expect(c.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(c.etcd.endpoints[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }

    // Each context reaches its own cluster: a namespace made in c1 does not appear in c2.
    await kubectl('c1', 'create', 'namespace', 'only-in-c1');
    expect(await kubectl('c1', 'get', 'namespaces', '-o', 'name')).toContain('namespace/only-in-c1');
    expect(await kubectl('c2', 'get', 'namespaces', '-o', 'name')).not.toContain('namespace/only-in-c1');

    const status = await meshlb('sandbox', 'status', '--dir', dir, '-o', 'json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, ready: true });

    const down = await meshlb('sandbox', 'down', '--dir', dir);
    expect(down.code).toBe(0);
    const after = await meshlb('sandbox', 'status', '--dir', dir, '-o', 'json');
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ running: false, ready: false });

    const again = await meshlb('sandbox', 'up', '--clusters', '2', '--dir', dir, '--detach');
    expect(again.code).toBe(0);
    const env2 = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as typeof env;
    expect(env2.clusters.map((c) => c.server)).toEqual(env.clusters.map((c) => c.server));
    expect(await kubectl('c1', 'get', 'namespace', 'only-in-c1', '-o', 'name')).toContain('namespace/only-in-c1');
  }, 900_000);

  test('a second up on a running directory is refused with a clear message', { timeout: 120_000 }, async () => {
    expect(existsSync(join(dir, 'sandbox.pid'))).toBe(true);
    const second = await meshlb('sandbox', 'up', '--clusters', '2', '--dir', dir, '--detach');
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/already running/);
  });

  test('bad arguments get a specific error', { timeout: 120_000 }, async () => {
    const bad = await meshlb('sandbox', 'up', '--clusters', 'zero', '--dir', dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--clusters must be an integer');
  });
});
