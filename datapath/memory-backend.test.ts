import { describe, expect, test } from 'vitest';
import { MapSpecs } from './layouts/constants.js';
import { createMemoryBackend, type WriteEvent } from './memory-backend.js';

const spec = { name: 'test_map', kind: 'hash', keySize: 2, valueSize: 4, maxEntries: 3, flags: 0 } as const;
const k = (n: number) => Buffer.from([0, n]);
const v = (n: number) => Buffer.from([n, 0, 0, 0]);

async function openMap(onWrite?: (e: WriteEvent) => void) {
  const backend = createMemoryBackend({ onWrite });
  const opened = await backend.open(spec);
  if (!opened.ok) throw new Error(opened.error.message);
  return { backend, map: opened.value };
}

describe('memory backend', () => {
  test('update, lookup, dump and delete', async () => {
    const { map } = await openMap();
    expect(await map.update([{ key: k(1), value: v(10) }, { key: k(2), value: v(20) }])).toEqual({ ok: true, value: undefined });
    expect(await map.lookup(k(1))).toEqual({ ok: true, value: v(10) });
    expect(await map.lookup(k(9))).toEqual({ ok: true, value: undefined });
    await map.update([{ key: k(1), value: v(11) }]);
    const dumped = await map.dump();
    expect(dumped.ok && dumped.value.map((e) => [e.key[1], e.value[0]]).sort()).toEqual([[1, 11], [2, 20]]);
    expect(await map.delete([k(1), k(7)])).toEqual({ ok: true, value: undefined });
    expect(await map.lookup(k(1))).toEqual({ ok: true, value: undefined });
  });

  test('the write hook sees each entry with the store already changed', async () => {
    const seen: string[] = [];
    let sizeAtEvent: number[] = [];
    const backend = createMemoryBackend({
      onWrite: (e) => {
        seen.push(`${e.op} ${e.map} ${e.key.toString('hex')} ${e.value?.toString('hex') ?? '-'}`);
        sizeAtEvent = [...sizeAtEvent, backend.snapshot().get('test_map')?.size ?? -1];
      },
    });
    const opened = await backend.open(spec);
    if (!opened.ok) throw new Error('open');
    await opened.value.update([{ key: k(1), value: v(1) }, { key: k(2), value: v(2) }]);
    await opened.value.delete([k(1), k(5)]);
    expect(seen).toEqual(['update test_map 0001 01000000', 'update test_map 0002 02000000', 'delete test_map 0001 -']);
    expect(sizeAtEvent).toEqual([1, 2, 1]);
  });

  test('a full map refuses new keys but accepts replacing existing ones; earlier entries stay', async () => {
    const { map, backend } = await openMap();
    await map.update([{ key: k(1), value: v(1) }, { key: k(2), value: v(2) }]);
    const res = await map.update([{ key: k(3), value: v(3) }, { key: k(4), value: v(4) }]);
    expect(res).toEqual({ ok: false, retry: false, error: { kind: 'full', map: 'test_map', message: 'test_map: map is full (3 entries)' } });
    expect(backend.snapshot().get('test_map')?.size).toBe(3);
    expect((await map.update([{ key: k(1), value: v(9) }])).ok).toBe(true);
  });

  test('wrong key or value sizes are rejected before anything is written', async () => {
    const { map, backend } = await openMap();
    const res = await map.update([{ key: k(1), value: v(1) }, { key: Buffer.alloc(3), value: v(2) }]);
    expect(res).toMatchObject({ ok: false, error: { kind: 'bad_size', message: 'test_map: key must be 2 bytes, got 3' } });
    expect(backend.snapshot().get('test_map')?.size).toBe(0);
    expect(await map.update([{ key: k(1), value: Buffer.alloc(2) }])).toMatchObject({
      ok: false,
      error: { message: 'test_map: value must be 4 bytes, got 2' },
    });
  });

  test('reopening a name returns the same contents; a different spec is refused', async () => {
    const backend = createMemoryBackend();
    const a = await backend.open(MapSpecs.lb4ReverseNat);
    if (!a.ok) throw new Error('open');
    await a.value.update([{ key: Buffer.from('0001', 'hex'), value: Buffer.alloc(6) }]);
    const b = await backend.open(MapSpecs.lb4ReverseNat);
    expect(b.ok && (await b.value.dump())).toMatchObject({ ok: true, value: [{ key: Buffer.from('0001', 'hex') }] });
    expect(await backend.open({ ...MapSpecs.lb4ReverseNat, valueSize: 8 })).toMatchObject({ ok: false, error: { kind: 'spec_mismatch' } });
  });

  test('a closed backend refuses every operation', async () => {
    const { map, backend } = await openMap();
    await backend.close();
    expect(await map.lookup(k(1))).toMatchObject({ ok: false, error: { kind: 'closed' } });
    expect(await backend.open(spec)).toMatchObject({ ok: false, error: { kind: 'closed' } });
  });
});
