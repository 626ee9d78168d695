/**
 * Test helpers: a real etcd per test file, started in a temp dir and removed afterwards, also
 * when the test fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startEtcd, startEtcdCluster, stopAllEtcd } from '../../sandbox/etcd/index.js';
import type { EtcdCluster, EtcdClusterOptions, EtcdHandle, EtcdOptions } from '../../sandbox/etcd/index.js';

export function makeTempDir(prefix = 'meshlb-etcd-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts one etcd or throws with the log tail; tests want the failure loud. */
export async function startTestEtcd(dir: string, opts: Partial<EtcdOptions> = {}): Promise<EtcdHandle> {
  const r = await startEtcd({ dataDir: join(dir, opts.name ?? 'etcd'), ...opts });
  if (!r.ok) throw new Error(`${r.error.message}\n${r.error.logTail}`);
  return r.value;
}

export async function startTestCluster(opts: EtcdClusterOptions): Promise<EtcdCluster> {
  const r = await startEtcdCluster(opts);
  if (!r.ok) throw new Error(`${r.error.message}\n${r.error.logTail}`);
  return r.value;
}

export interface EtcdFixture {
  /** Valid inside tests (after beforeAll). */
  readonly etcd: EtcdHandle;
  readonly endpoints: readonly string[];
  readonly dir: string;
}

/**
 * Registers beforeAll/afterAll that run one etcd for the file. The returned object's getters
 * throw if used before beforeAll has run.
 */
export function withEtcd(opts: Partial<EtcdOptions> = {}): EtcdFixture {
  let etcd: EtcdHandle | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = makeTempDir();
    etcd = await startTestEtcd(dir, opts);
  });
  afterAll(async () => {
    try {
      await stopAllEtcd();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('withEtcd: used before beforeAll ran');
    return v;
  };
  return {
    get etcd() {
      return need(etcd);
    },
    get endpoints() {
      return need(etcd).clientUrls;
    },
    get dir() {
      return need(dir);
    },
  };
}
