/**
 * Composition of the node's service datapath: a map backend (in memory, or pinned BPF maps
 * under a bpffs root) driven by the service datapath loop from a desired-table source.
 * The agent builds one with its table as the source; start/stop/health as every module.
 */
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { MapBackend } from './maps.js';
import { createMemoryBackend } from './memory-backend.js';
import { createPinnedBackend, DEFAULT_BPF_ROOT } from './pinned/index.js';
import { createServiceDatapath, type ServiceDatapath, type TableSource } from './service-datapath.js';

export type { TableSource } from './service-datapath.js';
export { DEFAULT_BPF_ROOT } from './pinned/index.js';

export interface DatapathOptions {
  readonly kind: 'memory' | 'bpf';
  /** bpffs directory for the pins (bpf only); default /sys/fs/bpf/meshlb. */
  readonly bpfRoot?: string;
  readonly source: TableSource;
  readonly fullReconcileMs?: number;
  readonly log?: Logger;
}

export interface Datapath extends ServiceDatapath {
  readonly backend: MapBackend;
}

export function isDatapathKind(v: string): v is DatapathOptions['kind'] {
  return v === 'memory' || v === 'bpf';
}

export function createDatapath(o: DatapathOptions): Result<Datapath, string> {
  let backend: MapBackend;
  if (o.kind === 'bpf') {
    const pinned = createPinnedBackend({ root: o.bpfRoot ?? DEFAULT_BPF_ROOT });
    if (!pinned.ok) return fail(pinned.error);
    backend = pinned.value;
    o.log?.info('datapath uses pinned BPF maps', { root: pinned.value.root, impl: pinned.value.impl });
  } else {
    backend = createMemoryBackend();
  }
  const loop = createServiceDatapath({ backend, source: o.source, fullReconcileMs: o.fullReconcileMs, log: o.log });
  return ok({
    ...loop,
    backend,
    async stop() {
      await loop.stop();
      await backend.close();
    },
  });
}
