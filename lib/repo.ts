import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whether running from dist/lib/repo.js or lib/repo.ts (vitest). */
export const repoRoot = resolve(
  fileURLToPath(import.meta.url),
  '..',
  '..',
  ...(import.meta.url.includes('/dist/') ? ['..'] : []),
);

/** The executable every meshlb process is started with (`node bin/meshlb <subcommand>`). */
export const meshlbBin = join(repoRoot, 'bin', 'meshlb');

/** CRD manifests the project ships; the sandbox API server loads them at start. */
export const crdDir = join(repoRoot, 'deploy', 'crds');
