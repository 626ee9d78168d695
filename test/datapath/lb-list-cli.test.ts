/** `meshlb bpf lb list` against pinned maps the datapath programmed. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runLbList } from '../../datapath/cli.js';
import { contentsFromAgentJson } from '../../datapath/lb-list-sources.js';
import { formatLbList } from '../../datapath/lb-list.js';
import { createPinnedBackend } from '../../datapath/pinned/index.js';
import { createServiceDatapath } from '../../datapath/service-datapath.js';
import type { TableService } from '../../datapath/service-table.js';
import { createTableStore } from '../../datapath/table-store.js';
import { bpfSkipReason, mountPrivateBpffs, skipWithReason, type PrivateBpffs } from './bpf-env.js';

const table: TableService[] = [
  {
    namespace: 'default',
    name: 'productpage',
    frontends: [{ address: '10.43.144.23', port: 9080, protocol: 'TCP', type: 'ClusterIP' }],
    backends: [
      { address: '10.42.0.231', port: 9080, protocol: 'TCP', clusterID: 1, inUse: true },
      { address: '10.42.0.252', port: 9080, protocol: 'TCP', clusterID: 1, inUse: true },
    ],
  },
  {
    namespace: 'default',
    name: 'lb',
    frontends: [{ address: '198.51.100.7', port: 443, protocol: 'TCP', type: 'LoadBalancer' }],
    backends: [{ address: '10.42.1.5', port: 8443, protocol: 'TCP', clusterID: 2, inUse: true }],
  },
];

// Columns as Go's tabwriter lays them out (padding 3), as the golden test of lb-list.ts has them.
const expected = [
  'SERVICE ADDRESS     BACKEND ADDRESS (REVNAT_ID) (SLOT)',
  '10.43.144.23:9080   10.42.0.231:9080 (2) (1)',
  '                    10.42.0.252:9080 (2) (2)',
  '                    0.0.0.0:0 (2) (0) [ClusterIP, non-routable]',
  '198.51.100.7:443    10.42.1.5:8443 (1) (1)',
  '                    0.0.0.0:0 (1) (0) [LoadBalancer]',
  '',
].join('\n');

async function capture(flags: Parameters<typeof runLbList>[0]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLbList(flags, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

test('the agent JSON path encodes the table as the agent programs it', () => {
  const contents = contentsFromAgentJson(table);
  expect(contents.ok && formatLbList(contents.value)).toBe(expected);
  expect(contentsFromAgentJson([{ namespace: 'x' }])).toMatchObject({ ok: false });
});

test('--bpf-root and --agent together are refused', async () => {
  expect(await capture({ bpfRoot: '/nonexistent', agent: 'http://127.0.0.1:1' })).toMatchObject({ code: 2, out: '' });
});

describe.skipIf(skipWithReason(bpfSkipReason(), 'bpf lb list on pinned maps'))('bpf lb list --bpf-root', () => {
  let fs: PrivateBpffs;
  beforeAll(() => {
    fs = mountPrivateBpffs();
  });
  afterAll(() => fs?.cleanup());

  test('prints the pinned service maps in the reference format', async () => {
    const root = join(fs.dir, 'meshlb');
    const backend = createPinnedBackend({ root });
    if (!backend.ok) throw new Error(backend.error);
    const datapath = createServiceDatapath({ backend: backend.value, source: createTableStore(table) });
    try {
      await datapath.start(new AbortController().signal);
    } finally {
      await datapath.stop();
      await backend.value.close();
    }
    expect(await capture({ bpfRoot: root })).toEqual({ code: 0, out: expected, err: '' });
  });

  test('a root without pinned maps is an error, and nothing is created there', async () => {
    const res = await capture({ bpfRoot: join(fs.dir, 'empty') });
    expect(res.code).toBe(1);
    expect(res.err).toContain('no service maps are pinned under');
  });
});
