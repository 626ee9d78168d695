/**
 * The addon's batch writes against real kernel maps: more entries than one batch syscall
 * carries keep the order and the "prefix stays written" behaviour of one syscall per entry,
 * deletes step over missing keys anywhere in a batch, and a hash map on a kernel with batch
 * commands (Linux 5.6+) really uses them.
 */
import { release } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MapEntry, MapSpec } from '../../datapath/maps.js';
import { loadBpfAddon } from '../../datapath/pinned/addon.js';
import { createPinnedBackend, type PinnedBackend } from '../../datapath/pinned/index.js';
import { bpfSkipReason, mountPrivateBpffs, skipWithReason, type PrivateBpffs } from './bpf-env.js';

const loaded = loadBpfAddon();
const skip = bpfSkipReason() ?? (loaded.addon ? undefined : loaded.reason);

/** More than the addon's 8192 entries per batch syscall, so batches chain. */
const COUNT = 20_000;

function entry(i: number): MapEntry {
  const key = Buffer.alloc(8);
  key.writeUInt32LE(i, 0);
  const value = Buffer.alloc(4);
  value.writeUInt32LE(i * 7, 0);
  return { key, value };
}

function kernelHasBatches(): boolean {
  const [major = 0, minor = 0] = release().split('.').map(Number);
  return major > 5 || (major === 5 && minor >= 6);
}

describe.skipIf(skipWithReason(skip, 'native batch writes'))('native addon batch writes', () => {
  let fs: PrivateBpffs;
  let backend: PinnedBackend;
  beforeAll(() => {
    fs = mountPrivateBpffs();
    const b = createPinnedBackend({ root: join(fs.dir, 'batch'), impl: 'native' });
    if (!b.ok) throw new Error(b.error);
    backend = b.value;
  });
  afterAll(async () => {
    await backend?.close();
    fs?.cleanup();
  });

  const spec = (name: string, maxEntries: number): MapSpec => ({ name, kind: 'hash', keySize: 8, valueSize: 4, maxEntries, flags: 0 });

  test('every entry of a multi-batch update lands with its own value', async () => {
    const opened = await backend.open(spec('meshlb_t_many', COUNT));
    if (!opened.ok) throw new Error(opened.error.message);
    const refusalsBefore = loaded.addon!.batchRefusals();
    const entries = Array.from({ length: COUNT }, (_, i) => entry(i + 1));
    expect(await opened.value.update(entries)).toEqual({ ok: true, value: undefined });
    if (kernelHasBatches()) expect(loaded.addon!.batchRefusals()).toBe(refusalsBefore);

    const dumped = await opened.value.dump();
    if (!dumped.ok) throw new Error(dumped.error.message);
    const got = dumped.value.map((e) => [e.key.readUInt32LE(0), e.value.readUInt32LE(0)]).sort((a, b) => a[0]! - b[0]!);
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => [i + 1, (i + 1) * 7]));
  });

  test('a map that fills up in the third batch keeps exactly the entries before the failing one', async () => {
    const room = 17_000;
    const opened = await backend.open(spec('meshlb_t_fill', room));
    if (!opened.ok) throw new Error(opened.error.message);
    const res = await opened.value.update(Array.from({ length: COUNT }, (_, i) => entry(i + 1)));
    expect(res).toMatchObject({ ok: false, error: { kind: 'full', message: expect.stringContaining(`update of entry ${room}`) } });
    const dumped = await opened.value.dump();
    if (!dumped.ok) throw new Error(dumped.error.message);
    const keys = dumped.value.map((e) => e.key.readUInt32LE(0)).sort((a, b) => a - b);
    expect(keys).toEqual(Array.from({ length: room }, (_, i) => i + 1));
  });

  test('a delete batch with missing keys scattered across batches deletes all the present ones', async () => {
    const opened = await backend.open(spec('meshlb_t_del', COUNT));
    if (!opened.ok) throw new Error(opened.error.message);
    // Odd keys only; the delete names every key 1..COUNT, so half of them are missing.
    expect(await opened.value.update(Array.from({ length: COUNT / 2 }, (_, i) => entry(2 * i + 1)))).toMatchObject({ ok: true });
    expect(await opened.value.update([entry(COUNT + 5)])).toMatchObject({ ok: true });
    const res = await opened.value.delete(Array.from({ length: COUNT }, (_, i) => entry(i + 1).key));
    expect(res).toEqual({ ok: true, value: undefined });
    const dumped = await opened.value.dump();
    expect(dumped.ok && dumped.value.map((e) => e.key.readUInt32LE(0))).toEqual([COUNT + 5]);
  });

  test('an LPM trie (no-prealloc) takes batched writes too, or falls back entry by entry', async () => {
    const lpm: MapSpec = { name: 'meshlb_t_lpm', kind: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 64, flags: 1 };
    const opened = await backend.open(lpm);
    if (!opened.ok) throw new Error(opened.error.message);
    const prefix = (i: number): MapEntry => {
      const key = Buffer.alloc(8);
      key.writeUInt32LE(32, 0);
      key.writeUInt32BE(0x0a000000 + i, 4);
      return { key, value: Buffer.from([i, 0, 0, 0]) };
    };
    expect(await opened.value.update([prefix(1), prefix(2), prefix(3)])).toEqual({ ok: true, value: undefined });
    expect(await opened.value.lookup(prefix(2).key)).toEqual({ ok: true, value: Buffer.from([2, 0, 0, 0]) });
    // A prefix length past the key is the kernel's EINVAL for that entry, batched or not.
    const bad = prefix(4);
    bad.key.writeUInt32LE(64, 0);
    expect(await opened.value.update([prefix(5), bad])).toMatchObject({ ok: false, error: { kind: 'io', message: expect.stringContaining('update of entry 1') } });
    expect(await opened.value.lookup(prefix(5).key)).toEqual({ ok: true, value: Buffer.from([5, 0, 0, 0]) });
  });
});
