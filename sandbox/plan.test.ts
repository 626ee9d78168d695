import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PORT_NAMES, buildEnv, buildKubeconfig, planClusters } from './plan.js';

function portSource(start: number): () => number {
  let next = start;
  return () => next++;
}

describe('planClusters', () => {
  test('names clusters c1..cN with IDs 1..N and distinct ports', () => {
    const s = planClusters(undefined, 3, portSource(40000));
    expect(s.clusters.map((c) => [c.name, c.id])).toEqual([
      ['c1', 1],
      ['c2', 2],
      ['c3', 3],
    ]);
    const ports = s.clusters.flatMap((c) => Object.values(c.ports));
    expect(new Set(ports).size).toBe(3 * PORT_NAMES.length);
  });

  test('resuming keeps the ports of existing clusters and only adds new ones', () => {
    const first = planClusters(undefined, 2, portSource(40000));
    const second = planClusters(first, 3, portSource(50000));
    expect(second.clusters.slice(0, 2)).toEqual(first.clusters);
    expect(second.clusters[2]?.ports.apiserver).toBe(50000);
  });

  test('a state from an older version gets the ports it lacks, keeping the others', () => {
    const old = {
      version: 1 as const,
      clusters: [{ name: 'c1', id: 1, ports: { apiserver: 1000, etcdClient: 1001, etcdPeer: 1002 } }],
    };
    const next = planClusters(old, 1, portSource(50000));
    expect(next.clusters[0]?.ports).toMatchObject({
      apiserver: 1000,
      etcdClient: 1001,
      etcdPeer: 1002,
      meshEtcdClient: 50000,
    });
  });
});

describe('buildKubeconfig', () => {
  test('one context per cluster named after it, token auth, CA data', () => {
    const s = planClusters(undefined, 2, portSource(40000));
    const kc = parse(buildKubeconfig(s.clusters, 'PEM', 'tok')) as Record<string, unknown>;
    expect(kc['current-context']).toBe('c1');
    expect(kc.contexts).toEqual([
      { name: 'c1', context: { cluster: 'c1', user: 'sandbox-admin' } },
      { name: 'c2', context: { cluster: 'c2', user: 'sandbox-admin' } },
    ]);
    expect(kc.clusters).toEqual([
      { name: 'c1', cluster: { server: 'https://127.0.0.1:40000', 'certificate-authority-data': 'UEVN' } },
      {
        name: 'c2',
        cluster: {
          server: `https://127.0.0.1:${40000 + PORT_NAMES.length}`,
          'certificate-authority-data': 'UEVN',
        },
      },
    ]);
    expect(kc.users).toEqual([{ name: 'sandbox-admin', user: { token: 'tok' } }]);
  });
});

describe('buildEnv', () => {
  test('has the documented shape and lets features add fields per cluster', () => {
    const s = planClusters(undefined, 1, portSource(40000));
    const env = buildEnv('/abs/kubeconfig', s.clusters, (c) => ({ extra: c.name }));
    expect(env).toEqual({
      kubeconfig: '/abs/kubeconfig',
      clusters: [
        {
          name: 'c1',
          id: 1,
          context: 'c1',
          server: 'https://127.0.0.1:40000',
          etcd: { endpoints: ['http://127.0.0.1:40001'] },
          extra: 'c1',
        },
      ],
    });
  });
});
