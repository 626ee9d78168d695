/**
 * Certificate files on disk: writing them (keys 0600, atomic rename so a reader never sees a
 * half-written PEM) and watching them so running processes pick up rotated certificates.
 */
import { createHash, X509Certificate, createPrivateKey } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { silentLogger } from '../lib/log.js';
import type { Pem } from './issue.js';

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export interface CertContents {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/**
 * Writes `<prefix>.crt`, `<prefix>.key` (mode 0600) and `<caName>` into `dir`. The key is
 * written first and the certificate last, so a watcher that fires in between sees a
 * mismatched pair (which it ignores) rather than a new certificate with an old key.
 */
export async function writeCertFiles(
  dir: string,
  pem: Pem,
  caPem: string,
  opts: { prefix?: string; caName?: string } = {},
): Promise<CertFiles> {
  await mkdir(dir, { recursive: true });
  const prefix = opts.prefix ?? 'tls';
  const files: CertFiles = {
    certFile: join(dir, `${prefix}.crt`),
    keyFile: join(dir, `${prefix}.key`),
    caFile: join(dir, opts.caName ?? 'ca.crt'),
  };
  await writeAtomic(files.keyFile, pem.keyPem, 0o600);
  await writeAtomic(files.caFile, caPem, 0o644);
  await writeAtomic(files.certFile, pem.certPem, 0o644);
  return files;
}

/** Reads the three files; undefined when any is missing or the key does not belong to the cert. */
export async function readCertFiles(files: CertFiles): Promise<{ contents?: CertContents; problem?: string }> {
  let contents: CertContents;
  try {
    const [certPem, keyPem, caPem] = await Promise.all([
      readFile(files.certFile, 'utf8'),
      readFile(files.keyFile, 'utf8'),
      readFile(files.caFile, 'utf8'),
    ]);
    contents = { certPem, keyPem, caPem };
  } catch (err) {
    return { problem: `cannot read certificate files: ${(err as Error).message}` };
  }
  try {
    const cert = new X509Certificate(contents.certPem);
    new X509Certificate(contents.caPem);
    if (!cert.checkPrivateKey(createPrivateKey(contents.keyPem))) {
      return { problem: 'key file does not match certificate file (rotation in progress?)' };
    }
  } catch (err) {
    return { problem: `certificate files do not parse: ${(err as Error).message}` };
  }
  return { contents };
}

function hashOf(c: CertContents): string {
  return createHash('sha256').update(c.certPem).update('\0').update(c.keyPem).update('\0').update(c.caPem).digest('hex');
}

export interface CertWatcher {
  close(): void;
}

export interface WatchOptions {
  readonly debounceMs?: number;
  /** Safety net for file systems and rename patterns fs.watch misses. 0 disables it. */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
  /** Hash of the contents the caller already uses, so the first check does not report them again. */
  readonly initialHash?: string;
}

/**
 * Calls `onChange` with the new contents whenever the three files change (by content hash)
 * and form a valid pair; also once at start with the current contents, unless `initialHash`
 * says the caller already has them. Watching the directories, not the files, is what catches
 * Kubernetes' secret-volume update: `..data` is a symlink swapped by rename, so the file
 * names never change and a watch on the old inode would go silent.
 */
export function watchCertFiles(
  files: CertFiles,
  onChange: (contents: CertContents) => void,
  opts: WatchOptions = {},
): CertWatcher {
  const log = opts.logger ?? silentLogger;
  const debounceMs = opts.debounceMs ?? 100;
  let lastHash = opts.initialHash;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let checking = Promise.resolve();

  const check = async (): Promise<void> => {
    const { contents, problem } = await readCertFiles(files);
    if (closed) return;
    if (!contents) {
      log.warn('certificate files not usable, keeping the current ones', { certFile: files.certFile, problem });
      return;
    }
    const hash = hashOf(contents);
    if (hash === lastHash) return;
    lastHash = hash;
    log.info('certificate files changed', { certFile: files.certFile });
    onChange(contents);
  };
  const schedule = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      checking = checking.then(check).catch((err: unknown) => log.error('certificate check failed', { err }));
    }, debounceMs);
  };

  const dirs = [...new Set([files.certFile, files.keyFile, files.caFile].map((f) => dirname(f)))];
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', (err) => log.warn('certificate directory watch failed; relying on polling', { dir, err }));
      watchers.push(w);
    } catch (err) {
      log.warn('cannot watch certificate directory; relying on polling', { dir, err });
    }
  }
  const pollMs = opts.pollIntervalMs ?? 10_000;
  const poll = pollMs > 0 ? setInterval(schedule, pollMs) : undefined;
  poll?.unref();
  schedule();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}

export { hashOf as certContentsHash };
