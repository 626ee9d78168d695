/**
 * End to end: the control plane programs pinned maps, the connect4 program attached to a
 * cgroup of this test reads them, and a client in that cgroup and in a netns with only `lo`
 * reaches backends through a VIP that exists nowhere but in the maps.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachConnect4, compileConnect4, detachConnect4, loadConnect4 } from '../../datapath/bpf/program.js';
import { createPinnedBackend, type PinnedBackend } from '../../datapath/pinned/index.js';
import { createServiceDatapath, type ServiceDatapath } from '../../datapath/service-datapath.js';
import type { TableBackend, TableService } from '../../datapath/service-table.js';
import { createTableStore } from '../../datapath/table-store.js';
import { bpfSkipReason, mountPrivateBpffs, skipWithReason } from './bpf-env.js';
import { CGROUP2_ROOT, backendsScript, clientScript, createCgroup, createNetns, netnsSkipReason, spawnLines, type LineProcess } from './netns-env.js';

const skip = bpfSkipReason() ?? netnsSkipReason();
const NAME = `meshlb-e2e-${process.pid}`;

const local = (n: number, inUse = true): TableBackend => ({ address: `127.0.0.${n}`, port: 8000 + n, protocol: 'TCP', clusterID: 1, inUse });
// The "remote cluster" backend: another cluster ID, used only when no local backend is preferred.
const remote = (inUse: boolean): TableBackend => ({ address: '127.0.0.4', port: 8004, protocol: 'TCP', clusterID: 2, inUse });
const svc = (backends: TableBackend[]): TableService => ({
  namespace: 'default',
  name: 'web',
  frontends: [{ address: '10.96.100.1', port: 80, protocol: 'TCP', type: 'ClusterIP' }],
  backends,
});

describe.skipIf(skipWithReason(skip, 'connect4 end-to-end'))('connect4 load balancing through the pinned maps', () => {
  const cleanups: (() => unknown)[] = [];
  const store = createTableStore([svc([local(1), local(2), local(3), remote(false)])]);
  let backend: PinnedBackend;
  let datapath: ServiceDatapath;
  let client: LineProcess;
  let progPin: string;
  const cgroup = join(CGROUP2_ROOT, NAME);

  beforeAll(async () => {
    const bpffs = mountPrivateBpffs();
    cleanups.push(() => bpffs.cleanup());
    const work = mkdtempSync(join(tmpdir(), 'meshlb-e2e-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    cleanups.push(createNetns(NAME));

    const backends = spawnLines('nsenter', [`--net=/run/netns/${NAME}`, process.execPath, '-e', backendsScript,
      JSON.stringify([1, 2, 3, 4].map((n) => [n === 4 ? 'remote' : `local-${n}`, `127.0.0.${n}`, 8000 + n]))]);
    cleanups.push(() => backends.kill());
    expect(await backends.next()).toBe('ready');

    const created = createPinnedBackend({ root: join(bpffs.dir, 'meshlb') });
    if (!created.ok) throw new Error(created.error);
    backend = created.value;
    cleanups.push(() => backend.close());
    datapath = createServiceDatapath({ backend, source: store, fullReconcileMs: 60_000 });
    await datapath.start(new AbortController().signal);
    cleanups.push(() => datapath.stop());

    const obj = await compileConnect4(join(work, 'lb_connect4.o'));
    if (!obj.ok) throw new Error(obj.error);
    progPin = join(bpffs.dir, 'lb_connect4');
    const loaded = await loadConnect4(obj.value, progPin, backend.root);
    if (!loaded.ok) throw new Error(loaded.error);
    cleanups.push(createCgroup(cgroup));
    const attached = await attachConnect4(cgroup, progPin);
    if (!attached.ok) throw new Error(attached.error);
    cleanups.push(() => detachConnect4(cgroup, progPin));

    // Join the cgroup before exec so the client never runs a moment outside it.
    client = spawnLines('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec nsenter --net=/run/netns/${NAME} "$@"`, 'sh',
      process.execPath, '-e', clientScript, '10.96.100.1', '80']);
    cleanups.push(() => client.kill());
    expect(await client.next()).toBe('ready');
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        process.stderr.write(`cleanup: ${String(err)}\n`);
      }
    }
  });

  const connect = async (n: number): Promise<string[]> => JSON.parse(await client.send(String(n))) as string[];

  /**
   * "New connections follow within `ms`": every connection opened once `ms` have passed since
   * the change goes to a good backend. Timed from the change, not from the client's own (slow,
   * on a loaded machine) connection loop.
   */
  async function followsWithin(ms: number, change: () => void, good: (who: string) => boolean): Promise<void> {
    const t0 = Date.now();
    change();
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + ms - Date.now())));
    const seen = await connect(30);
    expect(seen.filter((who) => !good(who))).toEqual([]);
  }

  test('a client reaches the preferred local backends through the VIP, spread over all of them', async () => {
    const seen = await connect(60);
    expect(seen.every((who) => /^local-[123]$/.test(who))).toBe(true);
    // 60 random picks among 3 miss one with probability ~3·(2/3)^60 ≈ 1e-10.
    expect(new Set(seen)).toEqual(new Set(['local-1', 'local-2', 'local-3']));
  });

  test('after a backend is removed, new connections avoid it within 1 s', async () => {
    await followsWithin(1000, () => store.set([svc([local(1), local(2), remote(false)])]), (who) => who === 'local-1' || who === 'local-2');
  });

  test('an affinity failover to the remote cluster backend is followed within 1 s', async () => {
    await followsWithin(1000, () => store.set([svc([local(1, false), local(2, false), remote(true)])]), (who) => who === 'remote');
  });

  test('the program is attached to the test cgroup and nowhere else', () => {
    const id = (JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'pinned', progPin], { encoding: 'utf8' })) as { id: number }).id;
    const tree = JSON.parse(execFileSync('bpftool', ['-j', 'cgroup', 'tree', CGROUP2_ROOT], { encoding: 'utf8' })) as {
      cgroup: string;
      programs: { id: number }[];
    }[];
    const where = tree.filter((c) => c.programs.some((p) => p.id === id)).map((c) => c.cgroup);
    expect(where).toEqual([cgroup]);
  });
});
