/**
 * Pinned BPF map backend: maps under `<root>/<map name>` on a bpffs, created with Cilium's
 * names and specs or reused when already pinned with the same spec. Uses the bpf(2) addon when
 * it is built and bpftool otherwise.
 */
import { fail, ok, type Result } from '../../lib/result.js';
import { loadBpfAddon } from './addon.js';
import { createBpftoolPinnedBackend } from './bpftool-backend.js';
import { createNativePinnedBackend, type PinnedBackend } from './native-backend.js';
import { DEFAULT_BPF_ROOT, prepareRoot } from './root.js';

export type { PinnedBackend } from './native-backend.js';
export { DEFAULT_BPF_ROOT, isBpffs } from './root.js';

export interface PinnedBackendOptions {
  readonly root?: string;
  /** 'auto' (default): the addon when it loads, else bpftool. */
  readonly impl?: 'auto' | 'native' | 'bpftool';
}

export function createPinnedBackend(options: PinnedBackendOptions = {}): Result<PinnedBackend, string> {
  const root = prepareRoot(options.root ?? DEFAULT_BPF_ROOT);
  if (!root.ok) return root;
  const impl = options.impl ?? 'auto';
  if (impl === 'bpftool') return ok(createBpftoolPinnedBackend(root.value));
  const loaded = loadBpfAddon();
  if (loaded.addon) return ok(createNativePinnedBackend(loaded.addon, root.value));
  if (impl === 'native') return fail(`bpf(2) addon unavailable: ${loaded.reason}`);
  return ok(createBpftoolPinnedBackend(root.value));
}
