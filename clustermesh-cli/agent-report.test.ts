import { expect, test } from 'vitest';
import { formatStatusText, summarize } from '../agent-sync/status-format.js';
import { reportFromAgentStatus } from './agent-report.js';

const ready = (name: string, id: number) => ({ name, phase: 'ready', connected: true, ready: true, clusterID: id, numFailures: 0, numNodes: 1, numServices: 2, numIdentities: 3, numEndpoints: 4, servicesRevoked: false, configured: true });

test('an agent answer becomes a report; rejected config files show as unconnected clusters', () => {
  const r = reportFromAgentStatus(
    {
      node: 'c1-node1',
      cluster: { name: 'c1', id: 1 },
      globalServices: 2,
      clusters: [ready('c2', 2)],
      rejectedConfigs: [{ file: 'c3', reason: 'endpoints must list at least one URL' }],
    },
    'http://127.0.0.1:1',
  );
  expect(r).toMatchObject({ node: 'c1-node1', reachable: true, globalServices: 2 });
  expect(formatStatusText(summarize([r]))).toBe(
    [
      '⚠️  1/1 nodes are not connected to all clusters [min:1 / avg:1.0 / max:1]',
      '🔌 Cluster Connections:',
      '  - c2: 1/1 configured, 1/1 connected',
      '  - c3: 1/1 configured, 0/1 connected',
      '🔀 Global services: [ min:2 / avg:2.0 / max:2 ]',
      '❌ 1 Errors:',
      '  ❌ c1-node1 is not connected to cluster c3: cluster is not ready: config file rejected: endpoints must list at least one URL',
      '',
    ].join('\n'),
  );
});

test('a malformed answer is an unreachable report naming the field', () => {
  expect(reportFromAgentStatus({ node: 'n', globalServices: -1, clusters: [] }, 'http://x')).toEqual({
    node: 'http://x',
    reachable: false,
    error: expect.stringContaining('globalServices'),
  });
  expect(reportFromAgentStatus('nope', 'http://x')).toMatchObject({ reachable: false });
});
