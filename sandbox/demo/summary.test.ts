import { expect, test } from 'vitest';
import type { Snapshot } from '../../ui/snapshot.js';
import { formatDemoSummary } from './summary.js';

test('summary: connections, rebel-base per cluster with in-use marks, pool usage and the page URL', () => {
  const b = (address: string, clusterID: number, inUse: boolean) => ({ address, port: 80, protocol: 'TCP', clusterID, inUse });
  const s: Snapshot = {
    takenAt: 't',
    clusters: [1, 2].map((id) => ({
      name: `c${id}`,
      id,
      agents: [
        {
          node: `c${id}-node1`,
          url: 'u',
          mesh: { state: 'ok', value: { cluster: { name: `c${id}`, id }, clusters: [{ name: `c${3 - id}`, connected: true, ready: true }] } },
          services: { state: 'ok', value: [{ namespace: 'default', name: 'rebel-base', frontends: [], backends: [b('10.1.0.21', 1, id === 1), b('10.2.0.21', 2, true)] }] },
          bgpPeers: { state: 'absent' },
          l2: { state: 'absent' },
        },
      ],
      pools:
        id === 1
          ? { state: 'ok', value: [{ metadata: { name: 'empire' }, spec: { blocks: [{ cidr: '198.51.100.0/28' }] }, status: { conditions: [{ type: 'cilium.io/IPsUsed', status: 'Unknown', message: '1' }, { type: 'cilium.io/IPsAvailable', status: 'Unknown', message: '15' }] } }] }
          : { state: 'ok', value: [] },
      lbServices: { state: 'ok', value: id === 1 ? [{ namespace: 'default', name: 'deathstar', ips: ['198.51.100.0'] }] : [] },
    })),
  };
  expect(formatDemoSummary(s, 'http://127.0.0.1:8080/')).toBe(
    [
      '',
      'meshlb demo',
      '',
      'Clusters:',
      '  c1 (id 1): c2 connected',
      '  c2 (id 2): c1 connected',
      '',
      'Global services (backends per cluster; * = in use):',
      '  default/rebel-base as seen in c1: c1: 10.1.0.21* | c2: 10.2.0.21*',
      '  default/rebel-base as seen in c2: c1: 10.1.0.21 | c2: 10.2.0.21*',
      '',
      'LoadBalancer IP pools:',
      '  c1/empire 198.51.100.0/28: 1 used, 15 available (default/deathstar 198.51.100.0)',
      '',
      'Status page: http://127.0.0.1:8080/',
      '',
    ].join('\n'),
  );
});
