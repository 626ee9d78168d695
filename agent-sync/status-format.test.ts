import { describe, expect, test } from 'vitest';
import {
  formatStatusJson,
  formatStatusText,
  summarize,
  type AgentClusterStatus,
  type AgentReport,
} from './status-format.js';

const ready = (name: string, clusterID: number): AgentClusterStatus => ({
  name,
  connected: true,
  ready: true,
  clusterID,
});
const agent = (node: string, clusters: AgentClusterStatus[], globalServices = 1): AgentReport => ({
  node,
  reachable: true,
  globalServices,
  clusters,
});

describe('clustermesh status', () => {
  test('all connected', () => {
    const s = summarize([
      agent('c1-node1', [ready('c3', 3), ready('c2', 2)]),
      agent('c1-node2', [ready('c2', 2), ready('c3', 3)], 3),
    ]);
    expect(s.allConnected).toBe(true);
    expect(formatStatusText(s)).toBe(
      [
        '✅ All 2 nodes are connected to all clusters [min:2 / avg:2.0 / max:2]',
        '🔌 Cluster Connections:',
        '  - c2: 2/2 configured, 2/2 connected',
        '  - c3: 2/2 configured, 2/2 connected',
        '🔀 Global services: [ min:1 / avg:2.0 / max:3 ]',
        '',
      ].join('\n'),
    );
  });

  test('a remote that is down, one that was refused, and an agent that cannot be reached', () => {
    const s = summarize([
      agent('c1-node1', [
        ready('c2', 2),
        {
          name: 'c3',
          connected: false,
          ready: false,
          clusterID: 3,
          lastError: 'dial tcp 127.0.0.1:32379: connection refused',
        },
      ]),
      agent('c1-node2', [
        ready('c2', 2),
        {
          name: 'c3',
          connected: false,
          ready: false,
          clusterID: 0,
          lastError: 'remote cluster c3 has cluster ID 1, the same as the local cluster c1',
        },
      ]),
      { node: 'c1-node3', reachable: false, error: 'connect ECONNREFUSED 127.0.0.1:9876' },
    ]);
    expect(s).toMatchObject({ nodes: 3, notReady: 3, allConnected: false });
    expect(s.connected.min).toBe(0);
    expect(s.connected.max).toBe(1);
    expect(s.connected.avg).toBeCloseTo(2 / 3);
    expect(formatStatusText(s)).toBe(
      [
        '⚠️  3/3 nodes are not connected to all clusters [min:0 / avg:0.7 / max:1]',
        '🔌 Cluster Connections:',
        '  - c2: 2/3 configured, 2/3 connected',
        '  - c3: 2/3 configured, 0/3 connected',
        '🔀 Global services: [ min:1 / avg:1.0 / max:1 ]',
        '❌ 3 Errors:',
        '  ❌ c1-node1 is not connected to cluster c3: cluster is not ready: dial tcp 127.0.0.1:32379: connection refused',
        '  ❌ c1-node2 is not connected to cluster c3: cluster is not ready: remote cluster c3 has cluster ID 1, the same as the local cluster c1',
        '  ❌ c1-node3: status unavailable: connect ECONNREFUSED 127.0.0.1:9876',
        '',
      ].join('\n'),
    );
  });

  test.each([
    [
      { name: 'c2', connected: true, ready: false, clusterID: 2 },
      'cluster is not ready: waiting for initial sync',
    ],
    [
      { name: 'c2', connected: false, ready: false, clusterID: 2, phase: 'connecting' },
      'cluster is not ready: connecting',
    ],
    [{ name: 'c2', connected: false, ready: false, clusterID: 2 }, 'cluster is not ready: not connected'],
  ])('a not-ready remote without an error says why: %j', (cluster, error) => {
    expect(summarize([agent('n', [cluster])]).errors).toEqual([{ node: 'n', cluster: 'c2', error }]);
  });

  test('no agents is not "all connected"', () => {
    const s = summarize([]);
    expect(s.allConnected).toBe(false);
    expect(formatStatusText(s)).toContain(
      '✅ All 0 nodes are connected to all clusters [min:0 / avg:0.0 / max:0]',
    );
  });

  test('a node with no remotes configured counts as connected to all of them', () => {
    const s = summarize([agent('n', [], 0)]);
    expect(s).toMatchObject({ nodes: 1, notReady: 0, allConnected: true, clusters: [] });
  });

  test('JSON carries the same data', () => {
    const s = summarize([agent('c1-node1', [ready('c2', 2)])]);
    expect(JSON.parse(formatStatusJson(s))).toEqual({
      nodes: 1,
      notReady: 0,
      connected: { min: 1, avg: 1, max: 1 },
      globalServices: { min: 1, avg: 1, max: 1 },
      clusters: [{ name: 'c2', configured: 1, connected: 1 }],
      errors: [],
      allConnected: true,
    });
  });
});
