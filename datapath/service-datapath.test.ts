import { afterEach, expect, test } from 'vitest';
import { MapSpecs } from './layouts/constants.js';
import { createMemoryBackend } from './memory-backend.js';
import { createServiceDatapath, type ServiceDatapath } from './service-datapath.js';
import type { TableService } from './service-table.js';
import { createTableStore } from './table-store.js';

const svc = (name: string, backends: number): TableService => ({
  namespace: 'default',
  name,
  frontends: [{ address: `10.96.0.${name.length}`, port: 80, protocol: 'TCP', type: 'ClusterIP' }],
  backends: Array.from({ length: backends }, (_, j) => ({ address: `10.0.0.${j + 1}`, port: 8080, protocol: 'TCP', clusterID: 1, inUse: true })),
});

let running: ServiceDatapath | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

test('table changes are applied without reading the maps; a full run repairs what changed behind its back', async () => {
  const backend = createMemoryBackend();
  const store = createTableStore([svc('a', 2)]);
  running = createServiceDatapath({ backend, source: store, fullReconcileMs: 60_000 });
  await running.start(new AbortController().signal);
  const services = () => backend.snapshot().get(MapSpecs.lb4Services.name)!;
  expect(services().size).toBe(3);

  // Drift the datapath does not know about: an incremental run plans against what it wrote.
  const handle = await backend.open(MapSpecs.lb4Services);
  if (!handle.ok) throw new Error(handle.error.message);
  const [someKey] = services().keys();
  await handle.value.delete([Buffer.from(someKey!, 'hex')]);
  store.set([svc('a', 2), svc('bb', 1)]);
  expect(await running.reconcile(false)).toMatchObject({ ok: true, value: { full: false } });
  expect(services().size).toBe(2 + 2);

  expect(await running.reconcile(true)).toMatchObject({ ok: true, value: { full: true, updated: 1 } });
  expect(services().size).toBe(3 + 2);
  expect(running.health()).toMatchObject({ healthy: true, ready: true });
});

test('changes arriving while a run waits are covered by one more run', async () => {
  const backend = createMemoryBackend();
  const store = createTableStore([]);
  running = createServiceDatapath({ backend, source: store, fullReconcileMs: 60_000 });
  await running.start(new AbortController().signal);
  store.set([svc('a', 1)]);
  store.set([svc('a', 2)]);
  store.set([svc('a', 3)]);
  const [first, second] = [running.reconcile(false), running.reconcile(false)];
  expect(first).toBe(second);
  await first;
  expect(backend.snapshot().get(MapSpecs.lb4Services.name)!.size).toBe(4);
});

test('a failed write makes the datapath unhealthy and the retry re-reads the maps', async () => {
  const backend = createMemoryBackend();
  const store = createTableStore([svc('a', 1)]);
  running = createServiceDatapath({ backend, source: store, fullReconcileMs: 60_000, retryMs: 50 });
  await running.start(new AbortController().signal);
  await backend.close();
  store.set([svc('a', 2)]);
  const res = await running.reconcile(false);
  expect(res).toMatchObject({ ok: false });
  expect(running.health()).toMatchObject({ healthy: false });
  expect(running.health().message).toContain('backend is closed');
});
