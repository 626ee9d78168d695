/** The map adapter over the project's in-memory backend (the BPF backend is covered in test/). */
import { describe, expect, test } from 'vitest';
import { createMemoryBackend } from '../datapath/memory-backend.js';
import type { BpfMap } from '../datapath/maps.js';
import { decide, type Inputs } from './desired.js';
import { formatEgressList } from './list.js';
import { createEgressMapWriter, openEgressMap, readEgressMap, syncEgressMap } from './map.js';
import { node, pod, policy } from './test-fixtures.js';

const GW = { egress: 'true' };

function inputs(over: Partial<Inputs> = {}): Inputs {
  return {
    localNode: 'worker',
    policies: [policy('p', { destinationCIDRs: ['0.0.0.0/0'], excludedCIDRs: ['10.0.0.0/8'] })],
    pods: [pod('a1', ['10.0.1.5']), pod('a2', ['10.0.1.6'])],
    namespaces: [{ name: 'default', labels: {} }],
    nodes: [node('worker', '192.168.0.2'), node('gw-a', '192.168.0.10', GW), node('gw-b', '192.168.0.11', GW)],
    ...over,
  };
}

async function openMap(): Promise<BpfMap> {
  const m = await openEgressMap(createMemoryBackend());
  if (!m.ok) throw new Error(m.error.message);
  return m.value;
}

async function listing(map: BpfMap): Promise<string> {
  const r = await readEgressMap(map);
  if (!r.ok) throw new Error(r.error.message);
  return formatEgressList(r.value.entries);
}

describe('syncEgressMap', () => {
  test('programs the desired entries, then a repeat pass writes nothing', async () => {
    const map = await openMap();
    const desired = decide(inputs()).entries;
    expect(await syncEgressMap(map, desired)).toEqual({ ok: true, value: { written: 4, deleted: 0 } });
    expect(await listing(map)).toBe(
      [
        'Source IP  Destination CIDR  Egress IP  Gateway IP',
        '10.0.1.5   0.0.0.0/0         0.0.0.0    192.168.0.10',
        '10.0.1.5   10.0.0.0/8        0.0.0.0    0.0.0.1',
        '10.0.1.6   0.0.0.0/0         0.0.0.0    192.168.0.10',
        '10.0.1.6   10.0.0.0/8        0.0.0.0    0.0.0.1',
        '',
      ].join('\n'),
    );
    expect(await syncEgressMap(map, desired)).toEqual({ ok: true, value: { written: 0, deleted: 0 } });
  });

  test('failover and pod removal rewrite and delete only what changed', async () => {
    const map = await openMap();
    await syncEgressMap(map, decide(inputs()).entries);
    const next = inputs({ pods: [pod('a1', ['10.0.1.5'])], nodes: [node('gw-a', '192.168.0.10'), node('gw-b', '192.168.0.11', GW)] });
    expect(await syncEgressMap(map, decide(next).entries)).toEqual({ ok: true, value: { written: 1, deleted: 2 } });
    expect(await listing(map)).toContain('10.0.1.5   0.0.0.0/0         0.0.0.0    192.168.0.11');
    expect(await listing(map)).not.toContain('10.0.1.6');
  });

  test('entries that do not decode are removed', async () => {
    const map = await openMap();
    const junk = Buffer.alloc(12); // prefixlen 0: below the 32 source bits every key carries
    await map.update([{ key: junk, value: Buffer.alloc(8) }]);
    expect(await syncEgressMap(map, new Map())).toEqual({ ok: true, value: { written: 0, deleted: 1 } });
    const left = await map.dump();
    expect(left.ok && left.value).toEqual([]);
  });

  test('a map too small for the entries reports full instead of throwing', async () => {
    const m = await openEgressMap(createMemoryBackend(), 2);
    if (!m.ok) throw new Error(m.error.message);
    expect(await syncEgressMap(m.value, decide(inputs()).entries)).toMatchObject({ ok: false, error: { kind: 'full' } });
  });
});

describe('createEgressMapWriter', () => {
  test('adopts what is already in the map, then writes only differences', async () => {
    const map = await openMap();
    await syncEgressMap(map, decide(inputs()).entries);
    const writer = createEgressMapWriter(map);
    expect(await writer.sync(decide(inputs()).entries)).toEqual({ ok: true, value: { written: 0, deleted: 0 } });
    const three = inputs({ pods: [pod('a1', ['10.0.1.5']), pod('a2', ['10.0.1.6']), pod('a3', ['10.0.1.7'])] });
    expect(await writer.sync(decide(three).entries)).toEqual({ ok: true, value: { written: 2, deleted: 0 } });
    const one = inputs({ pods: [pod('a3', ['10.0.1.7'])] });
    expect(await writer.sync(decide(one).entries)).toEqual({ ok: true, value: { written: 0, deleted: 4 } });
    const r = await readEgressMap(map);
    expect(r.ok && r.value.entries.map((e) => e.key.sourceIp)).toEqual(['10.0.1.7', '10.0.1.7']);
    expect(writer.entries()).toHaveLength(2);
  });

  test('after a failed write it re-reads the map instead of trusting its record', async () => {
    const backend = createMemoryBackend();
    const small = await openEgressMap(backend, 3);
    if (!small.ok) throw new Error(small.error.message);
    const writer = createEgressMapWriter(small.value);
    const failed = await writer.sync(decide(inputs()).entries);
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error.kind).toBe('full');
    // Three of four entries were written before the map filled up; the writer now knows that.
    const fewer = await writer.sync(decide(inputs({ pods: [pod('a1', ['10.0.1.5'])] })).entries);
    expect(fewer.ok).toBe(true);
    const r = await readEgressMap(small.value);
    expect(r.ok && r.value.entries.map((e) => e.key.sourceIp).sort()).toEqual(['10.0.1.5', '10.0.1.5']);
  });
});
