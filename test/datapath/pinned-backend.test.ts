import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MapSpecs } from '../../datapath/layouts/constants.js';
import { lb4 } from '../../datapath/layouts/lb.js';
import type { MapSpec } from '../../datapath/maps.js';
import { loadBpfAddon } from '../../datapath/pinned/addon.js';
import { createPinnedBackend, type PinnedBackend } from '../../datapath/pinned/index.js';
import { bpfSkipReason, mountPrivateBpffs, skipWithReason, type PrivateBpffs } from './bpf-env.js';

const skip = bpfSkipReason();
const addon = loadBpfAddon();
const impls = ['native', 'bpftool'] as const;

function backendFor(impl: (typeof impls)[number], root: string): PinnedBackend {
  const b = createPinnedBackend({ root, impl });
  if (!b.ok) throw new Error(b.error);
  return b.value;
}

const svcKey = (slot: number) => lb4.serviceKey.encode({ address: '10.96.100.1', port: 80, proto: 6, scope: 0, slot });
const svcValue = (backendId: number, count: number) => lb4.serviceValue.encode({ backendId, count, revNatIndex: 7, flags: 0, flags2: 0, qcount: 0 });

describe.skipIf(skipWithReason(skip, 'pinned BPF backend'))('pinned BPF map backend', () => {
  let fs: PrivateBpffs;
  beforeAll(() => {
    fs = mountPrivateBpffs();
  });
  afterAll(() => fs?.cleanup());

  describe.each(impls)('via %s', (impl) => {
    const root = () => join(fs.dir, impl);

    test.skipIf(impl === 'native' && skipWithReason(addon.addon ? undefined : addon.reason, 'native impl'))(
      'creates pins with Cilium names and specs, writes, reads, deletes, and a reopen sees the same contents',
      async () => {
        const backend = backendFor(impl, root());
        const opened = await backend.open(MapSpecs.lb4Services);
        expect(opened.ok).toBe(true);
        if (!opened.ok) return;
        const map = opened.value;
        const shown = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', join(root(), 'cilium_lb4_services_v2')], { encoding: 'utf8' }));
        expect(shown).toMatchObject({ type: 'hash', bytes_key: 12, bytes_value: 12, max_entries: 65536, flags: 0, name: 'cilium_lb4_serv' });

        expect(await map.update([{ key: svcKey(1), value: svcValue(5, 0) }, { key: svcKey(0), value: svcValue(0, 1) }])).toEqual({ ok: true, value: undefined });
        expect(await map.lookup(svcKey(1))).toEqual({ ok: true, value: svcValue(5, 0) });
        expect(await map.lookup(svcKey(2))).toEqual({ ok: true, value: undefined });
        expect(await map.update([{ key: svcKey(1), value: svcValue(6, 0) }])).toMatchObject({ ok: true });
        // A missing key in a delete batch is not an error and does not stop the batch.
        expect(await map.delete([svcKey(9), svcKey(0)])).toMatchObject({ ok: true });

        const bad = await map.update([{ key: Buffer.alloc(3), value: svcValue(1, 0) }]);
        expect(bad).toMatchObject({ ok: false, error: { kind: 'bad_size' } });
        await backend.close();
        expect(await map.dump()).toMatchObject({ ok: false, error: { kind: 'closed' } });

        const again = backendFor(impl, root());
        const reopened = await again.open(MapSpecs.lb4Services);
        if (!reopened.ok) throw new Error(reopened.error.message);
        const dumped = await reopened.value.dump();
        expect(dumped.ok && dumped.value.map((e) => [e.key.toString('hex'), e.value.toString('hex')])).toEqual([
          [svcKey(1).toString('hex'), svcValue(6, 0).toString('hex')],
        ]);
        await again.close();
      },
    );

    test.skipIf(impl === 'native' && !addon.addon)('an LPM trie is created without preallocation, as the kernel requires', async () => {
      const backend = backendFor(impl, root());
      const opened = await backend.open(MapSpecs.egressPolicyV4);
      expect(opened.ok).toBe(true);
      const shown = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', join(root(), 'cilium_egress_gw_policy_v4')], { encoding: 'utf8' }));
      expect(shown).toMatchObject({ type: 'lpm_trie', bytes_key: 12, bytes_value: 8, max_entries: 16384, flags: 1 });
      await backend.close();
    });

    test.skipIf(impl === 'native' && !addon.addon)('a pin with a different spec is refused with a message naming the difference', async () => {
      const backend = backendFor(impl, root());
      const other: MapSpec = { ...MapSpecs.lb4Backends, name: 'cilium_lb4_services_v2' };
      const opened = await backend.open(other);
      expect(opened.ok).toBe(false);
      if (opened.ok) return;
      expect(opened.error.kind).toBe('spec_mismatch');
      expect(opened.error.message).toContain('keySize 12 (want 4)');
      await backend.close();
    });

    test.skipIf(impl === 'native' && !addon.addon)('a full map reports kind full', async () => {
      const backend = backendFor(impl, root());
      const tiny: MapSpec = { name: 'meshlb_test_tiny', kind: 'hash', keySize: 4, valueSize: 4, maxEntries: 2, flags: 0 };
      const opened = await backend.open(tiny);
      if (!opened.ok) throw new Error(opened.error.message);
      const entry = (i: number) => ({ key: Buffer.from([i, 0, 0, 0]), value: Buffer.from([i, 0, 0, 0]) });
      const res = await opened.value.update([entry(1), entry(2), entry(3)]);
      expect(res).toMatchObject({ ok: false, error: { kind: 'full' } });
      const dumped = await opened.value.dump();
      // The prefix before the failing entry stays written.
      expect(dumped.ok && dumped.value.length).toBe(2);
      await backend.close();
    });
  });

  test('a root outside a bpf filesystem is refused', () => {
    const res = createPinnedBackend({ root: join(fs.dir, '..', 'meshlb-not-bpffs-' + process.pid) });
    expect(res).toMatchObject({ ok: false });
    if (!res.ok) expect(res.error).toContain('is not on a bpf filesystem');
    execFileSync('rm', ['-rf', join(fs.dir, '..', 'meshlb-not-bpffs-' + process.pid)]);
  });
});
