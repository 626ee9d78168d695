/**
 * A TLS context that follows certificate files on disk. Servers get the new certificate for
 * new connections without a restart (existing connections keep theirs); clients read
 * `options()` each time they connect.
 */
import tls from 'node:tls';
import { fail, ok, type Result } from '../lib/result.js';
import type { Logger } from '../lib/log.js';
import { certContentsHash, readCertFiles, watchCertFiles, type CertContents, type CertFiles } from './files.js';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface RotatingTlsContext {
  /** The context for the files as last seen valid. */
  secureContext(): tls.SecureContext;
  /** PEM strings for clients (etcd3 credentials, https.Agent, tls.connect). */
  options(): TlsMaterial;
  /**
   * Server options: the current material plus an SNICallback. Clients that connect by IP
   * send no SNI, so `attachServer` is what makes rotation reach them.
   */
  serverOptions(): tls.TlsOptions;
  /** Calls `server.setSecureContext` on every rotation. */
  attachServer(server: tls.Server): void;
  onRotate(listener: (material: TlsMaterial) => void): () => void;
  close(): void;
}

const toMaterial = (c: CertContents): TlsMaterial => ({ cert: c.certPem, key: c.keyPem, ca: c.caPem });

export async function createRotatingTlsContext(
  files: CertFiles,
  opts: { logger?: Logger; debounceMs?: number; pollIntervalMs?: number } = {},
): Promise<Result<RotatingTlsContext>> {
  const initial = await readCertFiles(files);
  if (!initial.contents) return fail(initial.problem ?? 'certificate files not usable', true);
  let material = toMaterial(initial.contents);
  let context = tls.createSecureContext(material);
  const servers = new Set<tls.Server>();
  const listeners = new Set<(m: TlsMaterial) => void>();

  const rotate = (contents: CertContents): void => {
    const next = toMaterial(contents);
    try {
      context = tls.createSecureContext(next);
    } catch (err) {
      opts.logger?.warn('rotated certificate rejected by TLS; keeping the current one', { err });
      return;
    }
    material = next;
    for (const s of servers) s.setSecureContext(material);
    for (const l of listeners) l(material);
  };
  const watcher = watchCertFiles(files, rotate, { ...opts, initialHash: certContentsHash(initial.contents) });

  return ok({
    secureContext: () => context,
    options: () => material,
    serverOptions: () => ({
      ...material,
      SNICallback: (_name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => cb(null, context),
    }),
    attachServer(server) {
      servers.add(server);
      server.once('close', () => servers.delete(server));
    },
    onRotate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      watcher.close();
      servers.clear();
      listeners.clear();
    },
  });
}
