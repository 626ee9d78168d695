/**
 * A kubelet-like Secret volume for the sandbox: follows one Secret and mirrors its keys as
 * files in a directory with the kubelet's atomic-writer layout. Every snapshot is written to
 * a fresh `..<timestamp>` directory and published by renaming the `..data` symlink over the
 * old one; the visible names are symlinks `<key> -> ..data/<key>`. A reader that follows the
 * visible names therefore sees either the old or the new snapshot, never a mix, which is what
 * the agent's config-dir watcher relies on. A deleted Secret empties the directory.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { coreResource, createInformer, type Informer } from '../k8s/index.js';
import { silentLogger, type Logger } from '../lib/log.js';

export interface SecretSyncOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly dir: string;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

export interface SecretSync {
  /** Resolves once the first state of the Secret (or its absence) is on disk. */
  whenSynced(): Promise<void>;
  stop(): Promise<void>;
}

interface SecretLike {
  metadata: { name: string; namespace?: string };
  data?: Record<string, string> | null;
}

const DATA_LINK = '..data';

/** Kubernetes' rule for Secret keys, minus names that would collide with the layout's own entries. */
export function isValidKey(key: string): boolean {
  return /^[-._a-zA-Z0-9]+$/.test(key) && key !== '.' && !key.startsWith('..');
}

/** Decoded files of a Secret; invalid keys are reported, not written. */
export function filesOfSecret(data: Record<string, string> | null | undefined): { files: Map<string, Buffer>; invalid: string[] } {
  const files = new Map<string, Buffer>();
  const invalid: string[] = [];
  for (const [key, value] of Object.entries(data ?? {})) {
    if (isValidKey(key) && typeof value === 'string') files.set(key, Buffer.from(value, 'base64'));
    else invalid.push(key);
  }
  return { files, invalid };
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

async function currentSnapshot(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, DATA_LINK));
  } catch {
    return undefined;
  }
}

/** Creates or replaces `path` as a symlink to `target` in one rename. */
async function replaceSymlink(target: string, path: string): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  await symlink(target, tmp);
  await rename(tmp, path);
}

export async function writeSnapshot(dir: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const old = await currentSnapshot(dir);
  const snapshot = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${randomBytes(4).toString('hex')}`;
  await mkdir(join(dir, snapshot), { mode: 0o755 });
  for (const [key, content] of files) await writeFile(join(dir, snapshot, key), content, { mode: 0o600 });
  await replaceSymlink(snapshot, join(dir, DATA_LINK));
  for (const key of files.keys()) {
    const visible = join(dir, key);
    if (!(await isSymlink(visible)) || (await readlink(visible)) !== join(DATA_LINK, key)) {
      await replaceSymlink(join(DATA_LINK, key), visible);
    }
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..') || files.has(entry)) continue;
    // Only our own links go; anything else someone put there is left alone.
    const path = join(dir, entry);
    if ((await isSymlink(path)) && (await readlink(path)).startsWith(`${DATA_LINK}/`)) await rm(path, { force: true });
  }
  if (old !== undefined && old !== snapshot) await rm(join(dir, old), { recursive: true, force: true });
}

export function syncSecretToDir(o: SecretSyncOptions): SecretSync {
  const log = (o.logger ?? silentLogger).child({ component: 'secret-sync', secret: `${o.namespace}/${o.name}`, dir: o.dir });
  let desired: Map<string, Buffer> = new Map();
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;

  const flush = (): Promise<void> => {
    dirty = true;
    writing = writing.then(async () => {
      if (!dirty) return;
      dirty = false;
      try {
        await writeSnapshot(o.dir, desired);
      } catch (err) {
        log.error('writing the Secret snapshot failed; retrying on the next change', { err });
      }
    });
    return writing;
  };

  const apply = (secret: SecretLike | undefined): void => {
    if (secret && secret.metadata.name !== o.name) return;
    const { files, invalid } = filesOfSecret(secret?.data);
    for (const key of invalid) log.warn('Secret key is not a valid file name; skipped', { key });
    desired = files;
    void flush();
  };

  const informer: Informer<SecretLike> = createInformer<SecretLike>({
    kc: o.kc,
    resource: { ...coreResource('secrets'), namespace: o.namespace },
    fieldSelector: `metadata.name=${o.name}`,
    name: `secret-sync ${o.name}`,
    logger: log,
    onAdd: (s) => apply(s),
    onUpdate: (s) => apply(s),
    onDelete: (s) => {
      if (s.metadata.name === o.name) apply(undefined);
    },
  });
  let synced: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await informer.stop();
    await writing;
  };
  o.signal?.addEventListener('abort', () => void stop(), { once: true });
  void informer.start(o.signal);
  return {
    whenSynced() {
      synced ??= informer.whenSynced().then(async () => {
        // Absent Secret: publish the empty snapshot so readers find a consistent (empty) layout.
        if (informer.cache().size === 0) await flush();
        await writing;
      });
      return synced;
    },
    stop,
  };
}
