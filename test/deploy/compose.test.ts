/**
 * docker-compose.yml and the Dockerfile it builds: validated with Debian's docker-compose
 * (`config -q` needs no engine). A broken copy must be refused, so the check can fail.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../lib/repo.js';

const run = promisify(execFile);
const COMPOSE = '/usr/bin/docker-compose';
const missing = existsSync(COMPOSE) ? undefined : `${COMPOSE} not found (apt-get install docker-compose)`;
if (missing) console.log(`test/deploy/compose: skipped: ${missing}`);

async function config(file: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(COMPOSE, ['-f', file, 'config', '-q'], { cwd: repoRoot, timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stderr: e.stderr ?? '' };
  }
}

describe.skipIf(missing !== undefined)('docker-compose.yml', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshlb-compose-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('is valid and runs etcd, clustermesh-apiserver, operator and agent from the meshlb image', async () => {
    const file = join(repoRoot, 'docker-compose.yml');
    const r = await config(file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = parse(await readFile(file, 'utf8'), { merge: true }) as { services: Record<string, { image?: string; command?: string[] }> };
    expect(Object.keys(doc.services).sort()).toEqual(['agent', 'clustermesh-apiserver', 'etcd', 'operator']);
    for (const name of ['agent', 'clustermesh-apiserver', 'operator']) {
      expect(doc.services[name]!.image).toBe('meshlb/meshlb:0.1.0');
      expect(doc.services[name]!.command?.[0]).toBe(name === 'clustermesh-apiserver' ? 'clustermesh-apiserver' : name);
    }
  });

  test('a compose file with an unknown service key is refused', async () => {
    const broken = join(dir, 'docker-compose.yml');
    const text = await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8');
    await writeFile(broken, text.replace('  operator:\n', '  operator:\n    no_such_key: true\n'));
    const r = await config(broken);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no_such_key');
  });

  test('the Dockerfile builds on node:20-slim and enters through meshlb', async () => {
    const text = await readFile(join(repoRoot, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^FROM node:20-slim AS build$/m);
    expect(text).toMatch(/npm ci/);
    expect(text).toMatch(/^ENTRYPOINT \["meshlb"\]$/m);
  });
});
