/** The service datapath over pinned maps: drift repaired by the periodic full run, IDs kept across restarts. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openMaps, readContents } from '../../datapath/apply.js';
import { lb4 } from '../../datapath/layouts/lb.js';
import { formatLbList } from '../../datapath/lb-list.js';
import { lbMapSpecs } from '../../datapath/lb-maps.js';
import { hexWords } from '../../datapath/pinned/bpftool.js';
import { createPinnedBackend, type PinnedBackend } from '../../datapath/pinned/index.js';
import { createServiceDatapath, type ServiceDatapath } from '../../datapath/service-datapath.js';
import type { TableService } from '../../datapath/service-table.js';
import { createTableStore } from '../../datapath/table-store.js';
import { bpfSkipReason, mountPrivateBpffs, skipWithReason, type PrivateBpffs } from './bpf-env.js';

const skip = bpfSkipReason();

const table: TableService[] = [1, 2, 3].map((i) => ({
  namespace: 'default',
  name: `svc-${i}`,
  frontends: [{ address: `10.96.0.${i}`, port: 80, protocol: 'TCP', type: 'ClusterIP' }],
  backends: [1, 2].map((j) => ({ address: `10.0.${i}.${j}`, port: 8080, protocol: 'TCP', clusterID: 1, inUse: true })),
}));

function bpftoolDump(path: string): string[] {
  const entries = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', path], { encoding: 'utf8' })) as { key: string[]; value: string[] }[];
  const hex = (words: string[]) => words.map((w) => w.replace(/^0x/, '')).join('');
  return entries.map((e) => `${hex(e.key)}=${hex(e.value)}`).sort();
}

describe.skipIf(skipWithReason(skip, 'datapath drift'))('service datapath over pinned maps', () => {
  let fs: PrivateBpffs;
  let root: string;
  const running: { backend: PinnedBackend; datapath: ServiceDatapath }[] = [];

  async function startDatapath(fullReconcileMs: number) {
    const backend = createPinnedBackend({ root });
    if (!backend.ok) throw new Error(backend.error);
    const datapath = createServiceDatapath({ backend: backend.value, source: createTableStore(table), fullReconcileMs });
    running.push({ backend: backend.value, datapath });
    await datapath.start(new AbortController().signal);
    return { backend: backend.value, datapath };
  }

  beforeAll(() => {
    fs = mountPrivateBpffs();
    root = join(fs.dir, 'meshlb');
  });
  afterAll(async () => {
    for (const r of running) {
      await r.datapath.stop();
      await r.backend.close();
    }
    fs?.cleanup();
  });

  test('entries deleted or overwritten with bpftool behind its back are repaired by the next full reconciliation', async () => {
    const { backend, datapath } = await startDatapath(300);
    const lbList = async () => {
      const maps = await openMaps(backend, lbMapSpecs);
      if (!maps.ok) throw new Error(maps.error.message);
      const contents = await readContents(maps.value);
      if (!contents.ok) throw new Error(contents.error.message);
      return formatLbList(contents.value);
    };
    const backends = join(root, 'cilium_lb4_backends_v3');
    const services = join(root, 'cilium_lb4_services_v2');
    const before = await lbList();
    expect(bpftoolDump(backends)).toHaveLength(6);
    expect(bpftoolDump(services)).toHaveLength(9);

    const key = (address: string, slot: number) => hexWords(lb4.serviceKey.encode({ address, port: 80, proto: 6, scope: 0, slot })).split(' ');
    execFileSync('bpftool', ['map', 'delete', 'pinned', backends, 'key', 'hex', '01', '00', '00', '00']);
    execFileSync('bpftool', ['map', 'delete', 'pinned', services, 'key', 'hex', ...key('10.96.0.2', 2)]);
    execFileSync('bpftool', ['map', 'update', 'pinned', services, 'key', 'hex', ...key('10.96.0.3', 1), 'value', 'hex', ...hexWords(Buffer.alloc(12, 0xee)).split(' ')]);
    expect(await lbList()).not.toEqual(before);

    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await lbList()) !== before) await new Promise((r) => setTimeout(r, 100));
    expect(await lbList()).toEqual(before);
    expect(bpftoolDump(backends)).toHaveLength(6);
    expect(bpftoolDump(services)).toHaveLength(9);
    expect(datapath.health()).toMatchObject({ healthy: true, ready: true });
    await datapath.stop();
  });

  test('a restarted datapath recovers every ID from the pins and writes nothing', async () => {
    const services = join(root, 'cilium_lb4_services_v2');
    const before = bpftoolDump(services);
    const { datapath } = await startDatapath(60_000);
    const run = await datapath.reconcile(true);
    expect(run).toMatchObject({ ok: true, value: { full: true, updated: 0, deleted: 0 } });
    expect(bpftoolDump(services)).toEqual(before);
  });
});
