/**
 * The agent's own cluster: restarting informers on Services and EndpointSlices feeding the
 * service table. Only the service an event touches is recomputed (service-table.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { K8sEndpointSlice, K8sService } from '../agent-sync/local-service.js';
import type { TableChange } from '../agent-sync/service-table.js';
import { createInformer, type Informer } from '../k8s/informer.js';
import type { ObjectLike } from '../k8s/informer-core.js';
import type { Logger } from '../lib/log.js';
import type { HealthReport } from '../lib/module.js';

/** What the informers write to; the agent owns the table and tells subscribers. */
export interface LocalTableWriter {
  upsertService(svc: K8sService): TableChange[];
  deleteService(namespace: string, name: string): TableChange[];
  upsertEndpointSlice(slice: K8sEndpointSlice): TableChange[];
  deleteEndpointSlice(namespace: string, name: string): TableChange[];
}

type Watched = ObjectLike & K8sService & K8sEndpointSlice;

export interface LocalServices {
  start(): void;
  stop(): Promise<void>;
  readonly synced: boolean;
  whenSynced(): Promise<void>;
  health(): HealthReport;
}

function nsName(obj: ObjectLike): [string, string] {
  return [obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''];
}

export function createLocalServices(opts: {
  kc: KubeConfig;
  table: LocalTableWriter;
  publish: (changes: readonly TableChange[]) => void;
  log: Logger;
}): LocalServices {
  const { table, publish } = opts;
  const services: Informer<Watched> = createInformer<Watched>({
    kc: opts.kc,
    resource: { group: '', version: 'v1', resource: 'services' },
    name: 'services',
    logger: opts.log,
    onAdd: (o) => publish(table.upsertService(o)),
    onUpdate: (o) => publish(table.upsertService(o)),
    onDelete: (o) => publish(table.deleteService(...nsName(o))),
  });
  const slices: Informer<Watched> = createInformer<Watched>({
    kc: opts.kc,
    resource: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
    name: 'endpointslices',
    logger: opts.log,
    onAdd: (o) => publish(table.upsertEndpointSlice(o)),
    onUpdate: (o) => publish(table.upsertEndpointSlice(o)),
    onDelete: (o) => publish(table.deleteEndpointSlice(...nsName(o))),
  });
  return {
    start() {
      void services.start();
      void slices.start();
    },
    async stop() {
      await Promise.all([services.stop(), slices.stop()]);
    },
    get synced() {
      return services.synced && slices.synced;
    },
    async whenSynced() {
      await Promise.all([services.whenSynced(), slices.whenSynced()]);
    },
    health() {
      const parts = [services.health(), slices.health()];
      return {
        name: 'local-services',
        healthy: parts.every((p) => p.healthy),
        ready: parts.every((p) => p.ready),
        message: parts.map((p) => p.message).filter((m) => m).join('; ') || undefined,
      };
    },
  };
}
